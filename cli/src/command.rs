//! `keyroute keys` and `keyroute check`: a command's keys and its slot, offline.

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};

use keyroute::command::CommandTable;
use keyroute::error::CommandError;
use serde_json::Value;

use crate::args::{CheckArgs, KeysArgs};
use crate::input::{decode_key, load_policy, os_bytes};
use crate::{hex::to_hex, json, Failure};

/// One key per line, as the chosen extraction finds them.
pub fn keys(a: &KeysArgs) -> Result<(), Failure> {
    let hex = a.opts.hex;
    let argv = decode_argv(&a.argv, hex)?;
    let found = CommandTable::builtin()
        .keys(&argv, a.mode)
        .map_err(refusal)?;
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    for k in found {
        let key = &argv[k.pos];
        if a.opts.json {
            let mut obj = json::key(key, hex);
            obj.insert("pos".into(), k.pos.into());
            json::line(&mut out, obj)?;
        } else if hex {
            writeln!(out, "{}", to_hex(key))?;
        } else {
            out.write_all(key)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The slot, `none` for keyless commands, or CROSSSLOT with exit status 1.
pub fn check(a: &CheckArgs) -> Result<(), Failure> {
    let (hex, as_json) = (a.opts.hex, a.opts.json);
    let argv = decode_argv(&a.argv, hex)?;
    let table = CommandTable::builtin().with_policy(load_policy(a.policy.policy_file.as_deref())?);
    let mut out = io::stdout().lock();
    let slot = match table.check(&argv) {
        Ok(slot) => slot,
        Err(CommandError::CrossSlot {
            first,
            other,
            first_slot,
            other_slot,
        }) => {
            let msg = format!(
                "CROSSSLOT: {:?} is in slot {first_slot}, {:?} in slot {other_slot}",
                String::from_utf8_lossy(&argv[first]),
                String::from_utf8_lossy(&argv[other])
            );
            if as_json {
                let place = |pos: usize, slot: u16| {
                    let mut k = json::key(&argv[pos], hex);
                    k.insert("pos".into(), pos.into());
                    k.insert("slot".into(), slot.into());
                    Value::Object(k)
                };
                let mut obj = json::Object::new();
                obj.insert("error".into(), msg.clone().into());
                obj.insert("first".into(), place(first, first_slot));
                obj.insert("other".into(), place(other, other_slot));
                json::line(&mut out, obj)?;
            }
            return Err(Failure::Failed(msg));
        }
        Err(e) => return Err(refusal(e)),
    };
    if as_json {
        let mut obj = json::Object::new();
        obj.insert("slot".into(), slot.into());
        json::line(&mut out, obj)?;
    } else {
        match slot {
            Some(slot) => writeln!(out, "{slot}")?,
            None => writeln!(out, "none")?,
        }
    }
    out.flush()?;
    Ok(())
}

fn decode_argv(args: &[OsString], hex: bool) -> Result<Vec<Vec<u8>>, Failure> {
    args.iter()
        .enumerate()
        .map(|(i, a)| decode_key(&os_bytes(a), hex, || format!("argument {}", i + 1)))
        .collect()
}

/// The server would refuse the command itself: exit status 2.
fn refusal(e: CommandError) -> Failure {
    Failure::Usage(e.to_string())
}
