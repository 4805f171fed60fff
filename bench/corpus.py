#!/usr/bin/env python3
"""Writes the benchmark key corpus shared by the Rust, Python and Node benchmarks.

ASCII keys of 10-40 bytes (mean about 24) in five templates in equal shares,
about 60% of them carrying a hash tag, from a fixed seed, so that every
language hashes the same keys. One key per line.

    python3 bench/corpus.py [--count N] [--out PATH]
"""
import argparse
import os
import random
import string

ALNUM = string.ascii_letters + string.digits


def keys(count: int, seed: int = 42):
    rng = random.Random(seed)
    makers = [
        lambda: f"user:{{{rng.randrange(10**7)}}}:profile",
        lambda: "session:" + "".join(rng.choice("0123456789abcdef") for _ in range(16)),
        lambda: f"order:{{{rng.randrange(10**6)}}}:{rng.randrange(10**6)}:items",
        lambda: "cache:" + "".join(rng.choice(ALNUM) for _ in range(rng.randint(4, 34))),
        lambda: "{" + "".join(rng.choice(ALNUM) for _ in range(rng.randint(3, 12))) + "}."
        + "".join(rng.choice(ALNUM) for _ in range(rng.randint(3, 20))),
    ]
    for i in range(count):
        yield makers[i % 5]()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--out", default=os.path.join("target", "bench-keys.txt"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="ascii") as f:
        for k in keys(args.count):
            f.write(k + "\n")
    print(f"wrote {args.count} keys to {args.out}")


if __name__ == "__main__":
    main()
