# Pass/fail counting for the test tiers (sourced): tests/wine/run.sh, tests/msi/run.sh,
# tests/e2e/run.sh and scripts/test.sh's tier functions count with these helpers and end with
# the same closing line, "N passed, M failed", which tap_closing_counts reads back.

TAP_PASSED=0
TAP_FAILED=0
TAP_SKIPPED=0

# How a result line is printed. A script may redefine it (tests/e2e/run.sh puts its clock in
# front as "[e2e   12.3s] "); tap_closing_counts accepts such a bracketed prefix.
tap_print() { printf '%s\n' "$*"; }

tap_reset() { TAP_PASSED=0; TAP_FAILED=0; TAP_SKIPPED=0; }

tap_step() { printf '\n--- %s\n' "$*"; }

tap_pass() {
    TAP_PASSED=$((TAP_PASSED + 1))
    tap_print "ok - $*"
}

# tap_fail WHAT [DETAIL]: DETAIL (what went wrong, often a command's output) is shown indented,
# its first 40 lines.
tap_fail() {
    TAP_FAILED=$((TAP_FAILED + 1))
    tap_print "not ok - $1"
    if [ -n "${2:-}" ]; then
        printf '%s\n' "$2" | head -40 | sed 's/^/        /'
    fi
    return 0
}

# tap_add PASSED FAILED [SKIPPED]: counts found elsewhere (meson's summary, a closing line).
tap_add() {
    TAP_PASSED=$((TAP_PASSED + $1))
    TAP_FAILED=$((TAP_FAILED + $2))
    TAP_SKIPPED=$((TAP_SKIPPED + ${3:-0}))
}

# tap_count LOG: add the results of a TAP log. "ok" lines pass, "not ok" lines fail, and
# "ok ... # SKIP" lines (a test that says why it cannot apply) are counted apart.
tap_count() {
    local log=$1 ok skip fail
    ok=$(grep -E '^ok ' "$log" | grep -vc '# SKIP')
    skip=$(grep -E '^ok ' "$log" | grep -c '# SKIP')
    fail=$(grep -cE '^not ok ' "$log")
    tap_add "$ok" "$fail" "$skip"
}

# tap_closing_line [PASSED FAILED]: print the closing line (of the counters, or of the counts
# given) and return whether nothing failed.
tap_closing_line() {
    local passed=${1:-$TAP_PASSED} failed=${2:-$TAP_FAILED}
    if [ $# -eq 0 ] && [ "$TAP_SKIPPED" -gt 0 ]; then
        tap_print "($TAP_SKIPPED skipped: the lines marked # SKIP above say why)"
    fi
    tap_print "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# tap_finish: a blank line, the closing line, and exit (non-zero when anything failed).
tap_finish() {
    echo
    tap_closing_line
    exit
}

# tap_closing_counts LOG: print "PASSED FAILED" from the last closing line in LOG, or fail
# when LOG has none (the script that wrote it did not get to the end). Lines of a TAP log's own
# summary ("# 12 passed, 0 failed") are not closing lines.
tap_closing_counts() {
    sed -nE 's/^(\[[^]]*\] )?([0-9]+) passed, ([0-9]+) failed$/\2 \3/p' "$1" | tail -1 | grep .
}
