//! `CommandTable`: key extraction, same-slot checks, routes and splits.
//!
//! Every method takes its argv from [`crate::args`] (`argc` items in the
//! scratch buffer, or staged) and returns numbers: a count of results in the
//! result array, or -1 with the error kept for `takeError`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use keyroute::command::{CommandTable, KeyRef, KeyShape, Merge, Mode, ResponsePolicy, Route};
use keyroute::error::CommandError;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::args::{argv, fail, out, positions};
use crate::errors::{self, quote};
use crate::policy::Policy;
use crate::scratch::Shared;

/// `check` and `checkTransaction`: the answer for "no keys, any node".
pub const NO_KEYS: i32 = 16384;

/// The key list of the call under way, kept between calls so that key
/// extraction allocates nothing once it has grown.
static KEYS: Shared<Vec<KeyRef>> = Shared(UnsafeCell::new(Vec::new()));

fn mode(code: u32) -> Mode {
    if code == 1 {
        Mode::KeySpecs
    } else {
        Mode::Routing
    }
}

fn done<T>(r: Result<T, CommandError>, ok: impl FnOnce(T) -> i32) -> i32 {
    match r {
        Ok(v) => ok(v),
        Err(e) => fail(errors::command(&e)),
    }
}

/// The route target as a code: slot 0, any node 1, all primaries 2, all
/// nodes 3, multi-shard 4, special 5.
fn target(t: Route) -> (u32, u32) {
    match t {
        Route::Slot(s) => (0, s.into()),
        Route::AnyNode => (1, 0),
        Route::AllPrimaries => (2, 0),
        Route::AllNodes => (3, 0),
        Route::MultiShard => (4, 0),
        _ => (5, 0),
    }
}

/// The response policy as a code: none 0, then in declaration order.
fn response(r: Option<ResponsePolicy>) -> u32 {
    match r {
        None => 0,
        Some(ResponsePolicy::OneSucceeded) => 1,
        Some(ResponsePolicy::AllSucceeded) => 2,
        Some(ResponsePolicy::AggLogicalAnd) => 3,
        Some(ResponsePolicy::AggLogicalOr) => 4,
        Some(ResponsePolicy::AggMin) => 5,
        Some(ResponsePolicy::AggMax) => 6,
        Some(ResponsePolicy::AggSum) => 7,
        Some(_) => 8,
    }
}

/// Every command the router knows, built-in and added.
#[wasm_bindgen(js_name = CommandTable)]
pub struct Table(pub(crate) CommandTable);

#[wasm_bindgen(js_class = CommandTable)]
impl Table {
    /// The built-in table.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Table {
        Table(CommandTable::builtin())
    }

    /// Checks keys with `policy` from now on.
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(&mut self, policy: &Policy) {
        let table = core::mem::take(&mut self.0);
        self.0 = table.with_policy(policy.0.clone());
    }

    /// Key positions of the argv, into the key position array (the result
    /// array past `BATCH_MAX` keys).
    pub fn keys(&self, argc: u32, staged: bool, mode_code: u32) -> i32 {
        // SAFETY: single thread; no borrow of KEYS outlives a call.
        let keys = unsafe { KEYS.get() };
        let r = self.0.keys_into(argv(argc, staged), mode(mode_code), keys);
        done(r, |()| {
            positions(keys.len(), keys.iter().map(|k| k.pos as u32))
        })
    }

    /// Key positions and flags as JSON `[[pos, ["RO", ...]], ...]`.
    #[wasm_bindgen(js_name = keysWithFlags)]
    pub fn keys_with_flags(
        &self,
        argc: u32,
        staged: bool,
        mode_code: u32,
    ) -> Result<String, JsValue> {
        let keys = self
            .0
            .keys(argv(argc, staged), mode(mode_code))
            .map_err(|e| errors::js(errors::command(&e)))?;
        let mut o = String::from("[");
        for (i, k) in keys.iter().enumerate() {
            o.push_str(&format!("{}[{},[", if i > 0 { "," } else { "" }, k.pos));
            for (j, name) in k.flags.names().enumerate() {
                if j > 0 {
                    o.push(',');
                }
                quote(&mut o, name);
            }
            o.push_str("]]");
        }
        o.push(']');
        Ok(o)
    }

    /// The one slot of the argv's keys, [`NO_KEYS`], or -1 (CROSSSLOT...).
    pub fn check(&self, argc: u32, staged: bool) -> i32 {
        // SAFETY: single thread; no borrow of KEYS outlives a call.
        let keys = unsafe { KEYS.get() };
        done(self.0.check_with(argv(argc, staged), keys), |s| {
            s.map_or(NO_KEYS, i32::from)
        })
    }

    /// `check` over a MULTI/EXEC block: packed args, `counts[i]` per command.
    #[wasm_bindgen(js_name = checkTransaction)]
    pub fn check_transaction(&self, bytes: &[u8], lens: &[u32], counts: &[u32]) -> i32 {
        let mut rest = bytes;
        let mut items = lens.iter().map_while(|&len| {
            let (k, tail) = rest.split_at_checked(len as usize)?;
            rest = tail;
            Some(k)
        });
        let commands: Vec<Vec<&[u8]>> = counts
            .iter()
            .map(|&n| items.by_ref().take(n as usize).collect())
            .collect();
        done(self.0.check_transaction(&commands), |s| {
            s.map_or(NO_KEYS, i32::from)
        })
    }

    /// `[target, slot, response]` into the result array.
    pub fn route(&self, argc: u32, staged: bool) -> i32 {
        done(self.0.route(argv(argc, staged)), |plan| {
            let (t, slot) = target(plan.target);
            out([t, slot, response(plan.response)])
        })
    }

    /// `[merge, key_count, parts, (slot, n, argv index*, k, key ordinal*)*]`
    /// into the result array; merge: by key position 0, sum 1, all OK 2,
    /// single 3.
    pub fn split(&self, argc: u32, staged: bool) -> i32 {
        done(self.0.split(argv(argc, staged)), |s| {
            let merge = match s.merge {
                Merge::ByKeyPosition => 0,
                Merge::Sum => 1,
                Merge::AllOk => 2,
                _ => 3,
            };
            let mut o = Vec::with_capacity(3 + 4 * s.parts.len() + 2 * s.key_count);
            o.extend([merge, s.key_count as u32, s.parts.len() as u32]);
            for p in &s.parts {
                o.extend([p.slot as u32, p.argv.len() as u32]);
                o.extend(p.argv.iter().map(|&i| i as u32));
                o.push(p.keys.len() as u32);
                o.extend(p.keys.iter().map(|&k| k as u32));
            }
            out(o)
        })
    }

    /// Adds the commands of a `COMMAND` reply (RESP bytes) it does not know;
    /// returns how many.
    #[wasm_bindgen(js_name = extendFromCommandReply)]
    pub fn extend_from_command_reply(&mut self, resp: &[u8]) -> Result<u32, JsValue> {
        let bad = |at: &str| CommandError::MalformedReply {
            at: at.into(),
            expected: "a reply (arrays, maps, strings, integers, null)",
        };
        let v = crate::cluster::reply(resp).ok_or_else(|| bad("COMMAND"));
        v.and_then(|v| self.0.extend_from_command_reply(&v))
            .map(|n| n as u32)
            .map_err(|e| errors::js(errors::command(&e)))
    }

    /// Every command and subcommand, one per line, with where its routing
    /// keys are ([`Command::key_shape`]): `name arity container kind a b c`.
    /// `container` is 1 when argv\[1\] picks a subcommand; `kind` 0 is a
    /// range (`a b c` = first, last, step), 1 a count (`a b c` = the count's
    /// position, the first key's, the destination's or 0), 2 only the core
    /// can say (keyword scans, and commands placed by their key specs).
    ///
    /// [`Command::key_shape`]: keyroute::command::Command::key_shape
    #[wasm_bindgen(js_name = keyShapes)]
    pub fn key_shapes(&self) -> String {
        let mut o = String::new();
        let mut line = |c: &keyroute::command::Command| {
            // Names the JS side can look up exactly as the core does:
            // lower-case ASCII, no separators.
            let plain = c
                .name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase());
            if !plain {
                return;
            }
            let (kind, a, b, s) = match c.key_shape() {
                _ if c.placed_by_key_specs() => (2, 0, 0, 0),
                KeyShape::Range { first, last, step } => (0, first, last, step),
                KeyShape::Numkeys {
                    count,
                    first,
                    store,
                } => (1, count.into(), first.into(), store.map_or(0, i16::from)),
                _ => (2, 0, 0, 0),
            };
            let container = !c.subcommands.is_empty() as u8;
            o.push_str(&format!(
                "{} {} {container} {kind} {a} {b} {s}\n",
                c.name, c.arity
            ));
        };
        for c in self.0.commands() {
            line(c);
            c.subcommands.iter().for_each(&mut line);
        }
        o
    }

    /// Whether the table has a top-level command of this name (any case).
    pub fn has(&self, name: &[u8]) -> bool {
        self.0.get(name).is_some()
    }

    /// How many top-level commands the table has.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        self.0.commands().len() as u32
    }
}

impl Default for Table {
    fn default() -> Self {
        Self::new()
    }
}
