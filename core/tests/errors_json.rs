//! `tests/vectors/errors.json`: the class tree of keyroute's errors as the
//! core lists it (`keyroute::error::CLASSES`). The Python and JS test suites
//! check their packages' classes against it. `KEYROUTE_WRITE_VECTORS=1 cargo
//! test -p keyroute --test errors_json` rewrites it after a deliberate change.

use keyroute::error::{CLASSES, DETAILS, OUTSIDE_CLASSES};
use serde_json::{json, Value as J};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/errors.json");

fn generate() -> J {
    let classes: Vec<J> = CLASSES
        .iter()
        .zip(DETAILS)
        .map(|(c, d)| {
            json!({
                "name": c.name,
                "parent": c.parent,
                "code": c.code,
                "codes": c.codes,
                "doc": d.doc,
                "python_bases": d.python_bases,
                "redis_py": d.redis_py,
            })
        })
        .collect();
    let outside: Vec<J> = OUTSIDE_CLASSES
        .iter()
        .map(|(code, why)| json!({"code": code, "why": why}))
        .collect();
    json!({
        "about": "keyroute's error classes, the same in Python and JS: name, parent, the class's \
                  own code, and the codes of the errors raised as it (an instance's `code`). \
                  Generated from the core's error::CLASSES by core/tests/errors_json.rs \
                  (KEYROUTE_WRITE_VECTORS=1 to rewrite). python_bases: Python-only extra bases; \
                  redis_py: keyroute.redis has a same-named class that is also a redis.RedisError.",
        "classes": classes,
        "outside_classes": outside,
    })
}

#[test]
fn committed_error_list_is_the_cores() {
    let fresh = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    if std::env::var_os("KEYROUTE_WRITE_VECTORS").is_some() {
        std::fs::write(PATH, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(PATH)
        .expect("tests/vectors/errors.json: generate it with KEYROUTE_WRITE_VECTORS=1");
    assert!(
        committed == fresh,
        "tests/vectors/errors.json is stale: the core's error classes changed. Review the change, \
         then rewrite it with KEYROUTE_WRITE_VECTORS=1 cargo test -p keyroute --test errors_json"
    );
}
