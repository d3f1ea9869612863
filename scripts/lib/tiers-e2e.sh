# The end-to-end tier: a TCG guest running our agent on real virtio-serial ports, under a
# libvirtd the tier starts itself (tests/e2e/run.sh; see docs/PROBE.md).
tier_e2e() {
    "$QGA_ROOT/tests/e2e/setup-host.sh" || { qga_tier_broken "tests/e2e/setup-host.sh failed"; return 1; }
    qga_tier_script "$QGA_BUILD_DIR-e2e.log" "$QGA_ROOT/tests/e2e/run.sh" "$QGA_BUILD_DIR"
}
TIERS+=(e2e)
