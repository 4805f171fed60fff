//! MGET of 1000 keys over 4 shards, and a pipeline of 1000 GETs, through
//! `Sharded` against the same work done by hand on the same kind of
//! connections (group the keys with `Pool::index_for`, one MGET or
//! sub-pipeline per shard, put the replies back in order), sync and async.
//!
//! `cargo bench -p keyroute-redis --bench mget` starts four redis-servers on
//! free loopback ports (stopped by PID at the end). `-- --test` runs each
//! case once to prove it works and agrees. The ratio is by-hand time over
//! keyroute time: 1.00 means the adapter costs nothing over careful
//! hand-written code.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keyroute::partition::{Pool, Scheme};
use keyroute_redis::Sharded;

struct Servers(Vec<Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(n: usize) -> (Servers, Vec<u16>) {
    let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let mut procs = Servers(Vec::new());
    for &p in &ports {
        procs.0.push(
            Command::new("redis-server")
                .args(["--port", &p.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server (run scripts/setup.sh)"),
        );
    }
    for &p in &ports {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server on {p} did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    (procs, ports)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Microseconds per call of each contender: medians of `passes` passes of
/// `calls` calls, the two contenders taking turns pass by pass so that the
/// machine's drift touches both alike.
fn time2(passes: usize, calls: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    a();
    b();
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..passes {
        let t = Instant::now();
        for _ in 0..calls {
            a();
        }
        ta.push(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
        let t = Instant::now();
        for _ in 0..calls {
            b();
        }
        tb.push(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
    }
    (median(ta), median(tb))
}

type Groups = Vec<Vec<usize>>;

fn groups(pool: &Pool, keys: &[String]) -> Groups {
    let mut g = vec![Vec::new(); pool.servers().len()];
    for (i, k) in keys.iter().enumerate() {
        g[pool.index_for(k.as_bytes())].push(i);
    }
    g
}

fn by_hand_mget(pool: &Pool, conns: &mut [redis::Connection], keys: &[String]) -> Vec<String> {
    let g = groups(pool, keys);
    let mut out = vec![String::new(); keys.len()];
    for (conn, idx) in conns.iter_mut().zip(&g) {
        if idx.is_empty() {
            continue;
        }
        let mut c = redis::cmd("MGET");
        for &i in idx {
            c.arg(&keys[i]);
        }
        let vals: Vec<String> = c.query(conn).unwrap();
        for (&i, v) in idx.iter().zip(vals) {
            out[i] = v;
        }
    }
    out
}

fn by_hand_gets(pool: &Pool, conns: &mut [redis::Connection], keys: &[String]) -> Vec<String> {
    let g = groups(pool, keys);
    let mut out = vec![String::new(); keys.len()];
    for (conn, idx) in conns.iter_mut().zip(&g) {
        let mut p = redis::pipe();
        for &i in idx {
            p.cmd("GET").arg(&keys[i]);
        }
        let vals: Vec<String> = p.query(conn).unwrap();
        for (&i, v) in idx.iter().zip(vals) {
            out[i] = v;
        }
    }
    out
}

async fn by_hand_mget_async(
    pool: &Pool,
    conns: &[redis::aio::MultiplexedConnection],
    keys: &[String],
) -> Vec<String> {
    let g = groups(pool, keys);
    let futures = conns.iter().zip(&g).map(|(conn, idx)| {
        let mut conn = conn.clone();
        let mut c = redis::cmd("MGET");
        for &i in idx {
            c.arg(&keys[i]);
        }
        async move {
            if idx.is_empty() {
                return Vec::new();
            }
            c.query_async::<Vec<String>>(&mut conn).await.unwrap()
        }
    });
    let replies = futures_util::future::join_all(futures).await;
    let mut out = vec![String::new(); keys.len()];
    for (idx, vals) in g.iter().zip(replies) {
        for (&i, v) in idx.iter().zip(vals) {
            out[i] = v;
        }
    }
    out
}

fn main() {
    let test = std::env::args().any(|a| a == "--test");
    let (passes, calls) = if test { (1, 1) } else { (11, 200) };
    let (_servers, ports) = start(4);
    let specs: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("127.0.0.1:{p}:1 shard{i}"))
        .collect();
    let pool = Pool::new(Scheme::TwemproxyKetama, &specs).unwrap();
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}/"))
        .collect();
    let sync_conns = || -> Vec<redis::Connection> {
        urls.iter()
            .map(|u| {
                redis::Client::open(u.as_str())
                    .unwrap()
                    .get_connection()
                    .unwrap()
            })
            .collect()
    };
    let keys: Vec<String> = (0..1000).map(|i| format!("bench:user:{i}")).collect();
    let mut sharded = Sharded::new(pool.clone(), sync_conns()).unwrap();
    let mut mset = redis::cmd("MSET");
    for (i, k) in keys.iter().enumerate() {
        mset.arg(k).arg(format!("value-{i}"));
    }
    let _: () = mset.query(&mut sharded).unwrap();
    let want: Vec<String> = (0..1000).map(|i| format!("value-{i}")).collect();

    let mut hand = sync_conns();
    let mut mget = redis::cmd("MGET");
    mget.arg(&keys);
    let mut gets = redis::pipe();
    for k in &keys {
        gets.cmd("GET").arg(k);
    }
    // Every contender must answer the same before anything is timed.
    assert_eq!(mget.query::<Vec<String>>(&mut sharded).unwrap(), want);
    assert_eq!(gets.query::<Vec<String>>(&mut sharded).unwrap(), want);
    assert_eq!(by_hand_mget(&pool, &mut hand, &keys), want);
    assert_eq!(by_hand_gets(&pool, &mut hand, &keys), want);

    let mut rows = Vec::new();
    let (k_mget, h_mget) = time2(
        passes,
        calls,
        || {
            std::hint::black_box(mget.query::<Vec<String>>(&mut sharded).unwrap());
        },
        || {
            std::hint::black_box(by_hand_mget(&pool, &mut hand, &keys));
        },
    );
    rows.push(("sync MGET 1000 keys", k_mget, h_mget));
    // The two closures above are done with `sharded` and `hand`.
    let (k_gets, h_gets) = time2(
        passes,
        calls / 4 + 1,
        || {
            std::hint::black_box(gets.query::<Vec<String>>(&mut sharded).unwrap());
        },
        || {
            std::hint::black_box(by_hand_gets(&pool, &mut hand, &keys));
        },
    );
    rows.push(("sync pipeline of 1000 GETs", k_gets, h_gets));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut conns = Vec::new();
        for u in &urls {
            conns.push(
                redis::Client::open(u.as_str())
                    .unwrap()
                    .get_multiplexed_async_connection()
                    .await
                    .unwrap(),
            );
        }
        let mut s = Sharded::new(pool.clone(), conns.clone()).unwrap();
        assert_eq!(mget.query_async::<Vec<String>>(&mut s).await.unwrap(), want);
        assert_eq!(by_hand_mget_async(&pool, &conns, &keys).await, want);
        let mut samples_k = Vec::new();
        let mut samples_h = Vec::new();
        for _ in 0..passes {
            let t = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(mget.query_async::<Vec<String>>(&mut s).await.unwrap());
            }
            samples_k.push(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
            let t = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(by_hand_mget_async(&pool, &conns, &keys).await);
            }
            samples_h.push(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
        rows.push((
            "async MGET 1000 keys (shards concurrently)",
            median(samples_k),
            median(samples_h),
        ));
    });

    println!(
        "MGET over 4 shards (twemproxy-ketama): keyroute-redis vs by hand, µs per call (median)"
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "case", "keyroute", "by hand", "ratio"
    );
    for (name, k, h) in rows {
        println!("{name:<44} {k:>10.1} {h:>10.1} {:>7.2}x", h / k);
    }
    if test {
        println!("(--test: one pass, the timings mean nothing)");
    }
}
