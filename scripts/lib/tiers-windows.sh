# The Windows/Wine tier of scripts/test.sh (sourced): qga-compat.exe from the mingw-w64 cross
# build, run under a headless Wine prefix that tests/wine/run.sh creates and removes.
# The cross build lives in $QGA_BUILD_DIR-win; the integration programs it reuses come from the
# native build ($QGA_BUILD_DIR, built here when the native tier did not run first).

tier_windows() {
    qga_tier_script "$QGA_BUILD_DIR-win.tier.log" "$QGA_ROOT/tests/wine/run.sh" \
        --native-build "$QGA_BUILD_DIR" --win-build "$QGA_BUILD_DIR-win"
}
