"""`command_key_positions(mode="keyspecs")` must give exactly what a real
server's `COMMAND GETKEYSANDFLAGS` gave for every argv of
tests/vectors/getkeys.json: the same keys in the same order with the same
flags, or the same refusal (as core/tests/getkeys_vectors.rs maps them)."""

from __future__ import annotations

from typing import Any

import pytest

import keyroute
from _vectors import argv_of, load_getkeys

CASES = load_getkeys()

# The server's GETKEYS error replies and the exception class keyroute raises.
REFUSALS: dict[str, type[keyroute.CommandError]] = {
    "ERR Invalid command specified": keyroute.UnknownCommandError,
    "ERR The command has no key arguments": keyroute.NoKeyArgumentsError,
    "ERR Invalid number of arguments specified for command": keyroute.WrongArityError,
    "ERR Invalid arguments specified for command": keyroute.InvalidArgumentsError,
}


def case_id(case: dict[str, Any]) -> str:
    words = [bytes.fromhex(a)[:12].decode("utf-8", "replace") for a in case["argv"][:4]]
    return " ".join(words)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_getkeys_vector(case: dict[str, Any]) -> None:
    argv = argv_of(case)
    if "keys" in case:
        want = [(bytes.fromhex(k), list(flags)) for k, flags in case["keys"]]
        got = keyroute.command_key_positions(argv, mode="keyspecs")
        assert [(argv[pos], list(flags)) for pos, flags in got] == want
        assert keyroute.command_keys(argv, mode="keyspecs") == [k for k, _ in want]
        return
    error: str = case["error"]
    if "'command|getkeysandflags'" in error:
        # GETKEYSANDFLAGS needs an argument after the name: the server could
        # not be asked about a one-word argv.
        assert len(argv) == 1
        return
    with pytest.raises(REFUSALS[error]):
        keyroute.command_keys(argv, mode="keyspecs")


def test_unanswerable_cases_are_few() -> None:
    unanswerable = [c for c in CASES if "'command|getkeysandflags'" in c.get("error", "")]
    assert len(unanswerable) <= 10


def test_every_argument_type_gives_the_same_keys() -> None:
    # str where the bytes are UTF-8, bytearray and memoryview elsewhere:
    # the arguments' bytes are all that matters.
    checked = 0
    for case in CASES:
        if "keys" not in case:
            continue
        argv = argv_of(case)
        want = keyroute.command_keys(argv, mode="keyspecs")
        mixed: list[str | bytes | bytearray | memoryview] = []
        for i, a in enumerate(argv):
            try:
                mixed.append(a.decode("utf-8") if i % 2 == 0 else bytearray(a))
            except UnicodeDecodeError:
                mixed.append(memoryview(a))
        assert keyroute.command_keys(mixed, mode="keyspecs") == want
        assert keyroute.command_keys(tuple(mixed), mode="keyspecs") == want
        checked += 1
    assert checked > 1000
