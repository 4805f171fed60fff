# Stubs of the native module; checked against it by `mypy.stubtest` in
# bindings-python/scripts/test.sh.
import array
from collections.abc import Iterable
from typing import Final, TypeAlias

__all__ = [
    "__version__",
    "SLOT_COUNT",
    "KeyrouteError",
    "key_slot",
    "key_slots",
    "pattern_slot",
    "hash_tag",
    "crc16",
]

_Key: TypeAlias = str | bytes | bytearray | memoryview

__version__: Final[str]
SLOT_COUNT: Final[int]

class KeyrouteError(ValueError):
    """Base class of the errors keyroute raises for input it cannot route."""

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
