use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::cluster::{SlotMap, Value};
use crate::key_slot;

fn positions(table: &CommandTable, argv: &[&str], mode: Mode) -> Vec<usize> {
    table
        .keys(argv, mode)
        .unwrap()
        .iter()
        .map(|k| k.pos)
        .collect()
}

#[test]
fn the_table_is_complete_and_sorted() {
    let t = CommandTable::builtin();
    let n: usize = t.commands().iter().map(|c| 1 + c.subcommands.len()).sum();
    assert!(n >= 380, "{n} entries");
    assert!(t.commands().windows(2).all(|w| w[0].name < w[1].name));
    for c in t.commands() {
        assert!(
            c.subcommands.windows(2).all(|w| w[0].name < w[1].name),
            "{}",
            c.name
        );
    }
    for name in ["hgetdel", "hexpire", "msetex", "xackdel", "waitaof"] {
        let c = t.get(name.as_bytes()).unwrap();
        assert!(!c.since.is_empty());
    }
    assert!(!t.get(b"MSETEX").unwrap().verified);
    assert!(t.get(b"get").unwrap().verified);
}

#[test]
fn lookups_ignore_case_and_resolve_subcommands() {
    let t = CommandTable::builtin();
    assert_eq!(t.lookup(&["GeT", "k"]).unwrap().name, "get");
    assert_eq!(
        t.lookup(&["object", "ENCODING", "k"]).unwrap().name,
        "object|encoding"
    );
    assert_eq!(t.lookup(&["OBJECT"]).unwrap().name, "object");
    assert!(matches!(
        t.lookup(&["OBJECT", "nope"]),
        Err(CommandError::UnknownSubcommand { .. })
    ));
    assert!(matches!(
        t.lookup(&["nope"]),
        Err(CommandError::UnknownCommand { .. })
    ));
    assert_eq!(t.lookup::<&str>(&[]), Err(CommandError::Empty));
    assert!(matches!(
        t.keys(&["GET"], Mode::Routing),
        Err(CommandError::WrongArity { .. })
    ));
}

#[test]
fn routing_differs_from_getkeys_where_the_server_does() {
    let t = CommandTable::builtin();
    // GEORADIUS: routing takes only the last of STORE/STOREDIST.
    let geo = [
        "GEORADIUS",
        "g",
        "0",
        "0",
        "1",
        "km",
        "STORE",
        "a",
        "STOREDIST",
        "b",
    ];
    assert_eq!(positions(&t, &geo, Mode::Routing), vec![1, 9]);
    // Odd XREAD stream lists: no keys for routing.
    assert!(positions(&t, &["XREAD", "STREAMS", "a", "b", "0"], Mode::Routing).is_empty());
    // Sharded Pub/Sub channels route like keys, but are not keys for GETKEYS.
    assert_eq!(
        positions(&t, &["SPUBLISH", "ch", "m"], Mode::Routing),
        vec![1]
    );
    assert!(matches!(
        t.keys(&["SPUBLISH", "ch", "m"], Mode::KeySpecs),
        Err(CommandError::NoKeyArguments { .. })
    ));
    assert!(t.check(&["SSUBSCRIBE", "a", "b"]).is_err());
    // atoi in routing: "2abc" is 2.
    assert_eq!(
        positions(&t, &["EVAL", "s", "2abc", "a", "b"], Mode::Routing),
        vec![3, 4]
    );
    // MSETEX has a keynum spec but no procedure and no legacy range: keyless for routing.
    assert!(positions(&t, &["MSETEX", "2", "a", "1", "b", "2"], Mode::Routing).is_empty());
    assert_eq!(
        positions(&t, &["MSETEX", "2", "a", "1", "b", "2"], Mode::KeySpecs),
        vec![2, 4]
    );
}

#[test]
fn checks_and_transactions() {
    let t = CommandTable::builtin();
    assert_eq!(
        t.check(&["MGET", "{u}a", "{u}b"]).unwrap(),
        Some(key_slot(b"u"))
    );
    assert_eq!(t.check(&["PING"]).unwrap(), None);
    assert_eq!(t.check(&["EVAL", "s", "0"]).unwrap(), None);
    match t.check(&["MSET", "a", "1", "b", "2", "a", "3"]) {
        Err(CommandError::CrossSlot {
            first: 1,
            other: 3,
            first_slot,
            other_slot,
        }) => {
            assert_eq!((first_slot, other_slot), (key_slot(b"a"), key_slot(b"b")))
        }
        other => panic!("{other:?}"),
    }
    let tx: Vec<Vec<&str>> = vec![vec!["SET", "{u}1", "x"], vec!["INCR", "{u}2"], vec!["PING"]];
    assert_eq!(t.check_transaction(&tx).unwrap(), Some(key_slot(b"u")));
    let tx: Vec<Vec<&str>> = vec![vec!["SET", "{u}1", "x"], vec!["PING"], vec!["GET", "other"]];
    assert!(matches!(
        t.check_transaction(&tx),
        Err(CommandError::CrossSlotTransaction {
            first: (0, 1),
            other: (2, 1),
            ..
        })
    ));
}

#[test]
fn routes_follow_keys_and_tips() {
    let t = CommandTable::builtin();
    assert_eq!(
        t.route(&["GET", "a"]).unwrap().target,
        Route::Slot(key_slot(b"a"))
    );
    assert_eq!(t.route(&["PING"]).unwrap().target, Route::AllPrimaries);
    assert_eq!(t.route(&["ECHO", "x"]).unwrap().target, Route::AnyNode);
    let dbsize = t.route(&["DBSIZE"]).unwrap();
    assert_eq!(
        (dbsize.target, dbsize.response),
        (Route::AllPrimaries, Some(ResponsePolicy::AggSum))
    );
    assert_eq!(
        t.route(&["DEL", "a", "b"]).unwrap().target,
        Route::MultiShard
    );
    assert!(matches!(
        t.route(&["SUNION", "a", "b"]),
        Err(CommandError::CrossSlot { .. })
    ));
}

#[test]
fn splitting() {
    let t = CommandTable::builtin();
    let argv = ["MSET", "a", "1", "b", "2", "{a}x", "3"];
    let s = t.split(&argv).unwrap();
    assert_eq!(s.merge, Merge::AllOk);
    assert_eq!(s.parts.len(), 2);
    assert_eq!(s.parts[0].argv, vec![0, 1, 2, 5, 6]);
    assert_eq!(s.parts[0].keys, vec![0, 2]);
    assert_eq!(s.parts[1].argv, vec![0, 3, 4]);
    let s = t.split(&["MGET", "a", "b", "a"]).unwrap();
    assert_eq!(s.merge, Merge::ByKeyPosition);
    assert_eq!(s.parts[0].keys, vec![0, 2]);
    assert_eq!(t.split(&["DEL", "a", "b"]).unwrap().merge, Merge::Sum);
    assert_eq!(
        t.split(&["EXISTS", "{x}a", "{x}b"]).unwrap().merge,
        Merge::Single
    );
    assert!(matches!(
        t.split(&["MSETNX", "a", "1", "b", "2"]),
        Err(CommandError::NotSplittable { .. })
    ));
    assert_eq!(
        t.split(&["MSETNX", "{a}1", "1", "{a}2", "2"])
            .unwrap()
            .parts
            .len(),
        1
    );
    // Per node.
    let node = |p: i64| Value::Array(vec![Value::str("h"), Value::Int(p)]);
    let reply = Value::Array(vec![
        Value::Array(vec![Value::Int(0), Value::Int(8191), node(1)]),
        Value::Array(vec![Value::Int(8192), Value::Int(16383), node(2)]),
    ]);
    let map = SlotMap::from_slots(&reply, None).unwrap();
    let keys = ["MGET", "a", "b", "c", "d", "e"];
    let s = t.split(&keys).unwrap();
    let groups = s.by_node(&map, crate::cluster::ReadFrom::Primary).unwrap();
    let total: usize = groups.iter().map(|(_, p)| p.len()).sum();
    assert_eq!(total, s.parts.len());
}

#[test]
fn module_commands_from_a_live_reply() {
    let mut t = CommandTable::builtin();
    let s = Value::str;
    let spec = Value::Array(vec![
        s("flags"),
        Value::Array(vec![s("RW"), s("update")]),
        s("begin_search"),
        Value::Array(vec![
            s("type"),
            s("index"),
            s("spec"),
            Value::Array(vec![s("index"), Value::Int(1)]),
        ]),
        s("find_keys"),
        Value::Array(vec![
            s("type"),
            s("range"),
            s("spec"),
            Value::Array(vec![
                s("lastkey"),
                Value::Int(0),
                s("keystep"),
                Value::Int(1),
                s("limit"),
                Value::Int(0),
            ]),
        ]),
    ]);
    let reply = Value::Array(vec![
        Value::Array(vec![
            s("json.set"),
            Value::Int(-4),
            Value::Array(vec![s("write"), s("denyoom"), s("module")]),
            Value::Int(1),
            Value::Int(1),
            Value::Int(1),
            Value::Array(vec![]),
            Value::Array(vec![]),
            Value::Array(vec![spec]),
            Value::Array(vec![]),
        ]),
        Value::Nil,
    ]);
    assert_eq!(t.extend_from_command_reply(&reply).unwrap(), 1);
    assert_eq!(
        positions(&t, &["JSON.SET", "doc", "$", "1"], Mode::Routing),
        vec![1]
    );
    assert_eq!(
        positions(&t, &["JSON.SET", "doc", "$", "1"], Mode::KeySpecs),
        vec![1]
    );
    assert!(t.extend_from_command_reply(&Value::Int(3)).is_err());
    assert!(t
        .extend_from_command_reply(&Value::Array(vec![Value::Array(vec![s("x")])]))
        .is_err());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any argv at all: a typed answer, never a panic, in both modes.
        #[test]
        fn never_panics(argv in proptest::collection::vec(
            prop_oneof![
                Just(b"STORE".to_vec()), Just(b"KEYS".to_vec()), Just(b"STREAMS".to_vec()), Just(b"2".to_vec()),
                Just(b"-1".to_vec()), Just(b"".to_vec()), Just(b"GET".to_vec()),
                proptest::collection::vec(any::<u8>(), 0..6),
            ], 0..10),
            name in prop_oneof![
                Just("SORT"), Just("MIGRATE"), Just("XREAD"), Just("XREADGROUP"), Just("GEORADIUS"), Just("EVAL"),
                Just("ZUNIONSTORE"), Just("BITFIELD"), Just("SET"), Just("MSET"), Just("OBJECT"), Just("MSETEX"),
                Just("BLMPOP"), Just("XINFO"), Just("SPUBLISH"),
            ]) {
            let t = CommandTable::builtin();
            let mut full = vec![name.as_bytes().to_vec()];
            full.extend(argv);
            for mode in [Mode::Routing, Mode::KeySpecs] {
                if let Ok(keys) = t.keys(&full, mode) {
                    prop_assert!(keys.iter().all(|k| k.pos > 0 && k.pos < full.len()));
                }
            }
            let _ = t.check(&full);
            let _ = t.route(&full);
            if let Ok(s) = t.split(&full) {
                prop_assert!(s.parts.iter().all(|p| p.argv.iter().all(|&i| i < full.len())));
            }
        }
    }
}

#[test]
fn policies_change_what_shares_a_slot() {
    let oss = CommandTable::builtin();
    assert!(matches!(
        oss.check(&["MGET", "{}a", "{}b"]),
        Err(CommandError::CrossSlot { .. })
    ));
    let standard = CommandTable::builtin().with_policy(crate::HashPolicy::enterprise_standard());
    assert_eq!(standard.check(&["MGET", "{}a", "{}b"]).unwrap(), Some(0));
    let strict = CommandTable::builtin()
        .with_policy(crate::HashPolicy::new([r"user:(?<tag>\d+):.*"]).unwrap());
    assert_eq!(
        strict.check(&["MGET", "user:1:a", "user:1:b"]).unwrap(),
        Some(key_slot(b"1"))
    );
    assert_eq!(
        strict.check(&["MGET", "user:1:a", "other"]),
        Err(CommandError::NoRuleMatched { pos: 2 })
    );
    assert_eq!(
        strict
            .split(&["DEL", "user:1:a", "user:2:b"])
            .unwrap()
            .parts
            .len(),
        2
    );
}

#[test]
fn route_and_split_agree_on_what_can_be_split() {
    let t = CommandTable::builtin();
    // MSETNX carries the multi_shard tip, but a split would break it.
    assert!(matches!(
        t.route(&["MSETNX", "a", "1", "b", "2"]),
        Err(CommandError::CrossSlot { .. })
    ));
    assert!(t.split(&["MSETNX", "a", "1", "b", "2"]).is_err());
    for argv in [
        &["MGET", "a", "b"][..],
        &["DEL", "a", "b"],
        &["MSET", "a", "1", "b", "2"],
    ] {
        assert_eq!(t.route(argv).unwrap().target, Route::MultiShard);
        assert!(t.split(argv).is_ok());
    }
    assert_eq!(Route::MultiShard.as_str(), "multi_shard");
    assert_eq!(Merge::ByKeyPosition.as_str(), "by_key_position");
    assert_eq!(ResponsePolicy::AggSum.as_str(), "agg_sum");
}

#[test]
fn split_merge_names_exactly_the_splittable_commands() {
    let t = CommandTable::builtin();
    let cases: [(&[&str], Option<Merge>); 9] = [
        (&["MGET", "a"], Some(Merge::ByKeyPosition)),
        (&["mset", "a", "1"], Some(Merge::AllOk)),
        (&["DEL", "a"], Some(Merge::Sum)),
        (&["EXISTS", "a"], Some(Merge::Sum)),
        (&["UNLINK", "a"], Some(Merge::Sum)),
        (&["TOUCH", "a"], Some(Merge::Sum)),
        (&["MSETNX", "a", "1"], None),
        (&["RENAME", "a", "b"], None),
        (&["EVAL", "return 1", "2", "a", "b"], None),
    ];
    for (argv, want) in cases {
        assert_eq!(t.split_merge(argv).unwrap(), want, "{argv:?}");
        // Keys in two slots: split succeeds exactly when split_merge names a merge.
        let spread: Vec<&str> = match argv[0].to_ascii_uppercase().as_str() {
            "MSET" | "MSETNX" => vec![argv[0], "a", "1", "b", "2"],
            "EVAL" => argv.to_vec(),
            _ => vec![argv[0], "a", "b"],
        };
        assert_eq!(t.split(&spread).is_ok(), want.is_some(), "{spread:?}");
    }
    assert!(matches!(
        t.split_merge(&["NOSUCH"]),
        Err(CommandError::UnknownCommand { .. })
    ));
}

#[test]
fn the_name_index_finds_what_the_sorted_search_finds() {
    let builtin = CommandTable::builtin();
    // An owned copy searches by bisection.
    let mut owned = CommandTable::builtin();
    let first = owned.commands()[0].clone();
    owned.insert(first);
    assert!(matches!(owned.commands, alloc::borrow::Cow::Owned(_)));
    let mut names: Vec<Vec<u8>> = Vec::new();
    for c in builtin.commands() {
        let n = c.name.as_bytes().to_vec();
        names.push(n.to_ascii_uppercase());
        let mut mixed = n.clone();
        for (i, b) in mixed.iter_mut().enumerate() {
            if i % 2 == 0 {
                *b = b.to_ascii_uppercase();
            }
        }
        names.push(mixed);
        let mut longer = n.clone();
        longer.push(b'x');
        names.push(longer);
        names.push(n[..n.len() - 1].to_vec());
        let mut nul = n.clone();
        nul.push(0);
        names.push(nul);
        names.push(n);
    }
    names.extend([
        b"".to_vec(),
        b"\xff".to_vec(),
        vec![b'a'; 40],
        b"K\xe2\x84\xaaYS".to_vec(),
    ]);
    let mut found = 0;
    for n in &names {
        let a = builtin.get(n).map(|c| c.name.as_ref());
        let b = owned.get(n).map(|c| c.name.as_ref());
        assert_eq!(a, b, "{:?}", String::from_utf8_lossy(n));
        found += a.is_some() as usize;
    }
    // Three spellings of each name, plus shortened names that are commands
    // too (lpushx -> lpush...).
    assert!(found >= 3 * builtin.commands().len(), "{found}");
}

#[test]
fn msetex_is_placed_by_its_key_specs() {
    let t = CommandTable::builtin();
    let apart = ["MSETEX", "2", "a", "1", "b", "2", "EX", "10"];
    let together = ["MSETEX", "2", "{u}a", "1", "{u}b", "2", "NX"];
    // The server's routing view (Redis 8.4) has no keys for it...
    assert!(t.keys(&apart, Mode::Routing).unwrap().is_empty());
    // ...but it is placed by the keys its key specs name.
    let placed: Vec<usize> = t
        .placed_keys(&apart)
        .unwrap()
        .iter()
        .map(|k| k.pos)
        .collect();
    assert_eq!(placed, [2, 4]);
    assert!(matches!(
        t.check(&apart),
        Err(CommandError::CrossSlot { .. })
    ));
    assert!(matches!(
        t.route(&apart),
        Err(CommandError::CrossSlot { .. })
    ));
    assert!(matches!(
        t.split(&apart),
        Err(CommandError::NotSplittable { .. })
    ));
    let slot = crate::key_slot(b"u");
    assert_eq!(t.check(&together).unwrap(), Some(slot));
    assert_eq!(t.route(&together).unwrap().target, Route::Slot(slot));
    assert_eq!(t.split(&together).unwrap().parts.len(), 1);
    // Commands the server does route by keys are unchanged.
    for argv in [
        &["GET", "k"][..],
        &["MSET", "a", "1"],
        &["PING"],
        &["EVAL", "s", "0"],
    ] {
        assert_eq!(
            t.placed_keys(argv).unwrap(),
            t.keys(argv, Mode::Routing).unwrap()
        );
    }
}

/// The positions [`KeyShape`] describes, read naively.
fn shape_positions(shape: KeyShape, argv: &[&[u8]]) -> Option<Vec<usize>> {
    let argc = argv.len() as i64;
    match shape {
        KeyShape::Range { first, last, step } => {
            let (first, step) = (i64::from(first), i64::from(step).max(1));
            let last = if last < 0 {
                argc + i64::from(last)
            } else {
                i64::from(last)
            };
            if first == 0 {
                return Some(Vec::new());
            }
            let mut out = Vec::new();
            let mut j = first;
            while j <= last {
                if j >= argc {
                    return Some(Vec::new());
                }
                out.push(j as usize);
                j += step;
            }
            Some(out)
        }
        KeyShape::Numkeys {
            count,
            first,
            store,
        } => {
            let Some(n) = argv.get(usize::from(count)) else {
                return Some(Vec::new());
            };
            let n = i64::from(super::cstr::atoi(n));
            if n < 1 || n > argc - i64::from(first) {
                return Some(Vec::new());
            }
            let mut out: Vec<usize> = (0..n as usize).map(|i| usize::from(first) + i).collect();
            out.extend(store.map(usize::from));
            Some(out)
        }
        KeyShape::Scan => None,
    }
}

#[test]
fn key_shapes_give_the_routing_keys() {
    let t = CommandTable::builtin();
    let words: [&[u8]; 19] = [
        b"k",
        b"0",
        b"1",
        b"2",
        b"3",
        b"-1",
        b"",
        b"02",
        b" 2",
        b"+2",
        b"2\0x",
        b"2x",
        b"99999999999",
        b"GET",
        b"STORE",
        b"by",
        b"STREAMS",
        b"keys",
        b"LIMIT",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut checked = 0;
    let (mut numkeys, mut scan) = (0, 0);
    let all = t
        .commands()
        .iter()
        .flat_map(|c| core::iter::once(c).chain(c.subcommands.iter()));
    for cmd in all {
        let shape = cmd.key_shape();
        match shape {
            KeyShape::Numkeys { .. } => numkeys += 1,
            KeyShape::Scan => scan += 1,
            _ => {}
        }
        let name: Vec<&[u8]> = match cmd.name.split_once('|') {
            Some((c, s)) => vec![c.as_bytes(), s.as_bytes()],
            None => vec![cmd.name.as_bytes()],
        };
        let min = usize::from(cmd.arity.unsigned_abs()).max(name.len());
        for argc in min..min + 9 {
            // A container with arguments is one of its subcommands.
            if !cmd.arity_ok(argc) || (!cmd.subcommands.is_empty() && argc > 1) {
                continue;
            }
            for _ in 0..40 {
                let mut argv = name.clone();
                while argv.len() < argc {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    argv.push(words[(x % words.len() as u64) as usize]);
                }
                let keys: Vec<usize> = t
                    .keys(&argv, Mode::Routing)
                    .unwrap()
                    .iter()
                    .map(|k| k.pos)
                    .collect();
                if let Some(want) = shape_positions(shape, &argv) {
                    assert_eq!(keys, want, "{} {argv:?}", cmd.name);
                    checked += 1;
                }
            }
        }
    }
    assert!(numkeys >= 10 && scan >= 4, "{numkeys} {scan}");
    assert!(checked > 10_000, "{checked}");
}
