//! `keyroute node --nutcracker/--scheme`, `keyroute plan moved` and
//! `keyroute plan preshard`, run as a user runs them, against the answers
//! of the real systems (tests/vectors/partition, tests/vectors/reshard).

mod run;

use std::path::PathBuf;
use std::process::Output;

use run::{keyroute, stdout};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const TWEMPROXY: &str = include_str!("../../tests/vectors/partition/twemproxy.json");
const PREDIS: &str = include_str!("../../tests/vectors/partition/predis.json");
const UHASHRING_KETAMA: &str = include_str!("../../tests/vectors/partition/uhashring-ketama.json");
const GO_REDIS_RING: &str = include_str!("../../tests/vectors/partition/go-redis-ring.json");
const GO_REDIS_RING_V5: &str = include_str!("../../tests/vectors/partition/go-redis-ring-v5.json");
const PYTHON_MEMCACHED: &str = include_str!("../../tests/vectors/partition/python-memcached.json");
const PHPREDIS_ARRAY: &str = include_str!("../../tests/vectors/partition/phpredis-array.json");
const DALLI: &str = include_str!("../../tests/vectors/partition/dalli.json");
const SPY_KETAMA: &str = include_str!("../../tests/vectors/partition/spymemcached-ketama.json");
const SPY_ARRAY_MOD: &str =
    include_str!("../../tests/vectors/partition/spymemcached-array-mod.json");
const RINGS: &str = include_str!("../../tests/vectors/reshard/rings.json");

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A file under the system temp directory, removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(contents: &[u8]) -> Temp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "keyroute-cli-rings-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).unwrap();
        Temp(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn hex_lines(keys: &[String]) -> Vec<u8> {
    keys.iter()
        .flat_map(|k| format!("{k}\n").into_bytes())
        .collect()
}

fn hex_keys(doc: &Value, field: &str) -> Vec<String> {
    doc[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap().to_owned())
        .collect()
}

/// nutcracker's answers, through `keyroute node --nutcracker FILE --hex`
/// (keys on stdin): every fifth pool of the twemproxy vectors.
#[test]
fn node_answers_as_nutcracker() {
    let doc: Value = serde_json::from_str(TWEMPROXY).unwrap();
    let (base, bulk) = (hex_keys(&doc, "keys"), hex_keys(&doc, "bulk_keys"));
    let mut checked = 0;
    for pool in doc["pools"].as_array().unwrap().iter().step_by(5) {
        let yaml = pool["yaml"].as_str().unwrap();
        let servers: Vec<&str> = yaml
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- "))
            .collect();
        let keys: Vec<String> = if pool["bulk"].as_bool().unwrap() {
            base.iter().chain(&bulk).cloned().collect()
        } else {
            base.clone()
        };
        let f = Temp::new(yaml.as_bytes());
        let o = keyroute(
            &["node", "--nutcracker", f.path(), "--hex"],
            &hex_lines(&keys),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let want: Vec<&str> = pool["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| servers[n.as_u64().unwrap() as usize])
            .collect();
        let text = stdout(&o);
        let got: Vec<&str> = text.lines().collect();
        assert_eq!(got, want, "{}", pool["name"]);
        checked += got.len();
    }
    assert!(checked > 40_000, "{checked}");
}

/// The libraries' answers through `keyroute node --scheme NAME --servers LIST`.
#[test]
fn node_answers_as_the_libraries() {
    for (text, scheme) in [
        (PREDIS, "predis"),
        (UHASHRING_KETAMA, "uhashring-ketama"),
        (GO_REDIS_RING, "go-redis-ring"),
        (GO_REDIS_RING_V5, "go-redis-ring-v5"),
        (PYTHON_MEMCACHED, "python-memcached"),
        (PHPREDIS_ARRAY, "phpredis-array"),
        (DALLI, "dalli"),
        (SPY_KETAMA, "spymemcached-ketama"),
        (SPY_ARRAY_MOD, "spymemcached-array-mod"),
    ] {
        let doc: Value = serde_json::from_str(text).unwrap();
        let (base, bulk) = (hex_keys(&doc, "keys"), hex_keys(&doc, "bulk_keys"));
        for pool in doc["pools"].as_array().unwrap() {
            // Pools with bytes keys or servers given as a mapping (which a
            // --servers list cannot express) are the bindings' tests.
            if pool["key_form"] == "python-bytes" || pool.get("entries").is_some() {
                continue;
            }
            // Options by name, as --option NAME=VALUE.
            let options: Vec<String> = pool["options"]
                .as_object()
                .into_iter()
                .flatten()
                .flat_map(|(k, v)| {
                    let k = if k == "vnode_count" { "vnodes" } else { k };
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    ["--option".to_owned(), format!("{k}={v}")]
                })
                .collect();
            let servers: Vec<&str> = pool["servers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let keys: Vec<String> = if servers.len() >= 25 {
                base.iter().chain(&bulk).cloned().collect()
            } else {
                base.clone()
            };
            let answers = pool["nodes"].as_array().unwrap();
            // Keys the library could not take (null) are left out.
            let (keys, want): (Vec<String>, Vec<&str>) = keys
                .iter()
                .zip(answers)
                .filter_map(|(k, n)| Some((k.clone(), servers[n.as_u64()? as usize])))
                .unzip();
            let list = servers.join(",");
            let mut args = vec!["node", "--scheme", scheme, "--servers", &list, "--hex"];
            args.extend(options.iter().map(String::as_str));
            let o = keyroute(&args, &hex_lines(&keys));
            assert!(o.status.success(), "{}", stderr(&o));
            assert_eq!(
                stdout(&o).lines().collect::<Vec<_>>(),
                want,
                "{scheme} {}",
                pool["name"]
            );
        }
    }
    let o = keyroute(
        &[
            "node",
            "--scheme",
            "twemproxy-ketama",
            "--servers",
            "127.0.0.1:6379:1, 127.0.0.1:6380:1,127.0.0.1:6381:1",
            "--hash",
            "md5",
            "foo",
            "bar",
        ],
        b"",
    );
    // docs/client-side-sharding.md, "Check values: three servers", md5 row.
    assert_eq!(stdout(&o), "127.0.0.1:6379:1\n127.0.0.1:6381:1\n");
}

fn case<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

/// `plan moved` over the real nutcracker's 24 -> 25 case: the figures, the
/// warning, and with --keys exactly nutcracker's moved keys.
#[test]
fn moved_as_nutcracker_moved_them() {
    let doc: Value = serde_json::from_str(RINGS).unwrap();
    let c = case(&doc, "ketama-fnv1a_64-24-to-25");
    let (old, new) = (
        Temp::new(c["old_yaml"].as_str().unwrap().as_bytes()),
        Temp::new(c["new_yaml"].as_str().unwrap().as_bytes()),
    );
    let base = hex_keys(&doc, "keys");
    let n = doc["sequential"]["count"].as_u64().unwrap();
    let seq: Vec<String> = (0..n).map(|i| format!("key:{i}")).collect();
    let keys: Vec<String> = base
        .iter()
        .cloned()
        .chain(
            seq.iter()
                .map(|k| k.bytes().map(|b| format!("{b:02x}")).collect()),
        )
        .collect();
    let keyfile = Temp::new(&hex_lines(&keys));
    let args = [
        "plan",
        "moved",
        "--nutcracker",
        old.path(),
        "--to",
        new.path(),
    ];
    let o = keyroute(&args, b"");
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("moved                    5.7507%"), "{text}");
    assert!(text.contains("between kept ones      1.8362%"), "{text}");
    assert!(text.contains("160 -> 156 points"), "{text}");
    let mut json_args = args.to_vec();
    json_args.extend(["--keys", keyfile.path(), "--hex", "--format", "json"]);
    let o = keyroute(&json_args, b"");
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(got["format"], "keyroute.moved/1");
    assert_eq!(got["basis"]["kind"], "hash-space");
    assert_eq!(got["moved"]["share"], "123494805/2^31");
    assert!(got["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["kind"] == "point-count-change"));
    // nutcracker's moved keys, by their old and new servers as written.
    let lines = |yaml: &str| -> Vec<String> {
        yaml.lines()
            .filter_map(|l| l.trim().strip_prefix("- ").map(String::from))
            .collect()
    };
    let (ol, nl) = (
        lines(c["old_yaml"].as_str().unwrap()),
        lines(c["new_yaml"].as_str().unwrap()),
    );
    let digit = |b: u8| (b as char).to_digit(36).unwrap() as usize;
    // host:port of a `host:port:weight alias` line.
    let addr = |l: &str| l.splitn(3, ':').take(2).collect::<Vec<_>>().join(":");
    let want: Vec<(String, String, String)> = c["old_nodes"]
        .as_str()
        .unwrap()
        .bytes()
        .zip(c["new_nodes"].as_str().unwrap().bytes())
        .zip(&keys)
        .filter(|((a, b), _)| addr(&ol[digit(*a)]) != addr(&nl[digit(*b)]))
        .map(|((a, b), k)| (k.clone(), ol[digit(a)].clone(), nl[digit(b)].clone()))
        .collect();
    let moved: Vec<(String, String, String)> = got["keys"]["moved_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["key_hex"].as_str().unwrap().to_owned(),
                m["from"].as_str().unwrap().to_owned(),
                m["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(moved, want);
    assert_eq!(got["keys"]["moved"], c["keys_moved"]);
}

#[test]
fn moved_between_server_lists_and_refusals() {
    let three = "127.0.0.1:6379,127.0.0.1:6380,127.0.0.1:6381";
    let four = "127.0.0.1:6379,127.0.0.1:6380,127.0.0.1:6381,127.0.0.1:6382";
    let o = keyroute(
        &[
            "plan",
            "moved",
            "--scheme",
            "twemproxy-ketama",
            "--servers",
            three,
            "--to-servers",
            four,
            "--format",
            "json",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    // docs/resharding.md, "Ring schemes: what moves": 29.87%, all of it to :6382.
    let moved = v["moved"]["fraction"].as_f64().unwrap();
    assert!((moved - 0.2987).abs() < 5e-5, "{moved}");
    assert_eq!(v["moved"], v["to_added"]);
    // Jump is measured on a sample, and says so.
    let o = keyroute(
        &[
            "plan",
            "moved",
            "--scheme",
            "jump",
            "--servers",
            three,
            "--to-servers",
            four,
            "--format",
            "json",
            "--sample-log2",
            "12",
        ],
        b"",
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["basis"]["kind"], "hash-sample");
    assert_eq!(v["basis"]["samples"], 4096);
    // Different key hashes: no figure; refused without keys, keys only with them.
    let yaml = |h: &str| {
        format!("p:\n  listen: 127.0.0.1:1\n  hash: {h}\n  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6380:1\n")
    };
    let (a, b) = (
        Temp::new(yaml("md5").as_bytes()),
        Temp::new(yaml("fnv1a_64").as_bytes()),
    );
    let o = keyroute(
        &["plan", "moved", "--nutcracker", a.path(), "--to", b.path()],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the key hash changes (md5 (word 0) -> fnv1a_64)"),
        "{}",
        stderr(&o)
    );
    let keys = Temp::new(b"foo\nbar\nbaz\n");
    let o = keyroute(
        &[
            "plan",
            "moved",
            "--nutcracker",
            a.path(),
            "--to",
            b.path(),
            "--keys",
            keys.path(),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("no hash-space figures"));
    assert!(stdout(&o).contains("key hash changes"));
    for bad in [
        vec!["plan", "moved", "--nutcracker", a.path()],
        vec!["plan", "moved", "--scheme", "jump", "--servers", three],
        vec![
            "plan",
            "moved",
            "--nutcracker",
            a.path(),
            "--to",
            b.path(),
            "--format",
            "yaml",
        ],
        vec![
            "plan",
            "moved",
            "--nutcracker",
            a.path(),
            "--to",
            b.path(),
            "--pool",
            "nope",
        ],
        vec![
            "plan",
            "moved",
            "--nutcracker",
            "/nonexistent.yml",
            "--to",
            b.path(),
        ],
        vec![
            "plan",
            "moved",
            "--scheme",
            "nope",
            "--servers",
            three,
            "--to-servers",
            four,
        ],
        vec![
            "plan",
            "moved",
            "--scheme",
            "jump",
            "--servers",
            "",
            "--to-servers",
            four,
        ],
        vec![
            "node",
            "--scheme",
            "jump",
            "--servers",
            three,
            "--read-from",
            "primary",
            "k",
        ],
        vec!["node", "--nutcracker", a.path(), "--scheme", "jump", "k"],
        vec!["node", "--servers", three, "k"],
    ] {
        let o = keyroute(&bad, b"");
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("keyroute: "), "{bad:?}");
    }
}

#[test]
fn preshard_plans_and_steps() {
    let mut yaml = String::from("beta:\n  listen: 127.0.0.1:22122\n  servers:\n");
    for i in 0..8 {
        yaml += &format!("   - 10.0.0.1:{}:1 shard{i}\n", 7000 + i);
    }
    let f = Temp::new(yaml.as_bytes());
    let o = keyroute(
        &[
            "plan",
            "preshard",
            "--nutcracker",
            f.path(),
            "--host",
            "10.0.0.2=1",
            "--format",
            "json",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["moves_total"], 4);
    assert_eq!(v["lower_bound_moves"], 4);
    assert_eq!(v["moves"][0]["line"], "10.0.0.2:7007:1 shard7");
    let o = keyroute(
        &[
            "plan",
            "preshard",
            "--nutcracker",
            f.path(),
            "--host",
            "10.0.0.2=1",
            "--format",
            "steps",
        ],
        b"",
    );
    assert!(stdout(&o).contains("redis-cli -h 10.0.0.2 -p 7004 REPLICAOF 10.0.0.1 7004"));
    let o = keyroute(
        &[
            "plan",
            "preshard",
            "--nutcracker",
            f.path(),
            "--host",
            "10.0.0.2=1",
        ],
        b"",
    );
    assert!(stdout(&o).contains("4 instance moves (the minimum is 4)"));
    // Without aliases, an instance cannot move without its keys.
    let bare = Temp::new(b"p:\n  listen: 127.0.0.1:1\n  servers:\n   - 10.0.0.1:7000:1\n");
    let o = keyroute(
        &[
            "plan",
            "preshard",
            "--nutcracker",
            bare.path(),
            "--host",
            "h=1",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("has no alias"));
    let o = keyroute(
        &[
            "plan",
            "preshard",
            "--nutcracker",
            f.path(),
            "--host",
            "10.0.0.1",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    let o = keyroute(
        &[
            "plan",
            "preshard",
            "--nutcracker",
            f.path(),
            "--host",
            "10.0.0.1=0",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
