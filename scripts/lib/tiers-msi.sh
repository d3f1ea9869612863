# The MSI tier of scripts/test.sh (sourced): the installer built by the cross build
# ($QGA_BUILD_DIR-win, shared with the Windows tier), its tables, and install / upgrade /
# uninstall under a headless Wine prefix that tests/msi/run.sh creates and removes.

tier_msi() {
    qga_tier_script "$QGA_BUILD_DIR-win.msi-tier.log" "$QGA_ROOT/tests/msi/run.sh" \
        --win-build "$QGA_BUILD_DIR-win"
}

TIERS+=(msi)
