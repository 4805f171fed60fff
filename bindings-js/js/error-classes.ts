// keyroute's own error classes: the core's class tree (the same as Python's,
// checked against tests/vectors/errors.json), a static `code` per class and
// each error's own `code`, and the fields that name what was wrong, so
// callers never parse messages. The wasm side describes a failure as JSON
// naming its class (bindings-js/src/errors.rs); `fromWasm` is the one place
// that becomes one of these classes.

import { KeyrouteError } from "./error-base.js";
import type { Key } from "./types.js";

export { KeyrouteError };

/**
 * A cluster topology that cannot be built from a reply (code
 * `ERR_KEYROUTE_MALFORMED_REPLY`, `ERR_KEYROUTE_BAD_RANGE`,
 * `ERR_KEYROUTE_OVERLAP`, `ERR_KEYROUTE_NO_PRIMARY`, `ERR_KEYROUTE_NO_ADDRESS`),
 * or that cannot answer. `at` names the offending part of the reply, such as
 * `CLUSTER SLOTS[2][1]`, when there is one.
 */
export class TopologyError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_TOPOLOGY";
  /** Where in the reply, when the error is about a part of it. */
  readonly at: string | null = null;
  /** What was expected there. */
  readonly expected: string | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "TopologyError";
  }
}

/** No shard serves the slot, as the server's `CLUSTERDOWN Hash slot not served`. */
export class SlotNotServedError extends TopologyError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_SLOT_NOT_SERVED";
  /** The slot nobody serves. */
  readonly slot: number = 0;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "SlotNotServedError";
  }
}

/** A `MOVED`/`ASK` error that cannot be understood (code `ERR_KEYROUTE_REDIRECT`). */
export class RedirectError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_REDIRECT";
  /** What is wrong with it. */
  readonly reason: "notARedirect" | "badSlot" | "badEndpoint" | "unknownHost" | "other" = "other";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "RedirectError";
  }
}

/**
 * A command the table cannot answer for, or that the server would refuse
 * (codes `ERR_KEYROUTE_EMPTY_COMMAND`, `ERR_KEYROUTE_MALFORMED_REPLY` for a
 * bad `COMMAND` reply; subclasses for the rest).
 */
export class CommandError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_COMMAND";
  /** The command (lower case, `container|sub` for subcommands), when known. */
  readonly command: string | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "CommandError";
  }
}

/** No such command or subcommand (code `ERR_KEYROUTE_UNKNOWN_COMMAND`). */
export class UnknownCommandError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_UNKNOWN_COMMAND";
  /** The unknown subcommand, or `null` when the command itself is unknown. */
  readonly subcommand: string | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "UnknownCommandError";
  }
}

/** The argument count fails the command's arity (code `ERR_KEYROUTE_WRONG_ARITY`). */
export class WrongArityError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_WRONG_ARITY";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "WrongArityError";
  }
}

/** `COMMAND GETKEYS` semantics: the command takes no keys (code `ERR_KEYROUTE_NO_KEY_ARGUMENTS`). */
export class NoKeyArgumentsError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_NO_KEY_ARGUMENTS";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "NoKeyArgumentsError";
  }
}

/** `COMMAND GETKEYS` semantics: the arguments give no keys (code `ERR_KEYROUTE_INVALID_ARGUMENTS`). */
export class InvalidArgumentsError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_INVALID_ARGUMENTS";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "InvalidArgumentsError";
  }
}

/** Keys in different hash slots, as the server's `CROSSSLOT` (code `ERR_KEYROUTE_CROSSSLOT`). */
export class CrossSlotError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_CROSSSLOT";
  /** The first key, as given. */
  readonly firstKey: Key = "";
  /** The first key in another slot, as given. */
  readonly otherKey: Key = "";
  /** The slot of the first key. */
  readonly firstSlot: number = 0;
  /** The slot of the other key. */
  readonly otherSlot: number = 0;
  /** Position of the first key in argv. */
  readonly firstPosition: number = 0;
  /** Position of the other key in argv. */
  readonly otherPosition: number = 0;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "CrossSlotError";
  }
}

/**
 * Keys of a MULTI/EXEC block in different slots: EXEC would fail (code
 * `ERR_KEYROUTE_CROSSSLOT_TRANSACTION`). Positions are `[command index, argv position]`.
 */
export class CrossSlotTransactionError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_CROSSSLOT_TRANSACTION";
  /** The first key, as given. */
  readonly firstKey: Key = "";
  /** The first key in another slot, as given. */
  readonly otherKey: Key = "";
  /** The slot of the first key. */
  readonly firstSlot: number = 0;
  /** The slot of the other key. */
  readonly otherSlot: number = 0;
  /** `[command, argv position]` of the first key. */
  readonly firstPosition: readonly [number, number] = [0, 0];
  /** `[command, argv position]` of the other key. */
  readonly otherPosition: readonly [number, number] = [0, 0];
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "CrossSlotTransactionError";
  }
}

/** Keys span slots and a split would break the command's atomicity (code `ERR_KEYROUTE_NOT_SPLITTABLE`). */
export class NotSplittableError extends CommandError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_NOT_SPLITTABLE";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "NotSplittableError";
  }
}

/**
 * A hashing policy that cannot be built (codes `ERR_KEYROUTE_POLICY_NO_RULES`,
 * `..._TOO_MANY_RULES`, `..._RULE_TOO_LONG`, `..._NO_TAG_GROUP`,
 * `..._UNSUPPORTED`, `..._NOT_PCRE`); `rule` is the index of the offending rule.
 */
export class PolicyError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_POLICY";
  /** Index of the offending rule, when one is to blame. */
  readonly rule: number | null = null;
  /** Why the engine refuses the rule (`..._UNSUPPORTED`). */
  readonly reason: string | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "PolicyError";
  }
}

/**
 * A rule the policy cannot use (codes `ERR_KEYROUTE_POLICY_NO_TAG_GROUP`,
 * `..._RULE_TOO_LONG`, `..._UNSUPPORTED`, `..._NOT_PCRE`): `rule` is its
 * index, `reason` why. `..._NOT_PCRE`: a construct PCRE2 (Redis Software's
 * engine) reads otherwise, such as a possessive quantifier or an atomic
 * group; `construct` says which and `offset` where it starts in the rule.
 */
export class InvalidRuleError extends PolicyError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_POLICY_INVALID_RULE";
  /** `..._NOT_PCRE`: the construct PCRE2 reads otherwise, and what PCRE2 makes of it. */
  readonly construct: string | null = null;
  /** `..._NOT_PCRE`: the byte offset of the construct in the rule. */
  readonly offset: number | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "InvalidRuleError";
  }
}

/** No rule of the hashing policy matches a key (code `ERR_KEYROUTE_NO_RULE_MATCHED`). */
export class NoRuleMatchedError extends PolicyError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_NO_RULE_MATCHED";
  /** Position of the key in the caller's list or argv (0 for a single key). */
  readonly position: number = 0;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "NoRuleMatchedError";
  }
}

/**
 * A resharding input that cannot be planned; the code says why
 * (`ERR_KEYROUTE_PLAN_OVERLAP`, `..._UNCOVERED`, `..._OPEN_SLOTS`,
 * `..._UNKNOWN_NODE`, `..._BAD_WEIGHT`, `..._ALL_WEIGHTS_ZERO`, ...).
 */
export class PlanError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PLAN";
  /** The node id at fault, when one is. */
  readonly id: string | null = null;
  /** Slots in the middle of a migration (`..._OPEN_SLOTS`). */
  readonly slots: readonly number[] | null = null;
  /** Ranges no node serves (`..._UNCOVERED`). */
  readonly ranges: readonly (readonly [number, number])[] | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "PlanError";
  }
}

/** Slots in the middle of a migration, listed in `slots` (code `ERR_KEYROUTE_PLAN_OPEN_SLOTS`). */
export class OpenSlotsError extends PlanError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PLAN_OPEN_SLOTS";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "OpenSlotsError";
  }
}

/** Slots no node serves, listed in `ranges` (code `ERR_KEYROUTE_PLAN_UNCOVERED`). */
export class UncoveredSlotsError extends PlanError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PLAN_UNCOVERED";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "UncoveredSlotsError";
  }
}

/** Two nodes claim `slot` (code `ERR_KEYROUTE_PLAN_OVERLAP`). */
export class SlotOverlapError extends PlanError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PLAN_OVERLAP";
  /** The first slot claimed twice. */
  readonly slot: number = 0;
  /** One node claiming it. */
  readonly first: string = "";
  /** The other node claiming it. */
  readonly second: string = "";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "SlotOverlapError";
  }
}

/** A weight, drain or target for a node `id` the layout does not have (code `ERR_KEYROUTE_PLAN_UNKNOWN_NODE`). */
export class UnknownNodeError extends PlanError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PLAN_UNKNOWN_NODE";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "UnknownNodeError";
  }
}

/** A weight that is not a non-negative integer, decimal or fraction (code `ERR_KEYROUTE_PLAN_BAD_WEIGHT`). */
export class BadWeightError extends PlanError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PLAN_BAD_WEIGHT";
  /** The weight as given. */
  readonly text: string = "";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "BadWeightError";
  }
}

/**
 * A pool that cannot be built or compared: an unknown scheme, hash or
 * option value, an empty server list, a zero weight, duplicate names, an
 * option the scheme lacks, pools hashing keys differently; the code says
 * which (`ERR_KEYROUTE_PARTITION_NO_SERVERS`, `..._DUPLICATE_NAME`,
 * `..._ZERO_WEIGHT`, `..._UNKNOWN_SCHEME`, `..._BAD_OPTION`,
 * `..._OPTION_NOT_APPLICABLE`, `..._RANDOM_DISTRIBUTION`, ...).
 */
export class PartitionError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTITION";
  /** The server named twice (`..._DUPLICATE_NAME`). */
  readonly server: string | null = null;
  /** The unknown scheme, hash or distribution name (`..._UNKNOWN_SCHEME`, ...). */
  readonly value: string | null = null;
  /** The option at fault (`..._BAD_OPTION`, `..._OPTION_NOT_APPLICABLE`). */
  readonly option: string | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "PartitionError";
  }
}

/**
 * A server entry that cannot be read: not `host:port[:weight] [name]`, a
 * port outside 1..=65535, a bad or zero weight (code
 * `ERR_KEYROUTE_PARTITION_BAD_SERVER`). `server` is the entry as written.
 */
export class ServerSpecError extends PartitionError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTITION_BAD_SERVER";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "ServerSpecError";
  }
}

/**
 * A server given as a mapping entry with a field the library does not read
 * that way (code `ERR_KEYROUTE_PARTITION_BAD_ENTRY`): `server` is the
 * entry's key, `field` the field.
 */
export class ServerEntryError extends ServerSpecError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTITION_BAD_ENTRY";
  /** The field at fault. */
  readonly field: string = "";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "ServerEntryError";
  }
}

/**
 * A tag pattern (redis-rb's `tag:`) that cannot be read as the library
 * reads it (code `ERR_KEYROUTE_PARTITION_BAD_TAG_PATTERN`).
 */
export class TagPatternError extends PartitionError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTITION_BAD_TAG_PATTERN";
  /** The pattern as given. */
  readonly pattern: string = "";
  /** What in it is refused, or why it does not compile. */
  readonly reason: string = "";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "TagPatternError";
  }
}

/** An option the chosen scheme does not have (code `ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE`). */
export class OptionNotApplicableError extends PartitionError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE";
  /** The scheme. */
  readonly scheme: string = "";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "OptionNotApplicableError";
  }
}

/**
 * Two pool configurations hash keys differently: only a key list says what
 * moves (code `ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH`).
 */
export class DifferentKeyHashError extends PartitionError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH";
  /** The old configuration's key hash. */
  readonly oldHash: string = "";
  /** The new configuration's key hash. */
  readonly newHash: string = "";
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "DifferentKeyHashError";
  }
}

/**
 * A nutcracker configuration that cannot be read (codes
 * `ERR_KEYROUTE_CONFIG_SYNTAX`, `..._UNKNOWN_POOL`, `..._POOL_NOT_CHOSEN`,
 * `..._UNKNOWN_FIELD`, `..._MISSING_FIELD`, `..._BAD_VALUE`, `..._FIELD`):
 * `pool` and `field` name the place; for `..._FIELD` the
 * {@link PartitionError} behind it is the `cause`.
 */
export class ConfigError extends PartitionError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_CONFIG";
  /** The pool at fault, when one is. */
  readonly pool: string | null = null;
  /** The directive at fault (`servers`, `hash`, `distribution`...), when one is. */
  readonly field: string | null = null;
  /** The line of a syntax error (1-based). */
  readonly line: number | null = null;
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "ConfigError";
  }
}

/**
 * A sharded client refused a command before sending anything (code
 * `ERR_KEYROUTE_SHARDING` on the class; each instance carries its kind's
 * code). The subclasses are the kinds of the core's `ShardError`; the
 * message is the core's. In a pipeline or transaction, `position` is the
 * index of the refused command.
 */
export class ShardingError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_SHARDING";
  /** The refused command as messages show it, upper case (`SCRIPT LOAD` for a subcommand; empty for an empty command). */
  readonly command: string | null = null;
  /** The pipeline or transaction position of the refused command, or `null`. */
  readonly position: number | null = null;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "ShardingError";
  }
}

/**
 * The keys of a command that cannot be split live on several shards (with
 * a cluster map: in several hash slots, `slots` naming the first two)
 * (code `ERR_KEYROUTE_CROSS_SHARD`). `shards` names them as the user named them.
 */
export class CrossShardError extends ShardingError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_CROSS_SHARD";
  /** The shards involved, by name, each once, first appearance first. */
  readonly shards: readonly string[] = [];
  /** The same shards as positions in the pool (or in the cluster's primaries). */
  readonly shardIndexes: readonly number[] = [];
  /** With a cluster map, the slots of the first two keys that differ, else `null`. */
  readonly slots: readonly [number, number] | null = null;
  /**
   * Refused by `strictTags` (one common hash tag), not by placement.
   * @deprecated Test `instanceof NotColocatedError`, or a transaction's `conflict === "tags"`.
   */
  readonly strict: boolean = false;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "CrossShardError";
  }
}

/**
 * Under `strictTags`, a command that is not split has keys without one
 * common hash tag: they share a shard today by placement alone (code
 * `ERR_KEYROUTE_NOT_COLOCATED`).
 */
export class NotColocatedError extends CrossShardError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_NOT_COLOCATED";
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "NotColocatedError";
  }
}

/**
 * A transaction (`multi()`, or `watch()` and then `multi()`) whose keys
 * cannot run on one shard (code `ERR_KEYROUTE_CROSS_SHARD_TRANSACTION`):
 * `positions` and `commands` are the command that fixed the shard and the
 * one that cannot join it; a non-transactional pipeline can split them.
 */
export class CrossShardTransactionError extends CrossShardError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION";
  /** Positions of the two commands in the transaction (`null`: WATCH, or a command run while watching). */
  readonly positions: readonly [number | null, number | null] = [null, null];
  /** The two commands' names. */
  readonly commands: readonly [string, string] = ["", ""];
  /** What keeps them apart: other shards, other slots of one cluster shard, or (strictTags) no common hash tag. */
  readonly conflict: "shards" | "slots" | "tags" = "shards";
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "CrossShardTransactionError";
  }
}

/**
 * A command without keys whose tips send it to no shard or give several
 * shards' replies no general combination, or a transaction without keys
 * (code `ERR_KEYROUTE_KEYLESS`): run it on a shard's own client
 * (`forEachShard`, `getShardClientForKey`).
 */
export class KeylessCommandError extends ShardingError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_KEYLESS";
  /** Why: no request policy, special handling, per-shard replies, or a transaction without keys. */
  readonly reason: "no_policy" | "special" | "per_shard" | "transaction" = "no_policy";
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "KeylessCommandError";
  }
}

/**
 * A command the command table does not know, or whose arguments the server
 * would refuse (wrong arity...), or a key no shard serves (code
 * `ERR_KEYROUTE_UNROUTABLE`); the table's {@link CommandError} (or the
 * map's {@link TopologyError}) is the `cause`.
 */
export class UnroutableCommandError extends ShardingError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_UNROUTABLE";
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "UnroutableCommandError";
  }
}

/** MULTI, WATCH, EXEC or DISCARD out of turn (code `ERR_KEYROUTE_TRANSACTION_STATE`). */
export class TransactionStateError extends ShardingError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_TRANSACTION_STATE";
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "TransactionStateError";
  }
}

/**
 * A split or fanned-out command some of whose shards gave no reply while
 * others did: the replies are not returned (code
 * `ERR_KEYROUTE_PARTIAL_REPLY`). Raised after sending, never a refusal.
 */
export class PartialReplyError extends KeyrouteError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTIAL_REPLY";
  /** The command as messages show it. */
  readonly command: string | null = null;
  /** The command's position in a pipeline, else `null`. */
  readonly position: number | null = null;
  /** Whether the command may change state (then a {@link PartialWriteError}). */
  readonly write: boolean = false;
  /** The shards every part of which got a reply that is not an error, by name. */
  readonly applied: readonly string[] = [];
  /** Their indexes in the pool. */
  readonly appliedIndexes: readonly number[] = [];
  /** The other shards (an error reply or no reply), by name; also `shards`. */
  readonly failed: readonly string[] = [];
  /** Their indexes; also `shardIndexes`. */
  readonly failedIndexes: readonly number[] = [];
  /** The failed shards that gave no reply: their parts may or may not have been applied. */
  readonly unanswered: readonly string[] = [];
  /** The failed shards, by name (as `failed`). */
  readonly shards: readonly string[] = [];
  /** Their indexes (as `failedIndexes`). */
  readonly shardIndexes: readonly number[] = [];
  /** Each failed shard's own error, by name. */
  errors: Record<string, Error> = {};
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "PartialReplyError";
  }
}

/**
 * The same for a command that may change state (MSET, DEL, UNLINK,
 * FLUSHALL...): its parts on `applied` took effect, those on `unanswered`
 * may or may not have (code `ERR_KEYROUTE_PARTIAL_WRITE`).
 */
export class PartialWriteError extends PartialReplyError {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE_PARTIAL_WRITE";
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
    this.name = "PartialWriteError";
  }
}

type ErrorClass = (new (message: string, code: string) => KeyrouteError) & { readonly code: string };

/**
 * Every class by name: the core names the class of each error it describes
 * (its class tree, `tests/vectors/errors.json`).
 * @internal
 */
export const CLASSES: Readonly<Record<string, ErrorClass>> = {
  KeyrouteError,
  TopologyError,
  SlotNotServedError,
  RedirectError,
  CommandError,
  UnknownCommandError,
  WrongArityError,
  NoKeyArgumentsError,
  InvalidArgumentsError,
  CrossSlotError,
  CrossSlotTransactionError,
  NotSplittableError,
  PolicyError,
  InvalidRuleError,
  NoRuleMatchedError,
  PlanError,
  OpenSlotsError,
  UncoveredSlotsError,
  SlotOverlapError,
  UnknownNodeError,
  BadWeightError,
  PartitionError,
  ServerSpecError,
  ServerEntryError,
  TagPatternError,
  OptionNotApplicableError,
  DifferentKeyHashError,
  ConfigError,
  ShardingError,
  CrossShardError,
  NotColocatedError,
  CrossShardTransactionError,
  KeylessCommandError,
  UnroutableCommandError,
  TransactionStateError,
  PartialReplyError,
  PartialWriteError,
};

/**
 * The typed error for a failure the wasm side described. `arg(command,
 * position)` gives an argument as the caller passed it, for the keys a
 * CROSSSLOT names.
 * @internal
 */
export function fromWasm(described: unknown, arg?: (command: number, position: number) => Key): Error {
  if (typeof described !== "string" || !described.startsWith("{")) {
    // Not ours (an engine failure such as running out of memory): as is.
    return described instanceof Error ? described : new KeyrouteError(`keyroute: ${String(described)}`, "ERR_KEYROUTE");
  }
  const { class: name, code, message, ...fields } = JSON.parse(described) as Record<string, unknown>;
  if (name === undefined) {
    // A bad argument value, named by the core: a TypeError like every other.
    return Object.assign(new TypeError(`keyroute: ${message as string}`), { code, ...fields });
  }
  if (fields.cause !== null && typeof fields.cause === "object") {
    fields.cause = fromWasm(JSON.stringify(fields.cause));
  }
  const Class = CLASSES[name as string] ?? KeyrouteError;
  const err = new Class(`keyroute: ${message as string}`, code as string);
  if (arg !== undefined) {
    const [fp, op] = [fields.firstPosition, fields.otherPosition];
    if (typeof fp === "number" && typeof op === "number") {
      fields.firstKey = arg(0, fp);
      fields.otherKey = arg(0, op);
    } else if (Array.isArray(fp) && Array.isArray(op)) {
      fields.firstKey = arg(fp[0], fp[1]);
      fields.otherKey = arg(op[0], op[1]);
    }
  }
  return Object.assign(err, fields);
}
