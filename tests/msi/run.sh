#!/usr/bin/env bash
# The MSI tier: build qga-compat-<version>-x64.msi, check its tables, install/upgrade/uninstall it
# under a fresh headless Wine prefix (tests/msi/test-msi.py says what Wine cannot show).
#
# Usage: tests/msi/run.sh [--win-build DIR] [--keep]
#   --win-build  the mingw-w64 cross build (default $QGA_BUILD_DIR-win, else ./build-test-win);
#                configured here with cross/mingw64.ini when it does not exist yet
# Ends with "N passed, M failed"; exits non-zero when anything failed or could not run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WIN=${QGA_BUILD_DIR:-$ROOT/build-test}-win
KEEP=0
JOBS=${QGA_JOBS:-2}
while [ $# -gt 0 ]; do
    case $1 in
        --win-build) WIN=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "usage: $0 [--win-build DIR] [--keep]" >&2; exit 2 ;;
    esac
done

source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/wine/lib.sh"

for tool in wine wineserver wixl msibuild msiinfo meson ninja python3 x86_64-w64-mingw32-gcc-win32; do
    if ! command -v "$tool" >/dev/null; then
        tap_fail "missing tool: $tool (scripts/setup.sh windows installs wine, mingw-w64 and msitools)"
        tap_finish
    fi
done

wine_work_begin qga-msi

tap_step "cross build and MSI in $WIN"
if [ ! -f "$WIN/build.ninja" ]; then
    # meson's cross sanity check runs a test .exe under Wine: the prefix must exist first.
    wineboot -i </dev/null >/dev/null 2>&1; wineserver -k </dev/null >/dev/null 2>&1; wineserver -w
    if ! meson setup "$WIN" "$ROOT" --cross-file "$ROOT/cross/mingw64.ini" >"$work/setup.log" 2>&1; then
        tail -30 "$work/setup.log"
        tap_fail "meson setup of the cross build"
        tap_finish
    fi
fi
if ninja -C "$WIN" -j "$JOBS" msi >"$work/build.log" 2>&1; then
    :
else
    grep -E 'error|FAILED|wixl|msibuild' "$work/build.log" | head -30
    tap_fail "ninja msi (the MSI target of installer/meson.build)"
    tap_finish
fi
version=$(meson introspect --projectinfo "$WIN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
msi=$WIN/installer/qga-compat-$version-x64.msi
exe=$WIN/qga-compat/qga-compat.exe
if [ -f "$msi" ]; then
    tap_pass "built $(basename "$msi") ($(stat -c %s "$msi") bytes)"
else
    tap_fail "ninja msi did not produce $msi"
    tap_finish
fi
# "The previous build" for the upgrade test: the same sources packaged as a lower version.
old_version=0.0.1
if [ "$version" = "$old_version" ]; then
    tap_fail "project version $version is not above the upgrade test's old version $old_version"
    tap_finish
fi
old=$work/qga-compat-$old_version-x64.msi
if "$ROOT/installer/build-msi.sh" wixl msibuild msiinfo "$ROOT/installer/qga-compat.wxs" "$exe" "$old_version" \
        "$old" >"$work/old.log" 2>&1; then
    tap_pass "built the previous-version MSI ($old_version) for the upgrade test"
else
    cat "$work/old.log"
    tap_fail "build-msi.sh $old_version"
    tap_finish
fi

tap_step "headless Wine prefix $WINEPREFIX"
t0=$(date +%s)
if wine_prefix_start; then
    tap_pass "wine prefix ready ($(wine --version 2>/dev/null), $(($(date +%s) - t0))s)"
else
    tap_fail "could not create the Wine prefix"
    tap_finish
fi

tap_step "tables and Wine install/upgrade/uninstall (tests/msi/test-msi.py)"
timeout 300 python3 "$HERE/test-msi.py" --msi "$msi" --old-msi "$old" --exe "$exe" \
    --version "$version" --old-version "$old_version" >"$work/msi.tap" 2>&1
cat "$work/msi.tap"
tap_count "$work/msi.tap"
if ! grep -qE '^# [0-9]+ passed' "$work/msi.tap"; then
    tap_fail "test-msi.py did not finish"
fi
tap_finish
