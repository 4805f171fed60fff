//! Key extraction, both ways the server does it.
//!
//! [`Mode::Routing`] is `getKeysFromCommand`: what cluster routing and the
//! CROSSSLOT check use (the command's key procedure, else its legacy key
//! range, sharded Pub/Sub channels included). [`Mode::KeySpecs`] is
//! `getKeysFromCommandWithSpecs` as `COMMAND GETKEYS` runs it: the key specs
//! when they are reliable, else the procedure. The two differ on real input
//! (GEORADIUS with STORE and STOREDIST, odd XREAD stream lists, `atoi`
//! versus strict numkeys), so both are kept exact.

use alloc::vec::Vec;

use super::cstr::{atoi, c_eq, string2ll};
use super::spec::{BeginSearch, Command, CommandFlags, FindKeys, GetKeys, KeyFlags};

/// Which of the server's two key extractions to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Cluster routing and CROSSSLOT (`getKeysFromCommand`).
    #[default]
    Routing,
    /// `COMMAND GETKEYS` / `GETKEYSANDFLAGS` (`getKeysFromCommandWithSpecs`).
    KeySpecs,
}

crate::names::named!(Mode, "mode", [Routing => "routing", KeySpecs => "keyspecs"]);

/// A key argument: its position in argv and how the command uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyRef {
    /// Index into argv.
    pub pos: usize,
    /// Flags as `COMMAND GETKEYSANDFLAGS` reports them (empty in routing mode
    /// where the server does not compute them).
    pub flags: KeyFlags,
}

fn key(pos: usize, flags: KeyFlags) -> KeyRef {
    KeyRef { pos, flags }
}

/// Where a command's [`Mode::Routing`] keys are, as data: what a binding may
/// read once to answer the common commands without calling the core per
/// command (the npm package's `commandKeys` does), the core reading the same
/// data for the numkeys procedures. Every shape but [`KeyShape::Scan`] is
/// proven equal to the core's extraction on random argv by this crate's tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyShape {
    /// Keys at `first`, `first + step`, ... up to `last` (negative: counted
    /// from the end of argv); none when `first` is 0, and none at all when
    /// a position falls past the end of argv. The legacy range, and the
    /// procedures whose routing key is always argv\[1\] (SET, BITFIELD,
    /// SORT_RO).
    Range {
        /// The first key's position (0: no keys).
        first: i16,
        /// The last key's position, or counted from the end when negative.
        last: i16,
        /// Distance between keys (0 reads as 1).
        step: i16,
    },
    /// `genericGetKeys`: a count read with C `atoi` at `count`, then that
    /// many keys from `first` when `1 <= count <= argc - first` (else no
    /// keys at all), then the destination at `store` when there is one.
    Numkeys {
        /// Position of the count.
        count: u8,
        /// Position of the first key.
        first: u8,
        /// Position of the destination key, listed last.
        store: Option<u8>,
    },
    /// Found by reading option keywords (SORT, MIGRATE, GEORADIUS, XREAD):
    /// only the core's procedure can say.
    Scan,
}

impl GetKeys {
    /// Where this procedure's routing keys are, as data.
    pub const fn shape(self) -> KeyShape {
        match self {
            GetKeys::ZunionInterDiff | GetKeys::Lmpop | GetKeys::Zmpop | GetKeys::Sintercard => {
                KeyShape::Numkeys {
                    count: 1,
                    first: 2,
                    store: None,
                }
            }
            GetKeys::ZunionInterDiffStore => KeyShape::Numkeys {
                count: 2,
                first: 3,
                store: Some(1),
            },
            GetKeys::Eval | GetKeys::Function | GetKeys::Blmpop => KeyShape::Numkeys {
                count: 2,
                first: 3,
                store: None,
            },
            GetKeys::Set | GetKeys::Bitfield | GetKeys::SortRo => KeyShape::Range {
                first: 1,
                last: 1,
                step: 1,
            },
            GetKeys::Sort | GetKeys::Migrate | GetKeys::Georadius | GetKeys::Xread => {
                KeyShape::Scan
            }
        }
    }
}

impl Command {
    /// Where the command's [`Mode::Routing`] keys are, as data: its key
    /// procedure's [`GetKeys::shape`], else its legacy range.
    pub const fn key_shape(&self) -> KeyShape {
        match self.getkeys {
            Some(p) => p.shape(),
            None => KeyShape::Range {
                first: self.legacy_range.0,
                last: self.legacy_range.1,
                step: self.legacy_range.2,
            },
        }
    }

    /// Whether the command is placed by its key specs rather than by its
    /// routing keys ([`CommandTable::placed_keys`](super::CommandTable::placed_keys)):
    /// a movable-keys command with neither a key procedure nor a legacy
    /// range (MSETEX).
    pub fn placed_by_key_specs(&self) -> bool {
        self.getkeys.is_none()
            && self.legacy_range.0 == 0
            && self.flags.contains(CommandFlags::MOVABLEKEYS)
    }
}

/// `getKeysFromCommand` for a command whose arity was already checked,
/// appended to `out`.
pub(crate) fn routing_keys<A: AsRef<[u8]>>(cmd: &Command, argv: &[A], out: &mut Vec<KeyRef>) {
    match cmd.getkeys {
        Some(proc_) => run_proc(proc_, argv, out),
        None => legacy_range(cmd, argv.len(), out),
    }
}

fn legacy_range(cmd: &Command, argc: usize, out: &mut Vec<KeyRef>) {
    let (first, last, step) = (
        cmd.legacy_range.0 as i64,
        cmd.legacy_range.1 as i64,
        (cmd.legacy_range.2 as i64).max(1),
    );
    if first == 0 {
        return;
    }
    let argc = argc as i64;
    let last = if last < 0 { argc + last } else { last };
    if last < first {
        return;
    }
    // The last position the range reaches: past the end of argv, the
    // server returns no keys at all (variadic commands have no
    // dispatch-time arity check that guarantees these positions).
    if first + (last - first) / step * step >= argc {
        return;
    }
    out.reserve(((last - first) / step + 1) as usize);
    let mut j = first;
    while j <= last {
        out.push(key(j as usize, KeyFlags::empty()));
        j += step;
    }
}

/// Whether `COMMAND GETKEYS` accepts the command at all (`doesCommandHaveKeys`).
pub(crate) fn has_keys(cmd: &Command) -> bool {
    cmd.getkeys.is_some()
        || cmd
            .key_specs
            .iter()
            .any(|s| !s.flags.contains(KeyFlags::NOT_KEY))
}

/// `getKeysFromCommandWithSpecs` with default search flags, appended to `out`.
pub(crate) fn spec_keys<A: AsRef<[u8]>>(cmd: &Command, argv: &[A], out: &mut Vec<KeyRef>) {
    let has_keyspec = cmd
        .key_specs
        .iter()
        .any(|s| !s.flags.contains(KeyFlags::NOT_KEY));
    let has_varflags = cmd
        .key_specs
        .iter()
        .any(|s| s.flags.contains(KeyFlags::VARIABLE_FLAGS));
    if has_keyspec && !has_varflags {
        let start = out.len();
        if keys_from_specs(cmd, argv, out).is_some() {
            return;
        }
        out.truncate(start);
    }
    if let Some(proc_) = cmd.getkeys {
        run_proc(proc_, argv, out);
    }
}

/// `getKeysUsingKeySpecs`; `None` where the server returns -1 (an unknown,
/// invalid or incomplete spec), which sends it to the key procedure.
fn keys_from_specs<A: AsRef<[u8]>>(cmd: &Command, argv: &[A], out: &mut Vec<KeyRef>) -> Option<()> {
    let argc = argv.len() as i64;
    for spec in cmd.key_specs.iter() {
        if spec.flags.contains(KeyFlags::NOT_KEY) {
            continue;
        }
        let first: i64 = match &spec.begin {
            BeginSearch::Index(pos) => *pos as i64,
            BeginSearch::Keyword { keyword, startfrom } => {
                let startfrom = *startfrom as i64;
                let start = if startfrom > 0 {
                    startfrom
                } else {
                    argc + startfrom
                };
                let end = if startfrom > 0 { argc - 1 } else { 1 };
                let mut found = 0;
                let mut i = start;
                // As the server does: the end index itself is never examined.
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if c_eq(argv[i as usize].as_ref(), keyword) {
                        found = i + 1;
                        break;
                    }
                    i = if start <= end { i + 1 } else { i - 1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            BeginSearch::Unknown => return None,
        };
        let (first, last, step) = match &spec.find {
            FindKeys::Range {
                lastkey,
                step,
                limit,
            } => {
                let (lastkey, limit) = (*lastkey as i64, *limit as i64);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, *step as i64)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                step,
            } => {
                // The server compares the relative index with argc.
                if *keynumidx as i64 >= argc {
                    return None;
                }
                let count = argv.get((first + *keynumidx as i64) as usize)?;
                let numkeys = string2ll(count.as_ref()).filter(|&n| n >= 0)?;
                let first = first + *firstkey as i64;
                let step = *step as i64;
                // Redis 7.0-8.4 computed `first + numkeys - 1`, ignoring the
                // step (redis/redis#14657); every command with a step other
                // than 1 (MSETEX) is newer than the fix, so use the fixed form.
                (first, first + ((numkeys as i32) as i64 - 1) * step, step)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            if i >= argc || i < first {
                if cmd.flags.contains(CommandFlags::MODULE) || cmd.arity < 0 {
                    i += step.max(1);
                    continue;
                }
                // The server panics here; a table entry can never reach it.
                return None;
            }
            out.push(key(i as usize, spec.flags));
            i += step.max(1);
        }
        if spec.flags.contains(KeyFlags::INCOMPLETE) {
            return None;
        }
    }
    Some(())
}

fn run_proc<A: AsRef<[u8]>>(p: GetKeys, argv: &[A], out: &mut Vec<KeyRef>) {
    if let KeyShape::Numkeys {
        count,
        first,
        store,
    } = p.shape()
    {
        return numkeys_family(
            store.map(usize::from),
            count.into(),
            first.into(),
            argv,
            out,
        );
    }
    match p {
        // Answered by their shape above.
        GetKeys::ZunionInterDiff
        | GetKeys::Lmpop
        | GetKeys::Zmpop
        | GetKeys::Sintercard
        | GetKeys::ZunionInterDiffStore
        | GetKeys::Eval
        | GetKeys::Function
        | GetKeys::Blmpop => {}
        GetKeys::SortRo => out.push(key(1, KeyFlags::RO.union(KeyFlags::ACCESS))),
        GetKeys::Sort => sort(argv, out),
        GetKeys::Migrate => migrate(argv, out),
        GetKeys::Georadius => georadius(argv, out),
        GetKeys::Xread => xread(argv, out),
        GetKeys::Set => set(argv, out),
        GetKeys::Bitfield => bitfield(argv, out),
    }
}

/// `genericGetKeys`: a count read with `atoi`; no keys unless
/// `1 <= count <= argc - first`; the destination, if any, listed last.
fn numkeys_family<A: AsRef<[u8]>>(
    store: Option<usize>,
    count_at: usize,
    first: usize,
    argv: &[A],
    out: &mut Vec<KeyRef>,
) {
    let Some(count) = argv.get(count_at) else {
        return;
    };
    let num = atoi(count.as_ref()) as i64;
    if num < 1 || num > argv.len() as i64 - first as i64 {
        return;
    }
    out.extend((0..num as usize).map(|i| key(first + i, KeyFlags::empty())));
    if let Some(s) = store {
        out.push(key(s, KeyFlags::empty()));
    }
}

fn sort<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i].as_ref();
        // The server's loop checks LIMIT, then STORE, then GET and BY.
        if c_eq(a, "limit") {
            i += 2;
        } else if c_eq(a, "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        } else if c_eq(a, "get") || c_eq(a, "by") {
            i += 1;
        }
        i += 1;
    }
    out.push(key(1, KeyFlags::RO.union(KeyFlags::ACCESS)));
    if let Some(s) = store {
        out.push(key(s, KeyFlags::OW.union(KeyFlags::UPDATE)));
    }
}

fn migrate<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let flags = KeyFlags::RW.union(KeyFlags::ACCESS).union(KeyFlags::DELETE);
    let (mut first, mut num) = (3, 1);
    if argv.len() > 6 {
        let mut i = 6;
        while i < argv.len() {
            let a = argv[i].as_ref();
            if c_eq(a, "keys") {
                if !argv[3].as_ref().is_empty() {
                    num = 0;
                } else {
                    first = i + 1;
                    num = argv.len() - first;
                }
                break;
            }
            if c_eq(a, "auth") {
                i += 1;
            } else if c_eq(a, "auth2") {
                i += 2;
            }
            i += 1;
        }
    }
    out.extend((0..num).map(|i| key(first + i, flags)));
}

fn georadius<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let mut stored = None;
    let mut i = 5;
    while i < argv.len() {
        let a = argv[i].as_ref();
        if (c_eq(a, "store") || c_eq(a, "storedist")) && i + 1 < argv.len() {
            stored = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    out.push(key(1, KeyFlags::empty()));
    if let Some(s) = stored {
        out.push(key(s, KeyFlags::empty()));
    }
}

fn xread<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let mut streams = None;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_ref();
        if c_eq(a, "block") || c_eq(a, "count") {
            i += 1;
        } else if c_eq(a, "group") {
            i += 2;
        } else if c_eq(a, "noack") {
        } else if c_eq(a, "streams") {
            streams = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(s) = streams else { return };
    let rest = argv.len() - s - 1;
    if rest == 0 || rest % 2 != 0 {
        return;
    }
    out.extend((s + 1..s + 1 + rest / 2).map(|p| key(p, KeyFlags::empty())));
}

fn set<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    // The server tests the first four bytes of each option: "get" and a NUL.
    let reads = argv.iter().skip(3).any(|a| c_eq(a.as_ref(), "get"));
    let flags = if reads {
        KeyFlags::RW.union(KeyFlags::ACCESS).union(KeyFlags::UPDATE)
    } else {
        KeyFlags::OW.union(KeyFlags::UPDATE)
    };
    out.push(key(1, flags));
}

fn bitfield<A: AsRef<[u8]>>(argv: &[A], out: &mut Vec<KeyRef>) {
    let mut readonly = true;
    let mut i = 2;
    while i < argv.len() {
        let remaining = argv.len() - i - 1;
        let a = argv[i].as_ref();
        if c_eq(a, "get") && remaining >= 2 {
            i += 2;
        } else if (c_eq(a, "set") || c_eq(a, "incrby")) && remaining >= 3 {
            readonly = false;
            break;
        } else if c_eq(a, "overflow") && remaining >= 1 {
            i += 1;
        } else {
            readonly = false;
            break;
        }
        i += 1;
    }
    let flags = if readonly {
        KeyFlags::RO.union(KeyFlags::ACCESS)
    } else {
        KeyFlags::RW.union(KeyFlags::ACCESS).union(KeyFlags::UPDATE)
    };
    out.push(key(1, flags));
}
