//! Any argv, in both key-extraction modes and through check/route/split:
//! an answer or a typed error, keys inside argv, never a panic.
#![no_main]

use keyroute::command::{CommandTable, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Arguments separated by 0xFF bytes; a leading byte picks a command name
    // so the interesting parsers are reached often.
    let Some((&pick, rest)) = data.split_first() else { return };
    const NAMES: &[&[u8]] = &[
        b"SORT", b"SORT_RO", b"MIGRATE", b"XREAD", b"XREADGROUP", b"GEORADIUS", b"GEORADIUSBYMEMBER",
        b"EVAL", b"FCALL", b"ZUNIONSTORE", b"ZINTER", b"LMPOP", b"BLMPOP", b"BZMPOP", b"SINTERCARD",
        b"SET", b"BITFIELD", b"MSET", b"MGET", b"DEL", b"OBJECT", b"XINFO", b"MEMORY", b"SPUBLISH",
        b"MSETEX", b"MSETNX",
    ];
    let mut argv: Vec<&[u8]> = Vec::new();
    if (pick as usize) < NAMES.len() {
        argv.push(NAMES[pick as usize]);
    }
    argv.extend(rest.split(|&b| b == 0xFF));
    let table = CommandTable::builtin();
    for mode in [Mode::Routing, Mode::KeySpecs] {
        if let Ok(keys) = table.keys(&argv, mode) {
            assert!(keys.iter().all(|k| k.pos > 0 && k.pos < argv.len()));
        }
    }
    let _ = table.check(&argv);
    let _ = table.route(&argv);
    if let Ok(split) = table.split(&argv) {
        assert!(split.parts.iter().all(|p| p.argv.iter().all(|&i| i < argv.len())));
    }
});
