# The Windows/Wine tier of scripts/test.sh (sourced): qga-compat.exe from the mingw-w64 cross
# build, run under a headless Wine prefix that tests/wine/run.sh creates and removes.
# The cross build lives in $QGA_BUILD_DIR-win; the integration programs it reuses come from the
# native build ($QGA_BUILD_DIR, built here when the native tier did not run first).

tier_windows() {
    local log=$QGA_BUILD_DIR-win.tier.log
    mkdir -p "$(dirname "$log")"
    QGA_JOBS=$QGA_JOBS "$QGA_ROOT/tests/wine/run.sh" --native-build "$QGA_BUILD_DIR" \
        --win-build "$QGA_BUILD_DIR-win" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local counts
    counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -1)
    if [ -z "$counts" ]; then
        qga_tier_broken "tests/wine/run.sh printed no closing line (exit status $rc)"
        return 1
    fi
    read -r TIER_PASSED TIER_FAILED <<<"$counts"
    if [ "$rc" -ne 0 ] && [ "$TIER_FAILED" -eq 0 ]; then
        TIER_FAILED=1
    fi
    [ "$TIER_FAILED" -eq 0 ]
}
