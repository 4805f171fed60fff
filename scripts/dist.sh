#!/usr/bin/env bash
# Builds every artifact a release publishes into dist/ and verifies each one.
#
#   scripts/dist.sh              everything below (make dist)
#   scripts/dist.sh wheel-native the wheel of the machine it runs on, checked
#                                with twine (the release workflow's macOS and
#                                Windows jobs)
#   scripts/dist.sh npm          the two npm tarballs alone, checked
#   scripts/dist.sh sums         dist/SHA256SUMS over what dist/ holds
#
# Python: abi3 wheels for CPython 3.10+, cross-built here with maturin --zig
#   (zig from PyPI's ziglang as the linker): manylinux_2_17 (manylinux2014)
#   and musllinux_1_2, each for x86_64 and aarch64; and the sdist.
#   Each wheel: `auditwheel show` must report the platform tag the wheel
#   carries, its .dist-info/licenses must hold both license texts, and
#   `twine check --strict` must pass (the sdist too). The x86_64 manylinux
#   wheel is installed into a fresh venv and the Python suite runs against
#   it. The aarch64 manylinux wheel runs the slot vectors under qemu-user in
#   a Debian arm64 root made by debootstrap (see aarch64_check below).
# npm: the tarballs `npm pack` makes of bindings-js/pkg (keyroute) and
#   bindings-js/pkg-wasm (keyroute-wasm), checked with publint (and keyroute
#   with @arethetypeswrong/cli; both locked in bindings-js), their sizes
#   printed and held to budgets.
# Rust: the .crate files of keyroute, keyroute-redis and keyroute-cli
#   (`cargo package`, which builds each from its packaged sources, resolving
#   the unpublished keyroute of the other two from the workspace), each
#   holding its README and both license texts; then `cargo publish --dry-run`
#   of the three.
# Then dist/SHA256SUMS.
#
# Nothing is published. The tools come from `scripts/setup.sh --dist`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# .venv/Scripts: a venv on Windows (the release workflow's wheel job).
export PATH="$ROOT/.venv/bin:$ROOT/.venv/Scripts:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
DIST=$ROOT/dist
WORK=$ROOT/target/dist-work
PY=python
[ -x "$ROOT/.venv/bin/python" ] && PY=$ROOT/.venv/bin/python
log() { printf '==> %s\n' "$*"; }
fail() { echo "dist: $*" >&2; exit 1; }
# A summary line per artifact, printed at the end.
SUMMARY=()
note() { SUMMARY+=("$(printf '%-62s %9s  %s' "$1" "$(stat -c %s "$DIST/$1")" "$2")"); }

VERSION=$(cargo metadata --no-deps --format-version 1 \
  | "$PY" -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "keyroute"))')

# The path dependencies on keyroute carry a version for crates.io: it must be
# the workspace's.
check_versions() {
  local bad
  bad=$(grep -n 'keyroute = { path = "../core"' core/Cargo.toml cli/Cargo.toml redis-adapter/Cargo.toml \
    bindings-python/Cargo.toml bindings-js/Cargo.toml | grep -v "version = \"$VERSION\"" || true)
  [ -z "$bad" ] || fail "path dependencies on keyroute must say version = \"$VERSION\":
$bad"
}

# ---- Python ------------------------------------------------------------------

# target triple -> the platform tag its wheel must carry
WHEELS=(
  "x86_64-unknown-linux-gnu manylinux2014 manylinux_2_17_x86_64"
  "aarch64-unknown-linux-gnu manylinux2014 manylinux_2_17_aarch64"
  "x86_64-unknown-linux-musl musllinux_1_2 musllinux_1_2_x86_64"
  "aarch64-unknown-linux-musl musllinux_1_2 musllinux_1_2_aarch64"
)

wheel_of() { # the one wheel in dist/ tagged $1 (maturin also writes the legacy alias: manylinux2014_x86_64.manylinux_2_17_x86_64)
  local found=("$DIST"/keyroute-"$VERSION"-cp310-abi3-*"$1"*.whl)
  [ "${#found[@]}" -eq 1 ] && [ -f "${found[0]}" ] || fail "expected one wheel tagged $1 in dist/, found: ${found[*]}"
  echo "${found[0]}"
}

build_wheels() {
  for spec in "${WHEELS[@]}"; do
    read -r target compat tag <<<"$spec"
    log "maturin build --zig --target $target --compatibility $compat"
    maturin build --release --zig --target "$target" --compatibility "$compat" \
      -m bindings-python/Cargo.toml -o "$DIST" 2>&1 | grep -vE '^\s+(Compiling|Downloaded|Downloading)' || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "maturin failed for $target"
    case "$tag" in musllinux*) musl_soname "$(wheel_of "$tag")" "${target%%-*}" ;; esac
    wheel_of "$tag" >/dev/null
  done
  log "maturin sdist"
  maturin sdist -m bindings-python/Cargo.toml -o "$DIST"
}

# zig links the extension against musl under the name `libc.so` (the name of
# its link-time stub). musl's loader accepts that name, but it is not musl's
# soname, and auditwheel (rightly) counts `libc.so` as an external library:
# the wheel would not be musllinux. A musl toolchain (Alpine's gcc) writes
# `libc.musl-<arch>.so.1`; patchelf writes the same, and `wheel pack`
# rewrites the wheel's RECORD. musl_check below loads the result with musl's
# own loader.
musl_soname() { # wheel arch
  local whl=$1 arch=$2 dir=$WORK/musl-fix so
  rm -rf "$dir"
  mkdir -p "$dir"
  wheel unpack -d "$dir" "$whl" >/dev/null
  so=$(find "$dir" -name '_native*.so')
  grep -q 'NEEDED.*\[libc\.so\]' <<<"$(readelf -d "$so")" || return 0
  patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$so"
  rm -f "$whl"
  wheel pack -d "$DIST" "$dir"/keyroute-"$VERSION" >/dev/null
  log "$(basename "$whl"): NEEDED libc.so -> libc.musl-$arch.so.1"
}

# musl's dynamic loader (x86_64: Debian's musl; aarch64: the arm64 root's
# musl under qemu) lists the extension's libraries: every one must resolve,
# and the only unresolved symbols may be Python's own C API (the interpreter
# provides them at import). No musl CPython is among Debian's packages, so
# this is as far as the musllinux wheels run here; auditwheel checks the rest.
musl_check() { # wheel loader [qemu root]
  local whl=$1 loader=$2 root=${3:-} dir=$WORK/musl-check so out
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && unzip -q "$whl")
  so=$(find "$dir" -name '_native*.so')
  if [ -n "$root" ]; then
    out=$(qemu-aarch64-static -L "$root" "$root$loader" --list "$so" 2>&1 || true)
  else
    out=$("$loader" --list "$so" 2>&1 || true)
  fi
  grep -q "libc.musl-.*\.so\.1 => " <<<"$out" || fail "$(basename "$whl"): musl's loader did not resolve libc:
$out"
  local missing others
  missing=$(grep -c 'symbol not found' <<<"$out" || true)
  others=$(grep 'symbol not found' <<<"$out" | grep -vE ': _?Py[A-Za-z0-9_]*: symbol not found' || true)
  [ -z "$others" ] || fail "$(basename "$whl"): symbols musl does not have:
$others"
  local rest
  rest=$(grep -vE 'symbol not found|=>|^\s*/' <<<"$out" || true)
  [ -z "$rest" ] || fail "$(basename "$whl"): musl's loader says:
$out"
  SUMMARY[${#SUMMARY[@]}]="    $(basename "$whl" .whl | sed 's/.*-abi3-//'): musl's loader ($loader${root:+ under qemu}) resolves libc and every non-Python symbol ($missing Python C-API symbols left to the interpreter)"
}

# auditwheel's verdict must be the tag in the file name; both license texts
# must be in .dist-info/licenses.
verify_wheels() {
  for spec in "${WHEELS[@]}"; do
    read -r _ _ tag <<<"$spec"
    local whl report policy
    whl=$(wheel_of "$tag")
    report=$(auditwheel show "$whl")
    # "... is consistent with the following platform tag: "manylinux_2_17_x86_64"."
    policy=$(sed -n 's/.*consistent with the following platform tag: "\([^"]*\)".*/\1/p' <<<"$(tr '\n' ' ' <<<"$report")")
    [ "$policy" = "$tag" ] || fail "auditwheel show $(basename "$whl"): policy '$policy', the wheel says $tag:
$report"
    for lic in LICENSE-MIT LICENSE-APACHE; do
      grep -q "keyroute-$VERSION.dist-info/licenses/$lic\$" <<<"$(unzip -l "$whl")" \
        || fail "$(basename "$whl") has no .dist-info/licenses/$lic"
    done
    note "$(basename "$whl")" "auditwheel: $policy; licenses in .dist-info; twine check"
    [ "$tag" = musllinux_1_2_x86_64 ] && musl_check "$whl" /lib/ld-musl-x86_64.so.1
  done
  local sdist="$DIST/keyroute-$VERSION.tar.gz"
  [ -f "$sdist" ] || fail "no sdist $sdist"
  for lic in LICENSE-MIT LICENSE-APACHE; do
    grep -q "^keyroute-$VERSION/$lic\$" <<<"$(tar tzf "$sdist")" || fail "the sdist has no $lic at its root"
  done
  log "twine check --strict"
  twine check --strict "$DIST"/keyroute-"$VERSION"*.whl "$sdist"
  note "$(basename "$sdist")" "licenses inside; twine check; builds the x86_64 wheel below"
}

# The sdist builds: pip builds a wheel from it alone (maturin from PyPI's
# build isolation is not used: the pinned maturin of .venv is the backend).
sdist_builds() {
  log "building a wheel from the sdist alone"
  rm -rf "$WORK/sdist"
  mkdir -p "$WORK/sdist"
  tar xzf "$DIST/keyroute-$VERSION.tar.gz" -C "$WORK/sdist"
  # The repository's target directory: the dependencies are built already.
  (cd "$WORK/sdist/keyroute-$VERSION" && CARGO_TARGET_DIR="$ROOT/target" \
    maturin build --release -o "$WORK/sdist/wheel" 2>&1 | tail -n 2)
  ls "$WORK/sdist/wheel"/keyroute-"$VERSION"-*.whl >/dev/null || fail "the sdist did not build"
}

# The x86_64 manylinux wheel in a fresh venv, and the Python suite against it.
test_wheel() {
  local whl venv
  whl=$(wheel_of manylinux_2_17_x86_64)
  venv=$WORK/venv-wheel
  log "fresh venv: $(basename "$whl") + the suite's own dependencies"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  # The test dependencies, pinned as in requirements-dev.txt (no maturin:
  # nothing is built in this venv).
  grep -E '^(pytest|redis|uhashring|pymemcache|xxhash)==' scripts/requirements-dev.txt >"$WORK/test-requirements.txt"
  "$venv/bin/python" -m pip install -q -r "$WORK/test-requirements.txt"
  "$venv/bin/python" -m pip install -q --no-deps "$whl"
  local where
  where=$(cd /tmp && "$venv/bin/python" -c 'import keyroute, keyroute._native as n; print(n.__file__)')
  case "$where" in
    "$venv"/*) ;;
    *) fail "keyroute was imported from $where, not from the wheel installed in $venv" ;;
  esac
  log "pytest bindings-python/tests against $where"
  # Some tests compare with the CLI (target/release/keyroute).
  cargo build --release -p keyroute-cli --quiet
  local status=0
  PYTEST_LAST=$(cd /tmp && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/bindings-python/tests" 2>&1) || status=$?
  tail -n 3 <<<"$PYTEST_LAST"
  [ "$status" -eq 0 ] || fail "the Python suite failed against $(basename "$whl")"
  SUMMARY[${#SUMMARY[@]}]="    manylinux_2_17_x86_64: installed in a fresh venv, the Python suite passed against it ($(tail -n 1 <<<"$PYTEST_LAST"))"
}

# The aarch64 wheel on an arm64 Debian root (debootstrap --foreign, from
# Debian's packages) under qemu-user: the packages Python needs are unpacked
# into the root, the wheel is unpacked onto its path, and every slot vector is
# checked (tests/vectors/slots.json, answered by a real redis-server). No
# binfmt_misc or chroot is needed: qemu-aarch64-static -L runs the root's own
# dynamic loader. The musllinux wheels cannot be run here (no musl CPython
# among Debian's packages): auditwheel's check is what they get.
aarch64_check() {
  local whl rootfs site
  whl=$(wheel_of manylinux_2_17_aarch64)
  rootfs=$WORK/arm64-root
  if [ ! -x "$rootfs/usr/bin/python3" ] || [ ! -e "$rootfs/lib/ld-musl-aarch64.so.1" ]; then
    log "debootstrap --arch=arm64 --foreign (bookworm, python3, musl) into target/dist-work/arm64-root"
    rm -rf "$rootfs"
    debootstrap --arch=arm64 --foreign --variant=minbase --include=python3,musl bookworm "$rootfs" \
      http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
      || { tail -n 20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
    # The first stage unpacks only the essential packages; python3 and its
    # libraries are downloaded: unpack them too.
    for deb in "$rootfs"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
  fi
  site=$WORK/arm64-site
  rm -rf "$site"
  mkdir -p "$site"
  (cd "$site" && unzip -q "$whl")
  local py
  py=$(basename "$(readlink -f "$rootfs/usr/bin/python3")")
  log "qemu-aarch64-static: $rootfs/usr/bin/$py, $(basename "$whl"), the slot vectors"
  cp tests/vectors/slots.json "$WORK/slots.json"
  local out
  out=$(PYTHONPATH="$site" qemu-aarch64-static -L "$rootfs" "$rootfs/usr/bin/$py" -c '
import json, platform, sys
import keyroute
import keyroute._native as native
doc = json.load(open(sys.argv[1]))
keys = [bytes.fromhex(c["key"]) for c in doc["cases"]]
want = [c["slot"] for c in doc["cases"]]
bad = [(c["name"], keyroute.key_slot(k), w) for c, k, w in zip(doc["cases"], keys, want) if keyroute.key_slot(k) != w]
batch = list(keyroute.key_slots(keys))
tags = sum(keyroute.crc16(keyroute.hash_tag(k)) & 0x3FFF == w for k, w in zip(keys, want))
assert platform.machine() == "aarch64", platform.machine()
print(platform.machine(), platform.python_version(), native.__file__)
print(len(keys), "vectors;", len(bad), "key_slot mismatches;", sum(a != b for a, b in zip(batch, want)), "key_slots mismatches;", len(keys) - tags, "hash_tag mismatches")
sys.exit(1 if bad or batch != want or tags != len(keys) else 0)
' "$WORK/slots.json")
  echo "$out"
  grep -q " 0 key_slot mismatches; 0 key_slots mismatches; 0 hash_tag mismatches" <<<"$out" || fail "aarch64: the slot vectors failed"
  local n
  n=$(sed -n 's/^\([0-9]*\) vectors;.*/\1/p' <<<"$out")
  SUMMARY[${#SUMMARY[@]}]="    manylinux_2_17_aarch64: $n slot vectors pass under qemu-aarch64 (Debian arm64 root, $py)"
  musl_check "$(wheel_of musllinux_1_2_aarch64)" /lib/ld-musl-aarch64.so.1 "$rootfs"
}

# ---- npm -----------------------------------------------------------------------

npm_package() {
  [ -f bindings-js/pkg/package.json ] || fail "bindings-js/pkg is not built (make js)"
  [ -f bindings-js/pkg-wasm/package.json ] || fail "bindings-js/pkg-wasm is not built (make js)"
  # keyroute, and keyroute-wasm (the same wasm as files, for Workers only;
  # docs/npm-packaging.md), with the budgets the tests hold them to
  # (bindings-js/tests/loading.test.mjs).
  local dir budget tgz f size unpacked
  for dir in pkg pkg-wasm; do
    [ "$dir" = pkg ] && budget=700000 || budget=480000
    log "npm pack bindings-js/$dir"
    tgz=$(cd "bindings-js/$dir" && npm pack --pack-destination "$DIST" --loglevel=error | tail -n 1)
    [ -f "$DIST/$tgz" ] || fail "npm pack made no $tgz"
    for f in package/LICENSE-MIT package/LICENSE-APACHE package/README.md; do
      grep -qx "$f" <<<"$(tar tzf "$DIST/$tgz")" || fail "$tgz has no $f"
    done
    if [ "$dir" = pkg ]; then
      log "attw (arethetypeswrong) $tgz"
      node bindings-js/node_modules/@arethetypeswrong/cli/dist/index.js "$DIST/$tgz" --format ascii
    fi
    log "publint bindings-js/$dir"
    (cd bindings-js && node_modules/.bin/publint run "$dir" --strict)
    size=$(stat -c %s "$DIST/$tgz")
    unpacked=$(tar xzf "$DIST/$tgz" -O | wc -c)
    log "$tgz: $size bytes packed, $unpacked bytes unpacked"
    [ "$size" -le "$budget" ] || fail "$tgz is $size bytes packed, over its budget of $budget bytes"
    if [ "$dir" = pkg ]; then
      note "$tgz" "attw; publint --strict; licenses inside; $unpacked bytes unpacked; budget $budget"
    else
      note "$tgz" "publint --strict; licenses inside; $unpacked bytes unpacked; budget $budget (attw: no JS entry to check)"
    fi
  done
}

# ---- Rust ----------------------------------------------------------------------

CRATES=(keyroute keyroute-redis keyroute-cli)

crates() {
  check_versions
  local pkgs=() c
  for c in "${CRATES[@]}"; do pkgs+=(-p "$c"); done
  # A working tree with uncommitted changes is refused by cargo unless
  # DIST_ALLOW_DIRTY=1 (a clean clone has none).
  local dirty=()
  [ "${DIST_ALLOW_DIRTY:-0}" = 1 ] && dirty=(--allow-dirty)
  log "cargo package ${CRATES[*]} (each built from its packaged sources)"
  cargo package "${pkgs[@]}" "${dirty[@]}" 2>&1 | grep -vE '^\s+(Compiling|Downloaded|Downloading)' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo package failed"
  for c in "${CRATES[@]}"; do
    local crate="target/package/$c-$VERSION.crate"
    [ -f "$crate" ] || fail "no $crate"
    for f in README.md LICENSE-MIT LICENSE-APACHE Cargo.toml; do
      grep -qx "$c-$VERSION/$f" <<<"$(tar tzf "$crate")" || fail "$c-$VERSION.crate has no $f"
    done
    # A README about this crate, not the repository's.
    grep -qx "# $c" <<<"$(tar xzf "$crate" -O "$c-$VERSION/README.md" | sed -n 1p)" \
      || fail "$c-$VERSION.crate: its README is not its own"
    cp "$crate" "$DIST/"
  done
  log "cargo publish --dry-run ${CRATES[*]}"
  cargo publish --dry-run "${pkgs[@]}" "${dirty[@]}" 2>&1 | grep -vE '^\s+(Compiling|Downloaded|Downloading)' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo publish --dry-run failed"
  for c in "${CRATES[@]}"; do
    note "$c-$VERSION.crate" "README + licenses; built from the .crate; publish --dry-run"
  done
}

# ---- checksums -----------------------------------------------------------------

sums() {
  log "SHA256SUMS"
  (cd "$DIST" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs sha256sum >SHA256SUMS)
  (cd "$DIST" && sha256sum --check --quiet SHA256SUMS)
  cat "$DIST/SHA256SUMS"
}

wheel_native() {
  mkdir -p "$DIST"
  # The pinned build tools, into the venv the caller made.
  "$PY" -m pip install -q "$(grep -E '^maturin==' scripts/requirements-dev.txt)" \
    "$(grep -E '^twine==' scripts/requirements-dist.txt)"
  log "maturin build (this machine's wheel)"
  maturin build --release -m bindings-python/Cargo.toml -o "$DIST"
  twine check --strict "$DIST"/*.whl
}

case "${1:-all}" in
  all)
    rm -rf "$DIST"
    mkdir -p "$DIST" "$WORK"
    build_wheels
    verify_wheels
    sdist_builds
    test_wheel
    aarch64_check
    npm_package
    crates
    sums
    echo
    echo "dist/ (bytes, verification):"
    printf '  %s\n' "${SUMMARY[@]}"
    ;;
  wheel-native) wheel_native ;;
  npm)
    mkdir -p "$DIST"
    rm -f "$DIST"/keyroute-*.tgz
    npm_package
    printf '  %s\n' "${SUMMARY[@]}"
    ;;
  sums) sums ;;
  *) fail "unknown step '$1' (all, wheel-native, npm, sums)" ;;
esac
