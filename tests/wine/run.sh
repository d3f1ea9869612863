#!/usr/bin/env bash
# The Wine tier: qga-compat.exe (mingw-w64 cross build) under a headless Wine made for the run.
#
# Usage: tests/wine/run.sh [--native-build DIR] [--win-build DIR] [--keep]
#
#   1. a fresh Wine prefix in a temporary directory (headless, wineserver -p, services primed
#      with stdio detached so no Wine helper holds our output open)
#   2. the cross build (cross/mingw64.ini) in --win-build (default $QGA_BUILD_DIR-win)
#   3. the Windows unit tests of the cross build (meson suite "wine": import table, win32 platform,
#      command primitives), each .exe under Wine
#   4. the Linux integration programs (built in --native-build, default $QGA_BUILD_DIR) against
#      the .exe: tests/wine/launcher.py bridges COMn <-> pty <-> their UNIX socket
#   5. the Windows-only checks (test-windows.py): 1 MiB messages, invisible reconnects, OS
#      versions, failure paths of the port, the service installed, started, pinged, stopped
#   6. the guest-driven channel (test-g2h.py): hello, heartbeat, events replayed by the test
#      seam, host reconnects with the bounded queue, qga-probe listen (the native build's)
#
# What Wine cannot test is listed in tests/wine/UNSUPPORTED.md. Ends with "N passed, M failed";
# exits non-zero when anything failed or could not run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NATIVE=${QGA_BUILD_DIR:-$ROOT/build-test}
WIN=
KEEP=0
JOBS=${QGA_JOBS:-2}
while [ $# -gt 0 ]; do
    case $1 in
        --native-build) NATIVE=$2; shift 2 ;;
        --win-build) WIN=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "usage: $0 [--native-build DIR] [--win-build DIR] [--keep]" >&2; exit 2 ;;
    esac
done
WIN=${WIN:-$NATIVE-win}

source "$ROOT/tests/lib/tap.sh"
source "$HERE/lib.sh"

wine_work_begin qga-wine

for tool in wine wineserver x86_64-w64-mingw32-gcc-win32 meson ninja python3; do
    if ! command -v "$tool" >/dev/null; then
        tap_fail "missing tool: $tool (scripts/setup.sh windows installs the toolchain)"
        tap_finish
    fi
done

tap_step "1. headless Wine prefix $WINEPREFIX"
t0=$(date +%s)
if wine_prefix_start && wine winecfg /v win10 </dev/null >/dev/null 2>&1; then
    tap_pass "wine prefix ready ($(wine --version 2>/dev/null), Windows 10 mode, $(($(date +%s) - t0))s)"
else
    tap_fail "could not create the Wine prefix"
    tap_finish
fi

tap_step "2. cross build in $WIN"
if [ -f "$WIN/build.ninja" ]; then
    meson setup --reconfigure "$WIN" "$ROOT" --cross-file "$ROOT/cross/mingw64.ini" >"$work/setup.log" 2>&1
else
    meson setup "$WIN" "$ROOT" --cross-file "$ROOT/cross/mingw64.ini" >"$work/setup.log" 2>&1
fi
if [ $? -ne 0 ]; then
    tail -30 "$work/setup.log"
    tap_fail "meson setup of the cross build"
    tap_finish
fi
if ninja -C "$WIN" -j "$JOBS" >"$work/build.log" 2>&1; then
    tap_pass "cross build: $(cd "$WIN" && ls qga-compat/*.exe | tr '\n' ' ')"
else
    grep -E 'error|FAILED' "$work/build.log" | head -30
    tap_fail "cross build"
    tap_finish
fi
EXE=$WIN/qga-compat/qga-compat.exe

tap_step "3. import table and Windows unit tests (meson suite wine, under Wine)"
timeout 600 python3 "$HERE/run-units.py" "$WIN" >"$work/units.tap" 2>&1
cat "$work/units.tap"
tap_count "$work/units.tap"
if ! grep -qE '^# [0-9]+ passed' "$work/units.tap"; then
    tap_fail "run-units.py did not finish"
fi

tap_step "4. integration programs of $NATIVE against the .exe"
if [ ! -f "$NATIVE/build.ninja" ]; then
    meson setup "$NATIVE" "$ROOT" >"$work/native-setup.log" 2>&1 || { tail -30 "$work/native-setup.log"; }
fi
if ninja -C "$NATIVE" -j "$JOBS" >"$work/native-build.log" 2>&1; then
    timeout 900 python3 "$HERE/run-integration.py" "$NATIVE" "$WIN" >"$work/integration.tap" 2>&1
    grep -vE '^ok [^#]*$' "$work/integration.tap"  # failures, skips (with their reason) and timings
    tap_count "$work/integration.tap"
    if ! grep -qE '^# [0-9]+ passed' "$work/integration.tap"; then
        tap_fail "run-integration.py did not finish"
    fi
else
    grep -E 'error|FAILED' "$work/native-build.log" | head -30
    tap_fail "native build of the integration programs"
fi

tap_step "5. Windows-only checks and the service"
timeout 600 python3 "$HERE/test-windows.py" --exe "$EXE" >"$work/windows.tap" 2>&1
cat "$work/windows.tap"
tap_count "$work/windows.tap"
if ! grep -q '^1\.\.' "$work/windows.tap"; then
    tap_fail "test-windows.py did not run"
fi

tap_step "6. the guest-driven channel (g2h): fake host, qga-probe listen, seam-replayed OS events"
timeout 600 python3 "$HERE/test-g2h.py" --exe "$EXE" --seam-exe "$WIN/qga-compat/qga-compat-testseam.exe" \
    --probe "$NATIVE/host-probe/qga-probe" >"$work/g2h.tap" 2>&1
cat "$work/g2h.tap"
tap_count "$work/g2h.tap"
if ! grep -q '^1\.\.' "$work/g2h.tap"; then
    tap_fail "test-g2h.py did not run"
fi

echo
echo "(not testable under Wine: see tests/wine/UNSUPPORTED.md)"
tap_finish
