#!/usr/bin/env bash
# Runs every test tier of qga-compat (the README's test command; .ci/run calls it).
#
# Usage: scripts/test.sh [TIER...]      (default: every tier in TIERS below)
#
# Installs what is missing (scripts/setup.sh all), then runs each tier in its own build
# directory ($QGA_BUILD_DIR, default <checkout>/build-test, plus -asan and -fuzz siblings).
# Each tier ends with meson's summary or its own "N passed, M failed" line; the script ends
# with a per-tier table (with durations) and one overall "N passed, M failed" line, and exits
# non-zero when anything failed. A tier that cannot run fails; nothing is skipped silently.
#
# Environment: QGA_BUILD_DIR, QGA_JOBS (parallel jobs), QGA_FUZZ_SECONDS (fuzzing budget,
# default 60), QGA_SKIP_SETUP=1 (do not call setup.sh).
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$QGA_ROOT/tests/lib/tap.sh"
source "$QGA_ROOT/scripts/lib/tiers.sh"

# ---------------------------------------------------------------------------------------------
# The tiers, in the order they run. Each name N is a function tier_N (scripts/lib/tiers.sh) that
# counts its results with tests/lib/tap.sh (TAP_PASSED, TAP_FAILED) and returns non-zero on
# failure.
TIERS=(
    native      # -Werror build + meson test: unit, schema, integration (the real agent on a
                #   socket), probe; the style checks (scripts/check-style.sh)
    sanitize    # AddressSanitizer + UBSan build: unit + integration; any report fails
    fuzz        # libFuzzer (clang) over framer+parser+dispatch, the JSON round trip and both g2h
                #   ends, bounded
    windows     # the mingw-w64 .exe under Wine: import table, Windows unit tests, the integration
                #   programs through a bridged COM port, the service (tests/wine/run.sh)
    e2e         # a TCG guest under libvirt: virsh and qga-probe against the agent
                #   (tests/e2e/run.sh)
    msi         # the installer: its tables, install / upgrade / uninstall under Wine
                #   (tests/msi/run.sh)
)
# ---------------------------------------------------------------------------------------------

selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${TIERS[@]}")
for tier in "${selected[@]}"; do
    if [[ " ${TIERS[*]} " != *" $tier "* ]] || ! declare -F "tier_$tier" >/dev/null; then
        echo "test.sh: unknown tier '$tier' (known: ${TIERS[*]})" >&2
        exit 2
    fi
done

if [ "${QGA_SKIP_SETUP:-0}" != 1 ]; then
    "$QGA_ROOT/scripts/setup.sh" all || { echo "test.sh: setup.sh failed" >&2; exit 1; }
fi

total_passed=0
total_failed=0
summary=()
start_all=$(date +%s)

for tier in "${selected[@]}"; do
    CURRENT_TIER=$tier
    tap_reset
    qga_log "tier $tier"
    start=$(date +%s)
    if "tier_$tier"; then status=ok; else status=FAILED; fi
    # A tier that returned failure without counting one still fails.
    if [ "$status" = FAILED ] && [ "$TAP_FAILED" -eq 0 ]; then
        tap_fail "tier $tier returned failure without counting one"
    fi
    elapsed=$(($(date +%s) - start))
    echo "$tier: $TAP_PASSED passed, $TAP_FAILED failed (${elapsed}s)"
    total_passed=$((total_passed + TAP_PASSED))
    total_failed=$((total_failed + TAP_FAILED))
    summary+=("$(printf '%-10s %-7s %5d passed %4d failed %6ss' "$tier" "$status" "$TAP_PASSED" "$TAP_FAILED" "$elapsed")")
done

qga_log "summary ($(($(date +%s) - start_all))s in all)"
printf '  %s\n' "${summary[@]}"
tap_closing_line "$total_passed" "$total_failed"
