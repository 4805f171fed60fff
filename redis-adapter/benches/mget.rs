//! MGET of 1000 keys over 4 shards, and a pipeline of 1000 GETs, through
//! `Sharded` against the same work done by hand on the same kind of
//! connections (group the keys with `Pool::index_for`, one MGET or
//! sub-pipeline per shard, put the replies back in order), sync and async.
//!
//! `cargo bench -p keyroute-redis --bench mget` starts four redis-servers on
//! free loopback ports (stopped by PID at the end). The two contenders of a
//! row take turns call by call; each pass gives each its mean time per call,
//! and the row reports the medians over the passes. The ratio is by-hand
//! time over keyroute time: 1.00 means the adapter costs nothing over careful
//! hand-written code.
//!
//! Each row is reported twice: in wall time (what a caller waits, the four
//! servers' work and their scheduling on the machine's CPUs included) and,
//! as "(client CPU)", in the CPU time of this process alone (every thread of
//! it: the clock is `CLOCK_PROCESS_CPUTIME_ID`; the async rows run on a
//! current-thread tokio runtime, whose connection tasks run on this thread
//! too). The servers are other processes, so the CPU rows show the client's
//! own cost, which wall time hides under the servers' scheduling.
//!
//! Options: `--test` runs each case once to prove it works and agrees;
//! `--passes N` and `--calls N` size the timing; `--only NAME` runs one
//! contender alone, `--calls` times, untimed (for `valgrind --tool=callgrind`,
//! whose instruction counts compare the two sides when wall time is too
//! noisy). Names: `sync-mget`, `sync-pipeline`, `async-mget`,
//! `async-pipeline`, each followed by `-keyroute` or `-hand`.

#[path = "../../core/benches/common/summary.rs"]
mod summary;

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

struct Opts {
    test: bool,
    passes: usize,
    calls: usize,
    only: Option<String>,
}

impl Opts {
    fn parse() -> Opts {
        let args: Vec<String> = std::env::args().collect();
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .map(|v| v.parse::<usize>().expect(name))
        };
        let test = args.iter().any(|a| a == "--test");
        let only = args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1).cloned());
        Opts {
            test,
            passes: value("--passes").unwrap_or(if test { 1 } else { 15 }),
            calls: value("--calls").unwrap_or(if test { 1 } else { 100 }),
            only,
        }
    }
}

/// The CPU time this process has used, every thread of it, in µs. The
/// kernel accounts it to the nanosecond (not by scheduler tick), fine
/// enough for one call of about a millisecond.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

/// The timings of one row: each contender's median microseconds per call,
/// and the median over call pairs of `b`'s time over `a`'s.
struct Timing {
    a: f64,
    b: f64,
    ratio: f64,
}

impl Timing {
    fn of(ta: Vec<f64>, tb: Vec<f64>) -> Timing {
        let ratio = median(tb.iter().zip(&ta).map(|(b, a)| b / a).collect());
        Timing {
            a: median(ta),
            b: median(tb),
            ratio,
        }
    }
}

/// Each call's wall and CPU time, per contender, as [`race`] takes them.
#[derive(Default)]
struct Samples {
    wall: [Vec<f64>; 2],
    cpu: [Vec<f64>; 2],
}

impl Samples {
    /// The clocks at the start of a call.
    fn start() -> (Instant, f64) {
        (Instant::now(), cpu_now())
    }

    /// Records the call of contender `which` (0: `a`, 1: `b`) begun at `t`.
    fn stop(&mut self, which: usize, (t, c): (Instant, f64)) {
        let cpu = cpu_now() - c;
        self.wall[which].push(t.elapsed().as_secs_f64() * 1e6);
        self.cpu[which].push(cpu);
    }

    /// The row in wall time and in client CPU time.
    fn timings(self) -> (Timing, Timing) {
        let [wa, wb] = self.wall;
        let [ca, cb] = self.cpu;
        (Timing::of(wa, wb), Timing::of(ca, cb))
    }
}

/// `a` and `b` take turns call by call (which goes first flips every
/// call), `passes * calls` times each, after a warm-up. Each call is timed
/// alone, in wall time and in this process's CPU time; on a shared machine
/// a burst of load lands on a call or two, and the medians (of the times,
/// and of the ratio within each pair of calls made back to back) leave it
/// out.
fn race(passes: usize, calls: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Timing, Timing) {
    for _ in 0..3 {
        a();
        b();
    }
    let mut s = Samples::default();
    for i in 0..passes * calls {
        for first in [i % 2 == 0, i % 2 == 1] {
            let t = Samples::start();
            if first {
                a();
                s.stop(0, t);
            } else {
                b();
                s.stop(1, t);
            }
        }
    }
    s.timings()
}

/// [`race`] for async contenders.
async fn race_async(
    passes: usize,
    calls: usize,
    mut a: impl AsyncFnMut(),
    mut b: impl AsyncFnMut(),
) -> (Timing, Timing) {
    for _ in 0..3 {
        a().await;
        b().await;
    }
    let mut s = Samples::default();
    for i in 0..passes * calls {
        for first in [i % 2 == 0, i % 2 == 1] {
            let t = Samples::start();
            if first {
                a().await;
                s.stop(0, t);
            } else {
                b().await;
                s.stop(1, t);
            }
        }
    }
    s.timings()
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

async fn by_hand_gets_async(
    pool: &Pool,
    conns: &[redis::aio::MultiplexedConnection],
    keys: &[String],
) -> Vec<String> {
    let g = groups(pool, keys);
    let futures = conns.iter().zip(&g).map(|(conn, idx)| {
        let mut conn = conn.clone();
        let mut p = redis::pipe();
        for &i in idx {
            p.cmd("GET").arg(&keys[i]);
        }
        async move {
            if idx.is_empty() {
                return Vec::new();
            }
            p.query_async::<Vec<String>>(&mut conn).await.unwrap()
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

/// Runs `f` `calls` times, untimed: one side of a row under `--only`.
fn repeat(calls: usize, mut f: impl FnMut()) {
    for _ in 0..calls {
        f();
    }
}

async fn repeat_async(calls: usize, mut f: impl AsyncFnMut()) {
    for _ in 0..calls {
        f().await;
    }
}

fn main() {
    let opts = Opts::parse();
    let (passes, calls) = (opts.passes, opts.calls);
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
    if let Some(only) = &opts.only {
        match only.as_str() {
            "sync-mget-keyroute" => repeat(calls, || {
                std::hint::black_box(mget.query::<Vec<String>>(&mut sharded).unwrap());
            }),
            "sync-mget-hand" => repeat(calls, || {
                std::hint::black_box(by_hand_mget(&pool, &mut hand, &keys));
            }),
            "sync-pipeline-keyroute" => repeat(calls, || {
                std::hint::black_box(gets.query::<Vec<String>>(&mut sharded).unwrap());
            }),
            "sync-pipeline-hand" => repeat(calls, || {
                std::hint::black_box(by_hand_gets(&pool, &mut hand, &keys));
            }),
            _ => {}
        }
    } else {
        let t = race(
            passes,
            calls,
            || {
                std::hint::black_box(mget.query::<Vec<String>>(&mut sharded).unwrap());
            },
            || {
                std::hint::black_box(by_hand_mget(&pool, &mut hand, &keys));
            },
        );
        rows.push(("sync MGET 1000 keys", t));
        let t = race(
            passes,
            calls,
            || {
                std::hint::black_box(gets.query::<Vec<String>>(&mut sharded).unwrap());
            },
            || {
                std::hint::black_box(by_hand_gets(&pool, &mut hand, &keys));
            },
        );
        rows.push(("sync pipeline of 1000 GETs", t));
    }

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
        assert_eq!(gets.query_async::<Vec<String>>(&mut s).await.unwrap(), want);
        assert_eq!(by_hand_mget_async(&pool, &conns, &keys).await, want);
        assert_eq!(by_hand_gets_async(&pool, &conns, &keys).await, want);
        if let Some(only) = &opts.only {
            match only.as_str() {
                "async-mget-keyroute" => {
                    repeat_async(calls, async || {
                        std::hint::black_box(
                            mget.query_async::<Vec<String>>(&mut s).await.unwrap(),
                        );
                    })
                    .await
                }
                "async-mget-hand" => {
                    repeat_async(calls, async || {
                        std::hint::black_box(by_hand_mget_async(&pool, &conns, &keys).await);
                    })
                    .await
                }
                "async-pipeline-keyroute" => {
                    repeat_async(calls, async || {
                        std::hint::black_box(
                            gets.query_async::<Vec<String>>(&mut s).await.unwrap(),
                        );
                    })
                    .await
                }
                "async-pipeline-hand" => {
                    repeat_async(calls, async || {
                        std::hint::black_box(by_hand_gets_async(&pool, &conns, &keys).await);
                    })
                    .await
                }
                _ => {}
            }
            return;
        }
        let t = race_async(
            passes,
            calls,
            async || {
                std::hint::black_box(mget.query_async::<Vec<String>>(&mut s).await.unwrap());
            },
            async || {
                std::hint::black_box(by_hand_mget_async(&pool, &conns, &keys).await);
            },
        )
        .await;
        rows.push(("async MGET 1000 keys (shards concurrently)", t));
        let t = race_async(
            passes,
            calls,
            async || {
                std::hint::black_box(gets.query_async::<Vec<String>>(&mut s).await.unwrap());
            },
            async || {
                std::hint::black_box(by_hand_gets_async(&pool, &conns, &keys).await);
            },
        )
        .await;
        rows.push(("async pipeline of 1000 GETs (shards concurrently)", t));
    });
    if opts.only.is_some() {
        return;
    }

    println!(
        "MGET over 4 shards (twemproxy-ketama): keyroute-redis vs by hand, µs per call \
         (medians of {} calls each, taking turns; ratio: the median over pairs of calls \
         of by hand / keyroute; client CPU: this process's CPU time, the servers' left out)",
        passes * calls
    );
    println!(
        "{:<62} {:>10} {:>10} {:>8}",
        "case", "keyroute", "by hand", "ratio"
    );
    for (name, (wall, cpu)) in rows {
        let cpu_name = format!("{name} (client CPU)");
        for (name, t) in [(name.to_string(), wall), (cpu_name, cpu)] {
            println!("{name:<62} {:>10.1} {:>10.1} {:>7.2}x", t.a, t.b, t.ratio);
            if !opts.test {
                summary::row(
                    "mget",
                    &name,
                    Some(("by hand", t.b * 1e3)),
                    t.a * 1e3,
                    t.ratio,
                );
            }
        }
    }
    if opts.test {
        println!("(--test: one pass, the timings mean nothing)");
    }
}
