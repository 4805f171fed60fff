//! What the command table says about each command.

use alloc::borrow::Cow;

macro_rules! flag_set {
    ($(#[$doc:meta])* $name:ident($int:ty) { $($(#[$fdoc:meta])* $flag:ident = $bit:expr, $text:literal;)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name($int);

        impl $name {
            $($(#[$fdoc])* pub const $flag: Self = Self(1 << $bit);)*

            /// No flags.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// Both sets of flags.
            pub const fn union(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }

            /// Whether every flag of `other` is set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// The flag with this name as the server writes it, if known.
            pub fn from_name(name: &str) -> Option<Self> {
                $(if name.eq_ignore_ascii_case($text) { return Some(Self::$flag); })*
                None
            }

            /// The names of the set flags, in the order the server lists them.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                [$((Self::$flag, $text)),*].into_iter().filter(move |(f, _)| self.contains(*f)).map(|(_, n)| n)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_list().entries(self.names()).finish()
            }
        }
    };
}

flag_set! {
    /// Flags of a command, as `COMMAND` lists them.
    CommandFlags(u32) {
        /// May modify the data set.
        WRITE = 0, "write";
        /// Only reads.
        READONLY = 1, "readonly";
        /// May use memory.
        DENYOOM = 2, "denyoom";
        /// Implemented by a module.
        MODULE = 3, "module";
        /// Administrative.
        ADMIN = 4, "admin";
        /// Pub/Sub.
        PUBSUB = 5, "pubsub";
        /// Not allowed in scripts.
        NOSCRIPT = 6, "noscript";
        /// May block.
        BLOCKING = 7, "blocking";
        /// Allowed while loading.
        LOADING = 8, "loading";
        /// Allowed on a stale replica.
        STALE = 9, "stale";
        /// Not shown by MONITOR.
        SKIP_MONITOR = 10, "skip_monitor";
        /// Not logged by SLOWLOG.
        SKIP_SLOWLOG = 11, "skip_slowlog";
        /// Allowed on an importing slot after ASKING.
        ASKING = 12, "asking";
        /// Constant or log time.
        FAST = 13, "fast";
        /// Needs no authentication.
        NO_AUTH = 14, "no_auth";
        /// May replicate.
        MAY_REPLICATE = 15, "may_replicate";
        /// Its keys may all be absent without error.
        NO_MANDATORY_KEYS = 16, "no_mandatory_keys";
        /// Not allowed during async loading.
        NO_ASYNC_LOADING = 17, "no_async_loading";
        /// Not allowed in MULTI.
        NO_MULTI = 18, "no_multi";
        /// Key positions depend on the arguments.
        MOVABLEKEYS = 19, "movablekeys";
        /// Allowed while the server is busy.
        ALLOW_BUSY = 20, "allow_busy";
        /// A module command that refuses cluster mode.
        MODULE_NO_CLUSTER = 21, "module_no_cluster";
        /// Sentinel command.
        SENTINEL = 22, "sentinel";
        /// Only in Sentinel.
        ONLY_SENTINEL = 23, "only_sentinel";
        /// Protected (e.g. DEBUG).
        PROTECTED = 24, "protected";
        /// May touch keys it does not name.
        TOUCHES_ARBITRARY_KEYS = 25, "touches_arbitrary_keys";
    }
}

flag_set! {
    /// Flags of a key argument, as `COMMAND GETKEYSANDFLAGS` lists them.
    KeyFlags(u16) {
        /// Read only.
        RO = 0, "RO";
        /// Read and write.
        RW = 1, "RW";
        /// Overwrite.
        OW = 2, "OW";
        /// Remove.
        RM = 3, "RM";
        /// Returns, copies or uses the value.
        ACCESS = 4, "access";
        /// Updates the value.
        UPDATE = 5, "update";
        /// Adds data.
        INSERT = 6, "insert";
        /// Deletes data.
        DELETE = 7, "delete";
        /// A channel, not a key (sharded Pub/Sub), routed like a key.
        NOT_KEY = 8, "not_key";
        /// The spec may miss keys.
        INCOMPLETE = 9, "incomplete";
        /// The flags depend on the arguments.
        VARIABLE_FLAGS = 10, "variable_flags";
    }
}

/// Where a key spec starts looking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument index.
    Index(i16),
    /// After the first argument equal to `keyword` (case-insensitive), searching
    /// forward from `startfrom`, or backward from the end when it is negative.
    Keyword {
        /// The keyword, upper case.
        keyword: Cow<'static, str>,
        /// Where the search starts.
        startfrom: i16,
    },
    /// Only the command's own procedure knows.
    Unknown,
}

/// How a key spec finds its keys once it has begun.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys from the beginning to `lastkey` (relative, or from the end when
    /// negative), every `step`; with `lastkey == -1` and `limit > 0`, only
    /// `1/limit` of the remaining arguments.
    Range {
        /// Last key, relative to the beginning; negative counts from the end.
        lastkey: i16,
        /// Distance between keys.
        step: i16,
        /// Divides the remaining arguments (0: no limit).
        limit: i16,
    },
    /// A count at `keynumidx` (relative), then that many keys from `firstkey`.
    Keynum {
        /// Index of the count, relative to the beginning.
        keynumidx: i16,
        /// Index of the first key, relative to the beginning.
        firstkey: i16,
        /// Distance between keys.
        step: i16,
    },
    /// Only the command's own procedure knows.
    Unknown,
}

/// One key spec of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// How the keys are used.
    pub flags: KeyFlags,
    /// Where the search begins.
    pub begin: BeginSearch,
    /// How keys are found from there.
    pub find: FindKeys,
}

/// The server's own key-finding procedure for commands whose keys the
/// legacy range cannot describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GetKeys {
    /// BITFIELD: argv\[1\], read-only unless it sets or increments.
    Bitfield,
    /// BLMPOP, BZMPOP: `timeout numkeys key...`.
    Blmpop,
    /// EVAL, EVALSHA and their `_RO` forms: `script numkeys key...`.
    Eval,
    /// FCALL, FCALL_RO: `function numkeys key...`.
    Function,
    /// GEORADIUS, GEORADIUSBYMEMBER: argv\[1\] and the last STORE/STOREDIST key.
    Georadius,
    /// LMPOP: `numkeys key...`.
    Lmpop,
    /// MIGRATE: argv\[3\], or the keys after KEYS when argv\[3\] is empty.
    Migrate,
    /// SET: argv\[1\], read as well when GET is given.
    Set,
    /// SINTERCARD: `numkeys key...`.
    Sintercard,
    /// SORT: argv\[1\] and the last STORE key.
    Sort,
    /// SORT_RO: argv\[1\].
    SortRo,
    /// XREAD, XREADGROUP: the first half of the arguments after STREAMS.
    Xread,
    /// ZUNION, ZINTER, ZDIFF, ZINTERCARD: `numkeys key...`.
    ZunionInterDiff,
    /// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: `destination numkeys key...`,
    /// the destination listed last.
    ZunionInterDiffStore,
    /// ZMPOP: `numkeys key...`.
    Zmpop,
}

/// One command or subcommand of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Lower-case name; subcommands are `container|sub`.
    pub name: Cow<'static, str>,
    /// Argument count including the name: exact when positive, a minimum when negative.
    pub arity: i16,
    /// Command flags.
    pub flags: CommandFlags,
    /// `(first, last, step)` of the legacy key range as `COMMAND` reports it
    /// (`last` absolute, or negative from the end); `(0, 0, 0)` when none.
    pub legacy_range: (i16, i16, i16),
    /// ACL categories, e.g. `@read`.
    pub acl_categories: Cow<'static, [Cow<'static, str>]>,
    /// Command tips, e.g. `request_policy:all_shards`.
    pub tips: Cow<'static, [Cow<'static, str>]>,
    /// Key specs, in order.
    pub key_specs: Cow<'static, [KeySpec]>,
    /// The server's key procedure, when the command has one.
    pub getkeys: Option<GetKeys>,
    /// The version the command appeared in.
    pub since: Cow<'static, str>,
    /// The documentation group, e.g. `string`.
    pub group: Cow<'static, str>,
    /// Whether this entry was checked against a real server (entries newer
    /// than the generating server come from documentation).
    pub verified: bool,
    /// Subcommands, sorted by name.
    pub subcommands: Cow<'static, [Command]>,
}

impl Command {
    /// The command's name as the server upper-cases it in errors (`OBJECT|ENCODING`).
    pub fn full_name(&self) -> &str {
        &self.name
    }

    /// Whether an argument count passes the server's arity check.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let arity = self.arity as i64;
        let argc = argc as i64;
        if arity > 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The request policy tip (`all_shards`, `all_nodes`, `multi_shard`, `special`), if any.
    pub fn request_policy(&self) -> Option<&str> {
        self.tips
            .iter()
            .find_map(|t| t.strip_prefix("request_policy:"))
    }

    /// The response policy tip (`agg_sum`, `all_succeeded`, ...), if any.
    pub fn response_policy(&self) -> Option<&str> {
        self.tips
            .iter()
            .find_map(|t| t.strip_prefix("response_policy:"))
    }
}
