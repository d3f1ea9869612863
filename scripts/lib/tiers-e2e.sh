# The end-to-end tier: a TCG guest running our agent on real virtio-serial ports, under a
# libvirtd the tier starts itself (tests/e2e/run.sh; see docs/PROBE.md).
tier_e2e() {
    "$QGA_ROOT/tests/e2e/setup-host.sh" || { qga_tier_broken "tests/e2e/setup-host.sh failed"; return 1; }
    local log=$QGA_BUILD_DIR-e2e.log rc
    "$QGA_ROOT/tests/e2e/run.sh" "$QGA_BUILD_DIR" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
    read -r TIER_PASSED TIER_FAILED < <(sed -n 's/.* \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -1)
    TIER_PASSED=${TIER_PASSED:-0}; TIER_FAILED=${TIER_FAILED:-1}
    [ "$rc" -eq 0 ] && [ "$TIER_FAILED" -eq 0 ]
}
TIERS+=(e2e)
