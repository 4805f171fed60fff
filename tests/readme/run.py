"""Runs the README's examples, so that they keep doing what they say.

Every fenced block of README.md is run in its language, against local
servers this script starts (two redis-servers for the sharded-client
examples, a 3-primary Redis Cluster for the command line's `--cluster`) on
free 127.0.0.1 ports and stops by PID:

- ```python: with this interpreter (.venv, where `make python` installed
  keyroute and redis-py), one top-level statement at a time; a bare
  expression whose comment starts with a Python value (`# 3443; ...`,
  `# b'{bar'`, `# ('a', 'b'): ...`) must evaluate to that value;
- ```js: with node, as an ES module that imports the built package
  (bindings-js/pkg) and ioredis; each `console.log(...)` line's `// comment`
  must be what it printed;
- ```sh: with bash -euo pipefail, the CLI (target/release/keyroute) first on
  PATH, in a directory holding the files the examples name (shards.json from
  the cluster's own `redis-cli --json CLUSTER SHARDS`, rules.txt);
- ```rust: not here: keyroute-redis compiles and runs them as doctests
  (`cargo test`), and the run says so;
- a block after `<!-- readme-test: skip (reason) -->` is skipped with its
  reason printed. Any other language fails the run.

The ports the README writes (7000 for the cluster, 7001 and 7002 for the
shards) are replaced by the servers' real ports; the shards' names (a, b),
not their ports, decide where twemproxy-ketama puts a key. After the blocks,
the shards are asked directly where the sharded examples' keys landed.

    .venv/bin/python tests/readme/run.py [README.md]
"""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import sys
import tempfile
import tokenize
import traceback
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings-python" / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "cluster"))

from _shard_servers import Servers  # noqa: E402
from harness import Cluster  # noqa: E402

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
SKIP = re.compile(r"<!-- readme-test: skip \((.+?)\) -->\s*$")
README_PORTS = re.compile(r"(?<![0-9])(7000|7001|7002)(?![0-9])")
RULES = "^(?<tag>[^:]*):\n(?<tag>.*)\n"


def blocks(text: str) -> list[tuple[int, str, str, str | None]]:
    """(line, language, code, skip reason) of every fenced block."""
    out = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skip = SKIP.search(before)
        out.append((line, m.group(1).strip(), m.group(2), skip.group(1) if skip else None))
    return out


def comments(code: str) -> dict[int, str]:
    """The comment of each line, by line number."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string[1:].strip()
    return found


def claimed_value(comment: str) -> object | None:
    """The value a comment starts with (`3443; ...`, `b'{bar'`), if it
    starts with a Python literal; `array(...)` compares by repr."""
    for end in sorted({len(comment), *[i for i, c in enumerate(comment) if c in ";:"]}):
        head = comment[:end].strip()
        if head.startswith("array("):
            return ("repr", head)
        try:
            return ("value", ast.literal_eval(head))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    return None


def run_python(code: str, cwd: Path) -> str:
    tree = ast.parse(code)
    notes = comments(code)
    ns: dict[str, object] = {"__name__": "__readme__"}
    out = io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    checked = 0
    try:
        with redirect_stdout(out):
            for stmt in tree.body:
                if isinstance(stmt, ast.Expr):
                    value = eval(compile(ast.Expression(stmt.value), "README.md", "eval"), ns)
                    claim = claimed_value(notes.get(stmt.lineno, ""))
                    if claim is not None:
                        kind, want = claim
                        ok = repr(value) == want if kind == "repr" else value == want
                        if not ok:
                            raise AssertionError(
                                f"line {stmt.lineno}: {ast.unparse(stmt.value)} is {value!r}, the comment says {want!r}")
                        checked += 1
                else:
                    exec(compile(ast.Module([stmt], []), "README.md", "exec"), ns)
    finally:
        os.chdir(old)
    return f"{checked} values checked against their comments"


def run_js(code: str, cwd: Path) -> str:
    file = cwd / "example.mjs"
    file.write_text(code)
    proc = subprocess.run(["node", str(file)], cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"node exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    claims = [line.split("//", 1)[1].strip() for line in code.splitlines()
              if "console.log(" in line and "//" in line.split("console.log(", 1)[1]]
    printed = proc.stdout.splitlines()
    if printed != claims:
        raise AssertionError(f"printed {printed}, the comments say {claims}")
    return f"{len(claims)} printed values checked against their comments"


def run_sh(code: str, cwd: Path) -> str:
    env = dict(os.environ, PATH=f"{ROOT / 'target' / 'release'}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"bash exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return f"{len(proc.stdout.splitlines())} lines of output"


def main() -> int:
    readme = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "README.md"
    text = readme.read_text()
    cli = ROOT / "target" / "release" / "keyroute"
    if not cli.exists():
        print(f"error: {cli} is missing (make cli)", file=sys.stderr)
        return 1
    if not (ROOT / "bindings-js" / "pkg" / "package.json").exists():
        print("error: bindings-js/pkg is missing (make js)", file=sys.stderr)
        return 1
    shards = Servers(count=2).start()
    cluster = None
    passed = failed = skipped = 0
    try:
        cluster = Cluster(masters=3, replicas=0).start()
        ports = {"7000": cluster.ports[0], "7001": shards.ports[0], "7002": shards.ports[1]}
        with tempfile.TemporaryDirectory(prefix="keyroute-readme-") as tmp:
            cwd = Path(tmp)
            # What the examples name: a saved CLUSTER SHARDS reply, a policy.
            shards_json = subprocess.run(
                ["redis-cli", "-p", str(ports["7000"]), "--json", "CLUSTER", "SHARDS"],
                capture_output=True, text=True, check=True).stdout
            (cwd / "shards.json").write_text(shards_json)
            (cwd / "rules.txt").write_text(RULES)
            # The consumer project of the JS examples.
            (cwd / "node_modules").mkdir()
            (cwd / "node_modules" / "keyroute").symlink_to(ROOT / "bindings-js" / "pkg")
            (cwd / "node_modules" / "ioredis").symlink_to(ROOT / "bindings-js" / "node_modules" / "ioredis")
            for line, lang, code, skip in blocks(text):
                where = f"{readme.name}:{line} ({lang or 'no language'})"
                if skip is None and lang.startswith("rust"):
                    skip = "Rust: run as doctests by keyroute-redis (cargo test -p keyroute-redis --doc)"
                if skip is not None:
                    print(f"skip {where}: {skip}")
                    skipped += 1
                    continue
                runner = {"python": run_python, "js": run_js, "sh": run_sh}.get(lang)
                code = README_PORTS.sub(lambda m: str(ports[m.group(1)]), code)
                try:
                    if runner is None:
                        raise AssertionError(f"no runner for language {lang!r}: mark it skipped with a reason")
                    what = runner(code, cwd)
                    print(f"ok   {where}: {what}")
                    passed += 1
                except Exception:
                    print(f"FAIL {where}:\n{traceback.format_exc()}")
                    failed += 1
        # Where the sharded examples' keys are, asked of each shard itself:
        # user:1 on a (7001), user:10 on b (7002), the cart's keys together.
        a, b = shards.client(0), shards.client(1)
        placed = {
            "user:1 on a only": (a.exists("user:1"), b.exists("user:1")) == (1, 0),
            "user:10 on b only": (a.exists("user:10"), b.exists("user:10")) == (0, 1),
            "{cart:7} keys on one shard": sorted([a.exists("{cart:7}:n", "{cart:7}:items"),
                                                  b.exists("{cart:7}:n", "{cart:7}:items")]) == [0, 2],
        }
        for claim, ok in placed.items():
            print(f"{'ok  ' if ok else 'FAIL'} the shards themselves: {claim}")
            passed += ok
            failed += not ok
    finally:
        if cluster is not None:
            cluster.stop()
        shards.stop()
    print(f"readme: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
