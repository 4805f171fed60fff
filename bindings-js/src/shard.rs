//! Sharded clients: a command split per server of a [`Pool`] (the core's
//! `CommandTable::split_by` grouped by `Pool::index_for`), and the servers
//! of a command's keys, for transactions and strict colocation.
//!
//! Both take the argv the way every command method does ([`crate::args`])
//! and answer in the result array; a failure returns -1 with its JSON
//! description for `takeError`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use keyroute::command::Merge;
use keyroute::error::CommandError;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::args::{argv, fail, out};
use crate::command::Table;
use crate::errors;
use crate::pool::Pool;

/// No tag: the key is hashed whole.
const NO_TAG: u32 = u32::MAX;

/// The tag strict colocation compares: the tag the pool's own scheme hashes
/// (`Pool::key_tag`), so that keys pass only when placement itself keeps
/// them together. A pool that hashes whole keys (twemproxy without
/// `hash_tag`, uhashring...) has no tags: only one key repeated passes.
fn strict_tag<'k>(pool: &Pool, key: &'k [u8]) -> Option<&'k [u8]> {
    pool.inner.key_tag(key)
}

/// `[1, 2]` as JSON.
fn json_list(items: &[u32]) -> String {
    let mut s = String::from("[");
    for (i, n) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{n}"));
    }
    s.push(']');
    s
}

/// The refusal of a command whose keys cannot go together: `shards` are the
/// servers of its keys (first appearance order, no repeats); `strict` when
/// only the tag rule refuses it.
fn cross_shard(command: &str, shards: &[u32], strict: bool) -> String {
    let mut o =
        String::from("{\"family\":\"sharding\",\"code\":\"ERR_KEYROUTE_CROSS_SHARD\",\"message\":");
    let why = if strict {
        "keys without one common hash tag (strictTags)"
    } else {
        "keys on several shards and cannot be split"
    };
    errors::quote(
        &mut o,
        &format!("{} has {why}", command.to_ascii_uppercase()),
    );
    o.push_str(",\"command\":");
    errors::quote(&mut o, command);
    o.push_str(&format!(
        ",\"shards\":{},\"strict\":{strict}}}",
        json_list(shards)
    ));
    o
}

fn distinct(items: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut v: Vec<u32> = Vec::new();
    for i in items {
        if !v.contains(&i) {
            v.push(i);
        }
    }
    v
}

#[wasm_bindgen(js_class = CommandTable)]
impl Table {
    /// The argv split per server of `pool`, into the result array:
    /// `[merge, key_count, parts, (shard, n, argv index*, k, key ordinal*)*]`,
    /// merge as `split` writes it. With `strict`, a command that cannot be
    /// split needs one common tag on all its keys (or one key repeated).
    #[wasm_bindgen(js_name = splitByPool)]
    pub fn split_by_pool(&self, pool: &Pool, argc: u32, staged: bool, strict: bool) -> i32 {
        let args = argv(argc, staged);
        // Both splits go through one `dyn` closure type: one copy of
        // `split_by` in the module instead of two.
        type Group<'a> = &'a mut dyn FnMut(&[u8], usize) -> Result<u32, CommandError>;
        let mut by_shard = |key: &[u8], _| Ok(pool.inner.index_for(key) as u32);
        let refused = |command: String, strict: bool| {
            let keys = self.0.placed_keys(args).unwrap_or_default();
            let shards = distinct(
                keys.iter()
                    .map(|k| pool.inner.index_for(args[k.pos]) as u32),
            );
            fail(cross_shard(&command, &shards, strict))
        };
        if strict {
            // Grouped by tag instead of server: a command the table cannot
            // split must then be in one group.
            let mut seen: Vec<(bool, &[u8])> = Vec::new();
            let mut tag_group = |_: &[u8], pos: usize| {
                let key: &[u8] = args[pos];
                let id = match strict_tag(pool, key) {
                    Some(t) => (true, t),
                    None => (false, key),
                };
                Ok(match seen.iter().position(|s| *s == id) {
                    Some(i) => i as u32,
                    None => {
                        seen.push(id);
                        seen.len() as u32 - 1
                    }
                })
            };
            match self.0.split_by(args, &mut tag_group as Group) {
                Ok(_) => {}
                Err(CommandError::NotSplittable { command }) => return refused(command, true),
                Err(e) => return fail(errors::command(&e)),
            }
        }
        match self.0.split_by(args, &mut by_shard as Group) {
            Ok(s) => {
                let merge = match s.merge {
                    Merge::ByKeyPosition => 0,
                    Merge::Sum => 1,
                    Merge::AllOk => 2,
                    _ => 3,
                };
                let mut o = Vec::with_capacity(3 + 4 * s.parts.len() + 2 * s.key_count);
                o.extend([merge, s.key_count as u32, s.parts.len() as u32]);
                for p in &s.parts {
                    o.extend([p.group, p.argv.len() as u32]);
                    o.extend(p.argv.iter().map(|&i| i as u32));
                    o.push(p.keys.len() as u32);
                    o.extend(p.keys.iter().map(|&k| k as u32));
                }
                out(o)
            }
            Err(CommandError::NotSplittable { command }) => refused(command, false),
            Err(e) => fail(errors::command(&e)),
        }
    }

    /// The keys of the argv with their servers and tags, into the result
    /// array: `(argv position, shard, tag start, tag length)` per key, tag
    /// start `u32::MAX` for a key without a tag (by the rule strict
    /// colocation uses). Returns four times the key count.
    #[wasm_bindgen(js_name = keyShards)]
    pub fn key_shards(&self, pool: &Pool, argc: u32, staged: bool) -> i32 {
        let args = argv(argc, staged);
        match self.0.placed_keys(args) {
            Ok(keys) => out(keys.iter().flat_map(|k| {
                let key = args[k.pos];
                let (start, len) = match strict_tag(pool, key) {
                    // A tag is a subslice of its key.
                    Some(t) => (
                        (t.as_ptr() as usize - key.as_ptr() as usize) as u32,
                        t.len() as u32,
                    ),
                    None => (NO_TAG, 0),
                };
                [k.pos as u32, pool.inner.index_for(key) as u32, start, len]
            })),
            Err(e) => fail(errors::command(&e)),
        }
    }
}
