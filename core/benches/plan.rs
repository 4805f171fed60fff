//! Planning time: 16384 slots over many nodes, including adding and draining.
//! `cargo bench -p keyroute --bench plan` (`-- --test`: the 10-node case once).

use std::hint::black_box;
use std::time::Instant;

use keyroute::plan::Rebalance;

/// `nodes` current nodes holding contiguous blocks, plus `add` empty ones.
fn input(nodes: usize, add: usize) -> Rebalance {
    let mut r = Rebalance::new();
    for i in 0..nodes {
        let a = (i * 16384 / nodes) as u16;
        let b = ((i + 1) * 16384 / nodes - 1) as u16;
        r.node(&format!("{i:040x}"), None, &[(a, b)]).unwrap();
    }
    for j in 0..add {
        r.add(&format!("{:040x}", nodes + j), None).unwrap();
    }
    r
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let cases: &[(usize, usize)] = if test_mode {
        &[(10, 1)]
    } else {
        &[(3, 2), (100, 10), (1000, 0), (1000, 100), (900, 100)]
    };
    println!("resharding plans (median of 5 runs)");
    for &(nodes, add) in cases {
        let r = input(nodes, add);
        let mut times: Vec<f64> = (0..if test_mode { 1 } else { 5 })
            .map(|_| {
                let t = Instant::now();
                let plan = black_box(r.plan().unwrap());
                assert_eq!(plan.moves_total(), plan.lower_bound);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let plan = r.plan().unwrap();
        println!(
            "  {nodes:>5} nodes + {add:>3} added: {:>8.2} ms, {} slots in {} moves",
            times[times.len() / 2],
            plan.moves_total(),
            plan.moves.len()
        );
    }
    if test_mode {
        println!("bench plan: test mode, ran once");
    }
}
