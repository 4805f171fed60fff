//! `keyroute keys` and `keyroute check`: a command's keys and its slot, offline.

use std::io::{self, BufWriter, Write};

use keyroute::command::{CommandTable, Mode};
use keyroute::error::CommandError;

use crate::{to_hex, Failure, USAGE};

/// `keys [--mode routing|keyspecs] [--hex] CMD ARG...`: one key per line.
pub fn keys(args: &[Vec<u8>]) -> Result<(), Failure> {
    let mut mode = Mode::Routing;
    let mut hex = false;
    let mut rest = args;
    loop {
        match rest.first().map(Vec::as_slice) {
            Some(b"--mode") => {
                mode = match rest.get(1).map(Vec::as_slice) {
                    Some(b"routing") => Mode::Routing,
                    Some(b"keyspecs") => Mode::KeySpecs,
                    _ => {
                        return Err(Failure::Usage(format!(
                            "--mode takes routing or keyspecs\n{USAGE}"
                        )))
                    }
                };
                rest = &rest[2..];
            }
            Some(b"--hex") => {
                hex = true;
                rest = &rest[1..];
            }
            Some(b"--") => {
                rest = &rest[1..];
                break;
            }
            _ => break,
        }
    }
    let argv = decode_argv(rest, hex)?;
    let found = CommandTable::builtin().keys(&argv, mode).map_err(refusal)?;
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    for k in found {
        let key = &argv[k.pos];
        if hex {
            writeln!(out, "{}", to_hex(key))?;
        } else {
            out.write_all(key)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `check [--hex] [--policy-file FILE] CMD ARG...`: the slot, `none` for keyless commands, or
/// CROSSSLOT with exit status 1.
pub fn check(args: &[Vec<u8>]) -> Result<(), Failure> {
    let (mut hex, mut policy_file, mut rest) = (false, None, args);
    loop {
        match rest.first().map(Vec::as_slice) {
            Some(b"--hex") => {
                hex = true;
                rest = &rest[1..];
            }
            Some(b"--policy-file") if rest.len() > 1 => {
                policy_file = Some(String::from_utf8_lossy(&rest[1]).into_owned());
                rest = &rest[2..];
            }
            Some(b"--") => {
                rest = &rest[1..];
                break;
            }
            _ => break,
        }
    }
    let argv = decode_argv(rest, hex)?;
    let table = CommandTable::builtin().with_policy(crate::load_policy(policy_file.as_deref())?);
    match table.check(&argv) {
        Ok(Some(slot)) => println!("{slot}"),
        Ok(None) => println!("none"),
        Err(CommandError::CrossSlot {
            first,
            other,
            first_slot,
            other_slot,
        }) => {
            return Err(Failure::Failed(format!(
                "CROSSSLOT: {:?} is in slot {first_slot}, {:?} in slot {other_slot}",
                String::from_utf8_lossy(&argv[first]),
                String::from_utf8_lossy(&argv[other])
            )))
        }
        Err(e) => return Err(refusal(e)),
    }
    Ok(())
}

fn decode_argv(args: &[Vec<u8>], hex: bool) -> Result<Vec<Vec<u8>>, Failure> {
    if args.is_empty() {
        return Err(Failure::Usage(format!("missing CMD\n{USAGE}")));
    }
    args.iter()
        .enumerate()
        .map(|(i, a)| crate::decode_key(a, hex, || format!("argument {}", i + 1)))
        .collect()
}

/// The server would refuse the command itself: exit status 2.
fn refusal(e: CommandError) -> Failure {
    Failure::Usage(e.to_string())
}
