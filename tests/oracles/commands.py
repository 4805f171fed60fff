#!/usr/bin/env python3
"""Generates keyroute's command table from a real server.

    commands.py --write   ask redis-server for COMMAND and COMMAND DOCS, merge
                          tests/oracles/command_facts.json, write
                          core/src/command/table.rs
    commands.py --check   regenerate in memory; fail if the committed table differs

The server is Debian's redis-server on a free 127.0.0.1 port, stopped by PID.
Everything in the table comes from its own replies, except what
command_facts.json adds: the getkeys procedure of each command (facts of the
BSD-licensed Redis 7.0/7.2 command JSON) and commands newer than the server.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp import RedisServer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE = os.path.join(ROOT, "core", "src", "command", "table.rs")
FACTS = os.path.join(ROOT, "tests", "oracles", "command_facts.json")

GETKEYS_VARIANTS = {
    "bitfield": "Bitfield", "blmpop": "Blmpop", "eval": "Eval", "function": "Function",
    "georadius": "Georadius", "lmpop": "Lmpop", "migrate": "Migrate", "set": "Set",
    "sintercard": "Sintercard", "sort": "Sort", "sort_ro": "SortRo", "xread": "Xread",
    "zunion_inter_diff": "ZunionInterDiff", "zunion_inter_diff_store": "ZunionInterDiffStore",
    "zmpop": "Zmpop",
}


def s(b) -> str:
    return b.decode() if isinstance(b, bytes) else str(b)


def pairs(flat: list) -> dict:
    return {s(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}


def spec_from_reply(raw: list) -> dict:
    f = pairs(raw)
    bs, fk = pairs(f["begin_search"]), pairs(f["find_keys"])
    out = {"flags": [s(x) for x in f["flags"]]}
    bspec = pairs(bs["spec"]) if bs["spec"] else {}
    if s(bs["type"]) == "index":
        out["begin_search"] = {"type": "index", "index": bspec["index"]}
    elif s(bs["type"]) == "keyword":
        out["begin_search"] = {"type": "keyword", "keyword": s(bspec["keyword"]), "startfrom": bspec["startfrom"]}
    else:
        out["begin_search"] = {"type": "unknown"}
    fspec = pairs(fk["spec"]) if fk["spec"] else {}
    if s(fk["type"]) == "range":
        out["find_keys"] = {"type": "range", "lastkey": fspec["lastkey"], "keystep": fspec["keystep"], "limit": fspec["limit"]}
    elif s(fk["type"]) == "keynum":
        out["find_keys"] = {"type": "keynum", "keynumidx": fspec["keynumidx"], "firstkey": fspec["firstkey"], "keystep": fspec["keystep"]}
    else:
        out["find_keys"] = {"type": "unknown"}
    return out


def command_from_reply(raw: list, docs: dict) -> dict:
    name = s(raw[0])
    d = pairs(docs.get(name, [])) if name in docs else {}
    return {
        "name": name, "arity": raw[1], "flags": [s(x) for x in raw[2]],
        "first": raw[3], "last": raw[4], "step": raw[5],
        "acl": [s(x) for x in raw[6]], "tips": [s(x) for x in raw[7]],
        "key_specs": [spec_from_reply(k) for k in raw[8]],
        "since": s(d.get("since", b"")), "group": s(d.get("group", b"")),
        "subcommands": [command_from_reply(sub, docs_of_subcommands(d)) for sub in raw[9]],
    }


def docs_of_subcommands(d: dict) -> dict:
    subs = d.get("subcommands")
    return {s(k): v for k, v in pairs(subs).items()} if subs else {}


def ask_server() -> tuple[list, str]:
    with RedisServer() as srv, srv.connect() as c:
        cmds = c.call("COMMAND")
        docs_flat = c.call("COMMAND", "DOCS")
        info = c.call("INFO", "server")
    version = next(l.split(b":", 1)[1].decode() for l in info.split(b"\r\n") if l.startswith(b"redis_version:"))
    docs = {s(docs_flat[i]): docs_flat[i + 1] for i in range(0, len(docs_flat), 2)}
    return [command_from_reply(c, docs) for c in cmds], version


def merge(commands: list, facts: dict) -> list:
    by_name = {c["name"]: c for c in commands}
    for c in commands:
        c["getkeys"] = facts["getkeys"].get(c["name"])
        for sub in c["subcommands"]:
            sub["getkeys"] = None
    for fact in facts["commands"]:
        entry = {k: fact[k] for k in ("name", "arity", "flags", "first", "last", "step", "acl", "tips", "key_specs", "since", "group")}
        entry.update(subcommands=[], getkeys=None, note=fact.get("note"), verified=fact.get("verified", True))
        if "|" in fact["name"]:
            parent = by_name[fact["name"].split("|")[0]]
            if any(x["name"] == fact["name"] for x in parent["subcommands"]):
                raise SystemExit(f"{fact['name']}: the server already has it; drop it from command_facts.json")
            parent["subcommands"].append(entry)
        else:
            if fact["name"] in by_name:
                raise SystemExit(f"{fact['name']}: the server already has it; drop it from command_facts.json")
            commands.append(entry)
            by_name[fact["name"]] = entry
    unknown = set(facts["getkeys"]) - set(by_name)
    if unknown:
        raise SystemExit(f"getkeys facts for unknown commands: {sorted(unknown)}")
    return commands


def rust_str_list(xs: list) -> str:
    return "&[" + ", ".join(f"Cow::Borrowed({json.dumps(x)})" for x in xs) + "]"


def union(ty: str, names: list) -> str:
    """A const expression for a set of flags: `T::A.union(T::B)`."""
    if not names:
        return f"{ty}::empty()"
    return ".union(".join(f"{ty}::{n.upper()}" for n in names) + ")" * (len(names) - 1)


def rust_spec(k: dict) -> str:
    flags = union("KeyFlags", k["flags"])
    b = k["begin_search"]
    if b["type"] == "index":
        begin = f"BeginSearch::Index({b['index']})"
    elif b["type"] == "keyword":
        begin = f"BeginSearch::Keyword {{ keyword: Cow::Borrowed({json.dumps(b['keyword'])}), startfrom: {b['startfrom']} }}"
    else:
        begin = "BeginSearch::Unknown"
    f = k["find_keys"]
    if f["type"] == "range":
        find = f"FindKeys::Range {{ lastkey: {f['lastkey']}, step: {f['keystep']}, limit: {f['limit']} }}"
    elif f["type"] == "keynum":
        find = f"FindKeys::Keynum {{ keynumidx: {f['keynumidx']}, firstkey: {f['firstkey']}, step: {f['keystep']} }}"
    else:
        find = "FindKeys::Unknown"
    return f"KeySpec {{ flags: {flags}, begin: {begin}, find: {find} }}"


def rust_command(c: dict, indent: str) -> str:
    i2 = indent + "    "
    flags = union("CommandFlags", c["flags"])
    getkeys = f"Some(GetKeys::{GETKEYS_VARIANTS[c['getkeys']]})" if c.get("getkeys") else "None"
    specs = ", ".join(rust_spec(k) for k in c["key_specs"])
    subs = sorted(c["subcommands"], key=lambda x: x["name"])
    sub_text = "".join(rust_command(x, i2 + "    ") for x in subs)
    sub_block = f"Cow::Borrowed(&[\n{sub_text}{i2}])" if subs else "Cow::Borrowed(&[])"
    lines = [
        f"{indent}Command {{",
        f"{i2}name: Cow::Borrowed({json.dumps(c['name'])}),",
        f"{i2}arity: {c['arity']},",
        f"{i2}flags: {flags},",
        f"{i2}legacy_range: ({c['first']}, {c['last']}, {c['step']}),",
        f"{i2}acl_categories: Cow::Borrowed({rust_str_list(c['acl'])}),",
        f"{i2}tips: Cow::Borrowed({rust_str_list(c['tips'])}),",
        f"{i2}key_specs: Cow::Borrowed(&[{specs}]),",
        f"{i2}getkeys: {getkeys},",
        f"{i2}since: Cow::Borrowed({json.dumps(c['since'])}),",
        f"{i2}group: Cow::Borrowed({json.dumps(c['group'])}),",
        f"{i2}verified: {'true' if c.get('verified', True) else 'false'},",
        f"{i2}subcommands: {sub_block},",
        f"{indent}}},",
    ]
    return "\n".join(lines) + "\n"


def render(commands: list, version: str) -> str:
    commands = sorted(commands, key=lambda c: c["name"])
    total = len(commands) + sum(len(c["subcommands"]) for c in commands)
    body = "".join(rust_command(c, "    ") for c in commands)
    return (
        "// @generated by tests/oracles/commands.py from the COMMAND and COMMAND DOCS\n"
        f"// replies of redis-server {version}, plus tests/oracles/command_facts.json.\n"
        "// Do not edit: `make commands` regenerates it and `make test` fails when it is stale.\n"
        f"// {len(commands)} commands, {total} entries with subcommands.\n\n"
        "use alloc::borrow::Cow;\n\n"
        "use super::spec::{BeginSearch, Command, CommandFlags, FindKeys, GetKeys, KeyFlags, KeySpec};\n\n"
        f"/// The redis-server version whose replies the table was generated from.\n"
        f"pub const GENERATED_FROM: &str = {json.dumps('redis-server ' + version)};\n\n"
        "/// Every built-in command, sorted by name; subcommands sorted likewise.\n"
        "pub(crate) static COMMANDS: &[Command] = &[\n" + body + "];\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with open(FACTS, encoding="utf-8") as f:
        facts = json.load(f)
    commands, version = ask_server()
    text = render(merge(commands, facts), version)
    if args.write:
        os.makedirs(os.path.dirname(TABLE), exist_ok=True)
        with open(TABLE, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {os.path.relpath(TABLE, ROOT)} from redis-server {version}")
        return 0
    with open(TABLE, encoding="utf-8") as f:
        committed = f.read()
    if committed != text:
        diff = difflib.unified_diff(committed.splitlines(), text.splitlines(), "committed", "regenerated", lineterm="", n=1)
        print("core/src/command/table.rs is stale; run `make commands`:")
        print("\n".join(list(diff)[:40]))
        return 1
    print(f"command table: regenerated from redis-server {version}, identical to the committed one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
