//! `CommandTable::check` (routing mode) against a real cluster's own verdict.
//!
//! Each argv is queued inside MULTI on one primary and then discarded, so
//! nothing runs: the queueing reply is the server's routing verdict (QUEUED
//! when this node serves it or it has no keys, MOVED with the slot, CROSSSLOT,
//! or an unknown-command/arity refusal), which keyroute must predict exactly.

mod common;

use common::{Cluster, Conn};
use keyroute::cluster::{ReadFrom, SlotMap, Value};
use keyroute::command::{CommandFlags, CommandTable};
use keyroute::error::CommandError;

const VECTORS: &str = include_str!("../../tests/vectors/getkeys.json");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The getkeys corpus, plus each argv with every argument but the name
/// (and a subcommand) given the same hash tag, so keys share a slot.
fn corpus(table: &CommandTable) -> Vec<Vec<Vec<u8>>> {
    let doc: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let mut out = Vec::new();
    for c in doc["cases"].as_array().unwrap() {
        let argv: Vec<Vec<u8>> = c["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| unhex(a.as_str().unwrap()))
            .collect();
        let fixed = match table.lookup(&argv) {
            Ok(cmd) if cmd.name.contains('|') => 2,
            _ => 1,
        };
        let tagged: Vec<Vec<u8>> = argv
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if i < fixed || a.is_empty() {
                    a.clone()
                } else {
                    [b"{t}".as_slice(), a].concat()
                }
            })
            .collect();
        out.push(argv);
        out.push(tagged);
    }
    out
}

#[test]
fn routing_verdicts_equal_the_servers() {
    let cluster = Cluster::start();
    let table = CommandTable::builtin();
    let mut conn = Conn::open(cluster.ports[0]);
    let map =
        SlotMap::from_shards(&conn.cmd("CLUSTER SHARDS").unwrap(), Some("127.0.0.1")).unwrap();
    let me = map.find_node("127.0.0.1", cluster.ports[0]).unwrap();
    let (mut agreed, mut skipped, mut crossslot, mut moved) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for argv in corpus(&table) {
        let cmd = table.lookup(&argv);
        // Refused inside MULTI before routing (MULTI, EXEC, WATCH...), or
        // commands that change the connection: not a routing question.
        if matches!(&cmd, Ok(c) if c.flags.contains(CommandFlags::NO_MULTI) || c.name == "multi")
            || argv.len() == 1
        {
            skipped += 1;
            continue;
        }
        let mut cmds = vec![
            vec![b"MULTI".to_vec()],
            argv.clone(),
            vec![b"DISCARD".to_vec()],
        ];
        let replies = conn.pipeline(&cmds);
        assert_eq!(replies[0], Ok(Value::str("OK")));
        let server = &replies[1];
        let ours = table.check(&argv);
        let ok = match (&ours, server) {
            (Ok(None), Ok(v)) => *v == Value::str("QUEUED"),
            (Ok(Some(slot)), Ok(v)) => {
                *v == Value::str("QUEUED")
                    && map.node_for_slot(*slot, ReadFrom::Primary).unwrap().0 == me
            }
            (Ok(Some(slot)), Err(e)) if e.starts_with("MOVED ") => {
                moved += 1;
                e.split(' ').nth(1) == Some(slot.to_string().as_str())
            }
            (Err(CommandError::CrossSlot { .. }), Err(e)) => {
                crossslot += 1;
                e.starts_with("CROSSSLOT")
            }
            (
                Err(CommandError::UnknownCommand { .. } | CommandError::UnknownSubcommand { .. }),
                Err(e),
            ) => e.contains("unknown command") || e.contains("unknown subcommand"),
            (Err(CommandError::WrongArity { .. }), Err(e)) => {
                e.contains("wrong number of arguments")
            }
            _ => false,
        };
        if ok {
            agreed += 1;
        } else {
            let shown: Vec<String> = argv
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            failures.push(format!(
                "{}: server {server:?}, keyroute {ours:?}",
                shown.join(" ")
            ));
        }
        cmds.clear();
    }
    println!("{agreed} routing verdicts agree ({crossslot} CROSSSLOT, {moved} MOVED); {skipped} skipped (refused inside MULTI before routing, or one-word)");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(
        agreed > 2500 && crossslot > 300 && moved > 300,
        "{agreed} {crossslot} {moved}"
    );
}
