#!/usr/bin/env bash
# Installs everything keyroute's builds and tests need, skipping whatever is
# already in place, so a second run takes seconds.
#   scripts/setup.sh            everything (system packages, Rust targets and
#                               tools, the Python virtualenv, npm packages)
#   scripts/setup.sh --dist     that, plus the release tools of make dist
#                               (cross targets, zig, auditwheel, twine,
#                               debootstrap and qemu for the aarch64 check)
set -euo pipefail
DIST=0
[ "${1:-}" = "--dist" ] && DIST=1
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages -------------------------------------------------------
# Real systems the tests talk to (nutcracker, ruby-redis, php-predis,
# libmemcached, go-redis v5, phpredis, Dalli and spymemcached are the
# partition oracles; javac compiles spymemcached's), and a browser for the
# browser tests.
APT_PACKAGES=(redis-server redis-tools chromium nutcracker ruby ruby-redis php-cli php-predis gcc libmemcached-dev
  golang-go golang-gopkg-redis.v5-dev php-redis ruby-dalli libspymemcached-java openjdk-17-jdk-headless)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  # Packages such as redis-server start a system service on install; the
  # tests start their own servers on free loopback ports instead.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- Rust ------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in clippy rustfmt; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done
# The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  log "cargo: installing wasm-bindgen-cli $WB_VERSION (takes a few minutes)"
  # --locked fails: the CLI's lock file pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# Fuzzing (make fuzz-smoke), pinned.
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "0.13.1" ]; then
  log "cargo: installing cargo-fuzz 0.13.1"
  cargo install cargo-fuzz --version 0.13.1
fi

# --- Python ----------------------------------------------------------------
REQ=scripts/requirements-dev.txt
if [ ! -x .venv/bin/python ]; then
  log "python: creating .venv"
  python3 -m venv .venv
fi
want=$(sha256sum "$REQ" | cut -c1-16)
if [ "$(cat .venv/.requirements-stamp 2>/dev/null)" != "$want" ]; then
  log "python: installing $REQ"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$REQ"
  echo "$want" > .venv/.requirements-stamp
fi

# --- npm -------------------------------------------------------------------
if [ -f bindings-js/package-lock.json ]; then
  want=$(sha256sum bindings-js/package-lock.json | cut -c1-16)
  if [ "$(cat bindings-js/node_modules/.lock-stamp 2>/dev/null)" != "$want" ]; then
    log "npm: installing from bindings-js/package-lock.json"
    (cd bindings-js && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > bindings-js/node_modules/.lock-stamp
  fi
fi
# --- release tools (make dist) -----------------------------------------------
if [ "$DIST" -eq 1 ]; then
  # The wheels' targets: glibc (manylinux 2.17) and musl (musllinux 1.2).
  for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    if ! rustup target list --installed | grep -qx "$t"; then
      log "rustup: adding $t"
      rustup target add "$t"
    fi
  done
  REQ=scripts/requirements-dist.txt
  want=$(sha256sum "$REQ" | cut -c1-16)
  if [ "$(cat .venv/.requirements-dist-stamp 2>/dev/null)" != "$want" ]; then
    log "python: installing $REQ"
    .venv/bin/python -m pip install -q -r "$REQ"
    echo "$want" > .venv/.requirements-dist-stamp
  fi
  # An arm64 Debian root run under qemu-user (the aarch64 wheel's check);
  # musl's own dynamic loader (the x86_64 musllinux wheel's check).
  missing=()
  for p in debootstrap qemu-user-static musl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "apt: installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi
log "setup complete"
