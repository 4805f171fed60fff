//! Command key extraction and same-slot checks, per call.
//!
//! `cargo bench -p keyroute --bench command` prints ns per call for a mix of
//! commands; the side-by-side comparisons with redis-py's CommandsParser and
//! @ioredis/commands live in bench/python and bench/js (same mix). `-- --test`
//! runs each case once.

use std::hint::black_box;
use std::time::Instant;

use keyroute::command::{CommandTable, Mode};

/// The mix every language's command benchmark uses.
fn mix() -> Vec<Vec<&'static str>> {
    vec![
        vec!["GET", "user:1000"],
        vec!["SET", "user:1000", "v", "EX", "10"],
        vec![
            "MGET", "{u}1", "{u}2", "{u}3", "{u}4", "{u}5", "{u}6", "{u}7", "{u}8",
        ],
        vec!["MSET", "{u}1", "a", "{u}2", "b", "{u}3", "c"],
        vec!["EVAL", "return 1", "2", "{u}1", "{u}2", "arg"],
        vec!["XREAD", "COUNT", "10", "STREAMS", "{s}a", "{s}b", "0", "0"],
        vec![
            "ZUNIONSTORE",
            "{z}out",
            "2",
            "{z}a",
            "{z}b",
            "WEIGHTS",
            "1",
            "2",
        ],
        vec![
            "SORT", "{l}src", "BY", "w_*", "LIMIT", "0", "10", "STORE", "{l}dst",
        ],
        vec!["OBJECT", "ENCODING", "k"],
        vec!["GEORADIUS", "{g}a", "0", "0", "10", "km", "STORE", "{g}b"],
        vec!["HSET", "h", "f1", "v1", "f2", "v2"],
        vec!["BLMPOP", "0", "2", "{q}a", "{q}b", "LEFT"],
    ]
}

fn ns_per_call(passes: usize, calls: usize, f: &dyn Fn() -> usize) -> f64 {
    for _ in 0..2 {
        black_box(f());
    }
    let mut samples: Vec<f64> = (0..passes)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_nanos() as f64 / calls as f64
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let (passes, reps) = if test_mode { (1, 1) } else { (11, 20_000) };
    let table = CommandTable::builtin();
    let mix = mix();
    for argv in &mix {
        assert!(table.check(argv).is_ok(), "{argv:?}");
    }
    let calls = reps * mix.len();
    let keys = ns_per_call(passes, calls, &|| {
        let mut n = 0;
        for _ in 0..reps {
            for argv in &mix {
                n += table.keys(black_box(argv), Mode::Routing).unwrap().len();
            }
        }
        n
    });
    let check = ns_per_call(passes, calls, &|| {
        let mut n = 0;
        for _ in 0..reps {
            for argv in &mix {
                n += table.check(black_box(argv)).unwrap().unwrap_or(0) as usize;
            }
        }
        n
    });
    println!(
        "command key extraction, mix of {} commands (median of {passes} passes)",
        mix.len()
    );
    println!("  keys(argv, Routing)  {keys:>8.1} ns/call");
    println!("  check(argv)          {check:>8.1} ns/call");
    if test_mode {
        println!("bench command: test mode, every case ran once");
    }
}
