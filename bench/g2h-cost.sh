#!/bin/sh
# What the guest-driven channel costs the QGA side: the same agent binary with the channel on
# (its default: the port is absent here, so it waits for it) against --g2h=off, alternating.
#
#   bench/g2h-cost.sh [any qga-bench.py option]
#
# BUILD as for bench/run.sh (default build-bench in the source tree, release). The "reference"
# column of the table is the agent with --g2h=off; ratios near 1.0x mean no cost.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" "$ROOT" --buildtype=release
fi
ninja -j2 -C "$BUILD" qga-compat/qga-compat >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/qga-g2h-cost.XXXXXX")
trap 'rm -rf "$W"' EXIT
# exec: the measured process is the agent itself, not a shell.
printf '#!/bin/sh\nexec "%s" "$@"\n' "$BUILD/qga-compat/qga-compat" >"$W/g2h-on"
printf '#!/bin/sh\nexec "%s" --g2h=off "$@"\n' "$BUILD/qga-compat/qga-compat" >"$W/g2h-off"
chmod +x "$W/g2h-on" "$W/g2h-off"
python3 "$ROOT/bench/qga-bench.py" --agent "$W/g2h-on" --ref "$W/g2h-off" --name "g2h on" "$@"
