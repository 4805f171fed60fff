"""keyroute: where does this key go?

Redis Cluster hash slots computed exactly as Redis and Valkey compute them,
by the keyroute Rust core. A key is ``bytes``, ``bytearray``, a C-contiguous
``memoryview``, or ``str`` (hashed as its UTF-8 bytes, as Redis clients send
it).

>>> import keyroute
>>> keyroute.key_slot("{user1000}.following") == keyroute.key_slot(b"user1000")
True
>>> keyroute.key_slot(b"foo{}{bar}")
8363
>>> list(keyroute.key_slots([b"a", "{a}", b"b"]))
[15495, 15495, 3300]
"""

from keyroute._native import (
    SLOT_COUNT,
    KeyrouteError,
    __version__,
    crc16,
    hash_tag,
    key_slot,
    key_slots,
    pattern_slot,
)

__all__ = [
    "SLOT_COUNT",
    "KeyrouteError",
    "__version__",
    "crc16",
    "hash_tag",
    "key_slot",
    "key_slots",
    "pattern_slot",
]
