use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::cluster::{SlotMap, Value};
use crate::partition::Scheme;

/// A xorshift draw from `seed`: each call a number below `n` (0 for `n`
/// of 0), for the random tests below.
fn draws(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n.max(1)
    }
}

fn pool_router() -> ShardRouter {
    let pool = Pool::new(
        Scheme::TwemproxyKetama,
        [
            "127.0.0.1:7001:1 s0",
            "127.0.0.1:7002:1 s1",
            "127.0.0.1:7003:1 s2",
            "127.0.0.1:7004:1 s3",
        ],
    )
    .unwrap();
    ShardRouter::for_pool(pool)
}

fn cluster_map() -> SlotMap {
    let node = |port| Value::Array(vec![Value::str("127.0.0.1"), Value::Int(port)]);
    let range = |a, b, port| Value::Array(vec![Value::Int(a), Value::Int(b), node(port)]);
    let reply = Value::Array(vec![
        range(0, 5460, 7000),
        range(5461, 10922, 7001),
        range(10923, 16383, 7002),
    ]);
    SlotMap::from_slots(&reply, None).unwrap()
}

fn cluster_router() -> ShardRouter {
    ShardRouter::for_cluster(
        &cluster_map(),
        &["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"],
    )
    .unwrap()
}

/// Two keys (with a prefix) on different shards of `r`.
fn apart(r: &ShardRouter, prefix: &str) -> (String, String) {
    let a = alloc::format!("{prefix}0");
    let sa = r.shard_of(a.as_bytes()).unwrap();
    for i in 1..1000 {
        let b = alloc::format!("{prefix}{i}");
        if r.shard_of(b.as_bytes()).unwrap() != sa {
            return (a, b);
        }
    }
    unreachable!("every key on one shard")
}

/// Two keys on the same shard of `r` without a common tag.
fn together(r: &ShardRouter) -> (String, String) {
    let a = String::from("k0");
    let sa = r.shard_of(a.as_bytes()).unwrap();
    for i in 1..1000 {
        let b = alloc::format!("k{i}");
        if r.shard_of(b.as_bytes()).unwrap() == sa {
            return (a, b);
        }
    }
    unreachable!()
}

fn fan_out(r: &ShardRouter, argv: &[&str]) -> Reduce {
    match r.plan(argv).unwrap() {
        Step::FanOut(f) => {
            assert_eq!(f.shards, (0..r.len()).collect::<Vec<_>>());
            f.reduce
        }
        other => panic!("{argv:?}: {other:?}"),
    }
}

#[test]
fn the_fan_out_set_comes_from_the_tips() {
    let r = pool_router();
    // What the sharded clients fanned out before the rules came from tips.
    for argv in [
        &["PING"][..],
        &["FLUSHDB"],
        &["FLUSHALL"],
        &["SCRIPT", "LOAD", "return 1"],
        &["SCRIPT", "FLUSH"],
    ] {
        assert_eq!(fan_out(&r, argv), Reduce::AllSucceeded, "{argv:?}");
    }
    assert_eq!(fan_out(&r, &["DBSIZE"]), Reduce::Sum);
    assert_eq!(fan_out(&r, &["SCRIPT", "EXISTS", "abc"]), Reduce::And);
    assert_eq!(fan_out(&r, &["KEYS", "*"]), Reduce::Concat);
    // And what the tips add.
    assert_eq!(fan_out(&r, &["SLOWLOG", "LEN"]), Reduce::Sum);
    assert_eq!(
        fan_out(&r, &["CONFIG", "SET", "x", "y"]),
        Reduce::AllSucceeded
    );
    assert_eq!(fan_out(&r, &["WAIT", "0", "0"]), Reduce::Min);
    assert_eq!(fan_out(&r, &["SCRIPT", "KILL"]), Reduce::OneSucceeded);
    assert!(matches!(fan_out(&r, &["RANDOMKEY"]), Reduce::Random { .. }));
    for (argv, reason) in [
        (&["SLOWLOG", "GET"][..], KeylessReason::PerShard),
        (&["INFO"], KeylessReason::Special),
        (&["SCAN", "0"], KeylessReason::Special),
        (&["TIME"], KeylessReason::NoPolicy),
        (&["CLIENT", "LIST"], KeylessReason::NoPolicy),
    ] {
        match r.plan(argv) {
            Err(ShardError::Keyless { reason: got, .. }) => assert_eq!(got, reason, "{argv:?}"),
            other => panic!("{argv:?}: {other:?}"),
        }
    }
}

#[test]
fn random_picks_follow_the_seed() {
    let picks = |seed| {
        let r = pool_router().with_seed(seed);
        (0..4)
            .map(|_| match fan_out(&r, &["RANDOMKEY"]) {
                Reduce::Random { pick } => pick,
                _ => unreachable!(),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(picks(7), picks(7));
    assert_ne!(picks(7), picks(8));
    let p = picks(0);
    assert!(p.windows(2).all(|w| w[0] != w[1]), "{p:?}");
}

#[test]
fn one_shard_or_a_split_in_key_order() {
    let r = pool_router();
    let (a, b) = apart(&r, "k");
    assert_eq!(
        r.plan(&["GET", &a]).unwrap(),
        Step::One(r.shard_of(a.as_bytes()).unwrap())
    );
    let Step::Split(s) = r.plan(&["MGET", &b, &a, &b]).unwrap() else {
        panic!()
    };
    assert_eq!(s.key_count, 3);
    assert_eq!(s.parts.len(), 2);
    assert_eq!(s.parts[0].shard, r.shard_of(b.as_bytes()).unwrap());
    assert_eq!(s.parts[0].argv, [0, 1, 3]);
    assert_eq!(s.parts[0].keys, [0, 2]);
    assert_eq!(s.parts[1].argv, [0, 2]);
    // Part 0 answers [b, b], part 1 [a]: the caller's order is b, a, b.
    assert_eq!(s.reduce, Reduce::Order(vec![0, 2, 1]));
    let Step::Split(s) = r.plan(&["MSET", &a, "1", &b, "2"]).unwrap() else {
        panic!()
    };
    assert_eq!(s.reduce, Reduce::AllSucceeded);
    assert_eq!(s.parts[0].argv, [0, 1, 2]);
    assert_eq!(s.parts[1].argv, [0, 3, 4]);
    let Step::Split(s) = r.plan(&["DEL", &a, &b]).unwrap() else {
        panic!()
    };
    assert_eq!(s.reduce, Reduce::Sum);
}

#[test]
fn a_split_checks_what_the_server_checks_first() {
    let r = pool_router();
    let (a, b) = apart(&r, "k");
    // A key without its value: the server writes nothing, so nothing is sent.
    match r.plan(&["MSET", &a, "1", &b]) {
        Err(ShardError::Unroutable {
            cause: Unroutable::Command(CommandError::WrongArity { .. }),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // On one shard the server answers its own error, as a single server does.
    let (c, d) = together(&r);
    assert!(matches!(r.plan(&["MSET", &c, "1", &d]), Ok(Step::One(_))));
}

#[test]
fn commands_that_cannot_split_are_refused_with_their_shards() {
    let r = pool_router();
    let (a, b) = apart(&r, "k");
    let e = r.plan(&["RENAME", &a, &b]).unwrap_err();
    assert_eq!(e.code(), "ERR_KEYROUTE_CROSS_SHARD");
    assert_eq!(e.command(), "RENAME");
    let names: Vec<&str> = [&a, &b]
        .iter()
        .map(|k| r.name(r.shard_of(k.as_bytes()).unwrap()))
        .collect();
    assert_eq!(e.shards(), names.as_slice());
    assert_eq!(
        e.to_string(),
        alloc::format!(
            "RENAME has keys on several shards ({}, {}) and cannot be split",
            names[0],
            names[1]
        )
    );
    let e = r.plan(&["MSETNX", &a, "1", &b, "2"]).unwrap_err();
    assert_eq!(e.command(), "MSETNX");
    let e = r.plan(&["EVAL", "return 1", "2", &a, &b]).unwrap_err();
    assert_eq!(e.code(), "ERR_KEYROUTE_CROSS_SHARD");
}

#[test]
fn strict_tags_refuse_keys_together_by_chance() {
    let r = pool_router().with_strict_tags(true);
    let (a, b) = together(&r);
    let e = r.plan(&["RENAME", &a, &b]).unwrap_err();
    assert_eq!(e.code(), "ERR_KEYROUTE_NOT_COLOCATED");
    assert_eq!(e.shards().len(), 1);
    // A splittable command on one shard needs no tag; one key repeated is fine.
    assert!(matches!(r.plan(&["MGET", &a, &b]), Ok(Step::One(_))));
    assert!(matches!(r.plan(&["RENAME", &a, &a]), Ok(Step::One(_))));
    // Without strict tags the same command runs.
    let r = pool_router();
    assert!(matches!(r.plan(&["RENAME", &a, &b]), Ok(Step::One(_))));
}

#[test]
fn a_cluster_splits_per_slot_and_refuses_per_slot() {
    let r = cluster_router();
    // foo (slot 12182) and bar (5061) are on different shards; two keys
    // of one shard in different slots still split.
    let Step::Split(s) = r.plan(&["MGET", "foo", "bar"]).unwrap() else {
        panic!()
    };
    assert_eq!(s.parts.iter().map(|p| p.shard).collect::<Vec<_>>(), [2, 0]);
    let (a, b) = ("a", "b"); // slots 15495 and 3300
    assert_eq!(crate::key_slot(a.as_bytes()), 15495);
    let e = r.plan(&["RENAME", a, b]).unwrap_err();
    match &e {
        ShardError::CrossShard { slots, .. } => assert_eq!(*slots, Some((15495, 3300))),
        other => panic!("{other:?}"),
    }
    // Same shard, two slots: still a cross-slot refusal (a node refuses it).
    let c = "c"; // slot 7365, shard 1
    let d = (0..)
        .map(|i| alloc::format!("d{i}"))
        .find(|k| {
            let s = crate::key_slot(k.as_bytes());
            (5461..=10922).contains(&s) && s != 7365
        })
        .unwrap();
    let e = r.plan(&["RENAME", c, &d]).unwrap_err();
    assert_eq!(e.shards(), ["127.0.0.1:7001"]);
    assert!(e.to_string().contains("hash slots 7365 and"), "{e}");
    let Step::Split(s) = r.plan(&["DEL", c, &d]).unwrap() else {
        panic!()
    };
    assert_eq!(s.parts.iter().map(|p| p.shard).collect::<Vec<_>>(), [1, 1]);
}

#[test]
fn cluster_shards_are_named_as_given() {
    let map = cluster_map();
    let r = ShardRouter::for_cluster(
        &map,
        &["127.0.0.1:7002", "127.0.0.1:7000", "127.0.0.1:7001"],
    )
    .unwrap();
    assert_eq!(r.shard_of(b"foo").unwrap(), 0);
    assert_eq!(r.name(0), "127.0.0.1:7002");
    assert!(matches!(
        ShardRouter::for_cluster(&map, &["127.0.0.1:7000", "127.0.0.1:7001"]),
        Err(TopologyError::PrimaryMismatch { in_map: true, .. })
    ));
    assert!(matches!(
        ShardRouter::for_cluster(
            &map,
            &[
                "127.0.0.1:7000",
                "127.0.0.1:7001",
                "127.0.0.1:7002",
                "127.0.0.1:7009"
            ]
        ),
        Err(TopologyError::PrimaryMismatch { in_map: false, .. })
    ));
}

#[test]
fn unroutable_commands_name_the_command() {
    let r = pool_router();
    for (argv, name) in [
        (&["NOSUCH", "x"][..], "NOSUCH"),
        (&["GET"], "GET"),
        (&["script", "nosuch"], "SCRIPT NOSUCH"),
    ] {
        let e = r.plan(argv).unwrap_err();
        assert_eq!(e.code(), "ERR_KEYROUTE_UNROUTABLE");
        assert_eq!(e.command(), name);
    }
    let empty: [&str; 0] = [];
    assert_eq!(
        r.plan(&empty).unwrap_err().to_string(),
        "an empty command cannot be routed"
    );
    assert_eq!(r.command_name(&["script", "load", "x"]), "SCRIPT LOAD");
    assert_eq!(r.command_name(&["config", "SET", "a", "b"]), "CONFIG SET");
}

/// One `Pipeline` planned into again and again holds what a fresh plan
/// would, whatever it held before (longer, shorter, refused pipelines).
#[test]
fn a_reused_pipeline_plan_equals_a_fresh_one() {
    for r in [pool_router(), cluster_router()] {
        let mut reused = Pipeline::default();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..300 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let keys: Vec<String> = (0..8)
                .map(|i| alloc::format!("k{}", (x >> (i * 5)) % 7))
                .collect();
            let shapes: [Vec<&str>; 7] = [
                vec!["GET", &keys[0]],
                vec!["MGET", &keys[1], &keys[2], &keys[3]],
                vec!["DEL", &keys[4], &keys[5]],
                vec!["DBSIZE"],
                vec!["MSET", &keys[6], "v", &keys[7], "w"],
                vec!["RENAME", &keys[0], &keys[1]],
                vec!["SET", &keys[2], "v"],
            ];
            let n = (x % 9) as usize;
            let commands: Vec<&Vec<&str>> = (0..n)
                .map(|i| &shapes[((x >> (3 * i)) % 7) as usize])
                .collect();
            let fresh = r.plan_pipeline(&commands);
            let into = r.plan_pipeline_into(&commands, &mut reused);
            match fresh {
                Ok(p) => {
                    assert_eq!(into, Ok(()), "round {round}");
                    assert_eq!(reused, p, "round {round}");
                }
                Err(e) => {
                    assert_eq!(into, Err(e), "round {round}");
                    assert_eq!(reused, Pipeline::default(), "round {round}");
                }
            }
        }
    }
}

#[test]
fn a_pipeline_is_planned_whole() {
    let r = pool_router();
    let (a, b) = apart(&r, "k");
    let (sa, sb) = (
        r.shard_of(a.as_bytes()).unwrap(),
        r.shard_of(b.as_bytes()).unwrap(),
    );
    let commands: Vec<Vec<&str>> = vec![
        vec!["SET", &a, "1"],
        vec!["MGET", &a, &b],
        vec!["DBSIZE"],
        vec!["GET", &b],
    ];
    let p = r.plan_pipeline(&commands).unwrap();
    assert_eq!(p.steps.len(), 4);
    assert_eq!(p.replies[0], [(sa, 0)]);
    assert_eq!(p.replies[1], [(sa, 1), (sb, 0)]);
    assert_eq!(p.replies[2].len(), 4);
    assert_eq!(p.replies[3], [(sb, 2)]);
    assert_eq!(
        p.batches[sa][1],
        Send {
            command: 1,
            part: Some(0)
        }
    );
    let total: usize = p.batches.iter().map(Vec::len).sum();
    assert_eq!(total, 1 + 2 + 4 + 1);
    // One refused command refuses the whole pipeline, naming its position.
    let commands: Vec<Vec<&str>> = vec![vec!["GET", &a], vec!["RENAME", &a, &b]];
    let e = r.plan_pipeline(&commands).unwrap_err();
    let mut reused = Pipeline::default();
    assert_eq!(r.plan_pipeline_into(&commands, &mut reused), Err(e.clone()));
    assert_eq!(reused, Pipeline::default());
    assert_eq!(e.position(), Some(1));
    assert_eq!(e.code(), "ERR_KEYROUTE_CROSS_SHARD");
    assert!(
        e.to_string()
            .starts_with("command 1 of the pipeline: RENAME"),
        "{e}"
    );
}

#[test]
fn a_transaction_stays_on_its_shard() {
    let r = pool_router();
    let (a, b) = apart(&r, "k");
    let sa = r.shard_of(a.as_bytes()).unwrap();
    let mut s = Session::new();
    assert_eq!(s.watch(&r, &["WATCH", &a]).unwrap(), sa);
    assert!(s.watching());
    // A watch on another shard is refused, and changes nothing.
    let e = s.watch(&r, &["WATCH", &b]).unwrap_err();
    assert_eq!(e.code(), "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION");
    assert!(
        e.to_string()
            .starts_with("transaction WATCH and WATCH touch shards"),
        "{e}"
    );
    assert_eq!(s.pinned(), Some(sa));
    s.multi().unwrap();
    assert!(s.multi().is_err());
    assert!(s.watch(&r, &["WATCH", &a]).is_err());
    s.queue(&r, &["INCR", &a]).unwrap();
    s.queue(&r, &["PING"]).unwrap(); // keyless commands go along
    let e = s.queue(&r, &["GET", &b]).unwrap_err();
    match &e {
        ShardError::CrossShardTransaction { first, other, .. } => {
            assert_eq!(first.position, None);
            assert_eq!(other.position, Some(2));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.queued(), 2);
    assert_eq!(s.exec().unwrap(), Some(sa));
    assert_eq!(s, Session::new());
    // Without a watch, the first key pins.
    let e = s
        .transaction(&r, &[vec!["SET", &b, "1"], vec!["SET", &a, "1"]])
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("transaction command 0 (SET) and command 1 (SET) touch shards"),
        "{e}"
    );
    // A refused transaction leaves the watch in place.
    s.watch(&r, &["WATCH", &a]).unwrap();
    assert!(s.transaction(&r, &[vec!["GET", &b]]).is_err());
    assert_eq!(s.pinned(), Some(sa));
    assert_eq!(s.transaction(&r, &[vec!["GET", &a]]).unwrap(), Some(sa));
    assert!(!s.watching());
    // Keyless transactions have no shard; empty ones have nothing to send.
    assert!(matches!(
        s.transaction(&r, &[vec!["PING"]]),
        Err(ShardError::Keyless {
            reason: KeylessReason::Transaction,
            ..
        })
    ));
    let none: [Vec<&str>; 0] = [];
    assert_eq!(s.transaction(&r, &none).unwrap(), None);
    // UNWATCH goes where the watch went, or nowhere.
    assert_eq!(s.unwatch(), None);
    s.watch(&r, &["WATCH", &a]).unwrap();
    assert_eq!(s.unwatch(), Some(sa));
    assert_eq!(s.pinned(), None);
}

#[test]
fn strict_transactions_share_a_tag_and_cluster_ones_a_slot() {
    let r = pool_router().with_strict_tags(true);
    let (a, b) = together(&r);
    let mut s = Session::new();
    s.queue(&r, &["SET", &a, "1"]).unwrap();
    let e = s.queue(&r, &["SET", &b, "1"]).unwrap_err();
    assert!(matches!(
        e,
        ShardError::CrossShardTransaction {
            conflict: Conflict::Tags,
            ..
        }
    ));
    s.queue(&r, &["SET", &a, "2"]).unwrap();
    let r = cluster_router();
    let mut s = Session::new();
    s.queue(&r, &["SET", "c", "1"]).unwrap();
    let e = s.queue(&r, &["SET", "{c}x", "1"]);
    assert!(e.is_ok());
    let d = (0..)
        .map(|i| alloc::format!("d{i}"))
        .find(|k| {
            let s = crate::key_slot(k.as_bytes());
            (5461..=10922).contains(&s) && s != 7365
        })
        .unwrap();
    let e = s.queue(&r, &["SET", &d, "1"]).unwrap_err();
    assert!(matches!(
        e,
        ShardError::CrossShardTransaction {
            conflict: Conflict::Slots(7365, _),
            ..
        }
    ));
}

/// A reply type for testing the reduce rules.
#[derive(Debug, Clone, PartialEq)]
enum R {
    Nil,
    Int(i64),
    Bool(bool),
    Text(&'static str),
    Err(&'static str),
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
            other => Err(other),
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

/// `Reduce::Order` on a naive reading of its definition: element `order[i]`
/// of the concatenated arrays, each taken at most once, nil when absent.
fn naive_order(order: &[u32], replies: Vec<R>) -> R {
    let mut all: Vec<Option<R>> = Vec::new();
    for r in replies {
        match r {
            R::Arr(items) => all.extend(items.into_iter().map(Some)),
            other => return other,
        }
    }
    R::Arr(
        order
            .iter()
            .map(|&i| {
                all.get_mut(i as usize)
                    .and_then(Option::take)
                    .unwrap_or(R::Nil)
            })
            .collect(),
    )
}

#[test]
fn order_equals_its_naive_reading() {
    let mut next = draws(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let n = next(9) as usize;
        let mut order: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            order.swap(i, next(i as u64 + 1) as usize);
        }
        // Now and then not a permutation: a repeat, or a place past the end.
        match next(6) {
            0 if n > 1 => order[0] = order[1],
            1 if n > 0 => order[n - 1] = n as u32 + next(3) as u32,
            _ => {}
        }
        // Replies with as many elements in all, or a few more or fewer.
        let total = (n as i64 + next(3) as i64 - 1).max(0) as usize;
        let mut replies = Vec::new();
        let mut made = 0;
        while made < total {
            let k = (1 + next(3) as usize).min(total - made);
            replies.push(R::Arr((made..made + k).map(|i| R::Int(i as i64)).collect()));
            made += k;
        }
        if next(10) == 0 {
            replies.push(R::Text("not an array"));
        }
        let want = naive_order(&order, replies.clone());
        assert_eq!(
            Reduce::Order(order.clone()).apply(replies),
            want,
            "{order:?}"
        );
    }
    // Orders as the planner makes them (each key in one of a few parts, a
    // part's keys in command order), on one reply per part (now and then
    // an empty one, or one an element short or long).
    for _ in 0..20_000 {
        let n = next(40) as usize;
        let parts = 1 + next(5) as usize;
        let part: Vec<usize> = (0..n).map(|_| next(parts as u64) as usize).collect();
        let mut sizes = vec![0usize; parts];
        part.iter().for_each(|&p| sizes[p] += 1);
        let mut at: Vec<usize> = sizes
            .iter()
            .scan(0, |s, &k| {
                *s += k;
                Some(*s - k)
            })
            .collect();
        let order: Vec<u32> = part
            .iter()
            .map(|&p| {
                at[p] += 1;
                (at[p] - 1) as u32
            })
            .collect();
        let mut made = 0;
        let mut replies = Vec::new();
        for (p, &k) in sizes.iter().enumerate() {
            let k = match next(12) {
                0 => k + 1,
                1 => k.saturating_sub(1),
                _ => k,
            };
            replies.push(R::Arr(
                (made..made + k)
                    .map(|i| R::Int((p * 1000 + i) as i64))
                    .collect(),
            ));
            made += k;
        }
        let want = naive_order(&order, replies.clone());
        assert_eq!(
            Reduce::Order(order.clone()).apply(replies),
            want,
            "{order:?}"
        );
    }
}

#[test]
fn reduce_rules() {
    use R::*;
    let order = Reduce::Order(vec![0, 2, 1]);
    assert_eq!(
        order.apply(vec![Arr(vec![Text("b"), Text("b2")]), Arr(vec![Text("a")])]),
        Arr(vec![Text("b"), Text("a"), Text("b2")])
    );
    assert_eq!(Reduce::Sum.apply(vec![Int(1), Int(2)]), Int(3));
    assert_eq!(
        Reduce::Sum.apply(vec![Int(1), Err("ERR x"), Err("ERR y")]),
        Err("ERR x")
    );
    assert_eq!(Reduce::Min.apply(vec![Int(3), Int(2)]), Int(2));
    assert_eq!(Reduce::Max.apply(vec![Int(3), Int(2)]), Int(3));
    assert_eq!(
        Reduce::And.apply(vec![Arr(vec![Int(1), Int(1)]), Arr(vec![Int(1), Int(0)])]),
        Arr(vec![Int(1), Int(0)])
    );
    assert_eq!(
        Reduce::And.apply(vec![Arr(vec![Bool(true)]), Arr(vec![Bool(true)])]),
        Arr(vec![Bool(true)])
    );
    assert_eq!(Reduce::Or.apply(vec![Int(0), Int(1)]), Int(1));
    assert_eq!(
        Reduce::AllSucceeded.apply(vec![Text("OK"), Text("OK")]),
        Text("OK")
    );
    assert_eq!(
        Reduce::OneSucceeded.apply(vec![Err("E1"), Text("OK")]),
        Text("OK")
    );
    assert_eq!(
        Reduce::OneSucceeded.apply(vec![Err("E1"), Err("E2")]),
        Err("E1")
    );
    assert_eq!(
        Reduce::Concat.apply(vec![
            Arr(vec![Text("a")]),
            Arr(vec![]),
            Arr(vec![Text("b")])
        ]),
        Arr(vec![Text("a"), Text("b")])
    );
    assert_eq!(
        Reduce::Random { pick: 3 }.apply(vec![Nil, Text("a"), Nil, Text("b")]),
        Text("b")
    );
    assert_eq!(Reduce::Random { pick: 3 }.apply(vec![Nil, Nil]), Nil);
    // A reply of the wrong shape stands for the whole.
    assert_eq!(Reduce::Sum.apply(vec![Int(1), Text("x")]), Text("x"));
    let _ = ToString::to_string(&1);
}

#[test]
fn keyless_reasons_have_the_documented_names() {
    let names: Vec<&str> = [
        KeylessReason::NoPolicy,
        KeylessReason::Special,
        KeylessReason::PerShard,
        KeylessReason::Transaction,
    ]
    .into_iter()
    .map(KeylessReason::as_str)
    .collect();
    assert_eq!(names, ["no_policy", "special", "per_shard", "transaction"]);
    assert_eq!(KeylessReason::NAMES, names.as_slice());
    assert_eq!("per_shard".parse(), Ok(KeylessReason::PerShard));
}

#[test]
fn reduce_names_read_back() {
    for r in [
        Reduce::Sum,
        Reduce::Min,
        Reduce::Max,
        Reduce::And,
        Reduce::Or,
        Reduce::AllSucceeded,
        Reduce::OneSucceeded,
        Reduce::Concat,
    ] {
        assert_eq!(Reduce::from_name(r.as_str()), Some(r));
    }
    assert_eq!(Reduce::Order(vec![1, 0]).as_str(), "order");
    for name in ["order", "random", "SUM", "", "first"] {
        assert_eq!(Reduce::from_name(name), None, "{name}");
    }
}

/// A pool whose library has no server for some keys (phpredis RedisArray
/// under crc32b: a key whose part is empty) refuses the command naming the
/// key's position, whether the key comes first, later, or in a split.
#[test]
fn a_key_the_pool_refuses_refuses_the_command() {
    use crate::partition::{OptionValue, Options};
    let mut o = Options::default();
    o.set("algorithm", OptionValue::Text(b"crc32b")).unwrap();
    let pool = Pool::with_options(
        Scheme::PhpredisArray,
        ["127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:6381"],
        &o,
    )
    .unwrap();
    let r = ShardRouter::for_pool(pool);
    let served: Vec<String> = (0..40).map(|i| alloc::format!("k{i}")).collect();
    for argv in [
        vec!["GET", "{}"],
        vec!["MGET", "{}", &served[0]],
        vec!["MGET", &served[0], &served[1], "a{}b"],
        vec!["DEL", &served[2], &served[3], &served[4], "", &served[5]],
    ] {
        let pos = argv
            .iter()
            .skip(1)
            .position(|k| r.place(k.as_bytes()).is_err());
        let pos = pos.expect("a refused key") + 1;
        let want = r.place_at(&argv, pos).unwrap_err();
        assert_eq!(r.plan(&argv).unwrap_err(), want, "{argv:?}");
        assert!(
            matches!(
                &want,
                ShardError::Unroutable {
                    cause: Unroutable::Topology(TopologyError::NoServerForKey { position, .. }),
                    ..
                } if *position == pos
            ),
            "{want:?}"
        );
    }
    // Keys it serves are placed as the pool places them.
    let argv: Vec<&str> = core::iter::once("MGET")
        .chain(served.iter().map(String::as_str))
        .collect();
    assert!(r.plan(&argv).is_ok());
}

/// A pipeline's steps are each command's own plan, however its commands
/// repeat: the same name in another case, a container with its
/// subcommands, an unknown name, a repeated command of wrong arity.
#[test]
fn pipeline_steps_are_each_commands_plan() {
    for r in [pool_router(), cluster_router()] {
        let shapes: [Vec<&str>; 10] = [
            vec!["GET", "a"],
            vec!["get", "b"],
            vec!["GET", "c"],
            vec!["MGET", "a", "b", "c", "d"],
            vec!["CONFIG", "GET", "x"],
            vec!["CONFIG", "SET", "x", "y"],
            vec!["config", "get", "x"],
            vec!["DBSIZE"],
            vec!["GET"],
            vec!["NOSUCH", "a"],
        ];
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for round in 0..500 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = 1 + (x % 7) as usize;
            let commands: Vec<&Vec<&str>> = (0..n)
                .map(|i| &shapes[((x >> (4 * i)) % 10) as usize])
                .collect();
            let want: Vec<Result<Step, ShardError>> = commands.iter().map(|c| r.plan(c)).collect();
            match r.plan_pipeline(&commands) {
                Ok(p) => {
                    let want: Vec<Step> = want.into_iter().map(Result::unwrap).collect();
                    assert_eq!(p.steps, want, "round {round}");
                }
                Err(e) => {
                    let i = want.iter().position(Result::is_err).expect("a refusal");
                    let first = want.into_iter().nth(i).unwrap().unwrap_err().at(i);
                    assert_eq!(e, first, "round {round}");
                }
            }
        }
    }
}

#[test]
fn partial_names_applied_and_failed_shards() {
    use Outcome::*;
    let r = pool_router();
    let (a, b) = apart(&r, "p");
    let argv = ["MSET", &a, "1", &b, "2"];
    let step = r.plan(&argv).unwrap();
    let first = r.name(r.shard_of(a.as_bytes()).unwrap()).to_string();
    let second = r.name(r.shard_of(b.as_bytes()).unwrap()).to_string();
    let e = r.partial(&argv, &step, &[Reply, NoReply]).unwrap();
    assert_eq!(e.code(), "ERR_KEYROUTE_PARTIAL_WRITE");
    assert!(e.is_partial_write());
    assert_eq!(e.command(), "MSET");
    assert_eq!(e.applied().0, core::slice::from_ref(&first));
    assert_eq!(e.shards(), core::slice::from_ref(&second));
    assert_eq!(
        e.to_string(),
        alloc::format!(
            "MSET was applied on {first} but failed on {second}; {second} gave no reply \
             and may or may not have applied its part"
        )
    );
    // Every send answered, or none: no partial error.
    assert_eq!(r.partial(&argv, &step, &[Reply, ErrorReply]), None);
    assert_eq!(r.partial(&argv, &step, &[NoReply, NoReply]), None);
    // A read is a partial reply.
    let mget = ["MGET", &a, &b];
    let step = r.plan(&mget).unwrap();
    let e = r.partial(&mget, &step, &[NoReply, Reply]).unwrap();
    assert_eq!(e.code(), "ERR_KEYROUTE_PARTIAL_REPLY");
    assert!(!e.is_partial_write());
    assert_eq!(e.applied().0, [second]);
    // One shard: the command's own error.
    let step = r.plan(&["GET", "k"]).unwrap();
    assert_eq!(r.partial(&["GET", "k"], &step, &[NoReply]), None);
    // Outcome names are stable.
    assert_eq!(Outcome::NAMES, ["reply", "error_reply", "no_reply"]);
    assert_eq!("no_reply".parse::<Outcome>().unwrap(), NoReply);
}

/// A pool that says it refuses no key answers `index_for` for every key
/// (the planner then places keys by `index_for` alone), under every
/// scheme; the pools that may refuse are the ones that do.
#[test]
fn pools_that_refuse_no_key_place_by_index_for() {
    use crate::partition::{OptionValue, Options};
    let servers = [
        "10.0.0.1:6379:1 a",
        "10.0.0.2:6379:1 b",
        "10.0.0.3:6379:2 c",
    ];
    let keys: Vec<Vec<u8>> = (0..3000u32)
        .map(|i| match i % 4 {
            0 => alloc::format!("user:{i}").into_bytes(),
            1 => alloc::format!("{{}}k{i}").into_bytes(),
            2 => alloc::vec![(i % 251) as u8, 0xff, 0xfe],
            _ => Vec::new(),
        })
        .collect();
    let plain = ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"];
    let mut refusing = Vec::new();
    let mut tried = 0;
    for &scheme in Scheme::ALL {
        let Ok(pool) = Pool::new(scheme, servers).or_else(|_| Pool::new(scheme, plain)) else {
            continue;
        };
        tried += 1;
        let refused = keys.iter().any(|k| pool.try_index_for(k).is_err());
        if pool.may_refuse_keys() {
            refusing.push(scheme);
        } else {
            assert!(!refused, "{scheme:?}");
            for k in &keys {
                assert_eq!(pool.try_index_for(k), Ok(pool.index_for(k)), "{scheme:?}");
            }
        }
    }
    assert_eq!(tried, Scheme::ALL.len());
    assert!(refusing.contains(&Scheme::PhpredisArray), "{refusing:?}");
    // phpredis under crc32b refuses keys, and the router says so.
    let mut o = Options::default();
    o.set("algorithm", OptionValue::Text(b"crc32b")).unwrap();
    let pool = Pool::with_options(Scheme::PhpredisArray, plain, &o).unwrap();
    assert!(pool.may_refuse_keys());
    assert!(keys.iter().any(|k| pool.try_index_for(k).is_err()));
}

/// `argv`'s plan by the general planner alone (no range path).
fn general_plan(r: &ShardRouter, argv: &[Vec<u8>]) -> Result<Step, ShardError> {
    let cmd = r
        .table
        .lookup(argv)
        .map_err(|e| r.unroutable(argv, Unroutable::Command(e)))?;
    r.plan_keys(cmd, argv, &mut Vec::new())
}

/// The range path answers as the general planner on random commands:
/// pools of 1 to 8 shards under several schemes (one that refuses keys),
/// strict tags on and off, random key lists with duplicates and tags,
/// MSET pairs (and a key left without its value), commands that cannot
/// split, single-key commands, wrong arities. It must also answer most of
/// them itself (or it proves nothing).
#[test]
fn the_range_path_equals_the_general_planner() {
    use crate::partition::{OptionValue, Options};
    let mut next = draws(0x853c_49e6_748f_ea9b);
    let mut php = Options::default();
    php.set("algorithm", OptionValue::Text(b"crc32b")).unwrap();
    let commands: [(&str, usize); 12] = [
        ("MGET", 1),
        ("DEL", 1),
        ("EXISTS", 1),
        ("UNLINK", 1),
        ("TOUCH", 1),
        ("MSET", 2),
        ("MSETNX", 2),
        ("GET", 1),
        ("SET", 2),
        ("RENAME", 1),
        ("SINTERSTORE", 1),
        ("ZUNIONSTORE", 1),
    ];
    let (mut fast, mut total) = (0, 0);
    for shards in 1..=8usize {
        let servers: Vec<String> = (0..shards)
            .map(|i| alloc::format!("127.0.0.1:{}:1 s{i}", 7000 + i))
            .collect();
        let plain: Vec<String> = (0..shards)
            .map(|i| alloc::format!("127.0.0.1:{}", 7000 + i))
            .collect();
        let pools = [
            Pool::new(Scheme::TwemproxyKetama, &servers).unwrap(),
            Pool::new(Scheme::Jump, &plain).unwrap(),
            Pool::with_options(Scheme::PhpredisArray, &plain, &php).unwrap(),
        ];
        for pool in pools {
            for strict in [false, true] {
                let r = ShardRouter::for_pool(pool.clone()).with_strict_tags(strict);
                let pool = r.pool().unwrap();
                for _ in 0..150 {
                    let (name, per_key) = commands[next(commands.len() as u64) as usize];
                    let most = if next(4) == 0 { 3 } else { 40 };
                    let n = 1 + next(most) as usize;
                    let mut argv: Vec<Vec<u8>> = vec![name.as_bytes().to_vec()];
                    for _ in 0..n {
                        let key = match next(6) {
                            0 => {
                                let t = next(3);
                                alloc::format!("{{t{t}}}:k{}", next(50))
                            }
                            1 => alloc::format!("a{{}}b{}", next(5)),
                            2 => String::new(),
                            _ => alloc::format!("user:{}", next(60)),
                        };
                        argv.push(key.into_bytes());
                        for v in 1..per_key {
                            argv.push(alloc::format!("v{v}").into_bytes());
                        }
                    }
                    if per_key == 2 && next(8) == 0 {
                        argv.pop();
                    }
                    if next(30) == 0 {
                        argv.truncate(1);
                    }
                    let cmd = r.table.lookup(&argv).unwrap();
                    let want = general_plan(&r, &argv);
                    let ranged = r.plan_range(cmd, &argv);
                    total += 1;
                    // Splittable commands, whole, on a pool that refuses
                    // no key: always the range path.
                    let splittable = ["MGET", "DEL", "EXISTS", "UNLINK", "TOUCH", "MSET", "GET"];
                    if splittable.contains(&name)
                        && !pool.may_refuse_keys()
                        && argv.len() > 1
                        && (argv.len() - 1) % per_key == 0
                        && (name != "GET" || argv.len() == 2)
                    {
                        assert!(ranged.is_some(), "{strict} {:?}", argv);
                    }
                    if let Some(step) = &ranged {
                        fast += 1;
                        assert_eq!(Ok(step.clone()), want, "{strict} {:?}", argv);
                    }
                    assert_eq!(r.plan(&argv), want, "{strict} {:?}", argv);
                    // A pipeline of it answers the same too.
                    let p = r.plan_pipeline(&[argv.clone(), argv.clone()]);
                    match &want {
                        Ok(step) => assert_eq!(p.unwrap().steps, vec![step.clone(); 2]),
                        Err(e) => assert_eq!(p.unwrap_err(), e.clone().at(0)),
                    }
                }
            }
        }
    }
    assert!(fast * 3 > total, "{fast} of {total}");
}

/// Placing each part's reply as it comes (`Split::placing`, in any order
/// of arrival), then `Reduce::apply` over every reply, the placed ones
/// read back, when one was not placed, gives `Reduce::apply`'s reply: on
/// the planner's splits of random MGETs, DELs and MSETs (duplicate keys
/// among them) over pools of 1 to 8 shards, with replies of one element
/// per key, an element short or long, errors, and replies that are not
/// arrays; a part is placed once, and on splits that were not planned (an
/// order that does not match the parts) the parts it does not match are
/// not placed.
#[test]
fn placing_parts_as_they_come_equals_the_reduce_rule() {
    let mut next = draws(0x2545_f491_4f6c_dd1d);
    let mut placed_whole = 0;
    for shards in 1..=8usize {
        let servers: Vec<String> = (0..shards)
            .map(|i| alloc::format!("127.0.0.1:{}:1 s{i}", 7000 + i))
            .collect();
        let r = ShardRouter::for_pool(Pool::new(Scheme::TwemproxyKetama, &servers).unwrap());
        for round in 0..300 {
            let name = ["MGET", "DEL", "MSET"][round % 3];
            let n = 1 + next(30) as usize;
            let mut argv: Vec<String> = vec![name.into()];
            for _ in 0..n {
                argv.push(alloc::format!("k{}", next(40)));
                if name == "MSET" {
                    argv.push("v".into());
                }
            }
            let Ok(Step::Split(mut split)) = r.plan(&argv) else {
                continue;
            };
            if next(10) == 0 {
                // Not the planner's: two keys' places swapped.
                if let Reduce::Order(order) = &mut split.reduce {
                    if order.len() > 1 {
                        order.swap(0, 1);
                    }
                }
            }
            let mut made = 0i64;
            let replies: Vec<R> = split
                .parts
                .iter()
                .map(|p| {
                    let k = match next(20) {
                        0 => p.keys.len() + 1,
                        1 => p.keys.len().saturating_sub(1),
                        _ => p.keys.len(),
                    };
                    match next(25) {
                        0 => R::Err("ERR no"),
                        1 => R::Int(3),
                        _ => R::Arr(
                            (0..k)
                                .map(|_| {
                                    made += 1;
                                    R::Int(made)
                                })
                                .collect(),
                        ),
                    }
                })
                .collect();
            let want = split.reduce.apply(replies.clone());
            // Arrival in a random order.
            let mut arrival: Vec<usize> = (0..replies.len()).collect();
            for i in (1..arrival.len()).rev() {
                arrival.swap(i, next(i as u64 + 1) as usize);
            }
            let mut placing = split.placing::<R>();
            assert_eq!(
                placing.is_some(),
                matches!(split.reduce, Reduce::Order(_)),
                "{argv:?}: the planner's split"
            );
            let mut kept: Vec<Option<R>> = vec![None; replies.len()];
            for &i in &arrival {
                kept[i] = match (replies[i].clone(), placing.as_mut()) {
                    (R::Arr(items), Some(pl)) => match pl.place(i, items) {
                        Ok(()) => {
                            // A part is placed once.
                            let again = vec![R::Int(0); split.parts[i].keys.len()];
                            assert_eq!(pl.place(i, again.clone()), Err(again));
                            None
                        }
                        Err(items) => Some(R::Arr(items)),
                    },
                    (other, _) => Some(other),
                };
            }
            if let Some(pl) = placing.as_mut() {
                assert!(pl.place(split.parts.len(), Vec::new()).is_err());
            }
            let got = match placing.map(Placing::finish) {
                Some(Ok(out)) => {
                    assert!(kept.iter().all(Option::is_none), "{argv:?}");
                    placed_whole += 1;
                    R::Arr(out)
                }
                Some(Err(mut pl)) => {
                    // The placed elements read back, each part's as it came.
                    let all: Vec<R> = kept
                        .into_iter()
                        .enumerate()
                        .map(|(i, k)| k.unwrap_or_else(|| R::Arr(pl.take(i).unwrap())))
                        .collect();
                    assert_eq!(all, replies, "{argv:?}");
                    assert!(pl.take(0).is_none());
                    split.reduce.apply(all)
                }
                None => {
                    let all: Vec<R> = kept.into_iter().map(Option::unwrap).collect();
                    split.reduce.apply(all)
                }
            };
            assert_eq!(got, want, "{argv:?}");
        }
    }
    assert!(placed_whole > 200, "{placed_whole}");
}

/// Elements placed and never taken out are dropped once with the
/// `Placing` (a caller that gives up half-way); those of `finish` and
/// `take` belong to the caller; a reply given back is whole. Splits whose
/// rule is not by key, or whose order does not fit their parts, have no
/// `Placing`.
#[test]
fn placing_drops_each_element_once() {
    use alloc::rc::Rc;
    let servers: Vec<String> = (0..8)
        .map(|i| alloc::format!("127.0.0.1:{}:1 s{i}", 7000 + i))
        .collect();
    let r = ShardRouter::for_pool(Pool::new(Scheme::TwemproxyKetama, &servers).unwrap());
    let mut argv: Vec<String> = vec!["MGET".into()];
    argv.extend(
        (0..40u64)
            .map(|i| alloc::format!("{:x}", (i % 30 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))),
    );
    let Ok(Step::Split(split)) = r.plan(&argv) else {
        panic!("a split: {:?}", r.plan(&argv));
    };
    assert!(split.parts.len() >= 3, "{:?}", split.parts);
    let token = Rc::new(());
    let reply =
        |p: usize| -> Vec<Rc<()>> { split.parts[p].keys.iter().map(|_| token.clone()).collect() };
    // Dropped half-way, one part taken back, one short reply given back.
    let mut pl = split.placing::<Rc<()>>().unwrap();
    assert!(pl.place(0, reply(0)).is_ok());
    assert!(pl.place(1, reply(1)).is_ok());
    let mut short = reply(2);
    short.pop();
    let back = pl.place(2, short).unwrap_err();
    assert_eq!(back.len(), split.parts[2].keys.len() - 1);
    drop(back);
    let taken = pl.take(1).unwrap();
    assert_eq!(taken.len(), split.parts[1].keys.len());
    assert_eq!(
        Rc::strong_count(&token),
        1 + split.parts[0].keys.len() + taken.len()
    );
    drop(taken);
    let mut pl = pl.finish().err().unwrap();
    assert!(pl.take(1).is_none());
    drop(pl);
    assert_eq!(Rc::strong_count(&token), 1);
    // Whole: every element once in the result.
    let mut pl = split.placing::<Rc<()>>().unwrap();
    for p in (0..split.parts.len()).rev() {
        assert!(pl.place(p, reply(p)).is_ok());
    }
    let out = pl.finish().ok().unwrap();
    assert_eq!(out.len(), 40);
    assert_eq!(Rc::strong_count(&token), 41);
    drop(out);
    assert_eq!(Rc::strong_count(&token), 1);
    // No placing for another rule, nor for an order that does not fit.
    let mut del_argv = argv.clone();
    del_argv[0] = "DEL".to_string();
    let Ok(Step::Split(del)) = r.plan(&del_argv) else {
        panic!("a split");
    };
    assert!(del.placing::<Rc<()>>().is_none());
    let mut bad = split.clone();
    if let Reduce::Order(order) = &mut bad.reduce {
        order.pop();
    }
    assert!(bad.placing::<Rc<()>>().is_none());
    // An order that fits part 0's first key but not its second: refused
    // half-way through, the reply given back whole, nothing placed.
    let mut bad = split.clone();
    let (a, b) = (split.parts[0].keys[1], split.parts[1].keys[0]);
    if let Reduce::Order(order) = &mut bad.reduce {
        order.swap(a, b);
    }
    let mut pl = bad.placing::<Rc<()>>().unwrap();
    let back = pl.place(0, reply(0)).unwrap_err();
    assert_eq!(back.len(), split.parts[0].keys.len());
    assert!(pl.take(0).is_none());
    assert!(pl.place(2, reply(2)).is_ok());
    drop(back);
    drop(pl);
    assert_eq!(Rc::strong_count(&token), 1);
}
