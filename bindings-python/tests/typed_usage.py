"""Typed use of the public API, checked with `mypy --strict` by test.sh.

Run as a script it also executes, so the annotations describe real behaviour.
"""

from __future__ import annotations

import array

import keyroute


def slots_of(keys: list[str | bytes]) -> array.array[int]:
    return keyroute.key_slots(keys)


def main() -> None:
    slot: int = keyroute.key_slot("{user1000}.following")
    also: int = keyroute.key_slot(memoryview(b"user1000"))
    tag: bytes = keyroute.hash_tag(bytearray(b"{user1000}.following"))
    maybe: int | None = keyroute.pattern_slot("{user1000}:*")
    check: int = keyroute.crc16(b"123456789")
    batch = slots_of(["a", b"{a}"])
    first: int = batch[0]
    version: str = keyroute.__version__
    err: type[ValueError] = keyroute.KeyrouteError
    assert slot == also == maybe
    assert tag == b"user1000"
    assert check == 0x31C3 and first == 15495 and version and err
    print("typed usage ok")


if __name__ == "__main__":
    main()
