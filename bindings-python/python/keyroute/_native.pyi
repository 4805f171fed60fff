# Stubs of the native module; checked against it by `mypy.stubtest` in
# bindings-python/scripts/test.sh.
import array
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, Final, Literal, TypeAlias, TypeVar, final

from typing_extensions import Self, disjoint_base

__all__ = [
    "__version__",
    "SLOT_COUNT",
    "KeyrouteError",
    "TopologyError",
    "SlotNotServedError",
    "RedirectError",
    "CommandError",
    "UnknownCommandError",
    "WrongArityError",
    "NoKeyArgumentsError",
    "InvalidArgumentsError",
    "CrossSlotError",
    "CrossSlotTransactionError",
    "NotSplittableError",
    "key_slot",
    "key_slots",
    "pattern_slot",
    "hash_tag",
    "crc16",
    "parse_redirect",
    "SlotMap",
    "Node",
    "Shard",
    "Redirect",
    "NodeGroup",
    "command_keys",
    "command_key_positions",
    "check",
    "check_transaction",
    "route",
    "split",
    "CommandTable",
    "RoutePlan",
    "Split",
    "SplitPart",
    "PolicyError",
    "InvalidRuleError",
    "NoRuleMatchedError",
    "PartitionError",
    "ServerSpecError",
    "OptionNotApplicableError",
    "ConfigError",
    "PlanError",
    "OpenSlotsError",
    "UncoveredSlotsError",
    "SlotOverlapError",
    "UnknownNodeError",
    "BadWeightError",
    "DifferentKeyHashError",
    "ServerEntryError",
    "TagPatternError",
    "Pool",
    "ShardingError",
    "PartialReplyError",
    "PartialWriteError",
    "CrossShardError",
    "NotColocatedError",
    "CrossShardTransactionError",
    "KeylessCommandError",
    "UnroutableCommandError",
    "TransactionStateError",
    "ShardRouter",
    "ShardSplit",
    "PipelinePlan",
    "Reduce",
    "ShardSession",
    "HashPolicy",
    "rebalance",
    "Plan",
    "Move",
    "PlanNode",
    "PlanLoad",
    "SlotLoad",
    "LoadProbe",
    "LoadReport",
    "NodeShare",
    "load_report",
    "other_primaries",
    "moved_keys",
    "moved_fraction",
    "MovedFraction",
]

_Key: TypeAlias = str | bytes | bytearray | memoryview
# A command argument: a key type, or a number sent as redis-py sends it (its repr).
_Arg: TypeAlias = str | bytes | bytearray | memoryview | int | float
_Argv: TypeAlias = Sequence[_Arg] | Iterable[_Arg]
_ReadFrom: TypeAlias = (
    Literal["primary", "prefer_replica", "round_robin"] | tuple[Literal["az_affinity"], str] | None
)
_Mode: TypeAlias = Literal["routing", "keyspecs"]
_Role: TypeAlias = Literal["primary", "replica"]
_K = TypeVar("_K", bound=_Key)

__version__: Final[str]
SLOT_COUNT: Final[int]

class KeyrouteError(ValueError):
    """Base class of the errors keyroute raises for input it cannot route."""

    # The class's code on the class; the error's own code on an instance.
    code: str

class TopologyError(KeyrouteError):
    """A cluster topology that cannot be built from a reply, or cannot answer."""

class SlotNotServedError(TopologyError):
    """No shard serves the slot (the server's CLUSTERDOWN Hash slot not served)."""

    slot: int

class RedirectError(KeyrouteError):
    """A MOVED/ASK error text that cannot be understood."""

class CommandError(KeyrouteError):
    """A command the table cannot answer for, or that the server would refuse."""

class UnknownCommandError(CommandError):
    """No such command or subcommand."""

    command: str
    subcommand: str | None

class WrongArityError(CommandError):
    """The argument count fails the command's arity."""

    command: str

class NoKeyArgumentsError(CommandError):
    """COMMAND GETKEYS semantics: the command takes no key arguments at all."""

    command: str

class InvalidArgumentsError(CommandError):
    """COMMAND GETKEYS semantics: the arguments give no keys where some are needed."""

    command: str

class CrossSlotError(CommandError):
    """Keys in different hash slots (the server's CROSSSLOT)."""

    first: bytes
    other: bytes
    first_slot: int
    other_slot: int
    first_pos: int
    other_pos: int

class CrossSlotTransactionError(CommandError):
    """Keys of a MULTI/EXEC block in different hash slots: EXEC would fail."""

    first: bytes
    other: bytes
    first_slot: int
    other_slot: int
    first_pos: tuple[int, int]
    other_pos: tuple[int, int]

class NotSplittableError(CommandError):
    """Keys span several slots and splitting the command would break its atomicity."""

    command: str

# The refusals of a sharded client (ShardRouter, ShardSession): codes, messages
# and the tree are the core's.
class ShardingError(KeyrouteError):
    """A sharded client's refusal: nothing was sent to any shard."""

    command: str
    shards: list[str]
    shard_indexes: list[int]
    position: int | None

class CrossShardError(ShardingError):
    """The keys of a command that cannot be split are on several shards (or, with a cluster map, in several slots)."""

class NotColocatedError(CrossShardError):
    """strict_tags: the keys of a command that is not split do not share one hash tag."""

class CrossShardTransactionError(CrossShardError):
    """A transaction (or WATCH) whose commands cannot run on one shard."""

    positions: tuple[int | None, int | None]
    commands: tuple[str, str]

class KeylessCommandError(ShardingError):
    """A command without keys that no shard is the home of: run it on a shard's own client."""

    reason: Literal["no_policy", "special", "per_shard", "transaction"]

class UnroutableCommandError(ShardingError):
    """A command the table cannot route (unknown, wrong arity) or a key no shard serves."""

class TransactionStateError(ShardingError):
    """MULTI, WATCH, EXEC or DISCARD out of turn."""

class PartialReplyError(KeyrouteError):
    """A split or fanned-out command some of whose shards gave no reply: the others' replies are not returned."""

    command: str
    shards: list[str]
    shard_indexes: list[int]
    position: int | None
    write: bool
    applied: list[str]
    applied_indexes: list[int]
    failed: list[str]
    failed_indexes: list[int]
    unanswered: list[str]
    errors: dict[str, BaseException]

class PartialWriteError(PartialReplyError):
    """A split or fanned-out command that may change state reached some shards and not others: `applied` names the shards whose parts took effect."""

def key_slot(
    key: _Key,
    /,
    *,
    policy: HashPolicy | None = None,
    scheme: Literal["redis-cluster", "codis"] | None = None,
) -> int:
    """The hash slot of `key`, as `CLUSTER KEYSLOT` answers (or as `policy` hashes it)."""

def key_slots(
    keys: Iterable[_Key],
    /,
    *,
    policy: HashPolicy | None = None,
    scheme: Literal["redis-cluster", "codis"] | None = None,
) -> array.array[int]:
    """The slot of every key of `keys`, in order, as an `array.array('H')`."""

def pattern_slot(pattern: _Key, /) -> int | None:
    """The one slot every key matching the glob `pattern` is in, or `None`."""

def hash_tag(key: _Key, /) -> bytes:
    """The bytes of `key` that Redis Cluster hashes: the hash tag, or the whole key."""

def crc16(data: _Key, /) -> int:
    """CRC-16/XMODEM of `data`, the checksum behind hash slots."""

def parse_redirect(error: str, /, *, answered_by: str | None = None) -> Redirect:
    """Parses a `MOVED`/`ASK` error text without a map to apply it to."""

@final
class Node:
    """One server of the cluster."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def addr(self) -> str: ...
    @property
    def tls_port(self) -> int | None: ...
    @property
    def id(self) -> str | None: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def hostname(self) -> str | None: ...
    @property
    def availability_zone(self) -> str | None: ...
    @property
    def health(self) -> Literal["online", "loading", "failed"]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Shard:
    """A primary, its replicas, and the slot ranges it serves."""

    @property
    def primary(self) -> Node: ...
    @property
    def replicas(self) -> list[Node]: ...
    @property
    def slots(self) -> list[tuple[int, int]]: ...

@final
class Redirect:
    """A parsed `MOVED` or `ASK` error."""

    @property
    def kind(self) -> Literal["moved", "ask"]: ...
    @property
    def slot(self) -> int: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def addr(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class NodeGroup:
    """Keys routed to one node, split per slot."""

    @property
    def node(self) -> Node: ...
    @property
    def role(self) -> _Role: ...
    @property
    def slots(self) -> list[tuple[int, list[int]]]: ...
    @property
    def positions(self) -> list[int]: ...

@disjoint_base
class SlotMap:
    """The 16384 slots of a cluster, each mapped to the shard that serves it."""

    def __init__(self) -> None: ...
    @classmethod
    def from_slots(
        cls, reply: Any, /, *, answered_by: str | None = None, policy: HashPolicy | None = None
    ) -> Self:
        """The map from a raw `CLUSTER SLOTS` reply (RESP2 or RESP3)."""

    @classmethod
    def from_shards(
        cls, reply: Any, /, *, answered_by: str | None = None, policy: HashPolicy | None = None
    ) -> Self:
        """The map from a raw `CLUSTER SHARDS` reply (RESP2 or RESP3)."""

    def node_for(self, key: _Key, /, *, read_from: _ReadFrom = None) -> tuple[Node, _Role]:
        """`(node, role)`: the node that serves `key` for this kind of read."""

    def node_for_slot(self, slot: int, /, *, read_from: _ReadFrom = None) -> tuple[Node, _Role]:
        """`(node, role)` for a slot instead of a key."""

    def slot_node(self, slot: int, /, *, read_from: _ReadFrom = None) -> tuple[Node, _Role]:
        """Deprecated since 0.2: `node_for_slot`."""

    def group_by_node(
        self, keys: Iterable[_Key], /, *, read_from: _ReadFrom = None
    ) -> list[NodeGroup]:
        """Groups `keys` by node and slot, keeping each key's position."""

    def apply_redirect(
        self, error: str | bytes, /, *, answered_by: str | None = None
    ) -> Redirect:
        """Applies a `MOVED`/`ASK` error text and returns it parsed."""

    @property
    def nodes(self) -> list[Node]: ...
    @property
    def shards(self) -> list[Shard]: ...
    def unassigned(self) -> list[tuple[int, int]]:
        """Slots no shard serves, as inclusive `(start, end)` ranges."""

    def copy(self) -> Self:
        """An independent copy, of the same class."""

    def __copy__(self) -> Self: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

def command_keys(argv: _Argv, /, *, mode: _Mode = "routing") -> list[bytes]:
    """The keys of `argv`, in the order the server finds them."""

def command_key_positions(
    argv: _Argv, /, *, mode: _Mode = "routing"
) -> list[tuple[int, tuple[str, ...]]]:
    """`(position, flags)` of every key of `argv`."""

def check(argv: _Argv, /, *, policy: HashPolicy | None = None) -> int | None:
    """The one slot all keys of `argv` share, or `None` when it has no keys."""

def check_transaction(
    commands: Iterable[_Argv], /, *, policy: HashPolicy | None = None
) -> int | None:
    """`check` for a MULTI/EXEC block."""

def route(argv: _Argv, /, *, policy: HashPolicy | None = None) -> RoutePlan:
    """Where `argv` goes, and how to combine replies from several nodes."""

def split(argv: _Argv, /, *, policy: HashPolicy | None = None) -> Split:
    """`argv` broken into one command per slot, and how to merge the replies."""

@final
class CommandTable:
    """Every command the router knows; extensible from a live `COMMAND` reply."""

    def __new__(cls, *, policy: HashPolicy | None = None) -> Self: ...
    def extend_from_command_reply(self, reply: Any, /) -> int:
        """Adds the commands of a `COMMAND` reply the table does not know."""

    def command_keys(self, argv: _Argv, /, *, mode: _Mode = "routing") -> list[bytes]: ...
    def command_key_positions(
        self, argv: _Argv, /, *, mode: _Mode = "routing"
    ) -> list[tuple[int, tuple[str, ...]]]: ...
    def check(self, argv: _Argv, /) -> int | None: ...
    def check_transaction(self, commands: Iterable[_Argv], /) -> int | None: ...
    def route(self, argv: _Argv, /) -> RoutePlan: ...
    def split(self, argv: _Argv, /) -> Split: ...
    def __contains__(self, name: object, /) -> bool: ...
    def __len__(self) -> int: ...

@final
class RoutePlan:
    """Where a command goes."""

    @property
    def target(
        self,
    ) -> Literal["slot", "any_node", "all_primaries", "all_nodes", "multi_shard", "special"]: ...
    @property
    def slot(self) -> int | None: ...
    @property
    def response(
        self,
    ) -> (
        Literal[
            "one_succeeded",
            "all_succeeded",
            "agg_logical_and",
            "agg_logical_or",
            "agg_min",
            "agg_max",
            "agg_sum",
            "special",
        ]
        | None
    ): ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class SplitPart:
    """One per-slot sub-command of a split."""

    @property
    def slot(self) -> int | None: ...
    @property
    def argv(self) -> list[bytes]: ...
    @property
    def keys(self) -> list[int]: ...

@final
class Split:
    """A command broken into per-slot parts, and how to merge their replies."""

    @property
    def parts(self) -> list[SplitPart]: ...
    @property
    def merge(self) -> Literal["by_key_position", "sum", "all_ok", "single"]: ...
    @property
    def key_count(self) -> int: ...
    def by_node(
        self, cluster: SlotMap, /, *, read_from: _ReadFrom = None
    ) -> list[tuple[Node, list[int]]]:
        """The parts grouped by the node serving their slot."""

# Client-side sharding, hashing policies, resharding plans.

_Scheme: TypeAlias = Literal[
    "twemproxy-ketama",
    "twemproxy-modula",
    "libmemcached-ketama",
    "predis",
    "predis-ketama",
    "redis-rb-4",
    "redis-rb-5",
    "redis-rb-hashring",
    "jedis",
    "uhashring",
    "uhashring-ketama",
    "node-hashring",
    "pymemcache",
    "jump",
    "rendezvous",
    "maglev",
    "go-redis-ring",
    "go-redis-ring-v5",
    "python-memcached",
    "phpredis-array",
    "dalli",
    "spymemcached-ketama",
    "spymemcached-array-mod",
]
_TwemproxyHash: TypeAlias = Literal[
    "one_at_a_time",
    "md5",
    "crc16",
    "crc32",
    "crc32a",
    "fnv1_64",
    "fnv1a_64",
    "fnv1_32",
    "fnv1a_32",
    "hsieh",
    "murmur",
    "jenkins",
]
_SpyHash: TypeAlias = Literal[
    "native", "crc", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32", "ketama"
]
_Weight: TypeAlias = int | str | float | Fraction | Decimal
_ScriptKind: TypeAlias = Literal["valkey9", "redis84", "legacy"]

class PolicyError(KeyrouteError):
    """A hashing policy that cannot be built, or that has no rule for a key."""

class InvalidRuleError(PolicyError):
    """A rule the policy cannot use: no `tag` group, too long, or a construct PCRE2 reads otherwise."""

    rule: int
    reason: str
    # A construct PCRE2 reads otherwise (e.g. a possessive quantifier), and
    # its byte offset in the rule; absent for the other refusals.
    construct: str
    offset: int

class NoRuleMatchedError(PolicyError):
    """No rule of the hashing policy matches the key."""

    position: int

class PartitionError(KeyrouteError):
    """A sharded pool that cannot be built as configured."""

class ServerSpecError(PartitionError):
    """A server entry that cannot be read (format, port or weight)."""

    server: str

class ServerEntryError(ServerSpecError):
    """A server given as a mapping entry with a field the library does not read that way."""

    field: str

class TagPatternError(PartitionError):
    """A tag pattern (redis-rb's `tag:`) that cannot be read as the library reads it."""

    pattern: str
    reason: str

class OptionNotApplicableError(PartitionError):
    """An option the chosen scheme does not have."""

    scheme: str
    option: str

class ConfigError(PartitionError):
    """A nutcracker configuration that cannot be read or routed; names the pool and field."""

    pool: str | None
    field: str | None
    line: int | None

class PlanError(KeyrouteError):
    """A resharding input that cannot be planned."""

class OpenSlotsError(PlanError):
    """Slots in the middle of a migration (importing or migrating)."""

    slots: list[int]

class UncoveredSlotsError(PlanError):
    """Slots that no node serves."""

    ranges: list[tuple[int, int]]

class SlotOverlapError(PlanError):
    """Two nodes claim the same slot."""

    slot: int
    first: str
    second: str

class UnknownNodeError(PlanError):
    """A weight, drain or target for a node the layout does not have."""

    id: str

class BadWeightError(PlanError):
    """A weight that is not a non-negative integer, decimal or fraction."""

    text: str

class DifferentKeyHashError(PartitionError, PlanError):
    """Two pool configurations hash keys differently: only a key list says what moves."""

    old: str
    new: str

@final
class Pool:
    """A list of servers routed by one sharding scheme."""

    def __new__(
        cls,
        servers: Iterable[str] | Mapping[str, int | Mapping[str, Any]],
        /,
        *,
        scheme: _Scheme,
        hash: _TwemproxyHash | _SpyHash | None = None,
        hash_tag: str | bytes | None = None,
        char_sign: Literal["signed", "unsigned"] | None = None,
        redis_rb_id: Literal["with_db", "without_db"] | None = None,
        jedis: Literal["2.9", "3", "4"] | None = None,
        default_port: int | None = None,
        compatibility: Literal["ketama", "hash_ring"] | None = None,
        vnodes: int | None = None,
        jump_hash: Literal["xxh3", "xxh64"] | None = None,
        table_size: int | None = None,
        tag: str | bytes | None = None,
        replicas: int | None = None,
        algorithm: Literal["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "crc32b"]
        | None = None,
        consistent: bool | None = None,
        client_keys: bool | None = None,
        namespace: str | None = None,
        format: Literal["spymemcached", "libmemcached"] | None = None,
    ) -> Self: ...
    @staticmethod
    def from_nutcracker(
        yaml: str, positional_pool: str | None = None, /, *, pool: str | None = None
    ) -> Pool:
        """The pool named `pool` of a nutcracker YAML configuration."""

    def index_for(self, key: _Key, /) -> int:
        """The position, in the list as given, of the server that holds `key`."""

    def node_for(self, key: _Key, /) -> str:
        """The server that holds `key`, exactly as the configuration wrote it."""

    def indexes_for(self, keys: Iterable[_Key], /) -> array.array[int]:
        """The position of every key's server, in order, as an `array.array('I')`."""

    @property
    def servers(self) -> list[str]: ...
    @property
    def scheme(self) -> _Scheme: ...
    @property
    def name(self) -> str | None: ...
    @property
    def auto_eject_hosts(self) -> bool: ...
    @property
    def live(self) -> list[bool] | None: ...
    def with_live(self, live: Sequence[bool], /) -> Pool:
        """twemproxy only: the pool with only the servers marked `True` live."""

    def split(self, argv: _Argv, /, *, table: CommandTable | None = None) -> ShardSplit:
        """`argv` broken into one part per server (one part when not split)."""

    @property
    def aliases(self) -> list[str | None]: ...

    def __len__(self) -> int: ...

@final
class HashPolicy:
    """A hashing policy: ordered regex rules, each with a named group `tag`."""

    def __new__(cls, rules: Iterable[str], /) -> Self: ...
    @staticmethod
    def enterprise_standard() -> HashPolicy:
        """Redis Software's standard policy."""

    @staticmethod
    def oss() -> HashPolicy:
        """The open-source `{hash tag}` rule, the default everywhere."""

    @property
    def rules(self) -> list[str]: ...
    @property
    def is_oss(self) -> bool: ...
    def hash_input(self, key: _Key, /) -> bytes:
        """The bytes of `key` that are hashed."""

    def key_slot(self, key: _Key, /) -> int:
        """The hash slot of `key` under this policy."""

    def key_slots(self, keys: Iterable[_Key], /) -> array.array[int]:
        """The slot of every key of `keys`, in order, as an `array.array('H')`."""

    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

def rebalance(
    current: str | SlotMap | Mapping[str, Sequence[tuple[int, int]]],
    /,
    *,
    weights: Mapping[str, _Weight] | None = None,
    add: Iterable[str | tuple[str, str]] | None = None,
    drain: Iterable[str] | None = None,
    tolerance: int = 0,
    targets: Mapping[str, int] | None = None,
    slot_keys: Sequence[int] | None = None,
    slot_bytes: Sequence[int] | None = None,
    load: SlotLoad | None = None,
    load_tolerance: _Weight | None = None,
    open_slots: _OpenSlots = "refuse",
) -> Plan:
    """The fewest slot moves that bring the cluster to its target weights; with `load=`, the least load moved to bring every node within `load_tolerance` percent of its weighted share of the load."""

_OpenSlots: TypeAlias = Literal["refuse", "hold"]

@final
class SlotLoad:
    """The load of every slot (16384 integers) and where it comes from."""

    @staticmethod
    def from_json(text: str) -> SlotLoad:
        """A load file's text: a JSON object of slot numbers to integer loads."""

    def to_json(self) -> str:
        """The load as the text `from_json` reads."""

    @property
    def by(self) -> str: ...
    @property
    def sample(self) -> int | None: ...
    @property
    def total(self) -> int: ...
    def __len__(self) -> int: ...
    def __getitem__(self, slot: int, /) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class LoadProbe:
    """A measurement under way (see `keyroute.plan.measure_load`)."""

    def __new__(
        cls,
        current: str | SlotMap | Mapping[str, Sequence[tuple[int, int]]],
        /,
        *,
        by: str = "keys",
        sample: int | None = None,
        open_slots: _OpenSlots = "refuse",
    ) -> LoadProbe: ...
    def round(self) -> list[tuple[str, str, list[list[bytes]]]]:
        """The next round: `(node_id, "host:port", [argv, ...])` per primary; empty when complete."""

    def answer(self, replies: Sequence[Any]) -> None:
        """The replies to every command of the round, in order (an error reply as its exception)."""

    def finish(self) -> SlotLoad:
        """The measured load, once `round()` came back empty."""

def other_primaries(text: str, /) -> list[str]:
    """The masters a `CLUSTER NODES` text lists, except the node that answered."""

def load_report(
    current: str | SlotMap | Mapping[str, Sequence[tuple[int, int]]],
    load: SlotLoad,
    /,
    *,
    weights: Mapping[str, _Weight] | None = None,
    top: int = 10,
    open_slots: _OpenSlots = "refuse",
) -> LoadReport:
    """The load report of `current` under `load`."""

@final
class LoadReport:
    """A cluster's load: per node, the hottest slots, the imbalance."""

    def to_json(self) -> str:
        """The report as `keyroute.load-report/1` JSON, as the CLI prints it."""

    @property
    def imbalance(self) -> str | None: ...
    @property
    def total(self) -> int: ...
    @property
    def by(self) -> str: ...
    @property
    def hottest(self) -> list[tuple[int, int, str]]: ...
    @property
    def nodes(self) -> list[NodeShare]: ...

@final
class NodeShare:
    """One node of a load report."""

    @property
    def id(self) -> str: ...
    @property
    def addr(self) -> str | None: ...
    @property
    def weight(self) -> Fraction: ...
    @property
    def slots(self) -> int: ...
    @property
    def load(self) -> int: ...
    @property
    def load_share(self) -> str | None: ...
    @property
    def target(self) -> Fraction: ...
    @property
    def deviation_pct(self) -> str | None: ...

@final
class PlanLoad:
    """What a load plan balances, and how well."""

    @property
    def by(self) -> str: ...
    @property
    def sample(self) -> int | None: ...
    @property
    def tolerance(self) -> Fraction: ...
    @property
    def total(self) -> int: ...
    @property
    def lower_bound(self) -> int: ...
    @property
    def moved(self) -> int: ...
    @property
    def allowance(self) -> int: ...
    @property
    def within_tolerance(self) -> bool: ...
    @property
    def hot_slots(self) -> list[tuple[int, int, str]]: ...
    @property
    def outside(self) -> list[tuple[str, str]]: ...

@final
class Plan:
    """A resharding plan."""

    def to_json(self) -> str:
        """The plan as `keyroute.reshard-plan/1` JSON, as the CLI prints it."""

    def script(self, kind: _ScriptKind = "valkey9") -> str:
        """A POSIX shell script that carries the plan out with `redis-cli`."""

    @property
    def moves(self) -> list[Move]: ...
    @property
    def nodes(self) -> list[PlanNode]: ...
    @property
    def lower_bound(self) -> int: ...
    @property
    def moves_total(self) -> int: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def tolerance(self) -> int: ...
    @property
    def load(self) -> PlanLoad | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Move:
    """Slots moving from one node to another."""

    @property
    def seq(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def ranges(self) -> list[tuple[int, int]]: ...
    @property
    def slots(self) -> int: ...
    @property
    def keys_est(self) -> int | None: ...
    @property
    def bytes_est(self) -> int | None: ...
    @property
    def load(self) -> int | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PlanNode:
    """One node of a plan."""

    @property
    def id(self) -> str: ...
    @property
    def addr(self) -> str | None: ...
    @property
    def weight(self) -> Fraction: ...
    @property
    def quota(self) -> Fraction: ...
    @property
    def before(self) -> int: ...
    @property
    def target(self) -> int: ...
    @property
    def after(self) -> int: ...
    @property
    def keys_before(self) -> int | None: ...
    @property
    def keys_after_est(self) -> int | None: ...
    @property
    def load_before(self) -> int | None: ...
    @property
    def load_target(self) -> Fraction | None: ...
    @property
    def load_min(self) -> int | None: ...
    @property
    def load_max(self) -> int | None: ...
    @property
    def load_after(self) -> int | None: ...
    @property
    def load_pinned(self) -> int | None: ...

def moved_keys(old: Pool, new: Pool, keys: Iterable[_K], /) -> list[tuple[_K, str, str]]:
    """The keys whose backend changes from `old` to `new`, with both servers."""

def moved_fraction(old: Pool, new: Pool, /, *, sample_log2: int | None = None) -> MovedFraction:
    """Where the key-hash space goes from `old` to `new`."""

@final
class MovedFraction:
    """The share of the key-hash space each old server hands to each new server."""

    @property
    def moved(self) -> Fraction: ...
    @property
    def to_added(self) -> Fraction: ...
    @property
    def from_removed(self) -> Fraction: ...
    @property
    def between_kept(self) -> Fraction: ...
    @property
    def matrix(self) -> list[list[Fraction]]: ...
    @property
    def old_nodes(self) -> list[str]: ...
    @property
    def new_nodes(self) -> list[str]: ...
    @property
    def basis(self) -> Literal["hash_space", "hash_sample", "key_sample"]: ...
    @property
    def exact(self) -> bool: ...
    @property
    def warnings(self) -> list[str]: ...

_Merge: TypeAlias = Literal["by_key_position", "sum", "all_ok", "single"]
_Reduce: TypeAlias = Literal[
    "order", "sum", "min", "max", "and", "or", "all_succeeded", "one_succeeded", "concat", "random"
]

@final
class ShardSplit:
    """A command sent to several shards (split, or to every shard), or from `split()` to one, and how its replies become one."""

    @property
    def kind(self) -> Literal["split", "fan_out", "one"]: ...
    @property
    def shard(self) -> int | None: ...
    @property
    def shards(self) -> list[int]:
        """The shard of each send, in the order `gather` takes the replies."""

    @property
    def parts(self) -> list[tuple[int, list[int], list[int]]]:
        """`(shard, argv positions, key ordinals)` per send."""

    @property
    def commands(self) -> list[tuple[int, tuple[Any, ...]]]:
        """`(shard, arguments)` per send: the caller's own argument objects."""

    def part_keys(self, keys: Sequence[Any], /) -> list[list[Any]]:
        """Each send's share of `keys`, given in the command's key order."""

    @property
    def reduce(self) -> Reduce | None: ...
    def gather(self, replies: Sequence[Any], /) -> Any:
        """The command's reply from its sends' replies, by the core's rule (an error reply is returned)."""

    @property
    def merge(self) -> _Merge | _Reduce:
        """The former name of `reduce` (deprecated)."""

    @property
    def key_count(self) -> int: ...

@final
class Reduce:
    """How the replies of a split or a fan-out become one reply: the core's rule, applied by the core."""

    def __new__(
        cls, name: _Reduce, /, *, order: Sequence[int] | None = None, pick: int | None = None
    ) -> Self: ...
    @property
    def name(self) -> _Reduce: ...
    @property
    def order(self) -> list[int] | None: ...
    @property
    def pick(self) -> int | None: ...
    def apply(self, replies: Iterable[Any], /) -> Any:
        """One reply from `replies`, in part or shard order (an error reply is returned)."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PipelinePlan:
    """A whole pipeline planned before any I/O."""

    @property
    def steps(self) -> list[int | ShardSplit]: ...
    @property
    def batches(self) -> list[list[tuple[int, int | None]]]:
        """Per shard: `(command, part)` to send, in order."""

    @property
    def replies(self) -> list[list[tuple[int, int]]]:
        """Per command: `(shard, index among that shard's replies)`."""

    def assemble(self, results: Sequence[Sequence[Any]] | Mapping[int, Sequence[Any]], /) -> list[Any]:
        """Each command's reply, in pipeline order, from each shard's replies."""

    def __len__(self) -> int: ...

@final
class ShardRouter:
    """Places keys on shards and plans commands for a sharded client."""

    def __new__(
        cls,
        placement: Pool | SlotMap,
        /,
        *,
        primaries: Sequence[str] | None = None,
        table: CommandTable | None = None,
        strict_tags: bool = False,
        seed: int | None = None,
    ) -> Self: ...
    def plan(self, argv: _Argv, /) -> int | ShardSplit:
        """The one shard of the whole command, or its split or fan-out."""

    def route(self, argv: _Argv, /) -> int | ShardSplit:
        """`plan`, under its former name."""

    def split(self, argv: _Argv, /) -> ShardSplit:
        """`argv` broken into one part per shard."""

    def plan_pipeline(self, commands: Iterable[_Argv], /) -> PipelinePlan:
        ...
    def partial(
        self,
        argv: _Argv,
        split: ShardSplit,
        outcomes: Sequence[Literal["reply", "error_reply", "no_reply"]],
        /,
    ) -> PartialReplyError | None:
        """Every command of a non-transactional pipeline, planned at once."""

    def placed_keys(self, argv: _Argv, /) -> list[bytes]:
        """The keys that place `argv` (routing keys; key-spec keys for a command such as MSETEX that the server routes without them)."""

    def key_places(self, argv: _Argv, /) -> list[tuple[int, int]]:
        """`(shard, group)` of every key of `argv`; the group is its slot with a cluster map, its shard with a pool."""

    def key_shards(self, argv: _Argv, /) -> list[int]:
        """The shard of every key of `argv`, in key order."""

    def index_for(self, key: _Key, /) -> int:
        """The shard of one key."""

    def same_tag(self, keys: Iterable[_Key], /) -> bool:
        """Whether `keys` share one hash tag (or are all one key)."""

    @property
    def names(self) -> list[str]: ...
    @property
    def strict_tags(self) -> bool: ...
    def __len__(self) -> int: ...

@final
class ShardSession:
    """MULTI / EXEC / WATCH state of one sharded connection or pipeline."""

    def __new__(cls, router: ShardRouter, /) -> Self: ...
    @property
    def router(self) -> ShardRouter: ...
    def watch(self, argv: _Argv, /) -> int: ...
    def unwatch(self) -> int | None: ...
    def while_watching(self, argv: _Argv, /) -> int: ...
    def multi(self) -> None: ...
    def queue(self, argv: _Argv, /) -> None: ...
    def exec(self) -> int | None: ...
    def transaction(self, commands: Iterable[_Argv], /) -> int | None: ...
    def reset(self) -> int | None: ...
    @property
    def pinned(self) -> int | None: ...
    @property
    def watching(self) -> bool: ...
    @property
    def in_multi(self) -> bool: ...
    @property
    def queued(self) -> int: ...
