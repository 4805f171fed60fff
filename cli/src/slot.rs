//! `keyroute slot` and `keyroute tag`: a key's slot, and the part of it
//! that is hashed.

use std::io::{self, BufWriter, Write};

use crate::args::{SlotArgs, TagArgs};
use crate::input::{decode_key, for_each_key, load_policy, os_bytes};
use crate::{hex, json, Failure};

pub fn slot(a: &SlotArgs) -> Result<(), Failure> {
    let policy = load_policy(a.policy.policy_file.as_deref())?;
    let (hex, as_json) = (a.opts.hex, a.opts.json);
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    let codis = a.slot_scheme == Some(keyroute::SlotScheme::Codis);
    let done = for_each_key(&a.keys, hex, |key, place| {
        let slot = match codis {
            true => Ok(keyroute::codis_slot(key)),
            false => policy.key_slot(key),
        };
        match slot {
            Ok(slot) if as_json => {
                let mut obj = json::key(key, hex);
                obj.insert("slot".into(), slot.into());
                json::line(&mut out, obj)?;
            }
            Ok(slot) => writeln!(out, "{slot}")?,
            Err(e) => {
                let msg = format!("{}: {e}", place());
                if as_json {
                    let mut obj = json::key(key, hex);
                    obj.insert("error".into(), msg.clone().into());
                    json::line(&mut out, obj)?;
                }
                return Err(Failure::Failed(msg));
            }
        }
        Ok(())
    });
    out.flush()?;
    done
}

pub fn tag(a: &TagArgs) -> Result<(), Failure> {
    let policy = load_policy(a.policy.policy_file.as_deref())?;
    let hex = a.opts.hex;
    let key = decode_key(&os_bytes(&a.key), hex, || "KEY".to_string())?;
    let mut out = io::stdout().lock();
    let mut obj = json::key(&key, hex);
    match policy.hash_input(&key) {
        Ok(tag) if a.opts.json => {
            json::put_bytes(&mut obj, "tag", tag, hex);
            json::line(&mut out, obj)?;
        }
        Ok(tag) if hex => writeln!(out, "{}", hex::to_hex(tag))?,
        Ok(tag) => {
            out.write_all(tag)?;
            out.write_all(b"\n")?;
        }
        Err(e) => {
            let msg = format!("KEY: {e}");
            if a.opts.json {
                obj.insert("error".into(), msg.clone().into());
                json::line(&mut out, obj)?;
            }
            return Err(Failure::Failed(msg));
        }
    }
    out.flush()?;
    Ok(())
}
