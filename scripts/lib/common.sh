# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).

QGA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Build directories: $QGA_BUILD_DIR (default <checkout>/build-test, git-ignored), and
# siblings with -asan / -fuzz / -run suffixes for the other configurations.
QGA_BUILD_DIR=${QGA_BUILD_DIR:-$QGA_ROOT/build-test}
# Parallel jobs: one per core the machine has (2 where nproc is missing).
QGA_JOBS=${QGA_JOBS:-$(nproc 2>/dev/null || echo 2)}

qga_log() {
    printf '\n==> %s\n' "$*"
}

# qga_meson_setup DIR [meson options...]: configure once, reconfigure with the same options
# later (a directory configured for another checkout is wiped and set up again).
qga_meson_setup() {
    local dir=$1
    shift
    if [ -f "$dir/meson-private/coredata.dat" ]; then
        if meson setup --reconfigure "$dir" "$QGA_ROOT" "$@" >"$dir/setup.log" 2>&1; then
            return 0
        fi
        echo "meson reconfigure of $dir failed; starting that build directory afresh" >&2
        rm -rf "$dir"
    fi
    mkdir -p "$dir"
    if ! meson setup "$dir" "$QGA_ROOT" "$@" >"$dir.setup.log" 2>&1; then
        cat "$dir.setup.log" >&2
        rm -f "$dir.setup.log"
        return 1
    fi
    mv "$dir.setup.log" "$dir/setup.log"
}

# The JSONTestSuite folder a build directory was configured with (meson option jsontestsuite;
# empty means the default beside the checkout, as tests/meson.build computes it).
qga_jsontestsuite_dir() {
    local dir=$1 value
    value=$(meson introspect --buildoptions "$dir" | python3 -c '
import json, sys
for opt in json.load(sys.stdin):
    if opt["name"] == "jsontestsuite":
        print(opt["value"])
')
    if [ -z "$value" ]; then
        value=$QGA_ROOT/../shared/testdata/JSONTestSuite/test_parsing
    fi
    printf '%s\n' "$value"
}
