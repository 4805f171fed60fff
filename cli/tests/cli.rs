//! The `keyroute` binary, run as a user runs it.

mod run;

use run::{keyroute, stdout};

const VECTORS: &str = include_str!("../../tests/vectors/slots.json");

#[test]
fn slot_of_arguments() {
    let o = keyroute(
        &["slot", "foo", "{user1000}.following", "foo{}{bar}", ""],
        b"",
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(stdout(&o), "12182\n3443\n8363\n0\n");
}

#[test]
fn slot_from_stdin_lines() {
    let o = keyroute(&["slot"], b"foo\r\n{a}\nlast-without-newline");
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        format!(
            "12182\n15495\n{}\n",
            keyroute::key_slot(b"last-without-newline")
        )
    );
}

#[test]
fn hex_keys_and_tags() {
    let o = keyroute(&["slot", "--hex", "7b007d", "C3A9"], b"");
    assert_eq!(stdout(&o), "0\n10180\n");
    let o = keyroute(&["tag", "--hex", "666f6f7b7b6261727d7d7a6170"], b"");
    assert_eq!(stdout(&o), "7b626172\n");
    let o = keyroute(&["tag", "{user1000}.following"], b"");
    assert_eq!(stdout(&o), "user1000\n");
}

#[test]
fn every_vector_through_stdin() {
    let doc: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let input: String = cases
        .iter()
        .map(|c| format!("{}\n", c["key"].as_str().unwrap()))
        .collect();
    let o = keyroute(&["slot", "--hex"], input.as_bytes());
    assert!(o.status.success());
    let got: Vec<u64> = stdout(&o).lines().map(|l| l.parse().unwrap()).collect();
    let want: Vec<u64> = cases.iter().map(|c| c["slot"].as_u64().unwrap()).collect();
    assert_eq!(got, want);
}

#[test]
fn bad_hex_is_a_clear_error_with_status_2() {
    for (args, stdin, needle) in [
        (
            &["slot", "--hex", "zz"][..],
            &b""[..],
            "argument 1: bad hex",
        ),
        (
            &["slot", "--hex", "abc"][..],
            &b""[..],
            "odd number of hex digits",
        ),
        (
            &["slot", "--hex"][..],
            &b"00\nxyz1\n"[..],
            "line 2: bad hex",
        ),
        (&["tag", "--hex", "0g"][..], &b""[..], "KEY: bad hex"),
    ] {
        let o = keyroute(args, stdin);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn usage_errors_have_status_2() {
    for args in [
        &[][..],
        &["nope"][..],
        &["tag"][..],
        &["tag", "a", "b"][..],
        &["slot", "--bogus"][..],
    ] {
        let o = keyroute(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("usage"),
            "{args:?}"
        );
    }
}

#[test]
fn double_dash_ends_options() {
    let o = keyroute(&["slot", "--", "--hex"], b"");
    assert_eq!(stdout(&o), format!("{}\n", keyroute::key_slot(b"--hex")));
}

#[test]
fn keys_in_both_modes() {
    let o = keyroute(&["keys", "ZUNIONSTORE", "out", "2", "a", "b"], b"");
    assert_eq!(stdout(&o), "a\nb\nout\n");
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
    let o = keyroute(&[&["keys"][..], &geo].concat(), b"");
    assert_eq!(stdout(&o), "g\nb\n");
    let o = keyroute(&[&["keys", "--mode", "keyspecs"][..], &geo].concat(), b"");
    assert_eq!(stdout(&o), "g\na\nb\n");
    let o = keyroute(&["keys", "--hex", "474554", "00ff"], b"");
    assert_eq!(stdout(&o), "00ff\n");
    let o = keyroute(&["keys", "NOSUCH", "x"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown command"));
}

#[test]
fn check_exit_statuses() {
    let o = keyroute(&["check", "MGET", "{u}a", "{u}b"], b"");
    assert_eq!(
        (o.status.code(), stdout(&o)),
        (Some(0), format!("{}\n", keyroute::key_slot(b"u")))
    );
    let o = keyroute(&["check", "PING"], b"");
    assert_eq!(stdout(&o), "none\n");
    let o = keyroute(&["check", "MGET", "a", "b"], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("CROSSSLOT"));
    let o = keyroute(&["check", "GET"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn policy_files() {
    let dir = std::env::temp_dir().join(format!("keyroute-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let standard = dir.join("standard.rules");
    std::fs::write(&standard, ".*\\{(?<tag>.*)\\}.*\r\n\n(?<tag>.*)\n").unwrap();
    let p = standard.to_str().unwrap();
    let o = keyroute(&["slot", "--policy-file", p, "{}a", "{}b"], b"");
    assert_eq!(stdout(&o), "0\n0\n");
    let o = keyroute(&["tag", "--policy-file", p, "{foo}bar}"], b"");
    assert_eq!(stdout(&o), "foo}bar\n");
    let o = keyroute(&["check", "--policy-file", p, "MGET", "{}a", "{}b"], b"");
    assert_eq!(stdout(&o), "0\n");
    let strict = dir.join("strict.rules");
    std::fs::write(&strict, "user:(?<tag>\\d+):.*\n").unwrap();
    let o = keyroute(
        &[
            "slot",
            "--policy-file",
            strict.to_str().unwrap(),
            "user:7:x",
            "other",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), format!("{}\n", keyroute::key_slot(b"7")));
    assert!(String::from_utf8_lossy(&o.stderr).contains("argument 2: no rule"));
    let bad = dir.join("bad.rules");
    std::fs::write(&bad, "(?<tag>a)\\1\n").unwrap();
    let o = keyroute(&["slot", "--policy-file", bad.to_str().unwrap(), "x"], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("rule 0 cannot be used") && err.contains("backreference"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn plan_rebalance_from_a_nodes_file() {
    let dir = std::env::temp_dir().join(format!("keyroute-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nodes = dir.join("nodes.txt");
    std::fs::write(
        &nodes,
        "e7d1000000000000000000000000000000000000 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-8191\n\
         67ed000000000000000000000000000000000000 127.0.0.1:30002@40002 master - 0 1 2 connected 8192-16383\n\
         292f000000000000000000000000000000000000 127.0.0.1:30003@40003 master - 0 1 3 connected\n",
    )
    .unwrap();
    let p = nodes.to_str().unwrap();
    let o = keyroute(
        &["plan", "rebalance", "--nodes-file", p, "--format", "json"],
        b"",
    );
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["format"], "keyroute.reshard-plan/1");
    assert_eq!(plan["moves_total"], 5461);
    assert_eq!(plan["lower_bound_moves"], 5461);
    let o = keyroute(
        &[
            "plan",
            "rebalance",
            "--nodes-file",
            p,
            "--drain",
            "e7d1000000000000000000000000000000000000",
            "--format",
            "legacy",
        ],
        b"",
    );
    assert!(stdout(&o).contains("move_slot"));
    let o = keyroute(
        &[
            "plan",
            "rebalance",
            "--nodes-file",
            p,
            "--add",
            "abcd000000000000000000000000000000000000=127.0.0.1:30009",
        ],
        b"",
    );
    assert!(stdout(&o).contains("abcd000000000000000000000000000000000000"));
    for (args, needle) in [
        (vec!["--weight", "nope=1"], "unknown node id nope"),
        (
            vec!["--weight", "e7d1000000000000000000000000000000000000=-1"],
            "bad weight",
        ),
        (
            vec![
                "--drain",
                "e7d1000000000000000000000000000000000000",
                "--drain",
                "67ed000000000000000000000000000000000000",
                "--drain",
                "292f000000000000000000000000000000000000",
            ],
            "every weight is zero",
        ),
        (vec!["--format", "xml"], "--format"),
    ] {
        let mut a = vec!["plan", "rebalance", "--nodes-file", p];
        a.extend(args);
        let o = keyroute(&a, b"");
        assert_eq!(o.status.code(), Some(2), "{a:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(needle),
            "{a:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    std::fs::write(
        &nodes,
        "e7d1000000000000000000000000000000000000 127.0.0.1:30001@40001 master - 0 0 1 connected 0-16383 [5->-67ed000000000000000000000000000000000000]\n",
    )
    .unwrap();
    let o = keyroute(&["plan", "rebalance", "--nodes-file", p], b"");
    assert!(String::from_utf8_lossy(&o.stderr).contains("middle of a migration"));
    std::fs::remove_dir_all(dir).unwrap();
}
