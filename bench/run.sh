#!/bin/sh
# One command for the side-by-side benchmark: build qga-compat if needed, run it beside qemu-ga, print the table, write JSON.
#
#   bench/run.sh [--json FILE] [--markdown] [any other qga-bench.py option]
#
# BUILD names the build directory (default: build-bench in the source tree,
# configured --buildtype=release, as a shipped agent would be built).
# WIN_BUILD, if set, names a configured mingw cross build (meson --cross-file cross/mingw64.ini):
# its qga-compat.exe is then also measured under Wine (needs wine; adds about 30 s).
# WIN_EXE, if set, names an already built qga-compat.exe to measure the same way.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}

# The build tools and the reference agent (Debian's qemu-guest-agent, qemu-ga 7.2) are in the
# project's base packages.
"$ROOT/scripts/setup.sh" base

if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" --buildtype=release
fi
ninja -j2 -C "$BUILD" qga-compat/qga-compat >/dev/null

REF=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[ -x "$REF" ] || { echo "run.sh: qemu-ga not found at $REF" >&2; exit 1; }

# The Windows agent under Wine, when a cross build is named (WIN_BUILD=dir of a mingw build) and
# Wine is installed: idle wake-ups and per-ping cost of the .exe (absolute figures).
if [ -n "${WIN_BUILD:-}" ]; then
    ninja -j2 -C "$WIN_BUILD" qga-compat/qga-compat.exe >/dev/null
    WIN_EXE=$WIN_BUILD/qga-compat/qga-compat.exe
fi
if [ -n "${WIN_EXE:-}" ]; then
    set -- --wine-exe "$WIN_EXE" "$@"
fi

exec python3 "$ROOT/bench/qga-bench.py" --agent "$BUILD/qga-compat/qga-compat" --ref "$REF" \
    --json "${BENCH_JSON:-bench-result.json}" "$@"
