//! Reshard scripts cannot run what their input carries: hostile node ids and
//! addresses are refused where a plan's input is given, and a plan built
//! around that check (its fields are public) still quotes every value. Each
//! script runs under bash in a temporary directory with a stub `redis-cli`
//! first on `PATH`, which records its arguments; nothing else may happen.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use keyroute::error::PlanError;
use keyroute::plan::{Move, Plan, PlanNode, Rebalance, ScriptKind, Weight};

const HOSTILE_IDS: [&str; 6] = [
    "x$(touch${IFS}pwned-id)",
    "`touch pwned-tick`",
    "a'$(touch pwned-quote)'b",
    "id;touch pwned-semi",
    "*",
    "id\ntouch pwned-newline",
];
const HOSTILE_HOSTS: [&str; 5] = [
    "$(touch pwned-host)",
    ";touch pwned-host2;",
    "h' 'x",
    "*?",
    "-h",
];

/// A directory with the stub `redis-cli` in `bin/` and an empty `run/` to
/// run scripts in.
struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    fn new(tag: &str) -> Sandbox {
        let root =
            std::env::temp_dir().join(format!("keyroute-scripts-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::create_dir_all(root.join("run")).unwrap();
        let stub = root.join("bin").join("redis-cli");
        // One argument per line, invocations separated by a line "--".
        fs::write(
            &stub,
            "#!/bin/sh\n\
             for a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$STUB_LOG\"\n\
             echo -- >> \"$STUB_LOG\"\n\
             case \"$*\" in\n\
             *GETSLOTMIGRATIONS*) echo success ;;\n\
             *'MIGRATION STATUS'*) echo completed ;;\n\
             *'MIGRATION IMPORT'*) echo 7 ;;\n\
             esac\n",
        )
        .unwrap();
        fs::set_permissions(&stub, fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { root }
    }

    /// Runs `script` with bash; returns the stub's log.
    fn run(&self, script: &str) -> (bool, String) {
        let file = self.root.join("plan.sh");
        fs::write(&file, script).unwrap();
        let log = self.root.join("stub.log");
        let _ = fs::remove_file(&log);
        let path = format!(
            "{}:{}",
            self.root.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg(&file)
            .current_dir(self.root.join("run"))
            .env("PATH", path)
            .env("STUB_LOG", &log)
            .output()
            .expect("bash runs");
        (
            out.status.success(),
            fs::read_to_string(&log).unwrap_or_default(),
        )
    }

    /// Every file under `dir` but the sandbox's own.
    fn created(&self, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let own = ["bin", "plan.sh", "stub.log", "run"]
                .iter()
                .any(|o| p == self.root.join(o));
            if p.is_dir() {
                self.created(&p, out);
            }
            if !own && !p.starts_with(self.root.join("bin")) {
                out.push(p);
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn node(id: &str, addr: Option<&str>, after: u32) -> PlanNode {
    PlanNode {
        id: id.to_string(),
        addr: addr.map(str::to_string),
        weight: Weight::int(1),
        quota: (1, 1),
        before: 0,
        target: after,
        after,
        keys_before: None,
        keys_after: None,
        load: None,
    }
}

/// A plan whose ids and addresses are hostile, as only direct
/// construction can make one.
fn hostile_plan(id_a: &str, id_b: &str, host: &str, port: &str) -> Plan {
    let addr_a = format!("{host}:{port}");
    Plan {
        fingerprint: "sha256:00".into(),
        tolerance: 0,
        nodes: vec![
            node(id_a, Some(&addr_a), 16382),
            node(id_b, Some("10.0.0.2:7001"), 2),
            node("c".repeat(40).as_str(), Some(&format!("{host}:7002")), 0),
        ],
        lower_bound: 2,
        load: None,
        moves: vec![Move {
            seq: 1,
            from: id_a.to_string(),
            to: id_b.to_string(),
            ranges: vec![(5, 6)],
            slots: 2,
            keys: None,
            bytes: None,
            load: None,
        }],
    }
}

#[test]
fn scripts_of_hostile_plans_run_nothing_but_redis_cli() {
    let sandbox = Sandbox::new("hostile");
    let mut runs = 0;
    for (i, id) in HOSTILE_IDS.iter().enumerate() {
        let host = HOSTILE_HOSTS[i % HOSTILE_HOSTS.len()];
        let port = ["1;touch pwned-port", "$(touch pwned-port2)", "7000"][i % 3];
        let plan = hostile_plan(id, "b".repeat(40).as_str(), host, port);
        for kind in [ScriptKind::Valkey9, ScriptKind::Redis84, ScriptKind::Legacy] {
            let script = plan.script(kind).unwrap();
            let (_, log) = sandbox.run(&script);
            runs += 1;
            let mut created = Vec::new();
            sandbox.created(&sandbox.root, &mut created);
            assert!(
                created.is_empty(),
                "{kind:?} with id {id:?} created {created:?}\n{script}"
            );
            // The stub got each value whole, as one argument.
            let args: Vec<&str> = log.split('\n').collect();
            if kind != ScriptKind::Redis84 {
                // Valkey 9 and legacy scripts name the source's address.
                assert!(
                    args.contains(&host),
                    "{kind:?}: host {host:?} not passed whole: {log}"
                );
            }
            if kind != ScriptKind::Redis84 && !id.contains('\n') {
                let b_id = "b".repeat(40);
                let named: &str = if kind == ScriptKind::Legacy {
                    id
                } else {
                    &b_id
                };
                assert!(
                    args.contains(&named),
                    "{kind:?}: {named:?} not passed whole: {log}"
                );
            }
        }
    }
    assert_eq!(runs, 18);
}

#[test]
fn missing_addresses_use_variables_that_expand_nothing_further() {
    let sandbox = Sandbox::new("vars");
    let mut plan = hostile_plan("x$(touch${IFS}pwned-var)", &"b".repeat(40), "h", "1");
    for n in &mut plan.nodes {
        n.addr = None;
    }
    let script = plan.script(ScriptKind::Valkey9).unwrap();
    assert!(
        script.contains("\"${HOST_x__touch__IFS_pwned_var_}\""),
        "{script}"
    );
    // Unset variables stop the script (set -u) before redis-cli runs.
    let (ok, log) = sandbox.run(&script);
    assert!(!ok && log.is_empty());
    let mut created = Vec::new();
    sandbox.created(&sandbox.root, &mut created);
    assert!(created.is_empty(), "{created:?}");
    assert_eq!(
        plan.script(ScriptKind::Legacy),
        Err(PlanError::NoAddress {
            id: "x$(touch${IFS}pwned-var)".into()
        })
    );
}

#[test]
fn hostile_ids_and_addresses_are_refused_at_plan_input() {
    let good = "a".repeat(40);
    for id in HOSTILE_IDS.iter().copied().chain([
        "",
        "abc",
        &"A".repeat(40),
        &"g".repeat(40),
        &"a".repeat(41),
    ]) {
        let mut r = Rebalance::new();
        assert_eq!(
            r.node(id, None, &[(0, 16383)]),
            Err(PlanError::BadNodeId { id: id.to_string() })
        );
        assert_eq!(
            r.add(id, Some("10.0.0.1:7000")),
            Err(PlanError::BadNodeId { id: id.to_string() })
        );
    }
    for host in HOSTILE_HOSTS {
        for addr in [format!("{host}:7000"), format!("10.0.0.1:{host}")] {
            let mut r = Rebalance::new();
            assert_eq!(
                r.add(&good, Some(&addr)),
                Err(PlanError::BadAddress {
                    id: good.clone(),
                    addr: addr.clone()
                })
            );
        }
    }
    for addr in [
        "10.0.0.1",
        "10.0.0.1:0",
        "10.0.0.1:65536",
        ":7000",
        "h:7000x",
        "[::1:7000",
    ] {
        assert!(
            matches!(
                Rebalance::new().add(&good, Some(addr)),
                Err(PlanError::BadAddress { .. })
            ),
            "{addr}"
        );
    }
    for addr in [
        "10.0.0.1:1",
        "redis-3.example.com:65535",
        "::1:7000",
        "[::1]:7000",
        "[fe80::1%eth0]:7000",
        "my_host:6379",
    ] {
        Rebalance::new().add(&good, Some(addr)).unwrap();
    }
    // A CLUSTER NODES text carrying a command in an id or an address.
    let ok = format!("{good} 10.0.0.1:7000@17000 master - 0 0 1 connected 0-16383\n");
    assert!(Rebalance::from_cluster_nodes(&ok).is_ok());
    let evil = "x$(touch${IFS}pwned) 10.0.0.1:7000@17000 master - 0 0 1 connected 0-16383\n";
    assert!(matches!(
        Rebalance::from_cluster_nodes(evil),
        Err(PlanError::BadNodeId { .. })
    ));
    let evil =
        format!("{good} $(touch${{IFS}}pwned):7000@17000 master - 0 0 1 connected 0-16383\n");
    assert!(matches!(
        Rebalance::from_cluster_nodes(&evil),
        Err(PlanError::BadAddress { .. })
    ));
}

#[test]
fn a_checked_plan_runs_every_step_against_the_stub() {
    let sandbox = Sandbox::new("checked");
    let (a, b, c) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
    let mut r = Rebalance::new();
    r.node(&a, Some("10.0.0.1:7000"), &[(0, 8191)]).unwrap();
    r.node(&b, Some("[::1]:7001"), &[(8192, 16383)]).unwrap();
    r.add(&c, Some("redis-c.example:7002")).unwrap();
    r.target(&a, 8190).unwrap();
    r.target(&b, 8192).unwrap();
    r.target(&c, 2).unwrap();
    let plan = r.plan().unwrap();
    assert_eq!(plan.moves_total(), 2);
    let (ok, log) = sandbox.run(&plan.script(ScriptKind::Legacy).unwrap());
    assert!(ok, "{log}");
    let calls: Vec<&str> = log.split("--\n").filter(|c| !c.is_empty()).collect();
    // Per slot: IMPORTING, MIGRATING, GETKEYSINSLOT, two NODEs and one for
    // the third master.
    assert_eq!(calls.len(), 2 * 6, "{log}");
    assert!(calls[0].starts_with("-h\nredis-c.example\n-p\n7002\nCLUSTER\nSETSLOT\n"));
    assert!(calls.iter().any(|c| c.starts_with("-h\n::1\n-p\n7001\n")));
    let (ok, log) = sandbox.run(&plan.script(ScriptKind::Valkey9).unwrap());
    assert!(ok && log.contains("MIGRATESLOTS"), "{log}");
    let (ok, log) = sandbox.run(&plan.script(ScriptKind::Redis84).unwrap());
    assert!(ok && log.contains("7\n"), "{log}");
}
