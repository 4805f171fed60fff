//! Properties of the partitioners: minimal disruption where the real scheme
//! has it (and its absence where the real scheme lacks it), fast lookups equal
//! to a linear scan, and typed errors instead of panics on any input.

use keyroute::error::{ConfigError, PartitionError};
use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::hash::CharSign;
use keyroute::partition::ring::{naive_lookup, Boundary, Ties};
use keyroute::partition::{
    parse_nutcracker, Distribution, Options, Pool, Scheme, Server, Twemproxy,
};
use proptest::prelude::*;

fn servers(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("10.1.{}.{}:6379", i / 200, i % 200 + 1))
        .collect()
}

/// Keys that moved between the pool of `n` servers and the pool with one
/// more server appended, as (old index, new index).
fn moves(scheme: Scheme, n: usize, keys: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let all = servers(n + 1);
    let before = Pool::new(scheme, &all[..n]).unwrap();
    let after = Pool::new(scheme, &all).unwrap();
    keys.iter()
        .map(|k| (before.index_for(k), after.index_for(k)))
        .filter(|(a, b)| a != b)
        .collect()
}

fn keys(seed: u64, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| format!("key:{seed}:{i}").into_bytes())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Adding a server to a ketama pool moves keys only to the new server,
    /// as long as the old servers keep their point counts: always for
    /// uhashring (exact integers), and below twemproxy's first 156-point
    /// size (25) for twemproxy and libmemcached.
    #[test]
    fn adding_a_server_moves_keys_only_to_it(n in 1usize..24, seed in any::<u64>()) {
        let ks = keys(seed, 400);
        for scheme in [Scheme::TwemproxyKetama, Scheme::LibmemcachedKetama, Scheme::UhashringKetama, Scheme::Uhashring] {
            for (from, to) in moves(scheme, n, &ks) {
                prop_assert_eq!(to, n, "{}: a key moved from {} to old server {}", scheme, from, to);
            }
        }
    }

    /// Rendezvous and jump: adding a server moves keys only to it.
    #[test]
    fn rendezvous_and_jump_move_only_to_the_new_server(n in 1usize..60, seed in any::<u64>()) {
        let ks = keys(seed, 400);
        for scheme in [Scheme::Rendezvous, Scheme::Jump, Scheme::Pymemcache, Scheme::RedisRbHashring, Scheme::RedisRb4,
                       Scheme::GoRedisRing, Scheme::GoRedisRingV5] {
            for (_, to) in moves(scheme, n, &ks) {
                prop_assert_eq!(to, n, "{}", scheme);
            }
        }
    }

    /// twemproxy's continuum is a stable-sorted list searched for the first
    /// point >= hash: a linear scan over its points gives the same server.
    #[test]
    fn twemproxy_lookup_equals_a_linear_scan(n in 2usize..30, key in proptest::collection::vec(any::<u8>(), 0..40)) {
        let names = servers(n);
        let list: Vec<(&[u8], u32)> = names.iter().map(|s| (s.as_bytes(), 1 + (s.len() as u32 % 3))).collect();
        for hash in [TwemproxyHash::Md5, TwemproxyHash::Fnv1a64, TwemproxyHash::Crc32] {
            let t = Twemproxy::new(&list, hash, Distribution::Ketama, None, CharSign::Signed).unwrap();
            let points: Vec<(u32, u32)> = t.points().collect();
            let h = t.key_hash(&key);
            let want = naive_lookup(&points, h, Ties::First, Boundary::LowerBound).unwrap() as usize;
            prop_assert_eq!(keyroute::partition::Partitioner::node_for(&t, &key), want);
        }
    }

    /// No input makes a parser or a constructor panic.
    #[test]
    fn server_strings_never_panic(s in ".{0,40}", scheme in 0usize..Scheme::ALL.len()) {
        let _ = Server::parse(&s);
        let _ = Server::parse_nutcracker(&s);
        let _ = Pool::new(Scheme::ALL[scheme], [s.as_str(), "10.0.0.1:6379"]);
    }

    #[test]
    fn yaml_never_panics(lines in proptest::collection::vec(prop_oneof![
        Just("p:".to_string()), Just("  listen: 127.0.0.1:1".to_string()), Just("  servers:".to_string()),
        Just("   - 10.0.0.1:6379:1".to_string()), Just("  hash: md5".to_string()), Just("  - x".to_string()),
        Just("  hash_tag: \"{}\"".to_string()), Just("#".to_string()), ".{0,20}"], 0..12)) {
        let text = lines.join("\n");
        let _ = parse_nutcracker(&text);
        let _ = Pool::from_nutcracker(&text, None);
    }
}

/// twemproxy at 24 -> 25 servers: every server drops from 160 to 156 points,
/// so keys also move between old servers (docs/client-side-sharding.md,
/// "Ketama point counts"). keyroute reproduces that, not the textbook
/// property.
#[test]
fn twemproxy_156_point_step_moves_keys_between_old_servers() {
    let ks = keys(7, 20_000);
    let moved = moves(Scheme::TwemproxyKetama, 24, &ks);
    let between_old = moved.iter().filter(|(_, to)| *to != 24).count();
    assert!(
        between_old > 100,
        "only {between_old} keys moved between old servers"
    );
    // uhashring keeps 160 points at every size: no such moves.
    assert!(moves(Scheme::UhashringKetama, 24, &ks)
        .iter()
        .all(|(_, to)| *to == 24));
}

/// Ejecting one server of an equal-weight twemproxy pool (below 25 live
/// servers) moves only that server's keys; in modula nearly every key moves.
#[test]
fn twemproxy_ejection() {
    let names = servers(10);
    let ks = keys(3, 5_000);
    let mut live = vec![true; 10];
    live[4] = false;
    for (scheme, max_moved_elsewhere) in [
        (Scheme::TwemproxyKetama, 0),
        (Scheme::TwemproxyModula, usize::MAX),
    ] {
        let full = Pool::new(scheme, &names).unwrap();
        let mut ejected = full.clone();
        ejected.set_live(&live).unwrap();
        let mut elsewhere = 0;
        for k in &ks {
            let (a, b) = (full.index_for(k), ejected.index_for(k));
            assert_ne!(b, 4);
            if a != 4 && a != b {
                elsewhere += 1;
            }
        }
        assert!(elsewhere <= max_moved_elsewhere, "{scheme}: {elsewhere}");
        if scheme == Scheme::TwemproxyModula {
            assert!(elsewhere > 3_000);
        }
    }
    let mut p = Pool::new(Scheme::TwemproxyKetama, &names).unwrap();
    assert_eq!(p.set_live(&[false; 10]), Err(PartitionError::NoLiveServers));
    assert_eq!(
        p.set_live(&[true; 3]),
        Err(PartitionError::LiveSetLength {
            expected: 10,
            got: 3
        })
    );
    let mut r = Pool::new(Scheme::Predis, &names).unwrap();
    assert!(matches!(
        r.set_live(&live),
        Err(PartitionError::OptionNotApplicable { .. })
    ));
}

/// Weighted schemes give each server about its share of keys.
#[test]
fn weights_are_honoured() {
    let list = ["10.0.0.1:6379:1", "10.0.0.2:6379:3"];
    let ks = keys(11, 40_000);
    for scheme in [
        Scheme::Rendezvous,
        Scheme::Maglev,
        Scheme::TwemproxyKetama,
        Scheme::TwemproxyModula,
        Scheme::PredisKetama,
    ] {
        let p = Pool::new(scheme, list).unwrap();
        let heavy = ks.iter().filter(|k| p.index_for(k) == 1).count() as f64 / ks.len() as f64;
        assert!((heavy - 0.75).abs() < 0.05, "{scheme}: {heavy}");
    }
}

#[test]
fn typed_errors() {
    use PartitionError::*;
    let two = ["10.0.0.1:6379", "10.0.0.2:6379"];
    assert_eq!(
        "ketama".parse::<Scheme>(),
        Err(UnknownScheme {
            name: "ketama".into()
        })
    );
    for s in Scheme::ALL {
        assert_eq!(s.name().parse::<Scheme>(), Ok(*s));
        assert!(
            matches!(Pool::new(*s, Vec::<&str>::new()), Err(NoServers)),
            "{s}"
        );
    }
    assert!(matches!(
        Pool::new(Scheme::RedisRb4, ["10.0.0.1:6379:2"]),
        Err(OptionNotApplicable {
            option: "weight",
            ..
        })
    ));
    assert!(matches!(
        Pool::new(Scheme::NodeHashring, ["10.0.0.1:6379 a"]),
        Err(OptionNotApplicable {
            option: "alias",
            ..
        })
    ));
    assert!(matches!(
        Pool::new(Scheme::TwemproxyKetama, ["10.0.0.1:6379:0"]),
        Err(Server(_))
    ));
    assert!(matches!(
        Pool::new(
            Scheme::TwemproxyKetama,
            ["10.0.0.1:6379 a", "10.0.0.2:6379 a"]
        ),
        Err(DuplicateName { .. })
    ));
    assert!(matches!(
        Pool::new(
            Scheme::TwemproxyKetama,
            ["10.0.0.1:11211", "10.0.0.1:11211:2"]
        ),
        Err(DuplicateName { .. })
    ));
    assert!(matches!(
        Pool::new(Scheme::Uhashring, ["a:1 x", "b:1 x"]),
        Err(DuplicateName { .. })
    ));
    // A bare name: a malformed server where the library needs a port,
    // a name where it names servers so.
    assert!(matches!(
        Pool::new(Scheme::Predis, ["nohost"]),
        Err(Server(_))
    ));
    assert!(Pool::new(Scheme::Jump, ["nohost"]).is_ok());
    assert!(matches!(
        Pool::new(Scheme::Predis, ["redis://10.0.0.1:6379/1"]),
        Err(OptionNotApplicable { .. })
    ));
    let mut o = Options::default();
    o.table_size = Some(65_536);
    assert!(matches!(
        Pool::with_options(Scheme::Maglev, two, &o),
        Err(BadTableSize { size: 65_536 })
    ));
    assert!(matches!(
        Pool::with_options(Scheme::Jump, two, &o),
        Err(OptionNotApplicable {
            option: "table_size",
            ..
        })
    ));
    let mut o = Options::default();
    o.hash = Some(TwemproxyHash::Md5);
    assert!(matches!(
        Pool::with_options(Scheme::Predis, two, &o),
        Err(OptionNotApplicable { option: "hash", .. })
    ));
    assert!(Pool::with_options(Scheme::TwemproxyModula, two, &o).is_ok());
    assert!(matches!(
        Pool::from_nutcracker("a:\n  listen: x\n  servers:\n  - h:1:1\n", Some("b")),
        Err(ConfigError::UnknownPool { .. })
    ));
    // Every error says what is wrong.
    assert_eq!(
        PartitionError::RandomDistribution.to_string(),
        "distribution \"random\" cannot be reproduced: twemproxy picks a server with random()"
    );
}

#[test]
fn node_for_names_the_server_as_written() {
    let list = [
        "127.0.0.1:6379:1 alpha",
        "127.0.0.1:6380:1 beta",
        "127.0.0.1:6381:1 gamma",
    ];
    let p = Pool::new(Scheme::TwemproxyKetama, list).unwrap();
    let keys: Vec<&[u8]> = vec![b"foo", b"bar", b"baz", b"hello"];
    let mut out = [0u32; 4];
    assert_eq!(p.indexes_for(keys.iter().copied(), &mut out), 4);
    for (k, i) in keys.iter().zip(out) {
        assert_eq!(p.index_for(k), i as usize);
        assert_eq!(p.node_for(k), list[i as usize]);
    }
    assert_eq!(p.servers().len(), 3);
    assert_eq!(p.scheme(), Scheme::TwemproxyKetama);
}

/// Every scheme, with tags where the scheme (or the application) has them.
fn tagged_pools() -> Vec<(String, Pool)> {
    use keyroute::partition::KeyTag;
    let plain = servers(7);
    let mut out = Vec::new();
    for &scheme in Scheme::ALL {
        let mut variants = vec![Options::default()];
        match scheme {
            Scheme::TwemproxyKetama | Scheme::TwemproxyModula => {
                for pair in [*b"{}", *b"<>"] {
                    let mut o = Options::default();
                    o.hash_tag = Some(pair);
                    variants.push(o);
                }
            }
            Scheme::Jedis | Scheme::Jump | Scheme::Rendezvous | Scheme::Maglev => {
                for tag in [
                    KeyTag::Redis,
                    KeyTag::Jedis,
                    KeyTag::RedisRb,
                    KeyTag::Pair(b'<', b'>'),
                ] {
                    let mut o = Options::default();
                    o.tag = Some(tag);
                    variants.push(o);
                }
            }
            _ => {}
        }
        for o in variants {
            let pool = Pool::with_options(scheme, &plain, &o).unwrap();
            out.push((format!("{scheme} {o:?}"), pool));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `key_tag` names exactly what placement hashes: a key with a tag is
    /// placed like its tag alone, and keys with the same tag are together.
    #[test]
    fn key_tag_is_what_placement_hashes(
        tag in proptest::collection::vec(any::<u8>(), 1..6),
        pre in proptest::collection::vec(any::<u8>(), 0..6),
        post in proptest::collection::vec(any::<u8>(), 0..6),
        other in proptest::collection::vec(any::<u8>(), 0..6),
    ) {
        for (name, pool) in tagged_pools() {
            for (open, close) in [(b'{', b'}'), (b'<', b'>')] {
                let wrap = |a: &[u8], b: &[u8]| {
                    let mut k = a.to_vec();
                    k.push(open);
                    k.extend_from_slice(&tag);
                    k.push(close);
                    k.extend_from_slice(b);
                    k
                };
                let k1 = wrap(&pre, &post);
                let k2 = wrap(&other, &pre);
                for k in [&k1, &k2] {
                    if let Some(t) = pool.key_tag(k) {
                        if pool.key_tag(t).is_none() {
                            prop_assert_eq!(pool.index_for(k), pool.index_for(t), "{}", name);
                        }
                    } else {
                        prop_assert!(!pool.same_tag([k.as_slice(), b"x".as_slice()]), "{}", name);
                    }
                }
                if pool.same_tag([k1.as_slice(), k2.as_slice()]) {
                    prop_assert_eq!(pool.index_for(&k1), pool.index_for(&k2), "{}", name);
                }
            }
        }
    }
}

#[test]
fn same_tag_follows_redis_rb() {
    let list = ["127.0.0.1:6379:1 a", "127.0.0.1:6380:1 b"];
    let mut o = Options::default();
    o.hash_tag = Some(*b"{}");
    let redis_rule = Pool::with_options(Scheme::TwemproxyKetama, list, &o).unwrap();
    let yes: [&[&[u8]]; 4] = [
        &[b"{u1}a", b"x{u1}b", b"{u1}"],
        &[b"same", b"same"],
        &[b"only"],
        &[],
    ];
    for keys in yes {
        assert!(redis_rule.same_tag(keys.iter().copied()), "{keys:?}");
    }
    let no: [&[&[u8]]; 4] = [
        &[b"{u1}a", b"{u2}a"],
        &[b"{u1}a", b"u1"],
        &[b"a", b"b"],
        &[b"{}a", b"{}b"],
    ];
    for keys in no {
        assert!(!redis_rule.same_tag(keys.iter().copied()), "{keys:?}");
    }
    // Without hash_tag, twemproxy hashes whole keys: only identical keys count.
    let plain = Pool::new(Scheme::TwemproxyKetama, list).unwrap();
    assert_eq!(plain.key_tag(b"{u1}a"), None);
    assert!(!plain.same_tag([b"{u1}a".as_slice(), b"{u1}b"]));
    // redis-rb's own rule: a tag only at the start of the key (or a line).
    let rb = Pool::new(Scheme::RedisRb4, ["127.0.0.1:6379 a", "127.0.0.1:6380 b"]).unwrap();
    assert_eq!(rb.key_tag(b"{u1}a"), Some(b"u1".as_slice()));
    assert_eq!(rb.key_tag(b"x{u1}a"), None);
}

/// go-redis v8/v9 is keyroute's rendezvous with unit weights and the Redis
/// Cluster tag rule, over shard names (aliases, else addresses).
#[test]
fn go_redis_ring_is_unit_weight_rendezvous() {
    for list in [
        servers(9),
        (0..5)
            .map(|i| format!("10.0.0.{i}:6379 shard{i}"))
            .collect::<Vec<_>>(),
    ] {
        let go = Pool::new(Scheme::GoRedisRing, &list).unwrap();
        let mut o = Options::default();
        o.tag = Some(keyroute::partition::KeyTag::Redis);
        let rv = Pool::with_options(Scheme::Rendezvous, &list, &o).unwrap();
        for k in keys(5, 2_000)
            .iter()
            .chain(&[b"{}x".to_vec(), b"a{b}c".to_vec()])
        {
            assert_eq!(go.index_for(k), rv.index_for(k));
        }
    }
}

/// The go-redis pools the property tests grow (1 to 60 servers) have no
/// shared points, so the properties never meet a refused pool.
#[test]
fn go_redis_property_pools_have_no_ties() {
    for n in 1..=61 {
        for scheme in [Scheme::GoRedisRing, Scheme::GoRedisRingV5] {
            assert!(Pool::new(scheme, &servers(n)[..]).is_ok(), "{scheme} {n}");
        }
    }
}

/// go-redis adds shards in a Go map's random order: a point two shards
/// share (v5) has no single owner, and the pool is refused; so are weights
/// and a name given twice.
#[test]
fn go_redis_refusals() {
    use PartitionError::*;
    let tie = [
        "10.0.0.1:6379 node-83e431ae89",
        "10.0.0.2:6379 node-123dcd2cae",
    ];
    assert_eq!(
        Pool::new(Scheme::GoRedisRingV5, tie).unwrap_err(),
        RandomTie {
            servers: [tie[0].into(), tie[1].into()]
        }
    );
    // The same two names do not tie under v9's rendezvous.
    assert!(Pool::new(Scheme::GoRedisRing, tie).is_ok());
    for scheme in [Scheme::GoRedisRing, Scheme::GoRedisRingV5] {
        assert!(matches!(
            Pool::new(scheme, ["10.0.0.1:6379:2"]),
            Err(OptionNotApplicable {
                option: "weight",
                ..
            })
        ));
        assert!(matches!(
            Pool::new(scheme, ["10.0.0.1:6379 a", "10.0.0.2:6379 a"]),
            Err(DuplicateName { .. })
        ));
        let mut o = Options::default();
        o.tag = Some(keyroute::partition::KeyTag::Jedis);
        assert!(matches!(
            Pool::with_options(scheme, ["10.0.0.1:6379"], &o),
            Err(OptionNotApplicable { option: "tag", .. })
        ));
    }
}

/// python-memcached: a bucket list, so a server of weight `w` takes `w`
/// buckets (about `w / Σw` of the keys), and growing the list by one
/// server remaps most keys (modulo, not consistent hashing).
#[test]
fn python_memcached_buckets() {
    let ks = keys(13, 40_000);
    let p = Pool::new(
        Scheme::PythonMemcached,
        ["10.0.0.1:11211:1", "cache-b:11211:3"],
    )
    .unwrap();
    let heavy = ks.iter().filter(|k| p.index_for(k) == 1).count() as f64 / ks.len() as f64;
    assert!((heavy - 0.75).abs() < 0.02, "{heavy}");
    let moved = moves(Scheme::PythonMemcached, 9, &ks[..4000]);
    assert!(moved.len() > 3000, "{}", moved.len());
    // Names play no part: the same weights route the same.
    let q = Pool::new(Scheme::PythonMemcached, ["/tmp/a.sock:1", "[::1]:1:3"]).unwrap();
    assert!(ks.iter().all(|k| p.index_for(k) == q.index_for(k)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// python-memcached equals its definition, written out here.
    #[test]
    fn python_memcached_equals_its_definition(weights in proptest::collection::vec(1u32..6, 1..8),
                                              key in proptest::collection::vec(any::<u8>(), 0..40)) {
        let list: Vec<String> = weights.iter().enumerate().map(|(i, w)| format!("10.0.0.{i}:11211:{w}")).collect();
        let p = Pool::new(Scheme::PythonMemcached, &list).unwrap();
        let buckets: Vec<usize> = weights.iter().enumerate().flat_map(|(i, &w)| std::iter::repeat_n(i, w as usize)).collect();
        let h = (keyroute::partition::hash::crc32(&key) >> 16) & 0x7fff;
        prop_assert_eq!(p.index_for(&key), buckets[h as usize % buckets.len()]);
    }
}

/// phpredis RedisArray: the key part follows C strings (a NUL byte ends
/// the search for braces; an empty `{}` counts); names play no part
/// without `consistent`; under `crc32b` a key whose part is empty has no
/// server, which is refused rather than answered.
#[test]
fn phpredis_array() {
    use keyroute::partition::OptionValue;
    let three = ["127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:6381"];
    let p = Pool::new(Scheme::PhpredisArray, three).unwrap();
    assert_eq!(p.key_tag(b"a{}b"), Some(&b""[..]));
    assert_eq!(p.key_tag(b"x\0{a}"), None);
    assert!(p.same_tag([&b"{}a"[..], b"{}b"]));
    let renamed = Pool::new(
        Scheme::PhpredisArray,
        ["localhost", "/tmp/r.sock", "[::1]:7000"],
    )
    .unwrap();
    for k in keys(3, 2_000) {
        assert_eq!(p.index_for(&k), renamed.index_for(&k));
        assert_eq!(p.try_index_for(&k), Ok(p.index_for(&k)));
    }
    let mut o = Options::default();
    o.set("algorithm", OptionValue::Text(b"crc32b")).unwrap();
    let crc32b = Pool::with_options(Scheme::PhpredisArray, three, &o).unwrap();
    let refused = PartitionError::NoServerForKey {
        scheme: "phpredis-array",
        reason: keyroute::partition::phpredis::PAST_THE_END,
    };
    for k in [&b""[..], b"{}", b"a{}b{c}"] {
        assert_eq!(crc32b.try_index_for(k), Err(refused.clone()));
        assert_eq!(crc32b.try_node_for(k), Err(refused.clone()));
    }
    o.set("consistent", OptionValue::Flag(true)).unwrap();
    let ring = Pool::with_options(Scheme::PhpredisArray, three, &o).unwrap();
    assert!(ring.try_index_for(b"{}").is_ok());
    // Weights, aliases, npm hashring's crc32b and a non-flag are refused.
    assert!(Pool::new(Scheme::PhpredisArray, ["h:1:2"]).is_err());
    assert!(Pool::new(Scheme::PhpredisArray, ["h:1 a"]).is_err());
    let mut nh = Options::default();
    nh.set("algorithm", OptionValue::Text(b"crc32b")).unwrap();
    assert!(matches!(
        Pool::with_options(Scheme::NodeHashring, three, &nh),
        Err(PartitionError::BadOption {
            option: "algorithm",
            ..
        })
    ));
    assert!(matches!(
        Options::default().set("consistent", OptionValue::Int(2)),
        Err(PartitionError::BadOption {
            option: "consistent",
            ..
        })
    ));
    assert!(matches!(
        Pool::with_options(Scheme::Predis, three, &o),
        Err(PartitionError::OptionNotApplicable { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Without `consistent`, RedisArray's index is the CRC-32 of the part
    /// scaled to the host count, refused exactly when it reaches the count.
    #[test]
    fn phpredis_index_equals_its_definition(n in 1usize..40, key in proptest::collection::vec(prop_oneof![Just(b'{'), Just(b'}'), Just(0u8), any::<u8>()], 0..12)) {
        let p = Pool::new(Scheme::PhpredisArray, servers(n)).unwrap();
        let part = keyroute::partition::phpredis::part(&key);
        let crc = keyroute::partition::hash::crc32(part) as u64;
        let pos = (crc * n as u64 / 0xffff_ffff) as usize;
        let want = if pos < n { Ok(pos) } else { Err(PartitionError::NoServerForKey { scheme: "phpredis-array", reason: keyroute::partition::phpredis::PAST_THE_END }) };
        prop_assert_eq!(p.try_index_for(&key), want);
    }
}

/// The sharded clients' router refuses a key the pool's library has no
/// server for, instead of sending it somewhere.
#[test]
fn shard_router_refuses_keys_without_a_server() {
    use keyroute::error::TopologyError;
    use keyroute::partition::OptionValue;
    let mut o = Options::default();
    o.set("algorithm", OptionValue::Text(b"crc32b")).unwrap();
    let pool = Pool::with_options(
        Scheme::PhpredisArray,
        ["10.0.0.1:6379", "10.0.0.2:6379"],
        &o,
    )
    .unwrap();
    let router = keyroute::shard::ShardRouter::for_pool(pool);
    assert_eq!(
        router.shard_of(b"user:{}"),
        Err(TopologyError::NoServerForKey {
            scheme: "phpredis-array",
            reason: keyroute::partition::phpredis::PAST_THE_END,
            position: 0
        })
    );
    assert!(router.shard_of(b"user:{1}").is_ok());
}

/// Dalli: names add the default port and drop IPv6 brackets, weights scale
/// point counts, a point two servers share is refused, and adding a server
/// of equal weight moves keys only to it (below the step where every
/// server's count changes; at equal weights counts stay 160).
#[test]
fn dalli_ring() {
    let a = Pool::new(Scheme::Dalli, ["localhost", "[::1]:11213", "/tmp/m.sock"]).unwrap();
    let b = Pool::new(
        Scheme::Dalli,
        ["localhost:11211", "::1:11213", "/tmp/m.sock"],
    )
    .unwrap();
    let ks = keys(21, 3_000);
    assert!(ks.iter().all(|k| a.index_for(k) == b.index_for(k)));
    assert!(matches!(
        Pool::new(Scheme::Dalli, ["localhost", "localhost:11211"]),
        Err(PartitionError::DuplicateName { .. })
    ));
    let w = Pool::new(Scheme::Dalli, ["10.0.0.1:11211:1", "10.0.0.2:11211:3"]).unwrap();
    let heavy = ks.iter().filter(|k| w.index_for(k) == 1).count() as f64 / ks.len() as f64;
    assert!((heavy - 0.75).abs() < 0.05, "{heavy}");
    for n in 1..20 {
        for (_, to) in moves(Scheme::Dalli, n, &ks[..500]) {
            assert_eq!(to, n);
        }
    }
    assert!(Pool::new(Scheme::Dalli, ["h:1 alias"]).is_err());
}

/// Dalli's client keys: a namespace changes where keys go (it is hashed),
/// the empty key is refused, and a long key goes where its shortened form
/// goes.
#[test]
fn dalli_client_keys() {
    use keyroute::partition::OptionValue;
    let three = ["10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"];
    let plain = Pool::new(Scheme::Dalli, three).unwrap();
    let mut o = Options::default();
    o.set("client_keys", OptionValue::Flag(true)).unwrap();
    let keys_only = Pool::with_options(Scheme::Dalli, three, &o).unwrap();
    o.set("namespace", OptionValue::Text(b"app")).unwrap();
    let ns = Pool::with_options(Scheme::Dalli, three, &o).unwrap();
    let ks = keys(4, 2_000);
    assert!(ks
        .iter()
        .all(|k| keys_only.index_for(k) == plain.index_for(k)));
    assert!(ks
        .iter()
        .all(|k| ns.index_for(k) == plain.index_for(&[b"app:", k.as_slice()].concat())));
    assert!(matches!(
        keys_only.try_index_for(b""),
        Err(PartitionError::NoServerForKey {
            scheme: "dalli",
            ..
        })
    ));
    let long = vec![b'k'; 300];
    let short = keyroute::partition::dalli::client_key(&long, None).unwrap();
    assert_eq!(keys_only.index_for(&long), plain.index_for(&short));
    // A namespace without client_keys, or for another scheme, is refused.
    let mut bad = Options::default();
    bad.set("namespace", OptionValue::Text(b"app")).unwrap();
    assert!(matches!(
        Pool::with_options(Scheme::Dalli, three, &bad),
        Err(PartitionError::BadOption {
            option: "namespace",
            ..
        })
    ));
    assert!(matches!(
        Pool::with_options(Scheme::Predis, three, &o),
        Err(PartitionError::OptionNotApplicable { .. })
    ));
}

/// spymemcached: unweighted ketama keeps 160 points per server at every
/// size (so adding a server moves keys only to it, even past 25, where
/// twemproxy's formula drops to 156); the weighted mode (a weight on every
/// server, all 1) takes twemproxy's formula and differs from it at 25.
/// Node keys: `name/ip:port` or `ip:port`; a name alone is refused in the
/// spymemcached format, taken in the libmemcached one; a weight on some
/// servers only is refused; keys that are not UTF-8 are refused.
#[test]
fn spymemcached_ketama() {
    let ks = keys(31, 2_000);
    for n in [1, 5, 24, 25, 26, 49, 50] {
        for (_, to) in moves(Scheme::SpymemcachedKetama, n, &ks[..400]) {
            assert_eq!(to, n, "n={n}");
        }
    }
    let plain = Pool::new(Scheme::SpymemcachedKetama, servers(25)).unwrap();
    let ones: Vec<String> = servers(25).iter().map(|s| format!("{s}:1")).collect();
    let weighted = Pool::new(Scheme::SpymemcachedKetama, &ones).unwrap();
    let differ = ks
        .iter()
        .filter(|k| plain.index_for(k) != weighted.index_for(k))
        .count();
    assert!(differ > 0 && differ < ks.len() / 10, "{differ}");
    // The weighted pool is twemproxy's md5 continuum (LB; ties aside).
    let tw_servers: Vec<String> = servers(25).iter().map(|s| format!("{s}:1")).collect();
    let mut o = Options::default();
    o.set("hash", keyroute::partition::OptionValue::Text(b"md5"))
        .unwrap();
    let tw = Pool::with_options(Scheme::TwemproxyKetama, &tw_servers, &o).unwrap();
    assert!(ks.iter().all(|k| tw.index_for(k) == weighted.index_for(k)));

    let w = Pool::new(
        Scheme::SpymemcachedKetama,
        ["10.0.0.1:11211:1", "10.0.0.2:11211:3"],
    )
    .unwrap();
    let heavy = ks.iter().filter(|k| w.index_for(k) == 1).count() as f64 / ks.len() as f64;
    assert!((heavy - 0.75).abs() < 0.05, "{heavy}");
    assert!(matches!(
        Pool::new(
            Scheme::SpymemcachedKetama,
            ["10.0.0.1:11211:1", "10.0.0.2:11211"]
        ),
        Err(PartitionError::BadOption {
            option: "weight",
            ..
        })
    ));
    assert!(matches!(
        Pool::new(Scheme::SpymemcachedKetama, ["cache-a:11211"]),
        Err(PartitionError::Server(
            keyroute::error::ServerError::Unresolved { .. }
        ))
    ));
    let mut lib = Options::default();
    lib.set(
        "format",
        keyroute::partition::OptionValue::Text(b"libmemcached"),
    )
    .unwrap();
    // The libmemcached format names a server by its host name and port
    // (none for 11211): "a/10.0.0.1:11211" and "a:11211" are one name.
    let by_name =
        Pool::with_options(Scheme::SpymemcachedKetama, ["a:11211", "b:11212"], &lib).unwrap();
    let resolved = Pool::with_options(
        Scheme::SpymemcachedKetama,
        ["a/10.0.0.1:11211", "b/10.0.0.2:11212"],
        &lib,
    )
    .unwrap();
    assert!(ks
        .iter()
        .all(|k| by_name.index_for(k) == resolved.index_for(k)));
    assert!(matches!(
        Pool::with_options(
            Scheme::SpymemcachedKetama,
            ["a:11211", "a/10.0.0.9:11211"],
            &lib
        ),
        Err(PartitionError::DuplicateName { .. })
    ));
    for bad in ["/tmp/m.sock", "cache", "10.1:11211", "[::1]:11211 alias"] {
        assert!(
            Pool::with_options(Scheme::SpymemcachedKetama, [bad], &lib).is_err(),
            "{bad}"
        );
    }
    assert!(matches!(
        plain.try_index_for(b"\xff"),
        Err(PartitionError::NoServerForKey { .. })
    ));
    assert_eq!(
        plain.try_index_for("é".as_bytes()),
        Ok(plain.index_for("é".as_bytes()))
    );
}

/// spymemcached's hash option takes its own names (twemproxy's `md5` is
/// not one), twemproxy refuses spymemcached's (`native`), a name both have
/// (`fnv1a_32`) goes to each; format is ketama's only; array-mod is
/// `hash mod N`, so adding a server moves most keys, and takes no weights.
#[test]
fn spymemcached_options_and_array_mod() {
    use keyroute::partition::OptionValue::Text;
    let opts = |name: &str, v: &[u8]| {
        let mut o = Options::default();
        o.set(name, Text(v)).map(|_| o)
    };
    let three = servers(3);
    assert!(matches!(
        Pool::with_options(
            Scheme::SpymemcachedKetama,
            &three,
            &opts("hash", b"md5").unwrap()
        ),
        Err(PartitionError::UnknownValue(_))
    ));
    assert!(matches!(
        Pool::with_options(
            Scheme::TwemproxyKetama,
            ["10.0.0.1:6379:1"],
            &opts("hash", b"native").unwrap()
        ),
        Err(PartitionError::UnknownHash { .. })
    ));
    assert!(matches!(
        opts("hash", b"nope"),
        Err(PartitionError::UnknownHash { .. })
    ));
    for scheme in [
        Scheme::SpymemcachedKetama,
        Scheme::SpymemcachedArrayMod,
        Scheme::TwemproxyModula,
    ] {
        let list: Vec<String> = three.iter().map(|s| format!("{s}:1")).collect();
        let list = if scheme == Scheme::SpymemcachedArrayMod {
            three.clone()
        } else {
            list
        };
        assert!(Pool::with_options(scheme, &list, &opts("hash", b"fnv1a_32").unwrap()).is_ok());
    }
    assert!(matches!(
        Pool::with_options(
            Scheme::SpymemcachedArrayMod,
            &three,
            &opts("format", b"libmemcached").unwrap()
        ),
        Err(PartitionError::OptionNotApplicable {
            option: "format",
            ..
        })
    ));
    assert!(matches!(
        opts("format", b"xml"),
        Err(PartitionError::UnknownValue(_))
    ));
    assert!(matches!(
        Pool::new(Scheme::SpymemcachedArrayMod, ["10.0.0.1:11211:2"]),
        Err(PartitionError::OptionNotApplicable {
            option: "weight",
            ..
        })
    ));
    let ks = keys(7, 2_000);
    let moved = moves(Scheme::SpymemcachedArrayMod, 4, &ks).len();
    assert!(moved > ks.len() / 2, "{moved}");
    // native: String.hashCode() mod N.
    let p = Pool::new(Scheme::SpymemcachedArrayMod, &three).unwrap();
    let h = "ab"
        .encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32)) as u32;
    assert_eq!(p.index_for(b"ab"), (h % 3) as usize);
}
