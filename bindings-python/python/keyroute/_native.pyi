# Stubs of the native module; checked against it by `mypy.stubtest` in
# bindings-python/scripts/test.sh.
import array
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, TypeAlias, final

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

__version__: Final[str]
SLOT_COUNT: Final[int]

class KeyrouteError(ValueError):
    """Base class of the errors keyroute raises for input it cannot route."""

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

def key_slot(key: _Key, /) -> int:
    """The hash slot of `key`, as `CLUSTER KEYSLOT` answers."""

def key_slots(keys: Iterable[_Key], /) -> array.array[int]:
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
    def from_slots(cls, reply: Any, /, *, answered_by: str | None = None) -> Self:
        """The map from a raw `CLUSTER SLOTS` reply (RESP2 or RESP3)."""

    @classmethod
    def from_shards(cls, reply: Any, /, *, answered_by: str | None = None) -> Self:
        """The map from a raw `CLUSTER SHARDS` reply (RESP2 or RESP3)."""

    def node_for(self, key: _Key, /, *, read_from: _ReadFrom = None) -> tuple[Node, _Role]:
        """`(node, role)`: the node that serves `key` for this kind of read."""

    def slot_node(self, slot: int, /, *, read_from: _ReadFrom = None) -> tuple[Node, _Role]:
        """`(node, role)` for a slot instead of a key."""

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

def check(argv: _Argv, /) -> int | None:
    """The one slot all keys of `argv` share, or `None` when it has no keys."""

def check_transaction(commands: Iterable[_Argv], /) -> int | None:
    """`check` for a MULTI/EXEC block."""

def route(argv: _Argv, /) -> RoutePlan:
    """Where `argv` goes, and how to combine replies from several nodes."""

def split(argv: _Argv, /) -> Split:
    """`argv` broken into one command per slot, and how to merge the replies."""

@final
class CommandTable:
    """Every command the router knows; extensible from a live `COMMAND` reply."""

    def __init__(self) -> None: ...
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
