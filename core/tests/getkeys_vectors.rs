//! `Mode::KeySpecs` must give exactly what a real server's
//! `COMMAND GETKEYSANDFLAGS` gave for every argv in tests/vectors/getkeys.json
//! (written by tests/oracles/getkeys.py): the same keys, in the same order,
//! with the same flags, or the same refusal.

use keyroute::command::{CommandTable, Mode};
use keyroute::error::CommandError;
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/vectors/getkeys.json");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn show(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_getkeys_vector() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 1500);
    let table = CommandTable::builtin();
    let mut failures = Vec::new();
    let mut unanswerable = 0;
    for c in cases {
        let argv: Vec<Vec<u8>> = c["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| unhex(a.as_str().unwrap()))
            .collect();
        let got = table.keys(&argv, Mode::KeySpecs);
        let ok = match (c.get("keys"), c.get("error").and_then(Value::as_str)) {
            (Some(keys), _) => match &got {
                Ok(found) => {
                    let want: Vec<(Vec<u8>, Vec<String>)> = keys
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|k| {
                            let flags = k[1]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|f| f.as_str().unwrap().to_string())
                                .collect();
                            (unhex(k[0].as_str().unwrap()), flags)
                        })
                        .collect();
                    let have: Vec<(Vec<u8>, Vec<String>)> = found
                        .iter()
                        .map(|k| {
                            (
                                argv[k.pos].clone(),
                                k.flags.names().map(String::from).collect(),
                            )
                        })
                        .collect();
                    have == want
                }
                Err(_) => false,
            },
            (None, Some(e)) if e.contains("'command|getkeysandflags'") => {
                // COMMAND GETKEYSANDFLAGS needs an argument after the name:
                // the server could not be asked about a one-word argv.
                assert_eq!(argv.len(), 1);
                unanswerable += 1;
                true
            }
            (None, Some(e)) => matches!(
                (e, &got),
                (
                    "ERR Invalid command specified",
                    Err(CommandError::UnknownCommand { .. }
                        | CommandError::UnknownSubcommand { .. })
                ) | (
                    "ERR The command has no key arguments",
                    Err(CommandError::NoKeyArguments { .. })
                ) | (
                    "ERR Invalid number of arguments specified for command",
                    Err(CommandError::WrongArity { .. })
                ) | (
                    "ERR Invalid arguments specified for command",
                    Err(CommandError::InvalidArguments { .. })
                )
            ),
            _ => panic!("bad vector {c}"),
        };
        if !ok {
            failures.push(format!(
                "{}\n    server: {}\n    keyroute: {:?}",
                show(&argv),
                c,
                got
            ));
        }
    }
    assert!(unanswerable <= 10);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures[..failures.len().min(15)].join("\n")
    );
    println!(
        "{} getkeys vectors agree ({unanswerable} one-word argv the server cannot be asked about)",
        cases.len()
    );
}
