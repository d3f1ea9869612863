# The MSI tier of scripts/test.sh (sourced): the installer built by the cross build
# ($QGA_BUILD_DIR-win, shared with the Windows tier), its tables, and install / upgrade /
# uninstall under a headless Wine prefix that tests/msi/run.sh creates and removes.

tier_msi() {
    local log=$QGA_BUILD_DIR-win.msi-tier.log
    mkdir -p "$(dirname "$log")"
    QGA_JOBS=$QGA_JOBS "$QGA_ROOT/tests/msi/run.sh" --win-build "$QGA_BUILD_DIR-win" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local counts
    counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -1)
    if [ -z "$counts" ]; then
        qga_tier_broken "tests/msi/run.sh printed no closing line (exit status $rc)"
        return 1
    fi
    read -r TIER_PASSED TIER_FAILED <<<"$counts"
    if [ "$rc" -ne 0 ] && [ "$TIER_FAILED" -eq 0 ]; then
        TIER_FAILED=1
    fi
    [ "$TIER_FAILED" -eq 0 ]
}

TIERS+=(msi)
