# The test tiers of scripts/test.sh (sourced). Each tier_<name> function builds what it needs,
# runs its tests, prints meson's summary or its own closing line, and counts its results with
# tests/lib/tap.sh's helpers (TAP_PASSED, TAP_FAILED; scripts/test.sh resets them per tier).
# A tier that cannot run (configure or build failure, missing input) says so and counts as
# failed: nothing is ever skipped silently.

source "$QGA_ROOT/scripts/lib/style.sh"

# Run meson test and take the counts from meson's closing summary.
# qga_meson_test LOG [meson test options...]
qga_meson_test() {
    local log=$1
    shift
    local rc
    meson test --print-errorlogs --num-processes "$QGA_JOBS" "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    local ok xfail fail xpass timeout
    ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    xfail=$(sed -n 's/^Expected Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    xpass=$(sed -n 's/^Unexpected Pass: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    timeout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
    if [ -z "$ok" ]; then
        tap_fail "meson test printed no summary (exit status $rc)"
        return 1
    fi
    tap_add $((ok + ${xfail:-0})) $((${fail:-0} + ${xpass:-0} + ${timeout:-0}))
    if [ "$rc" -ne 0 ] && [ "$TAP_FAILED" -eq 0 ]; then
        tap_fail "meson test exited with status $rc and no failed test"
    fi
    [ "$TAP_FAILED" -eq 0 ]
}

# qga_tier_script LOG SCRIPT [ARGS...]: run a tier's own script (tests/<tier>/run.sh), its
# output shown and kept in LOG, and add the counts of its closing line. A script that prints
# none could not run; one that exits non-zero with nothing failed still fails.
qga_tier_script() {
    local log=$1 script=${2#"$QGA_ROOT"/} rc counts
    shift
    mkdir -p "$(dirname "$log")"
    QGA_JOBS=$QGA_JOBS "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if ! counts=$(tap_closing_counts "$log"); then
        qga_tier_broken "$script printed no closing line (exit status $rc)"
        return 1
    fi
    tap_add $counts
    if [ "$rc" -ne 0 ] && [ "$TAP_FAILED" -eq 0 ]; then
        tap_fail "$script exited with status $rc and no failed test"
    fi
    [ "$TAP_FAILED" -eq 0 ]
}

# The tier cannot run at all: loud, and one failure.
qga_tier_broken() {
    echo "!! $CURRENT_TIER: cannot run: $*" >&2
    tap_add 0 1
    return 1
}

# (a) Native build with -Werror, every meson test suite (unit, schema, integration, ...), then
# the style checks (clang-format on changed files, file and function lengths), counted each as
# one more test; scripts/check-style.sh runs them by hand.
tier_native() {
    local dir=$QGA_BUILD_DIR rc=0
    qga_meson_setup "$dir" -Dwerror=true || { qga_tier_broken "meson setup failed"; return 1; }
    ninja -C "$dir" -j "$QGA_JOBS" || { qga_tier_broken "the -Werror build failed"; return 1; }
    qga_meson_test "$dir/tier-native.log" -C "$dir" || rc=1
    qga_style_checks || rc=1
    return $rc
}

# (b) AddressSanitizer + UBSan: unit, integration and g2h suites; any report fails the test
# (abort_on_error / halt_on_error), leaks included (the agent is checked at every SIGTERM).
tier_sanitize() {
    local dir=$QGA_BUILD_DIR-asan
    qga_meson_setup "$dir" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args='-fno-omit-frame-pointer -fno-sanitize-recover=all' \
        || { qga_tier_broken "meson setup failed"; return 1; }
    ninja -C "$dir" -j "$QGA_JOBS" || { qga_tier_broken "the sanitizer build failed"; return 1; }
    # Exported for the tests of this tier only (local -x ends with the function).
    local -x ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
    local -x UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    # ASan's quarantine keeps freed memory resident, so the peak-RSS bound of the oversized
    # message test is looser here; the native tier enforces the real one.
    local -x QGA_TEST_MAX_RSS_MB=${QGA_ASAN_MAX_RSS_MB:-600}
    # Time budgets in tests (e.g. test-json's huge-object parse) scale by this factor.
    local -x QGA_TEST_TIME_FACTOR=${QGA_TEST_TIME_FACTOR:-10}
    qga_meson_test "$dir/tier-sanitize.log" -C "$dir" --suite unit --suite integration --suite g2h \
        --timeout-multiplier 3
}

# (c) libFuzzer (clang): each target for a bounded time, seeded with a temporary copy of the
# JSONTestSuite files and of tests/fuzz/seeds/<target>/ (the corpus grows in that copy, never in
# the repository or the shared folder). A crash, leak, timeout or sanitizer report makes
# libFuzzer exit non-zero: that fails the tier.
tier_fuzz() {
    local dir=$QGA_BUILD_DIR-fuzz
    local seconds=${QGA_FUZZ_SECONDS:-60}
    (export CC=clang; qga_meson_setup "$dir" -Dfuzzing=true -Db_sanitize=address,undefined \
        -Db_lundef=false) \
        || { qga_tier_broken "meson setup (CC=clang -Dfuzzing=true) failed"; return 1; }
    local targets=(session json g2h-host g2h-link)
    ninja -C "$dir" -j "$QGA_JOBS" "${targets[@]/#/tests/fuzz/fuzz-}" \
        || { qga_tier_broken "the fuzz targets did not build"; return 1; }

    local corpus
    corpus=$(qga_jsontestsuite_dir "$dir")
    local n_seeds
    n_seeds=$(find "$corpus" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l)
    if [ "$n_seeds" -eq 0 ]; then
        qga_tier_broken "no JSONTestSuite files in $corpus (meson option jsontestsuite)"
        return 1
    fi

    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/qga-fuzz.XXXXXX")
    local target
    mkdir -p "$dir/fuzz-artifacts"
    for target in "${targets[@]}"; do
        mkdir -p "$work/seed-$target" "$work/corpus-$target"
        # Our own seeds: what hosts and guests really send (tests/fuzz/seeds/README.md).
        if [ -d "$QGA_ROOT/tests/fuzz/seeds/$target" ]; then
            cp "$QGA_ROOT/tests/fuzz/seeds/$target"/* "$work/seed-$target/"
        fi
    done
    cp "$corpus"/*.json "$work/seed-json/"
    cp "$corpus"/*.json "$work/seed-session/"
    echo "fuzz: $n_seeds JSONTestSuite seeds copied from $corpus to $work, with" \
        "$(find "$QGA_ROOT/tests/fuzz/seeds" -mindepth 2 -type f | wc -l) of tests/fuzz/seeds/"

    # Half the time to the session target (framer + parser + dispatch), a sixth to each other one.
    local budget rc
    for target in "${targets[@]}"; do
        if [ "$target" = session ]; then budget=$((seconds / 2)); else budget=$((seconds / 6)); fi
        echo "fuzz: fuzz-$target for ${budget}s"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            "$dir/tests/fuzz/fuzz-$target" -max_total_time="$budget" -rss_limit_mb=2048 -timeout=10 \
            -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/fuzz-artifacts/$target-" \
            "$work/corpus-$target" "$work/seed-$target" >"$dir/fuzz-$target.log" 2>&1
        rc=$?
        grep -E '^(#[0-9]+.*(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' \
            "$dir/fuzz-$target.log" | sed "s/^/fuzz-$target: /"
        if [ "$rc" -eq 0 ]; then
            tap_pass "fuzz-$target"
        else
            tap_fail "fuzz-$target"
            echo "!! fuzz-$target failed (exit status $rc); its log ($dir/fuzz-$target.log) ends:" >&2
            tail -n 60 "$dir/fuzz-$target.log" >&2
            echo "!! reproducer(s) kept in $dir/fuzz-artifacts/" >&2
        fi
    done
    rm -rf "$work"
    echo "fuzz: $TAP_PASSED passed, $TAP_FAILED failed"
    [ "$TAP_FAILED" -eq 0 ]
}

# (d) Windows/Wine: qga-compat.exe from the mingw-w64 cross build ($QGA_BUILD_DIR-win), its
# Windows unit tests, the native build's integration programs against it, the service, under a
# headless Wine prefix that tests/wine/run.sh creates and removes.
tier_windows() {
    qga_tier_script "$QGA_BUILD_DIR-win.tier.log" "$QGA_ROOT/tests/wine/run.sh" \
        --native-build "$QGA_BUILD_DIR" --win-build "$QGA_BUILD_DIR-win"
}

# (e) End to end: a TCG guest running our agent on real virtio-serial ports, under a libvirtd
# the tier starts itself (tests/e2e/run.sh; see docs/PROBE.md).
tier_e2e() {
    "$QGA_ROOT/tests/e2e/setup-host.sh" || { qga_tier_broken "tests/e2e/setup-host.sh failed"; return 1; }
    qga_tier_script "$QGA_BUILD_DIR-e2e.log" "$QGA_ROOT/tests/e2e/run.sh" "$QGA_BUILD_DIR"
}

# (f) MSI: the installer of the cross build (shared with the Windows tier), its tables, and
# install / upgrade / uninstall under a headless Wine prefix that tests/msi/run.sh makes.
tier_msi() {
    qga_tier_script "$QGA_BUILD_DIR-win.msi-tier.log" "$QGA_ROOT/tests/msi/run.sh" \
        --win-build "$QGA_BUILD_DIR-win"
}
