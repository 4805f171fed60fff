//! Every partition vector answered by a real implementation
//! (`tests/vectors/partition/*.json`, written by the `tests/oracles/` scripts)
//! must be reproduced exactly.

use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::hash::CharSign;
use keyroute::partition::{
    parse_nutcracker, python_bytes_str, Distribution, EntryValue, OptionValue, Options,
    Partitioner, Pool, Scheme, Server, Twemproxy,
};
use serde_json::Value;

const TWEMPROXY: &str = include_str!("../../tests/vectors/partition/twemproxy.json");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn keys(doc: &Value, field: &str) -> Vec<(String, Vec<u8>)> {
    doc[field]
        .as_array()
        .expect("key list")
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_owned(),
                unhex(k["key"].as_str().unwrap()),
            )
        })
        .collect()
}

/// The real answers; `None` where the pool's key form cannot express a key.
fn nodes(pool: &Value) -> Vec<Option<usize>> {
    pool["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n.as_u64().map(|n| n as usize))
        .collect()
}

/// Runs `route` over every pool and reports all mismatches at once.
fn check_all(
    doc: &Value,
    min_pools: usize,
    route: impl Fn(&Value) -> Box<dyn Fn(&[u8]) -> usize>,
) -> usize {
    let base = keys(doc, "keys");
    let bulk = keys(doc, "bulk_keys");
    let pools = doc["pools"].as_array().expect("pools");
    assert!(pools.len() >= min_pools, "only {} pools", pools.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for pool in pools {
        let name = pool["name"].as_str().unwrap();
        let want = nodes(pool);
        let f = route(pool);
        let bulky = pool["bulk"]
            .as_bool()
            .unwrap_or(pool["servers"].as_array().is_some_and(|s| s.len() >= 25));
        let all: Vec<&(String, Vec<u8>)> = if bulky {
            base.iter().chain(&bulk).collect()
        } else {
            base.iter().collect()
        };
        assert_eq!(all.len(), want.len(), "{name}: answer count");
        for ((kname, key), &w) in all.iter().map(|k| (&k.0, &k.1)).zip(&want) {
            let Some(w) = w else { continue };
            let got = f(key);
            checked += 1;
            if got != w {
                failures.push(format!("{name} key {kname}: real {w}, keyroute {got}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    checked
}

/// The `servers:` entries of a one-pool nutcracker YAML.
fn yaml_servers(yaml: &str) -> Vec<Server> {
    yaml.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(|l| Server::parse_nutcracker(l).expect("server line"))
        .collect()
}

#[test]
fn twemproxy_matches_nutcracker() {
    let doc: Value = serde_json::from_str(TWEMPROXY).unwrap();
    // Each pool is read from the YAML nutcracker itself read.
    let n = check_all(&doc, 700, |pool| {
        let yaml = pool["yaml"].as_str().unwrap();
        let p =
            Pool::from_nutcracker(yaml, None).unwrap_or_else(|e| panic!("{}: {e}", pool["name"]));
        let parsed = &parse_nutcracker(yaml).unwrap()[0];
        assert_eq!(parsed.hash.name(), pool["hash"].as_str().unwrap());
        assert_eq!(
            parsed.hash_tag.map(|t| t.to_vec()),
            pool["hash_tag"].as_str().map(|t| t.as_bytes().to_vec())
        );
        Box::new(move |k: &[u8]| p.index_for(k))
    });
    assert!(n > 250_000);
}

/// The same pools built from their parts, without the YAML reader.
#[test]
fn twemproxy_from_parts_matches_nutcracker() {
    let doc: Value = serde_json::from_str(TWEMPROXY).unwrap();
    check_all(&doc, 700, |pool| {
        let servers = yaml_servers(pool["yaml"].as_str().unwrap());
        let hash: TwemproxyHash = pool["hash"].as_str().unwrap().parse().unwrap();
        let dist = match pool["distribution"].as_str().unwrap() {
            "ketama" => Distribution::Ketama,
            _ => Distribution::Modula,
        };
        let tag = pool["hash_tag"].as_str().map(|t| {
            let b = t.as_bytes();
            [b[0], b[1]]
        });
        let tw = Twemproxy::from_servers(&servers, hash, dist, tag, CharSign::Signed).unwrap();
        Box::new(move |k: &[u8]| tw.node_for(k))
    });
}

/// Every pool's YAML in one document, as a multi-pool nutcracker file.
#[test]
fn the_whole_document_reads() {
    let doc: Value = serde_json::from_str(TWEMPROXY).unwrap();
    let all: String = doc["pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["yaml"].as_str().unwrap())
        .collect();
    let pools = parse_nutcracker(&all).unwrap();
    assert_eq!(pools.len(), doc["pools"].as_array().unwrap().len());
    let name = &pools[17].name;
    assert!(Pool::from_nutcracker(&all, Some(name)).is_ok());
    assert!(matches!(
        Pool::from_nutcracker(&all, None),
        Err(keyroute::error::ConfigError::PoolNotChosen { .. })
    ));
}

/// A vector file's `options` (keyroute's names; `vnode_count` is `vnodes`),
/// each set through `Options::set` as the bindings set them.
fn options_of(o: &Value) -> Options {
    let mut options = Options::default();
    for (k, v) in o.as_object().expect("options") {
        let name = if k == "vnode_count" { "vnodes" } else { k };
        let value = match v {
            Value::String(s) => OptionValue::Text(s.as_bytes()),
            Value::Number(n) => OptionValue::Int(n.as_u64().expect("a count")),
            Value::Bool(b) => OptionValue::Flag(*b),
            _ => panic!("option {k}: {v}"),
        };
        options
            .set(name, value)
            .unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    options
}

/// A pool given to the library as a mapping (`entries`: [key, value] pairs).
fn from_entries(
    scheme: Scheme,
    entries: &[Value],
    options: &Options,
) -> Result<Pool, keyroute::error::PartitionError> {
    let fields: Vec<(String, Vec<(String, Value)>)> = entries
        .iter()
        .map(|e| {
            let key = e[0].as_str().unwrap().to_owned();
            let f = e[1]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            (key, f)
        })
        .collect();
    let values: Vec<Vec<(&str, OptionValue)>> = fields
        .iter()
        .map(|(_, f)| {
            f.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => OptionValue::Text(s.as_bytes()),
                        Value::Number(n) => OptionValue::Int(n.as_u64().unwrap()),
                        _ => OptionValue::Other,
                    };
                    (k.as_str(), v)
                })
                .collect()
        })
        .collect();
    let list: Vec<(&str, EntryValue)> = entries
        .iter()
        .zip(&fields)
        .zip(&values)
        .map(|((e, (key, _)), v)| {
            let value = match e[1].as_u64() {
                Some(n) => EntryValue::Number(n),
                None => EntryValue::Fields(v),
            };
            (key.as_str(), value)
        })
        .collect();
    Pool::from_entries(scheme, &list, options)
}

/// A client library's vectors, routed through `Pool`.
fn check_scheme(json: &str, min_pools: usize, min_answers: usize) {
    let doc: Value = serde_json::from_str(json).unwrap();
    let scheme: Scheme = doc["scheme"].as_str().unwrap().parse().unwrap();
    let n = check_all(&doc, min_pools, |pool| {
        let servers: Vec<&str> = pool["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let options = options_of(&pool["options"]);
        let pool_ = match pool["entries"].as_array() {
            Some(entries) => from_entries(scheme, entries, &options),
            None => Pool::with_options(scheme, &servers, &options),
        }
        .unwrap_or_else(|e| panic!("{}: {e}", pool["name"]));
        assert_eq!(
            pool_
                .servers()
                .iter()
                .map(|s| s.written())
                .collect::<Vec<_>>(),
            servers,
            "{}",
            pool["name"]
        );
        // The keys the library has no server for are refused, and only they.
        let refused: Vec<usize> = pool["refused"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i.as_u64().unwrap() as usize)
            .collect();
        let all: Vec<Vec<u8>> = keys(&doc, "keys")
            .into_iter()
            .chain(keys(&doc, "bulk_keys"))
            .map(|k| k.1)
            .take(nodes(pool).len())
            .collect();
        for (i, k) in all.iter().enumerate() {
            let r = pool_.try_index_for(k);
            if refused.contains(&i) {
                assert!(
                    matches!(r, Err(keyroute::error::PartitionError::NoServerForKey { scheme: s, .. }) if s == scheme.name()),
                    "{} key {i}: {r:?}",
                    pool["name"]
                );
            } else if pool["key_form"].as_str() != Some("python-bytes") {
                assert_eq!(r, Ok(pool_.index_for(k)), "{} key {i}", pool["name"]);
            }
        }
        if pool["key_form"].as_str() == Some("python-bytes") {
            Box::new(move |k: &[u8]| pool_.index_for(python_bytes_str(k).as_bytes()))
        } else {
            Box::new(move |k: &[u8]| pool_.index_for(k))
        }
    });
    assert!(n >= min_answers, "{scheme}: only {n} answers");
}

macro_rules! scheme_vectors {
    ($($test:ident: $file:literal, $pools:expr, $answers:expr;)*) => {$(
        #[test]
        fn $test() {
            check_scheme(include_str!(concat!("../../tests/vectors/partition/", $file)), $pools, $answers);
        }
    )*};
}

scheme_vectors! {
    redis_rb_4_matches_ruby_redis: "redis-rb-4.json", 18, 6000;
    redis_rb_hashring_matches_ruby_redis: "redis-rb-hashring.json", 9, 3400;
    predis_matches_php_predis: "predis.json", 9, 3500;
    predis_ketama_matches_php_predis: "predis-ketama.json", 9, 3500;
    uhashring_matches_pypi: "uhashring.json", 15, 4300;
    uhashring_ketama_matches_pypi: "uhashring-ketama.json", 18, 4900;
    pymemcache_matches_pypi: "pymemcache.json", 6, 2000;
    node_hashring_matches_npm: "node-hashring.json", 29, 10400;
    libmemcached_ketama_matches_libmemcached: "libmemcached-ketama.json", 10, 4000;
    jump_matches_its_definition: "jump.json", 12, 4000;
    rendezvous_matches_its_definition: "rendezvous.json", 5, 1500;
    maglev_matches_its_definition: "maglev.json", 6, 1800;
    go_redis_ring_matches_go_redis_v9: "go-redis-ring.json", 6, 2200;
    go_redis_ring_v5_matches_go_redis_v5: "go-redis-ring-v5.json", 7, 2900;
    python_memcached_matches_pypi: "python-memcached.json", 10, 3700;
    phpredis_array_matches_php_redis: "phpredis-array.json", 21, 8100;
    dalli_matches_ruby_dalli: "dalli.json", 15, 5400;
    spymemcached_ketama_matches_spymemcached: "spymemcached-ketama.json", 29, 7800;
    spymemcached_array_mod_matches_spymemcached: "spymemcached-array-mod.json", 17, 4600;
}

/// The reader accepts and refuses the configurations `nutcracker -t` does.
#[test]
fn nutcracker_config_reader_agrees_with_nutcracker() {
    let doc: Value = serde_json::from_str(include_str!(
        "../../tests/vectors/partition/nutcracker-configs.json"
    ))
    .unwrap();
    let configs = doc["configs"].as_array().unwrap();
    assert!(configs.len() >= 35);
    for c in configs {
        let name = c["name"].as_str().unwrap();
        let ours = parse_nutcracker(c["yaml"].as_str().unwrap());
        let theirs = c["nutcracker_accepts"].as_bool().unwrap();
        if name == "random-distribution" {
            // nutcracker accepts it; keyroute refuses what it cannot reproduce.
            assert!(theirs);
            assert!(matches!(
                ours,
                Err(keyroute::error::ConfigError::Field {
                    error: keyroute::error::PartitionError::RandomDistribution,
                    ..
                })
            ));
            continue;
        }
        assert_eq!(
            ours.is_ok(),
            theirs,
            "{name}: nutcracker accepts: {theirs}, keyroute: {ours:?}"
        );
    }
}

/// Pools whose stopped servers nutcracker ejected (`auto_eject_hosts`): the
/// live set given to `set_live` reproduces the rebuilt continuum, including
/// 26 -> 25 live servers, where every server drops to 156 points.
#[test]
fn twemproxy_ejected_servers_match_nutcracker() {
    let doc: Value = serde_json::from_str(include_str!(
        "../../tests/vectors/partition/twemproxy-ejected.json"
    ))
    .unwrap();
    let n = check_all(&doc, 10, |pool| {
        let mut p = Pool::from_nutcracker(pool["yaml"].as_str().unwrap(), None).unwrap();
        let live: Vec<bool> = pool["live"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        assert!(live.contains(&false));
        p.set_live(&live).unwrap();
        Box::new(move |k: &[u8]| p.index_for(k))
    });
    assert!(n > 4_000);
}
