//! `tests/vectors/sharded.json`: what the core's shard module decides for
//! sequences of commands (plain, split, fan-out by tips, pipelines,
//! transactions, WATCH, strict tags, refusals) under a pool and under a
//! cluster map, and how its reduce rules combine replies. The Python and JS
//! suites read the same file and check their adapters' planning against it.
//!
//! The file is generated here from the core and must match what is
//! committed: `KEYROUTE_WRITE_VECTORS=1 cargo test -p keyroute --test
//! sharded_vectors` rewrites it after a deliberate change.

use keyroute::cluster::{SlotMap, Value};
use keyroute::partition::{Options, Pool, Scheme};
use keyroute::shard::{Outcome, Reduce, Reply, Session, ShardError, ShardRouter, Step};
use serde_json::{json, Value as J};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sharded.json");

const SERVERS: [&str; 4] = [
    "127.0.0.1:7001:1 s0",
    "127.0.0.1:7002:1 s1",
    "127.0.0.1:7003:1 s2",
    "127.0.0.1:7004:1 s3",
];
const SLOTS: [(i64, i64, &str, i64); 3] = [
    (0, 5460, "127.0.0.1", 7000),
    (5461, 10922, "127.0.0.1", 7001),
    (10923, 16383, "127.0.0.1", 7002),
];
const PRIMARIES: [&str; 3] = ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"];

/// The placements, as the file describes them for every language.
fn placements() -> J {
    let pool = |strict: bool| {
        json!({
            "kind": "pool",
            "scheme": "twemproxy-ketama",
            "servers": SERVERS,
            "options": if strict { json!({"hash_tag": "{}"}) } else { json!({}) },
            "strict_tags": strict,
        })
    };
    let cluster = |strict: bool| {
        json!({
            "kind": "cluster",
            "slots": SLOTS.iter().map(|(a, b, h, p)| json!([a, b, h, p])).collect::<Vec<_>>(),
            "primaries": PRIMARIES,
            "strict_tags": strict,
        })
    };
    json!({
        "pool": pool(false),
        "pool-strict": pool(true),
        "cluster": cluster(false),
        "cluster-strict": cluster(true),
    })
}

fn router(name: &str, seed: u32) -> ShardRouter {
    let r = match name {
        "pool" | "pool-strict" => {
            let mut options = Options::default();
            if name == "pool-strict" {
                options.hash_tag = Some(*b"{}");
            }
            ShardRouter::for_pool(
                Pool::with_options(Scheme::TwemproxyKetama, SERVERS, &options).unwrap(),
            )
        }
        _ => {
            let reply = Value::Array(
                SLOTS
                    .iter()
                    .map(|&(a, b, h, p)| {
                        Value::Array(vec![
                            Value::Int(a),
                            Value::Int(b),
                            Value::Array(vec![Value::str(h), Value::Int(p)]),
                        ])
                    })
                    .collect(),
            );
            let map = SlotMap::from_slots(&reply, None).unwrap();
            ShardRouter::for_cluster(&map, &PRIMARIES).unwrap()
        }
    };
    r.with_strict_tags(name.ends_with("-strict"))
        .with_seed(seed)
}

fn reduce_json(r: &Reduce) -> J {
    match r {
        Reduce::Order(o) => json!({ "order": o }),
        Reduce::Random { pick } => json!({ "random": pick }),
        other => json!(other.as_str()),
    }
}

fn step_json(s: &Step) -> J {
    match s {
        Step::One(i) => json!({ "one": i }),
        Step::Split(s) => json!({ "split": {
            "parts": s.parts.iter().map(|p| json!({"shard": p.shard, "argv": p.argv, "keys": p.keys})).collect::<Vec<_>>(),
            "reduce": reduce_json(&s.reduce),
            "key_count": s.key_count,
        }}),
        Step::FanOut(f) => {
            json!({ "fan_out": { "shards": f.shards, "reduce": reduce_json(&f.reduce) } })
        }
    }
}

fn error_json(e: &ShardError) -> J {
    json!({ "error": {
        "code": e.code(),
        "message": e.to_string(),
        "command": e.command(),
        "shards": e.shards(),
        "indexes": e.shard_indexes(),
        "position": e.position(),
    }})
}

fn state_json(s: &Session) -> J {
    json!({
        "pinned": s.pinned(),
        "watching": s.watching(),
        "in_multi": s.in_multi(),
        "queued": s.queued(),
    })
}

/// An operation of a scenario.
enum Op {
    Plan(Vec<String>),
    Pipeline(Vec<Vec<String>>),
    Watch(Vec<String>),
    WhileWatching(Vec<String>),
    Unwatch,
    Multi,
    Queue(Vec<String>),
    Exec,
    Transaction(Vec<Vec<String>>),
    Reset,
}

fn run(router: &ShardRouter, session: &mut Session, op: &Op) -> J {
    let shard = |r: Result<Option<usize>, ShardError>| match r {
        Ok(s) => json!({ "shard": s }),
        Err(e) => error_json(&e),
    };
    let (name, input, mut out) = match op {
        Op::Plan(a) => (
            "plan",
            json!({ "argv": a }),
            match router.plan(a) {
                Ok(s) => json!({ "step": step_json(&s) }),
                Err(e) => error_json(&e),
            },
        ),
        Op::Pipeline(c) => (
            "pipeline",
            json!({ "commands": c }),
            match router.plan_pipeline(c) {
                Ok(p) => json!({ "pipeline": {
                    "steps": p.steps.iter().map(step_json).collect::<Vec<_>>(),
                    "batches": p.batches.iter().map(|b| b.iter().map(|s| json!([s.command, s.part])).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    "replies": p.replies,
                }}),
                Err(e) => error_json(&e),
            },
        ),
        Op::Watch(a) => (
            "watch",
            json!({ "argv": a }),
            shard(session.watch(router, a).map(Some)),
        ),
        Op::WhileWatching(a) => (
            "while_watching",
            json!({ "argv": a }),
            shard(session.while_watching(router, a).map(Some)),
        ),
        Op::Unwatch => ("unwatch", json!({}), json!({ "shard": session.unwatch() })),
        Op::Multi => (
            "multi",
            json!({}),
            match session.multi() {
                Ok(()) => json!({}),
                Err(e) => error_json(&e),
            },
        ),
        Op::Queue(a) => (
            "queue",
            json!({ "argv": a }),
            match session.queue(router, a) {
                Ok(()) => json!({}),
                Err(e) => error_json(&e),
            },
        ),
        Op::Exec => ("exec", json!({}), shard(session.exec())),
        Op::Transaction(c) => (
            "transaction",
            json!({ "commands": c }),
            shard(session.transaction(router, c)),
        ),
        Op::Reset => ("reset", json!({}), json!({ "shard": session.reset() })),
    };
    out["state"] = state_json(session);
    let mut o = json!({ "op": name });
    for (k, v) in input.as_object().unwrap() {
        o[k] = v.clone();
    }
    o["expect"] = out;
    o
}

fn s(items: &[&str]) -> Vec<String> {
    items.iter().map(|x| x.to_string()).collect()
}

/// Keys on two different shards, and two keys sharing a shard by chance
/// (no common tag), found by the router.
struct Keys {
    a: String,
    b: String,
    c: String,
    d: String,
}

fn keys(r: &ShardRouter) -> Keys {
    let shard = |k: &str| r.place(k.as_bytes()).unwrap();
    let a = "user:1".to_string();
    let b = (2..10_000)
        .map(|i| format!("user:{i}"))
        .find(|k| shard(k).shard != shard(&a).shard)
        .unwrap();
    let c = "item:1".to_string();
    // With a cluster map, one shard but another slot.
    let d = (2..10_000)
        .map(|i| format!("item:{i}"))
        .find(|k| shard(k).shard == shard(&c).shard && shard(k).group != shard(&c).group)
        .or_else(|| {
            (2..10_000)
                .map(|i| format!("item:{i}"))
                .find(|k| shard(k).shard == shard(&c).shard)
        })
        .unwrap();
    Keys { a, b, c, d }
}

fn scenarios(placement: &str) -> Vec<(String, Vec<Op>)> {
    let r = router(placement, 0);
    let Keys { a, b, c, d } = keys(&r);
    let (a, b, c, d) = (a.as_str(), b.as_str(), c.as_str(), d.as_str());
    let t1 = "{t}one";
    let t2 = "{t}two";
    let p = |v: &[&str]| Op::Plan(s(v));
    let mut out = vec![
        (
            "keys".to_string(),
            vec![
                p(&["GET", a]),
                p(&["get", b]),
                p(&["SET", c, "v", "EX", "10"]),
                p(&["MGET", a, b, a]),
                p(&["MGET", c, d]),
                p(&["MSET", a, "1", b, "2"]),
                p(&["MSET", a, "1", b]),
                p(&["MSET", c, "1", d]),
                p(&["DEL", a, b, c]),
                p(&["EXISTS", a, b]),
                p(&["TOUCH", a, b]),
                p(&["UNLINK", b, a]),
                p(&["RENAME", a, b]),
                p(&["RENAME", c, d]),
                p(&["RENAME", t1, t2]),
                p(&["RENAME", a, a]),
                p(&["MSETNX", a, "1", b, "2"]),
                p(&["MSETNX", t1, "1", t2, "2"]),
                p(&["SINTERSTORE", a, b, c]),
                p(&["EVAL", "return 1", "2", a, b]),
                p(&["EVAL", "return 1", "1", a]),
                p(&["MSETEX", "2", a, "1", b, "2", "EX", "10"]),
                p(&["SPUBLISH", a, "hello"]),
            ],
        ),
        (
            "keyless commands follow the command tips".to_string(),
            vec![
                p(&["PING"]),
                p(&["FLUSHDB"]),
                p(&["FLUSHALL", "ASYNC"]),
                p(&["SCRIPT", "LOAD", "return 1"]),
                p(&["script", "flush"]),
                p(&["DBSIZE"]),
                p(&["SCRIPT", "EXISTS", "a", "b"]),
                p(&["KEYS", "*"]),
                p(&["SLOWLOG", "LEN"]),
                p(&["SLOWLOG", "RESET"]),
                p(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]),
                p(&["WAIT", "0", "0"]),
                p(&["SCRIPT", "KILL"]),
                p(&["FUNCTION", "FLUSH"]),
                p(&["RANDOMKEY"]),
                p(&["RANDOMKEY"]),
                p(&["SLOWLOG", "GET", "10"]),
                p(&["INFO"]),
                p(&["MEMORY", "STATS"]),
                p(&["SCAN", "0"]),
                p(&["TIME"]),
                p(&["CLIENT", "LIST"]),
                p(&["PUBLISH", "ch", "hello"]),
            ],
        ),
        (
            "unroutable".to_string(),
            vec![
                p(&[]),
                p(&["NOSUCH", a]),
                p(&["GET"]),
                p(&["GET", a, b]),
                p(&["SCRIPT", "NOSUCH"]),
                p(&["CONFIG"]),
            ],
        ),
        (
            "pipelines".to_string(),
            vec![
                Op::Pipeline(vec![
                    s(&["SET", a, "1"]),
                    s(&["MGET", a, b]),
                    s(&["DBSIZE"]),
                    s(&["GET", b]),
                    s(&["DEL", c, d]),
                ]),
                Op::Pipeline(vec![s(&["GET", a]), s(&["RENAME", a, b]), s(&["GET", b])]),
                Op::Pipeline(vec![s(&["GET", a]), s(&["TIME"])]),
                Op::Pipeline(vec![]),
            ],
        ),
        (
            "watch and a transaction".to_string(),
            vec![
                Op::Watch(s(&["WATCH", a])),
                Op::Watch(s(&["WATCH", b])),
                Op::WhileWatching(s(&["GET", a])),
                Op::WhileWatching(s(&["GET", b])),
                Op::Multi,
                Op::Multi,
                Op::Watch(s(&["WATCH", a])),
                Op::Queue(s(&["INCR", a])),
                Op::Queue(s(&["PING"])),
                Op::Queue(s(&["GET", b])),
                Op::Queue(s(&["NOSUCH"])),
                Op::Exec,
                Op::Exec,
            ],
        ),
        (
            "transactions at once".to_string(),
            vec![
                Op::Transaction(vec![s(&["SET", a, "1"]), s(&["GET", a])]),
                Op::Transaction(vec![s(&["SET", b, "1"]), s(&["SET", a, "1"])]),
                Op::Transaction(vec![s(&["SET", c, "1"]), s(&["SET", d, "1"])]),
                Op::Transaction(vec![s(&["SET", t1, "1"]), s(&["SET", t2, "1"])]),
                Op::Transaction(vec![s(&["PING"])]),
                Op::Transaction(vec![]),
                Op::Watch(s(&["WATCH", a, a])),
                Op::Transaction(vec![s(&["GET", b])]),
                Op::Transaction(vec![s(&["GET", a])]),
            ],
        ),
        (
            "unwatch and reset".to_string(),
            vec![
                Op::Unwatch,
                Op::Watch(s(&["WATCH", b])),
                Op::Unwatch,
                Op::Watch(s(&["WATCH", a])),
                Op::Queue(s(&["SET", a, "1"])),
                Op::Reset,
                Op::Watch(s(&["WATCH", a, b])),
            ],
        ),
    ];
    out.retain(|(_, ops)| !ops.is_empty());
    out
}

/// An abstract reply, for the reduce cases.
#[derive(Debug, Clone, PartialEq)]
enum R {
    Nil,
    Int(i64),
    Bool(bool),
    Str(String),
    Err(String),
    Arr(Vec<R>),
}

impl Reply for R {
    fn is_error(&self) -> bool {
        matches!(self, R::Err(_))
    }
    fn is_nil(&self) -> bool {
        matches!(self, R::Nil)
    }
    fn as_int(&self) -> Option<i64> {
        match self {
            R::Int(n) => Some(*n),
            R::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
    fn into_items(self) -> Result<Vec<Self>, Self> {
        match self {
            R::Arr(a) => Ok(a),
            o => Err(o),
        }
    }
    fn int_like(n: i64, like: &Self) -> Self {
        match like {
            R::Bool(_) => R::Bool(n != 0),
            _ => R::Int(n),
        }
    }
    fn array(items: Vec<Self>) -> Self {
        R::Arr(items)
    }
    fn nil() -> Self {
        R::Nil
    }
}

fn reply_json(r: &R) -> J {
    match r {
        R::Nil => json!({ "nil": null }),
        R::Int(n) => json!({ "int": n }),
        R::Bool(b) => json!({ "bool": b }),
        R::Str(s) => json!({ "str": s }),
        R::Err(e) => json!({ "error": e }),
        R::Arr(a) => json!({ "array": a.iter().map(reply_json).collect::<Vec<_>>() }),
    }
}

fn reduce_cases() -> J {
    use R::*;
    let st = |x: &str| Str(x.to_string());
    let er = |x: &str| Err(x.to_string());
    let cases: Vec<(Reduce, Vec<R>)> = vec![
        (
            Reduce::Order(vec![0, 2, 1]),
            vec![Arr(vec![st("b"), st("b2")]), Arr(vec![st("a")])],
        ),
        (
            Reduce::Order(vec![1, 0]),
            vec![Arr(vec![Nil]), Arr(vec![st("x")])],
        ),
        (
            Reduce::Order(vec![1, 0]),
            vec![Arr(vec![st("x")]), er("ERR down")],
        ),
        (Reduce::Sum, vec![Int(1), Int(2), Int(0)]),
        (Reduce::Sum, vec![Int(1), er("ERR first"), er("ERR second")]),
        (
            Reduce::Sum,
            vec![Arr(vec![Int(1), Int(2)]), Arr(vec![Int(3), Int(4)])],
        ),
        (Reduce::Min, vec![Int(3), Int(1), Int(2)]),
        (Reduce::Max, vec![Int(3), Int(1), Int(2)]),
        (
            Reduce::And,
            vec![
                Arr(vec![Int(1), Int(1), Int(0)]),
                Arr(vec![Int(1), Int(0), Int(0)]),
            ],
        ),
        (
            Reduce::And,
            vec![
                Arr(vec![Bool(true), Bool(true)]),
                Arr(vec![Bool(true), Bool(false)]),
            ],
        ),
        (Reduce::And, vec![Int(1), Int(1)]),
        (Reduce::Or, vec![Int(0), Int(1)]),
        (
            Reduce::Or,
            vec![Arr(vec![Int(0), Int(0)]), Arr(vec![Int(1), Int(0)])],
        ),
        (Reduce::AllSucceeded, vec![st("OK"), st("OK")]),
        (Reduce::AllSucceeded, vec![st("OK"), er("ERR no")]),
        (Reduce::AllSucceeded, vec![Bool(true), Bool(true)]),
        (Reduce::OneSucceeded, vec![er("NOTBUSY"), st("OK")]),
        (Reduce::OneSucceeded, vec![er("NOTBUSY a"), er("NOTBUSY b")]),
        (
            Reduce::Concat,
            vec![Arr(vec![st("a")]), Arr(vec![]), Arr(vec![st("b"), st("c")])],
        ),
        (Reduce::Concat, vec![Arr(vec![st("a")]), er("ERR down")]),
        (
            Reduce::Random { pick: 5 },
            vec![Nil, st("k1"), Nil, st("k2")],
        ),
        (
            Reduce::Random { pick: 4 },
            vec![Nil, st("k1"), Nil, st("k2")],
        ),
        (Reduce::Random { pick: 4 }, vec![Nil, Nil]),
        (Reduce::Sum, vec![Int(1), st("not a number")]),
    ];
    J::Array(
        cases
            .into_iter()
            .map(|(r, replies)| {
                let input: Vec<J> = replies.iter().map(reply_json).collect();
                json!({
                    "reduce": reduce_json(&r),
                    "replies": input,
                    "expect": reply_json(&r.apply(replies)),
                })
            })
            .collect(),
    )
}

/// What a split or fanned-out command amounts to when some shards gave no
/// reply (`ShardRouter::partial`): per placement, a command, the outcome of
/// each send (in the order of its step's sends), and the error or `null`.
fn partial_cases() -> J {
    use Outcome::*;
    let mut out = Vec::new();
    for placement in ["pool", "cluster"] {
        let r = router(placement, 0);
        let Keys { a, b, c, d } = keys(&r);
        let (a, b, c, d) = (a.as_str(), b.as_str(), c.as_str(), d.as_str());
        let cases: Vec<(Vec<&str>, Vec<Outcome>)> = vec![
            (vec!["MSET", a, "1", b, "2"], vec![Reply, NoReply]),
            (vec!["MSET", a, "1", b, "2"], vec![NoReply, Reply]),
            (vec!["MSET", a, "1", b, "2"], vec![Reply, Reply]),
            (vec!["MSET", a, "1", b, "2"], vec![NoReply, NoReply]),
            (vec!["MSET", a, "1", b, "2"], vec![ErrorReply, NoReply]),
            (vec!["MSET", a, "1", b, "2"], vec![Reply]),
            (vec!["DEL", a, b, c, d], vec![Reply, NoReply, Reply]),
            (vec!["UNLINK", a, b], vec![NoReply, Reply]),
            (vec!["TOUCH", a, b], vec![NoReply, Reply]),
            (vec!["MGET", a, b], vec![Reply, NoReply]),
            (vec!["MGET", a, b], vec![ErrorReply, NoReply]),
            (vec!["EXISTS", b, a], vec![NoReply, Reply]),
            (vec!["FLUSHALL"], vec![Reply, NoReply, Reply]),
            (vec!["DBSIZE"], vec![NoReply, NoReply, Reply]),
            (vec!["GET", a], vec![NoReply]),
        ];
        for (argv, outcomes) in cases {
            let step = r.plan(&argv).unwrap();
            let expect = match r.partial(&argv, &step, &outcomes) {
                None => J::Null,
                Some(e) => {
                    let mut j = error_json(&e);
                    let (applied, indexes) = e.applied();
                    j["error"]["applied"] = json!(applied);
                    j["error"]["applied_indexes"] = json!(indexes);
                    j["error"]["write"] = json!(e.is_partial_write());
                    j
                }
            };
            out.push(json!({
                "placement": placement,
                "argv": argv,
                "step": step_json(&step),
                "outcomes": outcomes.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
                "expect": expect,
            }));
        }
    }
    J::Array(out)
}

fn generate() -> J {
    let mut all = Vec::new();
    for placement in ["pool", "pool-strict", "cluster", "cluster-strict"] {
        for (name, ops) in scenarios(placement) {
            let router = router(placement, 0);
            let mut session = Session::new();
            let ops: Vec<J> = ops
                .iter()
                .map(|op| run(&router, &mut session, op))
                .collect();
            all.push(json!({
                "name": name,
                "placement": placement,
                "seed": 0,
                "ops": ops,
            }));
        }
    }
    json!({
        "about": "What keyroute's shard module decides for sequences of commands, and how its \
                  reduce rules combine replies, and what a split or fan-out some of whose \
                  shards gave no reply amounts to. Generated from the core by \
                  core/tests/sharded_vectors.rs (KEYROUTE_WRITE_VECTORS=1 to rewrite); every \
                  language's sharded-client planning is checked against it.",
        "placements": placements(),
        "scenarios": all,
        "reduce": reduce_cases(),
        "partial": partial_cases(),
    })
}

#[test]
fn committed_vectors_are_what_the_core_decides() {
    let fresh = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("KEYROUTE_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(PATH)
        .expect("tests/vectors/sharded.json: generate it with KEYROUTE_WRITE_VECTORS=1");
    assert!(
        committed == fresh,
        "tests/vectors/sharded.json is stale: the core now decides otherwise. Review the change, \
         then rewrite it with KEYROUTE_WRITE_VECTORS=1 cargo test -p keyroute --test sharded_vectors"
    );
}
