//! Commands: which arguments are keys, whether they share a slot, where the
//! command goes, and how to split it.
//!
//! The [`CommandTable`] holds every command and subcommand of the server
//! (generated from a real server's `COMMAND` and `COMMAND DOCS` replies;
//! see `tests/oracles/commands.py`), and can be extended with module
//! commands from a live `COMMAND` reply.
//!
//! ```
//! use keyroute::command::{CommandTable, Mode, Route};
//!
//! let table = CommandTable::builtin();
//! let argv = ["ZUNIONSTORE", "{t}out", "2", "{t}a", "{t}b"];
//! let keys: Vec<usize> = table.keys(&argv, Mode::Routing).unwrap().iter().map(|k| k.pos).collect();
//! assert_eq!(keys, [3, 4, 1]); // the server lists the destination last
//! assert_eq!(table.check(&argv).unwrap(), Some(keyroute::key_slot(b"t")));
//! assert!(table.check(&["MGET", "a", "b"]).is_err()); // CROSSSLOT
//! assert_eq!(table.route(&["DBSIZE"]).unwrap().target, Route::AllPrimaries);
//! ```

mod cstr;
mod keys;
mod live;
mod route;
mod spec;
mod split;
#[rustfmt::skip]
mod table;

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;

pub use self::keys::{KeyRef, KeyShape, Mode};
pub use self::route::{ResponsePolicy, Route, RoutePlan};
pub use self::spec::{BeginSearch, Command, CommandFlags, FindKeys, GetKeys, KeyFlags, KeySpec};
pub(crate) use self::split::merge_of;
pub use self::split::{GroupPart, GroupSplit, Merge, Split, SplitPart};
pub use self::table::GENERATED_FROM;
use crate::error::CommandError;
use crate::policy::HashPolicy;

/// Every command the router knows, built-in and added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandTable {
    commands: Cow<'static, [Command]>,
    policy: HashPolicy,
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::builtin()
    }
}

/// Orders a table name against a client-supplied name, ignoring ASCII case.
fn cmp_name(table_name: &str, given: &[u8]) -> Ordering {
    let a = table_name.as_bytes().iter().copied();
    let b = given.iter().map(u8::to_ascii_lowercase);
    a.cmp(b)
}

/// Binary search of `items` by a client-supplied name, ignoring ASCII case:
/// short names are lower-cased once into a stack buffer so each step is a
/// plain byte comparison (the per-step case folding showed in profiles).
fn find_by_name(items: &[Command], skip: usize, given: &[u8]) -> Option<usize> {
    let mut buf = [0u8; 32];
    if given.len() <= buf.len() {
        let lower = &mut buf[..given.len()];
        // One loop that copies and folds: no separate copy of variable
        // length (see find_builtin).
        for (d, &b) in lower.iter_mut().zip(given) {
            *d = b.to_ascii_lowercase();
        }
        let lower = &*lower;
        items
            .binary_search_by(|c| c.name.as_bytes()[skip..].cmp(lower))
            .ok()
    } else {
        items
            .binary_search_by(|c| cmp_name(&c.name[skip..], given))
            .ok()
    }
}

/// Slots of the built-in table's name index (a power of two, about four
/// times the number of commands, so probe runs stay short).
const INDEX_SIZE: usize = 1 << INDEX_BITS;
const INDEX_BITS: u32 = 10;
const EMPTY: u16 = u16::MAX;

/// The longest built-in name: a longer name is no built-in command.
const NAME_MAX: usize = 32;

/// The index's hash of a name, ASCII case folded: its first eight bytes
/// (lower-cased, as one number) and its length, each multiplied once, top
/// bits kept. Independent operations per byte, where a byte-at-a-time hash
/// (FNV-1a, before) is a chain of multiplies as long as the name. Names
/// that share their first eight bytes and their length share a hash and
/// take one more probe; every probe compares the whole name.
const fn name_hash(name: &[u8]) -> usize {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < name.len() && i < 8 {
        x |= (name[i].to_ascii_lowercase() as u64) << (8 * i);
        i += 1;
    }
    let h = x.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (name.len() as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    (h >> (64 - INDEX_BITS)) as usize
}

/// An open-addressing index of the built-in command names, built at compile
/// time: a lookup is one hash and usually one comparison, where the binary
/// search it replaces spent 70% of `keys()` in name comparisons.
const fn build_index(commands: &[Command]) -> [u16; INDEX_SIZE] {
    let mut index = [EMPTY; INDEX_SIZE];
    assert!(
        commands.len() < INDEX_SIZE / 2,
        "the name index is too small"
    );
    let mut i = 0;
    while i < commands.len() {
        let name = match &commands[i].name {
            Cow::Borrowed(s) => s.as_bytes(),
            Cow::Owned(_) => panic!("the built-in table borrows its names"),
        };
        assert!(name.len() <= NAME_MAX, "a built-in name is too long");
        let mut at = name_hash(name);
        while index[at] != EMPTY {
            at = (at + 1) % INDEX_SIZE;
        }
        index[at] = i as u16;
        i += 1;
    }
    index
}

static BUILTIN_INDEX: [u16; INDEX_SIZE] = build_index(table::COMMANDS);

/// The built-in command named `given` (any ASCII case), by the index: the
/// name is hashed and compared lower-casing each byte as it is read. (It
/// was copied into a stack buffer and lower-cased there first: a copy of
/// variable length, `memory.copy` in wasm; without it the npm package's
/// call for XREAD went from about 80 to 70 ns, see docs/performance.md.)
fn find_builtin(given: &[u8]) -> Option<usize> {
    if given.len() > NAME_MAX {
        return None;
    }
    let mut at = name_hash(given);
    loop {
        let i = BUILTIN_INDEX[at];
        if i == EMPTY {
            return None;
        }
        let name = table::COMMANDS[i as usize].name.as_bytes();
        // Byte by byte: names are short, and a library memcmp call cost
        // more than the comparison.
        if name.len() == given.len()
            && name
                .iter()
                .zip(given)
                .all(|(&a, &b)| a == b.to_ascii_lowercase())
        {
            return Some(i as usize);
        }
        at = (at + 1) % INDEX_SIZE;
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl CommandTable {
    /// The built-in table: every command of the generating server plus the
    /// newer commands from documentation (see [`Command::verified`]).
    pub fn builtin() -> Self {
        CommandTable {
            commands: Cow::Borrowed(table::COMMANDS),
            policy: HashPolicy::oss(),
        }
    }

    /// The table with keys hashed by `policy` instead of the open-source
    /// hash-tag rule, for [`check`](Self::check), [`route`](Self::route) and
    /// [`split`](Self::split).
    pub fn with_policy(mut self, policy: HashPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The hashing policy keys are checked with.
    pub fn policy(&self) -> &HashPolicy {
        &self.policy
    }

    pub(crate) fn slot_of(&self, key: &[u8], pos: usize) -> Result<u16, CommandError> {
        self.policy
            .key_slot(key)
            .map_err(|_| CommandError::NoRuleMatched { pos })
    }

    /// Every top-level command, sorted by name.
    pub fn commands(&self) -> &[Command] {
        &self.commands
    }

    /// The top-level command with this name (any case).
    pub fn get(&self, name: &[u8]) -> Option<&Command> {
        if let Cow::Borrowed(commands) = &self.commands {
            if core::ptr::eq(*commands, table::COMMANDS) {
                return find_builtin(name).map(|i| &commands[i]);
            }
        }
        find_by_name(&self.commands, 0, name).map(|i| &self.commands[i])
    }

    /// Adds or replaces a command (e.g. a module command), keeping the order.
    pub fn insert(&mut self, command: Command) {
        let commands = self.commands.to_mut();
        match commands.binary_search_by(|c| c.name.as_ref().cmp(command.name.as_ref())) {
            Ok(i) => commands[i] = command,
            Err(i) => commands.insert(i, command),
        }
    }

    /// The command or subcommand `argv` invokes, as the server looks it up:
    /// a container command with arguments resolves its subcommand by argv\[1\]
    /// (any case); alone, it is itself (and then fails its arity).
    pub fn lookup<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<&Command, CommandError> {
        let Some(name) = argv.first() else {
            return Err(CommandError::Empty);
        };
        let name = name.as_ref();
        let base = self
            .get(name)
            .ok_or_else(|| CommandError::UnknownCommand { name: lossy(name) })?;
        if argv.len() == 1 || base.subcommands.is_empty() {
            return Ok(base);
        }
        let sub = argv[1].as_ref();
        let prefix = base.name.len() + 1;
        find_by_name(&base.subcommands, prefix, sub)
            .map(|i| &base.subcommands[i])
            .ok_or_else(|| CommandError::UnknownSubcommand {
                command: base.name.to_string(),
                subcommand: lossy(sub),
            })
    }

    /// The key arguments of `argv`, in the order the server finds them.
    ///
    /// Errors are the server's own verdicts: an unknown command or
    /// subcommand, a wrong argument count, and in [`Mode::KeySpecs`] the two
    /// `COMMAND GETKEYS` refusals (a command without key arguments; arguments
    /// that give no keys when the command needs some).
    pub fn keys<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        mode: Mode,
    ) -> Result<Vec<KeyRef>, CommandError> {
        let mut out = Vec::new();
        self.keys_into(argv, mode, &mut out)?;
        Ok(out)
    }

    /// [`keys`](Self::keys) into `out` (cleared first), so that a caller
    /// that reuses one buffer allocates nothing per command.
    pub fn keys_into<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        mode: Mode,
        out: &mut Vec<KeyRef>,
    ) -> Result<(), CommandError> {
        out.clear();
        let cmd = self.lookup(argv)?;
        let name = || cmd.name.to_string();
        match mode {
            Mode::Routing => {
                if !cmd.arity_ok(argv.len()) {
                    return Err(CommandError::WrongArity { command: name() });
                }
                keys::routing_keys(cmd, argv, out);
            }
            Mode::KeySpecs => {
                if !keys::has_keys(cmd) {
                    return Err(CommandError::NoKeyArguments { command: name() });
                }
                if !cmd.arity_ok(argv.len()) {
                    return Err(CommandError::WrongArity { command: name() });
                }
                keys::spec_keys(cmd, argv, out);
                if out.is_empty() && !cmd.flags.contains(CommandFlags::NO_MANDATORY_KEYS) {
                    return Err(CommandError::InvalidArguments { command: name() });
                }
            }
        }
        Ok(())
    }

    /// The keys that decide where `argv` goes: its [`Mode::Routing`] keys,
    /// except for a command the server routes without looking at keys its
    /// key specs do name (a movable-keys command with neither a key
    /// procedure nor a legacy range, such as MSETEX in Redis 8.4, which a
    /// node accepts whatever slots its keys hash to): then the key-spec
    /// keys, so that no client sends it where its keys do not live.
    /// [`check`](Self::check), [`route`](Self::route),
    /// [`split`](Self::split) and [`split_by`](Self::split_by) place
    /// commands by these keys.
    pub fn placed_keys<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<Vec<KeyRef>, CommandError> {
        let mut out = Vec::new();
        self.placed_keys_into(argv, &mut out)?;
        Ok(out)
    }

    /// [`placed_keys`](Self::placed_keys) into `out` (cleared first).
    pub fn placed_keys_into<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        out: &mut Vec<KeyRef>,
    ) -> Result<(), CommandError> {
        placed_keys_of(self.lookup(argv)?, argv, out)
    }

    /// The one slot all keys of `argv` share (`None`: no keys, any node
    /// serves it), or the server's `CROSSSLOT` as an error naming the first
    /// key and the first key in another slot.
    pub fn check<A: AsRef<[u8]>>(&self, argv: &[A]) -> Result<Option<u16>, CommandError> {
        self.check_with(argv, &mut Vec::new())
    }

    /// [`check`](Self::check) with the key list in `keys` (cleared first),
    /// so that a caller that reuses one buffer allocates nothing per command.
    pub fn check_with<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        keys: &mut Vec<KeyRef>,
    ) -> Result<Option<u16>, CommandError> {
        self.placed_keys_into(argv, keys)?;
        self.same_slot(argv, keys)
    }

    /// [`check`](Self::check) for a MULTI/EXEC block: every key of every
    /// command must share one slot, as EXEC requires.
    pub fn check_transaction<A: AsRef<[u8]>, C: AsRef<[A]>>(
        &self,
        commands: &[C],
    ) -> Result<Option<u16>, CommandError> {
        // (command index, argv position, slot) of the first key seen.
        let mut first: Option<(usize, usize, u16)> = None;
        let mut keys = Vec::new();
        for (c, argv) in commands.iter().enumerate() {
            let argv = argv.as_ref();
            self.placed_keys_into(argv, &mut keys)?;
            for k in &keys {
                let slot = self.slot_of(argv[k.pos].as_ref(), k.pos)?;
                match first {
                    None => first = Some((c, k.pos, slot)),
                    Some((fc, fp, s)) if s != slot => {
                        return Err(CommandError::CrossSlotTransaction {
                            first: (fc, fp),
                            other: (c, k.pos),
                            first_slot: s,
                            other_slot: slot,
                        })
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(first.map(|(_, _, s)| s))
    }
}

/// [`CommandTable::placed_keys_into`] for `argv`'s command `cmd`, already
/// looked up (a planner that needs the command too looks it up once).
pub(crate) fn placed_keys_of<A: AsRef<[u8]>>(
    cmd: &Command,
    argv: &[A],
    out: &mut Vec<KeyRef>,
) -> Result<(), CommandError> {
    out.clear();
    if !cmd.arity_ok(argv.len()) {
        return Err(CommandError::WrongArity {
            command: cmd.name.to_string(),
        });
    }
    keys::routing_keys(cmd, argv, out);
    if out.is_empty() && cmd.placed_by_key_specs() {
        keys::spec_keys(cmd, argv, out);
    }
    Ok(())
}

impl CommandTable {
    /// The server's same-slot rule over `keys`: the first key sets the slot.
    fn same_slot<A: AsRef<[u8]>>(
        &self,
        argv: &[A],
        keys: &[KeyRef],
    ) -> Result<Option<u16>, CommandError> {
        let mut first: Option<(usize, u16)> = None;
        for k in keys {
            let slot = self.slot_of(argv[k.pos].as_ref(), k.pos)?;
            match first {
                None => first = Some((k.pos, slot)),
                Some((pos, s)) if s != slot => {
                    return Err(CommandError::CrossSlot {
                        first: pos,
                        other: k.pos,
                        first_slot: s,
                        other_slot: slot,
                    })
                }
                Some(_) => {}
            }
        }
        Ok(first.map(|(_, s)| s))
    }
}

#[cfg(test)]
mod tests;
