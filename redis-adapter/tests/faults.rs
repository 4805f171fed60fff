//! A shard killed (its redis-server stopped by PID) after the connections
//! were made and before the commands run: pipelines report per position
//! (`exec_pipeline`), a split or fan-out that reached some shards gives the
//! core's partial write or reply (`PartialError`), and the surviving
//! shards' writes are there (read back with each shard's own connection).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keyroute::partition::{Pool, Scheme};
use keyroute_redis::{PartialError, Sharded};
use redis::{Connection, RedisError, RedisResult, Value};

const DEAD: usize = 2;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// redis-servers stopped by PID when dropped, even when a test fails.
struct Servers {
    procs: Vec<Child>,
    ports: Vec<u16>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.procs {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Tests take turns: free ports are only free until someone binds them.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn start(count: usize) -> Servers {
    let mut s = Servers {
        procs: Vec::new(),
        ports: Vec::new(),
    };
    for _ in 0..count {
        let p = free_port();
        s.procs.push(
            Command::new("redis-server")
                .args(["--port", &p.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server (run scripts/setup.sh)"),
        );
        s.ports.push(p);
    }
    for &p in &s.ports {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(Instant::now() < deadline, "nothing listens on {p}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    s
}

impl Servers {
    /// Stops shard `i`'s server by its PID, at once (SIGKILL).
    fn kill(&mut self, i: usize) {
        self.procs[i].kill().unwrap();
        self.procs[i].wait().unwrap();
    }

    fn pool(&self) -> Pool {
        let specs: Vec<String> = self
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| format!("127.0.0.1:{p}:1 s{i}"))
            .collect();
        Pool::new(Scheme::TwemproxyKetama, &specs).unwrap()
    }

    fn conn(&self, i: usize) -> Connection {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.ports[i]))
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

/// Two keys on each shard.
fn keys_by_shard(pool: &Pool) -> Vec<[String; 2]> {
    let mut out: Vec<Vec<String>> = vec![Vec::new(); pool.servers().len()];
    let mut i = 0;
    while out.iter().any(|k| k.len() < 2) {
        let k = format!("f{i}");
        let s = pool.index_for(k.as_bytes());
        if out[s].len() < 2 {
            out[s].push(k);
        }
        i += 1;
    }
    out.into_iter()
        .map(|v| [v[0].clone(), v[1].clone()])
        .collect()
}

fn check_partial(e: &RedisError, command: &str, write: bool, applied: &[&str], failed: &[&str]) {
    assert!(e.is_io_error(), "{e}: the kind a lost connection has");
    let p = PartialError::find(e).unwrap_or_else(|| panic!("not a partial error: {e}"));
    assert_eq!(p.is_write(), write);
    let code = if write {
        "ERR_KEYROUTE_PARTIAL_WRITE"
    } else {
        "ERR_KEYROUTE_PARTIAL_REPLY"
    };
    assert_eq!(p.code(), code);
    assert_eq!(p.shard_error().code(), code);
    assert_eq!(p.command(), command);
    assert_eq!(p.applied(), applied);
    assert_eq!(p.failed(), failed);
    let names: Vec<&str> = p.errors().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, failed);
    for (_, err) in p.errors() {
        assert!(PartialError::find(err).is_none());
    }
    let text = e.to_string();
    assert!(text.starts_with(code), "{text}");
    assert!(
        text.contains(&format!("failed on {}", failed.join(", "))),
        "{text}"
    );
}

fn no_partial(r: &RedisResult<Value>) {
    let e = r.as_ref().expect_err("a failure");
    assert!(e.is_io_error() && PartialError::find(e).is_none(), "{e}");
}

fn get(c: &mut Connection, k: &str) -> Option<String> {
    redis::cmd("GET").arg(k).query(c).unwrap()
}

#[test]
fn sync_pipeline_and_splits_when_a_shard_dies() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let mut servers = start(3);
    let pool = servers.pool();
    let k = keys_by_shard(&pool);
    let (a, a2, b, b2, d, d2) = (&k[0][0], &k[0][1], &k[1][0], &k[1][1], &k[2][0], &k[2][1]);
    let mut s = Sharded::new(pool, (0..3).map(|i| servers.conn(i)).collect()).unwrap();
    servers.kill(DEAD);

    // Errors in place.
    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg(a).arg(1);
    pipe.cmd("SET").arg(d).arg(1);
    pipe.cmd("MSET").arg(a2).arg(2).arg(d2).arg(2);
    pipe.cmd("GET").arg(a);
    pipe.cmd("MGET").arg(a).arg(d);
    pipe.cmd("INCR").arg(a2);
    let out = s.exec_pipeline(&pipe).unwrap();
    assert_eq!(out.len(), 6);
    assert_eq!(out[0].as_ref().unwrap(), &Value::Okay);
    no_partial(&out[1]);
    check_partial(out[2].as_ref().unwrap_err(), "MSET", true, &["s0"], &["s2"]);
    assert_eq!(out[3].as_ref().unwrap(), &Value::BulkString(b"1".to_vec()));
    check_partial(
        out[4].as_ref().unwrap_err(),
        "MGET",
        false,
        &["s0"],
        &["s2"],
    );
    assert_eq!(out[5].as_ref().unwrap(), &Value::Int(3)); // after the MSET's part
    assert_eq!(get(&mut servers.conn(0), a2).as_deref(), Some("3"));

    // Through ConnectionLike: the first failure, the other shards' commands ran.
    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg(b).arg(1);
    pipe.cmd("SET").arg(d).arg(1);
    pipe.cmd("SET").arg(a).arg(5);
    let err = pipe.query::<Value>(&mut s).unwrap_err();
    assert!(
        err.is_io_error() && PartialError::find(&err).is_none(),
        "{err}"
    );
    assert_eq!(get(&mut servers.conn(0), a).as_deref(), Some("5"));
    assert_eq!(get(&mut servers.conn(1), b).as_deref(), Some("1"));

    // Split writes: every live part applied.
    let err = redis::cmd("MSET")
        .arg(a2)
        .arg("x")
        .arg(b2)
        .arg("x")
        .arg(d2)
        .arg("x")
        .query::<Value>(&mut s)
        .unwrap_err();
    check_partial(&err, "MSET", true, &["s0", "s1"], &["s2"]);
    assert_eq!(get(&mut servers.conn(0), a2).as_deref(), Some("x"));
    assert_eq!(get(&mut servers.conn(1), b2).as_deref(), Some("x"));
    let err = redis::cmd("DEL")
        .arg(a)
        .arg(b)
        .arg(d)
        .query::<Value>(&mut s)
        .unwrap_err();
    check_partial(&err, "DEL", true, &["s0", "s1"], &["s2"]);
    assert_eq!(get(&mut servers.conn(0), a), None);
    // A read: a partial reply.
    let err = redis::cmd("MGET")
        .arg(b2)
        .arg(d2)
        .query::<Value>(&mut s)
        .unwrap_err();
    check_partial(&err, "MGET", false, &["s1"], &["s2"]);
    // Only the dead shard: its own error.
    no_partial(&redis::cmd("MGET").arg(d).arg(d2).query::<Value>(&mut s));
}

#[tokio::test(flavor = "current_thread")]
// The guard only orders this test against the others; nothing else on this
// single-threaded runtime takes it.
#[allow(clippy::await_holding_lock)]
async fn async_pipeline_and_splits_when_a_shard_dies() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let mut servers = start(3);
    let pool = servers.pool();
    let k = keys_by_shard(&pool);
    let (a, a2, b2, d, d2) = (&k[0][0], &k[0][1], &k[1][1], &k[2][0], &k[2][1]);
    let mut conns = Vec::new();
    for &p in &servers.ports {
        let client = redis::Client::open(format!("redis://127.0.0.1:{p}/")).unwrap();
        conns.push(client.get_multiplexed_async_connection().await.unwrap());
    }
    let mut s = Sharded::new(pool, conns).unwrap();
    servers.kill(DEAD);

    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg(a).arg(1);
    pipe.cmd("SET").arg(d).arg(1);
    pipe.cmd("MSET").arg(a2).arg(2).arg(d2).arg(2);
    pipe.cmd("MGET").arg(a).arg(d);
    let out = s.exec_pipeline_async(&pipe).await.unwrap();
    assert_eq!(out[0].as_ref().unwrap(), &Value::Okay);
    no_partial(&out[1]);
    check_partial(out[2].as_ref().unwrap_err(), "MSET", true, &["s0"], &["s2"]);
    check_partial(
        out[3].as_ref().unwrap_err(),
        "MGET",
        false,
        &["s0"],
        &["s2"],
    );
    assert_eq!(get(&mut servers.conn(0), a2).as_deref(), Some("2"));

    let err = redis::cmd("MSET")
        .arg(a2)
        .arg("y")
        .arg(b2)
        .arg("y")
        .arg(d2)
        .arg("y")
        .query_async::<Value>(&mut s)
        .await
        .unwrap_err();
    check_partial(&err, "MSET", true, &["s0", "s1"], &["s2"]);
    assert_eq!(get(&mut servers.conn(1), b2).as_deref(), Some("y"));
    let err = redis::pipe()
        .cmd("SET")
        .arg(a)
        .arg(7)
        .cmd("SET")
        .arg(d)
        .arg(7)
        .query_async::<Value>(&mut s)
        .await
        .unwrap_err();
    assert!(PartialError::find(&err).is_none(), "{err}");
    assert_eq!(get(&mut servers.conn(0), a).as_deref(), Some("7"));
}
