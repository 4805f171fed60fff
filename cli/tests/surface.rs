//! The command line as a user meets it: version, help for every
//! subcommand, suggestions, completions, `--json` lines and exit statuses.

mod run;

use keyroute::command::Mode;
use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::Scheme;
use keyroute::plan::ScriptKind;
use run::{keyroute, stdout};
use serde_json::{json, Value};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every line of stdout as JSON.
fn json_lines(o: &std::process::Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// A file under the system temp directory, removed on drop.
struct Temp(std::path::PathBuf);

impl Temp {
    fn new(name: &str, contents: &str) -> Temp {
        let path =
            std::env::temp_dir().join(format!("keyroute-surface-{}-{name}", std::process::id()));
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

#[test]
fn version() {
    for flag in ["--version", "-V"] {
        let o = keyroute(&[flag], b"");
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(
            stdout(&o),
            format!("keyroute {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// The subcommands a help page lists under `Commands:`.
fn listed(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn help_for_every_subcommand() {
    let top = stdout(&keyroute(&["--help"], b""));
    assert_eq!(
        listed(&top),
        [
            "slot",
            "tag",
            "keys",
            "check",
            "node",
            "plan",
            "completions",
            "help"
        ]
    );
    let plan = stdout(&keyroute(&["plan", "--help"], b""));
    assert_eq!(
        listed(&plan),
        ["rebalance", "load", "moved", "preshard", "help"]
    );
    let every: [&[&str]; 11] = [
        &[],
        &["slot"],
        &["tag"],
        &["keys"],
        &["check"],
        &["node"],
        &["plan"],
        &["plan", "rebalance"],
        &["plan", "load"],
        &["plan", "moved"],
        &["plan", "preshard"],
    ];
    for cmd in every.iter().chain([&["completions"][..]].iter()) {
        for flag in ["--help", "-h"] {
            let args = [cmd, &[flag][..]].concat();
            let o = keyroute(&args, b"");
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            let text = stdout(&o);
            assert!(text.contains("Usage: keyroute"), "{args:?}: {text}");
            // Every page has examples.
            assert!(text.contains("Examples:\n  keyroute "), "{args:?}: {text}");
        }
        // `keyroute help CMD...` says the same as `keyroute CMD... --help`.
        let via_help = keyroute(&[&["help"][..], cmd].concat(), b"");
        assert_eq!(via_help.status.code(), Some(0), "help {cmd:?}");
        assert_eq!(
            stdout(&via_help),
            stdout(&keyroute(&[cmd, &["--help"][..]].concat(), b"")),
            "help {cmd:?}"
        );
    }
}

#[test]
fn typos_get_suggestions() {
    for (args, needle) in [
        (&["slto", "foo"][..], "a similar subcommand exists: 'slot'"),
        (
            &["plan", "rebalanse"][..],
            "a similar subcommand exists: 'rebalance'",
        ),
        (
            &["slot", "--polcy-file", "p", "k"][..],
            "a similar argument exists: '--policy-file'",
        ),
        (
            &["node", "--clustr", "127.0.0.1:7000", "k"][..],
            "a similar argument exists: '--cluster'",
        ),
        (
            &[
                "node",
                "--scheme",
                "twemproxy-ketma",
                "--servers",
                "a:1",
                "k",
            ][..],
            "a similar value exists: 'twemproxy-ketama'",
        ),
        (
            &["keys", "--mode", "keyspec", "GET", "k"][..],
            "a similar value exists: 'keyspecs'",
        ),
    ] {
        let o = keyroute(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.starts_with("keyroute: "), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// An unknown enumerated value is refused with every valid name, as the
/// core names them.
#[test]
fn unknown_values_list_the_valid_names() {
    let schemes: Vec<&str> = Scheme::ALL.iter().map(|s| s.name()).collect();
    let hashes: Vec<&str> = TwemproxyHash::ALL.iter().map(|h| h.name()).collect();
    let modes: Vec<&str> = Mode::ALL.iter().map(|m| m.as_str()).collect();
    let mut rebalance = vec!["table", "json"];
    rebalance.extend(ScriptKind::ALL.iter().map(|k| k.as_str()));
    let nodes = Temp::new(
        "nodes.txt",
        "e7d1000000000000000000000000000000000000 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-16383\n",
    );
    for (args, names) in [
        (
            vec!["node", "--scheme", "ketama", "--servers", "a:1", "k"],
            schemes.clone(),
        ),
        (
            vec![
                "plan",
                "moved",
                "--scheme",
                "jump",
                "--servers",
                "a:1",
                "--to-servers",
                "b:1",
                "--to-scheme",
                "x",
            ],
            schemes,
        ),
        (
            vec![
                "node",
                "--scheme",
                "twemproxy-ketama",
                "--servers",
                "a:1",
                "--hash",
                "fnv",
                "k",
            ],
            hashes,
        ),
        (vec!["keys", "--mode", "x", "GET", "k"], modes),
        (
            vec![
                "node",
                "--cluster",
                "127.0.0.1:1",
                "--read-from",
                "replica",
                "k",
            ],
            vec!["primary", "prefer-replica", "round-robin"],
        ),
        (
            vec![
                "plan",
                "rebalance",
                "--nodes-file",
                nodes.path(),
                "--format",
                "xml",
            ],
            rebalance,
        ),
        (
            vec![
                "plan",
                "moved",
                "--scheme",
                "jump",
                "--servers",
                "a:1",
                "--to-servers",
                "b:1",
                "--format",
                "xml",
            ],
            vec!["table", "json"],
        ),
        (
            vec![
                "plan",
                "preshard",
                "--scheme",
                "jump",
                "--servers",
                "a:1",
                "--format",
                "xml",
            ],
            vec!["table", "json", "steps"],
        ),
        (vec!["completions", "tcsh"], vec!["bash", "zsh", "fish"]),
    ] {
        let o = keyroute(&args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        let list = format!("[possible values: {}]", names.join(", "));
        let found = err.contains(&list)
            || (args[0] == "completions" && names.iter().all(|n| err.contains(n)));
        assert!(found, "{args:?}: {err}");
    }
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let o = keyroute(&["completions", shell], b"");
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.len() > 1000, "{shell}: {script}");
        for word in [
            "slot",
            "tag",
            "keys",
            "check",
            "node",
            "plan",
            "rebalance",
            "moved",
            "preshard",
            "completions",
            "--policy-file",
            "--json",
        ] {
            let bare = word.trim_start_matches('-');
            assert!(
                script.contains(word) || script.contains(bare),
                "{shell}: no {word}"
            );
        }
        // The scheme names come along as the values of --scheme.
        assert!(script.contains("twemproxy-ketama"), "{shell}");
    }
}

#[test]
fn slot_json() {
    let o = keyroute(&["slot", "--json", "foo", "{user1000}.following"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        json_lines(&o),
        [
            json!({"key": "foo", "slot": keyroute::key_slot(b"foo")}),
            json!({"key": "{user1000}.following", "slot": keyroute::key_slot(b"user1000")}),
        ]
    );
    // From stdin; a key that is not UTF-8 is written as hex, and every key
    // with --hex.
    let o = keyroute(&["slot", "--json"], b"a\n\xff\xfe\n");
    assert_eq!(
        json_lines(&o),
        [
            json!({"key": "a", "slot": keyroute::key_slot(b"a")}),
            json!({"key_hex": "fffe", "slot": keyroute::key_slot(b"\xff\xfe")}),
        ]
    );
    let o = keyroute(&["slot", "--json", "--hex", "666f6f"], b"");
    assert_eq!(
        json_lines(&o),
        [json!({"key_hex": "666f6f", "slot": keyroute::key_slot(b"foo")})]
    );
    // A key no policy rule matches: an error line, status 1.
    let rules = Temp::new("strict.rules", "user:(?<tag>\\d+):.*\n");
    let o = keyroute(
        &[
            "slot",
            "--json",
            "--policy-file",
            rules.path(),
            "user:7:x",
            "other",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    let lines = json_lines(&o);
    assert_eq!(
        lines[0],
        json!({"key": "user:7:x", "slot": keyroute::key_slot(b"7")})
    );
    assert_eq!(lines[1]["key"], "other");
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .contains("argument 2: no rule"));
    assert!(stderr(&o).contains("argument 2: no rule"));
}

#[test]
fn tag_json() {
    let o = keyroute(&["tag", "--json", "{user1000}.following"], b"");
    assert_eq!(
        json_lines(&o),
        [json!({"key": "{user1000}.following", "tag": "user1000"})]
    );
    let o = keyroute(&["tag", "--json", "--hex", "7b61ff7d62"], b"");
    assert_eq!(
        json_lines(&o),
        [json!({"key_hex": "7b61ff7d62", "tag_hex": "61ff"})]
    );
    // Text that is not ASCII stays text.
    let o = keyroute(&["tag", "--json", "{\u{e9}}"], b"");
    assert_eq!(
        json_lines(&o),
        [json!({"key": "{\u{e9}}", "tag": "\u{e9}"})]
    );
}

#[test]
fn keys_json() {
    let o = keyroute(
        &["keys", "--json", "ZUNIONSTORE", "out", "2", "a", "b"],
        b"",
    );
    assert_eq!(
        json_lines(&o),
        [
            json!({"key": "a", "pos": 3}),
            json!({"key": "b", "pos": 4}),
            json!({"key": "out", "pos": 1}),
        ]
    );
    let o = keyroute(&["keys", "--json", "--hex", "474554", "00ff"], b"");
    assert_eq!(json_lines(&o), [json!({"key_hex": "00ff", "pos": 1})]);
    let o = keyroute(&["keys", "--json", "PING"], b"");
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    let o = keyroute(&["keys", "--json", "NOSUCH", "x"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_json_and_statuses() {
    let o = keyroute(&["check", "--json", "MGET", "{u}a", "{u}b"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json_lines(&o), [json!({"slot": keyroute::key_slot(b"u")})]);
    let o = keyroute(&["check", "--json", "PING"], b"");
    assert_eq!(json_lines(&o), [json!({"slot": null})]);
    let o = keyroute(&["check", "--json", "MGET", "a", "b"], b"");
    assert_eq!(o.status.code(), Some(1));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["error"].as_str().unwrap().starts_with("CROSSSLOT"));
    assert_eq!(
        (&lines[0]["first"], &lines[0]["other"]),
        (
            &json!({"key": "a", "pos": 1, "slot": keyroute::key_slot(b"a")}),
            &json!({"key": "b", "pos": 2, "slot": keyroute::key_slot(b"b")})
        )
    );
    assert!(stderr(&o).contains("CROSSSLOT"));
    // A command the server would refuse: status 2, no JSON.
    let o = keyroute(&["check", "--json", "GET"], b"");
    assert_eq!((o.status.code(), stdout(&o)), (Some(2), String::new()));
}

#[test]
fn node_json() {
    let slots = Temp::new("slots.json", r#"[[0, 16383, ["10.0.0.1", 7000]]]"#);
    let o = keyroute(
        &["node", "--json", "--slots-json", slots.path(), "foo", "bar"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        json_lines(&o),
        [
            json!({"key": "foo", "slot": 12182, "node": "10.0.0.1:7000", "role": "primary"}),
            json!({"key": "bar", "slot": 5061, "node": "10.0.0.1:7000", "role": "primary"}),
        ]
    );
    // Without --json, the same answers as text.
    let o = keyroute(&["node", "--slots-json", slots.path(), "foo"], b"");
    assert_eq!(stdout(&o), "12182 10.0.0.1:7000 primary\n");
    // An unserved slot: an error line, status 1.
    let part = Temp::new("part.json", r#"[[0, 99, ["10.0.0.1", 7000]]]"#);
    let o = keyroute(&["node", "--json", "--slots-json", part.path(), "foo"], b"");
    assert_eq!(o.status.code(), Some(1));
    let lines = json_lines(&o);
    assert_eq!(
        (&lines[0]["key"], &lines[0]["slot"]),
        (&json!("foo"), &json!(12182))
    );
    assert!(lines[0]["error"].as_str().unwrap().contains("not served"));
    // A pool: the server as written.
    let list = "127.0.0.1:6379:1,127.0.0.1:6380:1,127.0.0.1:6381:1";
    let args = [
        "node",
        "--scheme",
        "twemproxy-ketama",
        "--servers",
        list,
        "--hash",
        "md5",
    ];
    let o = keyroute(&[&args[..], &["--json", "foo", "bar"]].concat(), b"");
    assert_eq!(
        json_lines(&o),
        [
            json!({"key": "foo", "node": "127.0.0.1:6379:1"}),
            json!({"key": "bar", "node": "127.0.0.1:6381:1"}),
        ]
    );
}

#[test]
fn exit_statuses() {
    let nodes = Temp::new(
        "statuses.txt",
        "e7d1000000000000000000000000000000000000 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-16383\n",
    );
    for (args, status) in [
        (&["slot", "foo"][..], 0),
        (&["help"][..], 0),
        (&["help", "plan", "moved"][..], 0),
        (&["completions", "bash"][..], 0),
        (&["check", "MGET", "a", "b"][..], 1),
        (&["node", "--cluster", "127.0.0.1:1", "k"][..], 1),
        (&[][..], 2),
        (&["plan"][..], 2),
        (&["completions"][..], 2),
        (&["slot", "-x"][..], 2),
        (&["slot", "--hex", "zz"][..], 2),
        (&["keys"][..], 2),
        (&["keys", "NOSUCH"][..], 2),
        (&["check", "GET"][..], 2),
        (
            &["node", "--cluster", "a:1", "--slots-json", "f", "k"][..],
            2,
        ),
        (
            &["node", "--cluster", "127.0.0.1:1", "--nutcracker", "f", "k"][..],
            2,
        ),
        (&["plan", "rebalance"][..], 2),
        (
            &[
                "plan",
                "rebalance",
                "--nodes-file",
                nodes.path(),
                "--tolerance",
                "x",
            ][..],
            2,
        ),
        (
            &[
                "plan",
                "rebalance",
                "--nodes-file",
                nodes.path(),
                "--weight",
                "nope=1",
            ][..],
            2,
        ),
        (
            &[
                "plan",
                "moved",
                "--scheme",
                "jump",
                "--servers",
                "a:1",
                "--sample-log2",
                "x",
            ][..],
            2,
        ),
    ] {
        let o = keyroute(args, b"");
        assert_eq!(o.status.code(), Some(status), "{args:?}: {}", stderr(&o));
        if status == 2 && !args.is_empty() && args != ["plan"] {
            assert!(
                stderr(&o).starts_with("keyroute: "),
                "{args:?}: {}",
                stderr(&o)
            );
        }
    }
    // Options apply in the order given: a node added, then weighted.
    let o = keyroute(
        &[
            "plan",
            "rebalance",
            "--nodes-file",
            nodes.path(),
            "--add",
            "0e01000000000000000000000000000000000000=127.0.0.1:30009",
            "--weight",
            "0e01000000000000000000000000000000000000=3",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["moves_total"], 12288);
    // Keys that look like options follow `--`; negative numbers need not.
    let o = keyroute(&["slot", "-1", "--", "-x", "--hex"], b"");
    assert_eq!(
        stdout(&o),
        format!(
            "{}\n{}\n{}\n",
            keyroute::key_slot(b"-1"),
            keyroute::key_slot(b"-x"),
            keyroute::key_slot(b"--hex")
        )
    );
    // An option given twice: the last one counts, as before clap.
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
    let o = keyroute(
        &[
            &["keys", "--mode", "keyspecs", "--mode", "routing"][..],
            &geo,
        ]
        .concat(),
        b"",
    );
    assert_eq!(stdout(&o), "g\nb\n");
    // Everything from CMD on is the command, options included.
    let o = keyroute(&["keys", "SET", "--hex", "-1"], b"");
    assert_eq!(stdout(&o), "--hex\n");
}
