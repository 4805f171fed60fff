//! The adapter over real servers: four redis-servers on loopback, placement
//! proven by reading every key back through the real nutcracker configured
//! with the same pool; refusals proven to send nothing.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keyroute::partition::Pool;
use keyroute_redis::{codes, Sharded};
use redis::{Connection, ConnectionLike, Value};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Child processes stopped by PID when dropped, even when a test fails.
struct Procs(Vec<Child>, std::path::PathBuf);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Tests take turns: free ports are only free until someone binds them.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Four redis-servers and a nutcracker in front of them, same pool.
fn start() -> (Procs, String, Vec<u16>, u16) {
    let dir = std::env::temp_dir().join(format!(
        "keyroute-redis-adapter-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut procs = Procs(Vec::new(), dir.clone());
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    for &p in &ports {
        procs.0.push(
            Command::new("redis-server")
                .args([
                    "--port",
                    &p.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .args(["--dir", dir.to_str().unwrap()])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server (run scripts/setup.sh)"),
        );
    }
    let proxy = free_port();
    let mut yaml = format!(
        "alpha:\n  listen: 127.0.0.1:{proxy}\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n  servers:\n"
    );
    for (i, p) in ports.iter().enumerate() {
        yaml.push_str(&format!("   - 127.0.0.1:{p}:1 shard{i}\n"));
    }
    let conf = dir.join("nutcracker.yml");
    std::fs::write(&conf, &yaml).unwrap();
    procs.0.push(
        Command::new("nutcracker")
            .args([
                "-c",
                conf.to_str().unwrap(),
                "-o",
                dir.join("nc.log").to_str().unwrap(),
            ])
            .args(["-s", &free_port().to_string(), "-a", "127.0.0.1"])
            .spawn()
            .expect("nutcracker (run scripts/setup.sh)"),
    );
    for &p in ports.iter().chain([&proxy]) {
        wait_for(p);
    }
    (procs, yaml, ports, proxy)
}

/// GET over a plain socket: nutcracker closes connections that send the
/// handshake a full client sends (CLIENT SETINFO).
struct Raw(std::net::TcpStream, Vec<u8>);

impl Raw {
    fn open(port: u16) -> Raw {
        Raw(
            std::net::TcpStream::connect(("127.0.0.1", port)).unwrap(),
            Vec::new(),
        )
    }

    fn get(&mut self, key: &str) -> Option<String> {
        use std::io::{Read, Write};
        self.0
            .write_all(&keyroute::cluster::encode_command(&[
                b"GET".as_slice(),
                key.as_bytes(),
            ]))
            .unwrap();
        loop {
            match keyroute::cluster::Value::from_resp(&self.1) {
                Ok((v, n)) => {
                    self.1.drain(..n);
                    return match v {
                        keyroute::cluster::Value::Bytes(b) => Some(String::from_utf8(b).unwrap()),
                        _ => None,
                    };
                }
                Err(keyroute::cluster::RespError::Incomplete) => {
                    let mut buf = [0u8; 4096];
                    let n = self.0.read(&mut buf).unwrap();
                    assert!(n > 0, "nutcracker closed the connection");
                    self.1.extend_from_slice(&buf[..n]);
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

fn conn(port: u16) -> Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .unwrap()
        .get_connection()
        .unwrap()
}

fn sharded(yaml: &str, ports: &[u16]) -> Sharded<Connection> {
    let pool = Pool::from_nutcracker(yaml, Some("alpha")).unwrap();
    Sharded::new(pool, ports.iter().map(|&p| conn(p)).collect()).unwrap()
}

fn commands_seen(port: u16) -> String {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut conn(port))
        .unwrap();
    info.lines()
        .filter(|l| {
            l.starts_with("cmdstat_")
                && !l.starts_with("cmdstat_info")
                && !l.starts_with("cmdstat_config|resetstat")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn sync_adapter_against_nutcracker() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (_procs, yaml, ports, proxy) = start();
    let mut s = sharded(&yaml, &ports);
    let keys: Vec<String> = (0..2000).map(|i| format!("key:{i}")).collect();

    // MSET over every shard, split; MGET back in order.
    let mut mset = redis::cmd("MSET");
    for (i, k) in keys.iter().enumerate() {
        mset.arg(k).arg(i);
    }
    let _: () = mset.query(&mut s).unwrap();
    let mut mget = redis::cmd("MGET");
    for k in keys.iter().rev() {
        mget.arg(k);
    }
    let got: Vec<usize> = mget.query(&mut s).unwrap();
    assert_eq!(got, (0..2000).rev().collect::<Vec<_>>());
    // A pipeline of single-key writes, across shards.
    let mut pipe = redis::pipe();
    for (i, k) in keys.iter().enumerate() {
        pipe.cmd("APPEND").arg(k).arg(format!("-{i}"));
    }
    let lens: Vec<usize> = pipe.query(&mut s).unwrap();
    assert_eq!(lens.len(), 2000);
    // A window of a pipeline's replies (offset and count): the replies of
    // those commands, each shard's earlier replies passed over.
    let mut gets = redis::pipe();
    for k in &keys[..40] {
        gets.cmd("GET").arg(k);
    }
    let all = s
        .req_packed_commands(&gets.get_packed_pipeline(), 0, 40)
        .unwrap();
    let want: Vec<Value> = (0..40)
        .map(|i| Value::BulkString(format!("{i}-{i}").into_bytes()))
        .collect();
    assert_eq!(all, want);
    for (offset, count) in [(1, 3), (7, 20), (39, 1), (0, 0), (35, 10)] {
        let got = s
            .req_packed_commands(&gets.get_packed_pipeline(), offset, count)
            .unwrap();
        let end = (offset + count).min(40);
        assert_eq!(got, want[offset..end], "{offset} {count}");
    }

    // Every key is where nutcracker itself looks for it.
    let mut nc = Raw::open(proxy);
    let mut misplaced = 0;
    for (i, k) in keys.iter().enumerate() {
        if nc.get(k) != Some(format!("{i}-{i}")) {
            misplaced += 1;
        }
    }
    assert_eq!(misplaced, 0);
    // Every shard got keys.
    for &p in &ports {
        let n: i64 = redis::cmd("DBSIZE").query(&mut conn(p)).unwrap();
        assert!(n > 0, "shard {p} holds no key");
    }
    let total: i64 = redis::cmd("DBSIZE").query(&mut s).unwrap();
    assert_eq!(total, 2000);
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&keys[0])
        .arg(&keys[1])
        .arg("nope")
        .arg(&keys[0])
        .query(&mut s)
        .unwrap();
    assert_eq!(exists, 3);
    let deleted: i64 = redis::cmd("DEL").arg(&keys[..100]).query(&mut s).unwrap();
    assert_eq!(deleted, 100);
    let pong: String = redis::cmd("PING").query(&mut s).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn refusals_send_nothing() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (_procs, yaml, ports, _) = start();
    let mut s = sharded(&yaml, &ports);
    // Two keys on different shards.
    let (a, b) = {
        let pool = s.pool();
        let a = "k0".to_string();
        let b = (1..)
            .map(|i| format!("k{i}"))
            .find(|k| pool.index_for(k.as_bytes()) != pool.index_for(a.as_bytes()))
            .unwrap();
        (a, b)
    };
    for &p in &ports {
        let _: () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query(&mut conn(p))
            .unwrap();
    }
    let cases: Vec<(redis::Cmd, &str)> = vec![
        (
            redis::cmd("MSETNX").arg(&a).arg(1).arg(&b).arg(2).clone(),
            codes::CROSS_SHARD,
        ),
        (
            redis::cmd("RENAME").arg(&a).arg(&b).clone(),
            codes::CROSS_SHARD,
        ),
        (
            redis::cmd("SINTERSTORE").arg(&a).arg(&b).clone(),
            codes::CROSS_SHARD,
        ),
        (
            redis::cmd("EVAL")
                .arg("return 1")
                .arg(2)
                .arg(&a)
                .arg(&b)
                .clone(),
            codes::CROSS_SHARD,
        ),
        // Placed by its key specs (Redis 8.4 itself routes it keyless).
        (
            redis::cmd("MSETEX")
                .arg(2)
                .arg(&a)
                .arg(1)
                .arg(&b)
                .arg(2)
                .arg("EX")
                .arg(10)
                .clone(),
            codes::CROSS_SHARD,
        ),
        (redis::cmd("INFO").clone(), codes::KEYLESS),
        (
            redis::cmd("NOSUCHCOMMAND").arg(&a).clone(),
            codes::UNROUTABLE,
        ),
    ];
    let names = format!(
        "{}, {}",
        s.shard_name_for(a.as_bytes()),
        s.shard_name_for(b.as_bytes())
    );
    assert!(names.starts_with("shard"), "{names}");
    for (cmd, code) in cases {
        let err = s.req_command(&cmd).unwrap_err();
        assert_eq!(codes::of(&err), Some(code), "{err}");
        if code == codes::CROSS_SHARD {
            // The message names the command's shards, each once, by name.
            assert!(err.to_string().contains(&names), "{err}");
        }
    }
    // A pipeline with one bad command is refused whole, before any I/O.
    let mut pipe = redis::pipe();
    pipe.cmd("SET")
        .arg(&a)
        .arg(1)
        .cmd("MSETNX")
        .arg(&a)
        .arg(1)
        .arg(&b)
        .arg(2);
    let err = pipe.query::<Value>(&mut s).unwrap_err();
    assert!(
        err.to_string().contains("command 1 of the pipeline"),
        "{err}"
    );
    // A transaction across shards is refused; on one shard it runs.
    let mut tx = redis::pipe();
    tx.atomic()
        .cmd("SET")
        .arg(&a)
        .arg(1)
        .cmd("SET")
        .arg(&b)
        .arg(2);
    let err = tx.query::<Value>(&mut s).unwrap_err();
    assert_eq!(
        codes::of(&err),
        Some(codes::CROSS_SHARD_TRANSACTION),
        "{err}"
    );
    for &p in &ports {
        assert_eq!(commands_seen(p), "", "shard {p} received a command");
    }
    let mut tx = redis::pipe();
    tx.atomic().cmd("SET").arg(&a).arg(1).cmd("INCR").arg(&a);
    let (ok, n): (String, i64) = tx.query(&mut s).unwrap();
    assert_eq!((ok.as_str(), n), ("OK", 2));
}

#[tokio::test(flavor = "current_thread")]
// The guard only orders this test against the others; nothing else on this
// single-threaded runtime takes it.
#[allow(clippy::await_holding_lock)]
async fn async_adapter_splits_concurrently() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (_procs, yaml, ports, proxy) = start();
    let pool = Pool::from_nutcracker(&yaml, Some("alpha")).unwrap();
    let mut conns = Vec::new();
    for &p in &ports {
        let client = redis::Client::open(format!("redis://127.0.0.1:{p}/")).unwrap();
        conns.push(client.get_multiplexed_async_connection().await.unwrap());
    }
    let mut s = Sharded::new(pool.clone(), conns).unwrap();
    let keys: Vec<String> = (0..500).map(|i| format!("async:{i}")).collect();
    let mut mset = redis::cmd("MSET");
    for (i, k) in keys.iter().enumerate() {
        mset.arg(k).arg(i);
    }
    let _: () = mset.query_async(&mut s).await.unwrap();
    let mut pipe = redis::pipe();
    for k in &keys {
        pipe.cmd("INCR").arg(k);
    }
    let after: Vec<usize> = pipe.query_async(&mut s).await.unwrap();
    assert_eq!(after, (1..=500).collect::<Vec<_>>());
    let mut mget = redis::cmd("MGET");
    mget.arg(&keys);
    let got: Vec<usize> = mget.query_async(&mut s).await.unwrap();
    assert_eq!(got, after);
    let mut nc = Raw::open(proxy);
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(nc.get(k), Some((i + 1).to_string()), "{k}");
    }
    let err = redis::cmd("RENAME")
        .arg(&keys[0])
        .arg(&keys[1])
        .query_async::<Value>(&mut s)
        .await;
    let renamed = s.pool().index_for(keys[0].as_bytes()) == s.pool().index_for(keys[1].as_bytes());
    if !renamed {
        assert_eq!(codes::of(&err.unwrap_err()), Some(codes::CROSS_SHARD));
    }

    // A pipeline of every kind of step (one-shard commands, a split MGET
    // and EXISTS, a fan-out DBSIZE, an error reply in place), whole and by
    // windows: the values the sync adapter gives on the same servers.
    let _: () = redis::cmd("SET")
        .arg("async:text")
        .arg("x")
        .query_async(&mut s)
        .await
        .unwrap();
    let mut mixed = redis::pipe();
    mixed.cmd("GET").arg(&keys[5]);
    mixed.cmd("MGET").arg(&keys[..50]);
    mixed.cmd("INCR").arg("async:text");
    mixed.cmd("DBSIZE");
    mixed
        .cmd("EXISTS")
        .arg(&keys[2])
        .arg(&keys[3])
        .arg("async:none");
    for k in &keys[10..30] {
        mixed.cmd("GET").arg(k);
    }
    let n = 25;
    let mut sync = Sharded::new(pool, ports.iter().map(|&p| conn(p)).collect()).unwrap();
    let want =
        redis::ConnectionLike::req_packed_commands(&mut sync, &mixed.get_packed_pipeline(), 0, n)
            .unwrap();
    assert_eq!(want.len(), n);
    assert_eq!(want[0], Value::BulkString(b"6".to_vec()));
    assert!(matches!(&want[1], Value::Array(v) if v.len() == 50));
    assert!(matches!(want[2], Value::ServerError(_)), "{:?}", want[2]);
    assert_eq!(want[3], Value::Int(if renamed { 500 } else { 501 }));
    assert_eq!(want[4], Value::Int(2));
    assert_eq!(want[5], Value::BulkString(b"11".to_vec()));
    for (offset, count) in [(0, n), (1, 3), (2, 1), (3, 2), (5, 30), (n - 1, 1), (0, 0)] {
        let got = redis::aio::ConnectionLike::req_packed_commands(&mut s, &mixed, offset, count)
            .await
            .unwrap();
        let end = (offset + count).min(n);
        assert_eq!(got, want[offset..end], "{offset} {count}");
    }
}

/// Two keys on one shard with different tags, and two on different shards.
fn colocated_pair(pool: &Pool) -> (String, String, String) {
    let a = "{t0}x".to_string();
    let same = (1..)
        .map(|i| format!("{{t{i}}}y"))
        .find(|k| pool.index_for(k.as_bytes()) == pool.index_for(a.as_bytes()))
        .unwrap();
    let other = (1..)
        .map(|i| format!("{{u{i}}}z"))
        .find(|k| pool.index_for(k.as_bytes()) != pool.index_for(a.as_bytes()))
        .unwrap();
    (a, same, other)
}

#[test]
fn strict_tags_and_watch() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (_procs, yaml, ports, _) = start();
    // The pool hashes by `{}` tags, like the real nutcracker would with
    // `hash_tag: "{}"`.
    let yaml = yaml.replace("  redis: true\n", "  redis: true\n  hash_tag: \"{}\"\n");
    let pool = Pool::from_nutcracker(&yaml, Some("alpha")).unwrap();
    let (a, same, other) = colocated_pair(&pool);
    let conns = || ports.iter().map(|&p| conn(p)).collect::<Vec<_>>();
    let mut loose = Sharded::new(pool.clone(), conns()).unwrap();
    let mut strict = Sharded::new(pool.clone(), conns())
        .unwrap()
        .strict_tags(true);
    let _: () = redis::cmd("MSET")
        .arg(&a)
        .arg(1)
        .arg(&same)
        .arg(2)
        .query(&mut loose)
        .unwrap();
    for &p in &ports {
        let _: () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query(&mut conn(p))
            .unwrap();
    }
    // Same shard by chance: accepted by default, refused in strict mode, before any I/O.
    let mut sunion = redis::cmd("SUNIONSTORE");
    sunion.arg(format!("{a}:dst")).arg(&a).arg(&same);
    let err = strict.req_command(&sunion).unwrap_err();
    assert_eq!(codes::of(&err), Some(codes::NOT_COLOCATED), "{err}");
    let mut tx = redis::pipe();
    tx.atomic().cmd("INCR").arg(&a).cmd("INCR").arg(&same);
    let err = tx.query::<Value>(&mut strict).unwrap_err();
    assert_eq!(
        codes::of(&err),
        Some(codes::CROSS_SHARD_TRANSACTION),
        "{err}"
    );
    for &p in &ports {
        assert_eq!(commands_seen(p), "", "shard {p} received a command");
    }
    // Splittable commands need no common tag; a common tag passes.
    let got: Vec<i64> = redis::cmd("MGET")
        .arg(&a)
        .arg(&same)
        .query(&mut strict)
        .unwrap();
    assert_eq!(got, vec![1, 2]);
    // Keys sharing a tag are sent (the server answers WRONGTYPE: the keys
    // hold strings); so is the loose adapter's same-shard command.
    let sent = |r: redis::RedisResult<Value>| match r {
        Err(e) => e.code() == Some("WRONGTYPE"),
        Ok(_) => false,
    };
    let mut tagged = redis::cmd("SUNIONSTORE");
    tagged.arg("{t0}dst").arg(&a).arg("{t0}other");
    assert!(sent(tagged.query(&mut strict)));
    assert!(sent(sunion.query(&mut loose)));

    // WATCH pins the transaction to its shard: redis::transaction works.
    let (x, y): (i64, i64) = redis::transaction(&mut loose, &[&a, &same], |c, pipe| {
        let v: i64 = redis::cmd("GET").arg(&a).query(c)?;
        pipe.set(&a, v + 10).ignore().get(&a).get(&same).query(c)
    })
    .unwrap();
    assert_eq!((x, y), (11, 2));
    // A transaction on another shard than the watched keys is refused.
    let _: () = redis::cmd("WATCH").arg(&a).query(&mut loose).unwrap();
    let mut tx = redis::pipe();
    tx.atomic().cmd("SET").arg(&other).arg(1);
    let err = tx.query::<Value>(&mut loose).unwrap_err();
    assert_eq!(
        codes::of(&err),
        Some(codes::CROSS_SHARD_TRANSACTION),
        "{err}"
    );
    let _: () = redis::cmd("UNWATCH").query(&mut loose).unwrap();
    // WATCH across shards is refused.
    let err = redis::cmd("WATCH")
        .arg(&a)
        .arg(&other)
        .query::<()>(&mut loose)
        .unwrap_err();
    assert_eq!(
        codes::of(&err),
        Some(codes::CROSS_SHARD_TRANSACTION),
        "{err}"
    );
    // With nothing watched, UNWATCH answers OK without I/O.
    let _: () = redis::cmd("UNWATCH").query(&mut loose).unwrap();
    // A watched key changed by another client aborts the transaction.
    let _: () = redis::cmd("WATCH").arg(&a).query(&mut loose).unwrap();
    let _: () = redis::cmd("SET")
        .arg(&a)
        .arg(99)
        .query(&mut conn(ports[pool.index_for(a.as_bytes())]))
        .unwrap();
    let mut tx = redis::pipe();
    tx.atomic().cmd("SET").arg(&a).arg(1);
    let aborted: Option<Vec<Value>> = tx.query(&mut loose).unwrap();
    assert_eq!(aborted, None);
    let v: i64 = redis::cmd("GET").arg(&a).query(&mut loose).unwrap();
    assert_eq!(v, 99);
}

/// Keyless commands go where their tips send them, every shard's reply
/// combined by the tip's rule; the keyless commands the tips send nowhere
/// are refused before any I/O.
#[test]
fn keyless_commands_follow_their_tips() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (_procs, yaml, ports, _) = start();
    let mut s = sharded(&yaml, &ports);
    // CONFIG SET: request_policy all_nodes, all_succeeded. It reaches every shard.
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(0)
        .query(&mut s)
        .unwrap();
    for &p in &ports {
        let v: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("slowlog-log-slower-than")
            .query(&mut conn(p))
            .unwrap();
        assert_eq!(v[1], "0", "shard {p}");
    }
    let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut s).unwrap();
    // Each shard logs what it ran: SLOWLOG LEN is summed (agg_sum).
    for i in 0..40 {
        let _: () = redis::cmd("SET")
            .arg(format!("tip:{i}"))
            .arg(i)
            .query(&mut s)
            .unwrap();
    }
    let each: Vec<i64> = ports
        .iter()
        .map(|&p| {
            redis::cmd("SLOWLOG")
                .arg("LEN")
                .query(&mut conn(p))
                .unwrap()
        })
        .collect();
    assert!(each.iter().filter(|&&n| n > 0).count() > 1, "{each:?}");
    let total: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut s).unwrap();
    // The shards' own SLOWLOG LEN calls above are logged after they answer,
    // and so is each shard's part of the summed call.
    let after: Vec<i64> = ports
        .iter()
        .map(|&p| {
            redis::cmd("SLOWLOG")
                .arg("LEN")
                .query(&mut conn(p))
                .unwrap()
        })
        .collect();
    assert_eq!(
        total,
        after.iter().sum::<i64>() - ports.len() as i64,
        "{each:?} {after:?}"
    );
    // WAIT 0 0: agg_min over shards without replicas.
    let n: i64 = redis::cmd("WAIT").arg(0).arg(0).query(&mut s).unwrap();
    assert_eq!(n, 0);
    // RANDOMKEY: one shard's key, never a list; nil when every shard is empty.
    for _ in 0..10 {
        let k: String = redis::cmd("RANDOMKEY").query(&mut s).unwrap();
        assert!(k.starts_with("tip:"), "{k}");
    }
    let _: () = redis::cmd("FLUSHALL").query(&mut s).unwrap();
    let k: Option<String> = redis::cmd("RANDOMKEY").query(&mut s).unwrap();
    assert_eq!(k, None);
    // What the tips send nowhere is refused, and nothing is sent.
    for &p in &ports {
        let _: () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query(&mut conn(p))
            .unwrap();
    }
    for cmd in [
        redis::cmd("SLOWLOG").arg("GET").clone(),
        redis::cmd("INFO").clone(),
        redis::cmd("TIME").clone(),
    ] {
        let err = s.req_command(&cmd).unwrap_err();
        assert_eq!(codes::of(&err), Some(codes::KEYLESS), "{err}");
    }
    for &p in &ports {
        assert_eq!(commands_seen(p), "", "shard {p} received a command");
    }
}
