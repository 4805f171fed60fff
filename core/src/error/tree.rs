//! The class tree of keyroute's errors as data: every class the Python and
//! JS packages define, its parent, its own code and the codes of the errors
//! raised as it. Both packages are checked against this list through
//! `tests/vectors/errors.json`, which `core/tests/errors.rs` writes from it.

/// One error class of the Python and JS packages: what decides which class
/// an error is raised as (the wasm module links this table alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorClass {
    /// The class name, the same in both packages.
    pub name: &'static str,
    /// The parent class in the tree (`None` for the base).
    pub parent: Option<&'static str>,
    /// The class's own code (Python class attribute `code`, JS `static code`).
    pub code: &'static str,
    /// The codes (`code()` of the core errors) whose errors are raised as
    /// this class; an instance's `code` is one of them.
    pub codes: &'static [&'static str],
}

/// What else a class has, row for row with [`CLASSES`]: its docstring and
/// what Python adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassDetails {
    /// The class name (the same row of [`CLASSES`]).
    pub name: &'static str,
    /// What the class stands for (the class's docstring).
    pub doc: &'static str,
    /// Python only: built-in or compatibility bases besides the parent
    /// (the base is also a `ValueError`; `DifferentKeyHashError` stays a
    /// `PlanError`, its parent before the trees were made one).
    pub python_bases: &'static [&'static str],
    /// Python only: `keyroute.redis` has a class of the same name that is
    /// also a `redis.RedisError` (the sharded clients' refusals).
    pub redis_py: bool,
}

/// Every class, parents before children.
pub static CLASSES: &[ErrorClass] = &[
    ErrorClass {
        name: "KeyrouteError",
        parent: None,
        code: "ERR_KEYROUTE",
        // JS only: a failure of the engine itself, and the wasm module that
        // failed to load or is not loaded yet.
        codes: &[
            "ERR_KEYROUTE",
            "ERR_KEYROUTE_INIT",
            "ERR_KEYROUTE_NOT_READY",
        ],
    },
    ErrorClass {
        name: "TopologyError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_TOPOLOGY",
        codes: &[
            "ERR_KEYROUTE_OVERLAP",
            "ERR_KEYROUTE_MALFORMED_REPLY",
            "ERR_KEYROUTE_BAD_RANGE",
            "ERR_KEYROUTE_NO_PRIMARY",
            "ERR_KEYROUTE_NO_ADDRESS",
            "ERR_KEYROUTE_PRIMARY_MISMATCH",
            "ERR_KEYROUTE_TOO_MANY_SHARDS",
            "ERR_KEYROUTE_NO_SERVER_FOR_KEY",
        ],
    },
    ErrorClass {
        name: "SlotNotServedError",
        parent: Some("TopologyError"),
        code: "ERR_KEYROUTE_SLOT_NOT_SERVED",
        codes: &["ERR_KEYROUTE_SLOT_NOT_SERVED"],
    },
    ErrorClass {
        name: "RedirectError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_REDIRECT",
        codes: &["ERR_KEYROUTE_REDIRECT"],
    },
    ErrorClass {
        name: "CommandError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_COMMAND",
        codes: &[
            "ERR_KEYROUTE_EMPTY_COMMAND",
            "ERR_KEYROUTE_COMMAND_MALFORMED_REPLY",
        ],
    },
    ErrorClass {
        name: "UnknownCommandError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_UNKNOWN_COMMAND",
        codes: &["ERR_KEYROUTE_UNKNOWN_COMMAND"],
    },
    ErrorClass {
        name: "WrongArityError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_WRONG_ARITY",
        codes: &["ERR_KEYROUTE_WRONG_ARITY"],
    },
    ErrorClass {
        name: "NoKeyArgumentsError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_NO_KEY_ARGUMENTS",
        codes: &["ERR_KEYROUTE_NO_KEY_ARGUMENTS"],
    },
    ErrorClass {
        name: "InvalidArgumentsError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_INVALID_ARGUMENTS",
        codes: &["ERR_KEYROUTE_INVALID_ARGUMENTS"],
    },
    ErrorClass {
        name: "CrossSlotError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_CROSSSLOT",
        codes: &["ERR_KEYROUTE_CROSSSLOT"],
    },
    ErrorClass {
        name: "CrossSlotTransactionError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_CROSSSLOT_TRANSACTION",
        codes: &["ERR_KEYROUTE_CROSSSLOT_TRANSACTION"],
    },
    ErrorClass {
        name: "NotSplittableError",
        parent: Some("CommandError"),
        code: "ERR_KEYROUTE_NOT_SPLITTABLE",
        codes: &["ERR_KEYROUTE_NOT_SPLITTABLE"],
    },
    ErrorClass {
        name: "PolicyError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_POLICY",
        codes: &[
            "ERR_KEYROUTE_POLICY_NO_RULES",
            "ERR_KEYROUTE_POLICY_TOO_MANY_RULES",
        ],
    },
    ErrorClass {
        name: "InvalidRuleError",
        parent: Some("PolicyError"),
        code: "ERR_KEYROUTE_POLICY_INVALID_RULE",
        codes: &[
            "ERR_KEYROUTE_POLICY_NO_TAG_GROUP",
            "ERR_KEYROUTE_POLICY_RULE_TOO_LONG",
            "ERR_KEYROUTE_POLICY_UNSUPPORTED",
            "ERR_KEYROUTE_POLICY_NOT_PCRE",
        ],
    },
    ErrorClass {
        name: "NoRuleMatchedError",
        parent: Some("PolicyError"),
        code: "ERR_KEYROUTE_NO_RULE_MATCHED",
        codes: &["ERR_KEYROUTE_NO_RULE_MATCHED"],
    },
    ErrorClass {
        name: "PlanError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_PLAN",
        codes: &[
            "ERR_KEYROUTE_PLAN_NO_NODES",
            "ERR_KEYROUTE_PLAN_DUPLICATE_NODE",
            "ERR_KEYROUTE_PLAN_BAD_RANGE",
            "ERR_KEYROUTE_PLAN_WEIGHTS_TOO_PRECISE",
            "ERR_KEYROUTE_PLAN_ALL_WEIGHTS_ZERO",
            "ERR_KEYROUTE_PLAN_INFEASIBLE",
            "ERR_KEYROUTE_PLAN_BAD_SLOT_STATS",
            "ERR_KEYROUTE_PLAN_NO_NODE_ID",
            "ERR_KEYROUTE_PLAN_BAD_NODES_LINE",
            "ERR_KEYROUTE_PLAN_BAD_NODE_ID",
            "ERR_KEYROUTE_PLAN_BAD_ADDRESS",
            "ERR_KEYROUTE_PLAN_NO_ADDRESS",
            "ERR_KEYROUTE_PLAN_BAD_LOAD_BY",
            "ERR_KEYROUTE_PLAN_BAD_SAMPLE",
            "ERR_KEYROUTE_PLAN_LOAD_TOO_LARGE",
            "ERR_KEYROUTE_PLAN_BAD_LOAD_FILE",
            "ERR_KEYROUTE_PLAN_BAD_LOAD_REPLY",
            "ERR_KEYROUTE_PLAN_TARGET_WITH_LOAD",
        ],
    },
    ErrorClass {
        name: "OpenSlotsError",
        parent: Some("PlanError"),
        code: "ERR_KEYROUTE_PLAN_OPEN_SLOTS",
        codes: &["ERR_KEYROUTE_PLAN_OPEN_SLOTS"],
    },
    ErrorClass {
        name: "UncoveredSlotsError",
        parent: Some("PlanError"),
        code: "ERR_KEYROUTE_PLAN_UNCOVERED",
        codes: &["ERR_KEYROUTE_PLAN_UNCOVERED"],
    },
    ErrorClass {
        name: "SlotOverlapError",
        parent: Some("PlanError"),
        code: "ERR_KEYROUTE_PLAN_OVERLAP",
        codes: &["ERR_KEYROUTE_PLAN_OVERLAP"],
    },
    ErrorClass {
        name: "UnknownNodeError",
        parent: Some("PlanError"),
        code: "ERR_KEYROUTE_PLAN_UNKNOWN_NODE",
        codes: &["ERR_KEYROUTE_PLAN_UNKNOWN_NODE"],
    },
    ErrorClass {
        name: "BadWeightError",
        parent: Some("PlanError"),
        code: "ERR_KEYROUTE_PLAN_BAD_WEIGHT",
        codes: &["ERR_KEYROUTE_PLAN_BAD_WEIGHT"],
    },
    ErrorClass {
        name: "PartitionError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_PARTITION",
        codes: &[
            "ERR_KEYROUTE_PARTITION_NO_SERVERS",
            "ERR_KEYROUTE_PARTITION_DUPLICATE_NAME",
            "ERR_KEYROUTE_PARTITION_ZERO_WEIGHT",
            "ERR_KEYROUTE_PARTITION_WEIGHT_TOO_LARGE",
            "ERR_KEYROUTE_PARTITION_TOO_MANY_SERVERS",
            "ERR_KEYROUTE_PARTITION_RANDOM_DISTRIBUTION",
            "ERR_KEYROUTE_PARTITION_UNKNOWN_SCHEME",
            "ERR_KEYROUTE_PARTITION_UNKNOWN_HASH",
            "ERR_KEYROUTE_PARTITION_UNKNOWN_DISTRIBUTION",
            "ERR_KEYROUTE_PARTITION_BAD_HASH_TAG",
            "ERR_KEYROUTE_PARTITION_LIVE_SET_LENGTH",
            "ERR_KEYROUTE_PARTITION_NO_LIVE_SERVERS",
            "ERR_KEYROUTE_PARTITION_UNKNOWN_OPTION",
            "ERR_KEYROUTE_PARTITION_BAD_OPTION",
            "ERR_KEYROUTE_PARTITION_BAD_TABLE_SIZE",
            "ERR_KEYROUTE_PARTITION_TOO_MANY_POINTS",
            "ERR_KEYROUTE_PARTITION_RANDOM_TIE",
            "ERR_KEYROUTE_PARTITION_NO_SERVER_FOR_KEY",
        ],
    },
    ErrorClass {
        name: "ServerSpecError",
        parent: Some("PartitionError"),
        code: "ERR_KEYROUTE_PARTITION_BAD_SERVER",
        codes: &["ERR_KEYROUTE_PARTITION_BAD_SERVER"],
    },
    ErrorClass {
        name: "ServerEntryError",
        parent: Some("ServerSpecError"),
        code: "ERR_KEYROUTE_PARTITION_BAD_ENTRY",
        codes: &["ERR_KEYROUTE_PARTITION_BAD_ENTRY"],
    },
    ErrorClass {
        name: "TagPatternError",
        parent: Some("PartitionError"),
        code: "ERR_KEYROUTE_PARTITION_BAD_TAG_PATTERN",
        codes: &["ERR_KEYROUTE_PARTITION_BAD_TAG_PATTERN"],
    },
    ErrorClass {
        name: "OptionNotApplicableError",
        parent: Some("PartitionError"),
        code: "ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE",
        codes: &["ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE"],
    },
    ErrorClass {
        name: "DifferentKeyHashError",
        parent: Some("PartitionError"),
        code: "ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH",
        codes: &["ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH"],
    },
    ErrorClass {
        name: "ConfigError",
        parent: Some("PartitionError"),
        code: "ERR_KEYROUTE_CONFIG",
        codes: &[
            "ERR_KEYROUTE_CONFIG_SYNTAX",
            "ERR_KEYROUTE_CONFIG_NO_POOLS",
            "ERR_KEYROUTE_CONFIG_UNKNOWN_POOL",
            "ERR_KEYROUTE_CONFIG_POOL_NOT_CHOSEN",
            "ERR_KEYROUTE_CONFIG_DUPLICATE_POOL",
            "ERR_KEYROUTE_CONFIG_UNKNOWN_FIELD",
            "ERR_KEYROUTE_CONFIG_DUPLICATE_FIELD",
            "ERR_KEYROUTE_CONFIG_MISSING_FIELD",
            "ERR_KEYROUTE_CONFIG_BAD_VALUE",
            "ERR_KEYROUTE_CONFIG_FIELD",
        ],
    },
    ErrorClass {
        name: "ShardingError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_SHARDING",
        // JS only: a reduce rule the loaded build does not know.
        codes: &["ERR_KEYROUTE_SHARDING"],
    },
    ErrorClass {
        name: "CrossShardError",
        parent: Some("ShardingError"),
        code: "ERR_KEYROUTE_CROSS_SHARD",
        codes: &["ERR_KEYROUTE_CROSS_SHARD"],
    },
    ErrorClass {
        name: "NotColocatedError",
        parent: Some("CrossShardError"),
        code: "ERR_KEYROUTE_NOT_COLOCATED",
        codes: &["ERR_KEYROUTE_NOT_COLOCATED"],
    },
    ErrorClass {
        name: "CrossShardTransactionError",
        parent: Some("CrossShardError"),
        code: "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION",
        codes: &["ERR_KEYROUTE_CROSS_SHARD_TRANSACTION"],
    },
    ErrorClass {
        name: "KeylessCommandError",
        parent: Some("ShardingError"),
        code: "ERR_KEYROUTE_KEYLESS",
        codes: &["ERR_KEYROUTE_KEYLESS"],
    },
    ErrorClass {
        name: "UnroutableCommandError",
        parent: Some("ShardingError"),
        code: "ERR_KEYROUTE_UNROUTABLE",
        codes: &["ERR_KEYROUTE_UNROUTABLE"],
    },
    ErrorClass {
        name: "TransactionStateError",
        parent: Some("ShardingError"),
        code: "ERR_KEYROUTE_TRANSACTION_STATE",
        codes: &["ERR_KEYROUTE_TRANSACTION_STATE"],
    },
    ErrorClass {
        name: "PartialReplyError",
        parent: Some("KeyrouteError"),
        code: "ERR_KEYROUTE_PARTIAL_REPLY",
        codes: &["ERR_KEYROUTE_PARTIAL_REPLY"],
    },
    ErrorClass {
        name: "PartialWriteError",
        parent: Some("PartialReplyError"),
        code: "ERR_KEYROUTE_PARTIAL_WRITE",
        codes: &["ERR_KEYROUTE_PARTIAL_WRITE"],
    },
];

/// The details of every class, in the order of [`CLASSES`].
pub static DETAILS: &[ClassDetails] = &[
    ClassDetails {
        name: "KeyrouteError",
        doc: "Base class of the errors keyroute raises for input it cannot route.",
        python_bases: &["ValueError"],
        redis_py: false,
    },
    ClassDetails {
        name: "TopologyError",
        doc: "A cluster topology that cannot be built from a reply, or cannot answer.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "SlotNotServedError",
        doc: "No shard serves the slot (the server's CLUSTERDOWN Hash slot not served).",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "RedirectError",
        doc: "A MOVED/ASK error text that cannot be understood.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "CommandError",
        doc: "A command the table cannot answer for, or that the server would refuse.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "UnknownCommandError",
        doc: "No such command or subcommand.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "WrongArityError",
        doc: "The argument count fails the command's arity.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "NoKeyArgumentsError",
        doc: "COMMAND GETKEYS semantics: the command takes no key arguments at all.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "InvalidArgumentsError",
        doc: "COMMAND GETKEYS semantics: the arguments give no keys where some are needed.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "CrossSlotError",
        doc: "Keys in different hash slots (the server's CROSSSLOT).",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "CrossSlotTransactionError",
        doc: "Keys of a MULTI/EXEC block in different hash slots: EXEC would fail.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "NotSplittableError",
        doc: "Keys span several slots and splitting the command would break its atomicity.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "PolicyError",
        doc: "A hashing policy that cannot be built, or that has no rule for a key.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "InvalidRuleError",
        doc: "A rule the policy cannot use: no `tag` group, too long, or a construct PCRE2 reads otherwise.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "NoRuleMatchedError",
        doc: "No rule of the hashing policy matches the key.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "PlanError",
        doc: "A resharding input that cannot be planned.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "OpenSlotsError",
        doc: "Slots in the middle of a migration (importing or migrating).",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "UncoveredSlotsError",
        doc: "Slots that no node serves.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "SlotOverlapError",
        doc: "Two nodes claim the same slot.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "UnknownNodeError",
        doc: "A weight, drain or target for a node the layout does not have.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "BadWeightError",
        doc: "A weight that is not a non-negative integer, decimal or fraction.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "PartitionError",
        doc: "A sharded pool that cannot be built as configured.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "ServerSpecError",
        doc: "A server entry that cannot be read (format, port or weight).",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "ServerEntryError",
        doc: "A server given as a mapping entry with a field the library does not read that way.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "TagPatternError",
        doc: "A tag pattern (redis-rb's `tag:`) that cannot be read as the library reads it.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "OptionNotApplicableError",
        doc: "An option the chosen scheme does not have.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "DifferentKeyHashError",
        doc: "Two pool configurations hash keys differently: only a key list says what moves.",
        python_bases: &["PlanError"],
        redis_py: false,
    },
    ClassDetails {
        name: "ConfigError",
        doc: "A nutcracker configuration that cannot be read or routed; names the pool and field.",
        python_bases: &[],
        redis_py: false,
    },
    ClassDetails {
        name: "ShardingError",
        doc: "A sharded client's refusal: nothing was sent to any shard.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "CrossShardError",
        doc: "The keys of a command that cannot be split are on several shards (or, with a cluster map, in several slots).",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "NotColocatedError",
        doc: "strict_tags: the keys of a command that is not split do not share one hash tag.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "CrossShardTransactionError",
        doc: "A transaction (or WATCH) whose commands cannot run on one shard.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "KeylessCommandError",
        doc: "A command without keys that no shard is the home of: run it on a shard's own client.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "UnroutableCommandError",
        doc: "A command the table cannot route (unknown, wrong arity) or a key no shard serves.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "TransactionStateError",
        doc: "MULTI, WATCH, EXEC or DISCARD out of turn.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "PartialReplyError",
        doc: "A split or fanned-out command some of whose shards gave no reply: the others' replies are not returned.",
        python_bases: &[],
        redis_py: true,
    },
    ClassDetails {
        name: "PartialWriteError",
        doc: "A split or fanned-out command that may change state reached some shards and not others: `applied` names the shards whose parts took effect.",
        python_bases: &[],
        redis_py: true,
    },
];

/// Codes of errors that are raised as none of the classes, and why.
pub static OUTSIDE_CLASSES: &[(&str, &str)] = &[
    (
        "ERR_KEYROUTE_RESP_INCOMPLETE",
        "RespError: read by Rust callers only",
    ),
    (
        "ERR_KEYROUTE_RESP_SERVER_ERROR",
        "RespError: read by Rust callers only",
    ),
    (
        "ERR_KEYROUTE_RESP_INVALID",
        "RespError: read by Rust callers only",
    ),
    (
        "ERR_KEYROUTE_RESP_TOO_LARGE",
        "RespError: read by Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_NO_INSTANCES",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_DUPLICATE_INSTANCE",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_NO_ALIAS",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_ADDRESS_HASHED",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_NOT_MOVABLE",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_BAD_PORT",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_KEYROUTE_PRESHARD_NO_FREE_PORT",
        "PreshardError: the CLI and Rust callers only",
    ),
    (
        "ERR_INVALID_ARG_VALUE",
        "UnknownName: a bad argument value, a TypeError in JS and a ValueError in Python",
    ),
];

/// The class an error of code `code` is raised as.
pub fn class_of(code: &str) -> Option<&'static ErrorClass> {
    CLASSES.iter().find(|c| c.codes.contains(&code))
}
