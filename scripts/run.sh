#!/usr/bin/env bash
# Builds the Linux agent, starts it on a private UNIX socket and shows a few real answers.
#
# Usage: scripts/run.sh        (the README's first command)
#
# What it does: scripts/setup.sh base, a meson build in $QGA_BUILD_DIR-run (default
# <checkout>/build-test-run), then `qga-compat -m unix-listen -p <tmp>/qga.sock -t <tmp>`,
# a handful of requests through socat, `qga-probe --socket ... report` (what an operator sees),
# and a clean stop with SIGTERM.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

if [ "${QGA_SKIP_SETUP:-0}" != 1 ]; then
    "$QGA_ROOT/scripts/setup.sh" base
fi

build=$QGA_BUILD_DIR-run
qga_log "building the agent in $build"
qga_meson_setup "$build"
ninja -C "$build" -j "$QGA_JOBS" qga-compat/qga-compat host-probe/qga-probe
agent=$build/qga-compat/qga-compat

work=$(mktemp -d "${TMPDIR:-/tmp}/qga-run.XXXXXX")
sock=$work/qga.sock
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

qga_log "starting: $agent -m unix-listen -p $sock -t $work"
"$agent" -m unix-listen -p "$sock" -t "$work" &
pid=$!
for _ in $(seq 100); do
    [ -S "$sock" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "the agent exited during start-up" >&2; exit 1; }
    sleep 0.05
done
[ -S "$sock" ] || { echo "the agent did not create $sock" >&2; exit 1; }

# One request per connection, the way `socat - UNIX-CONNECT:...` users talk to qemu-ga.
# shut-none keeps our side open until the reply is in (socat waits -t seconds for it).
ask() {
    printf '%s\n' "$1" | socat -t 1 - "UNIX-CONNECT:$sock,shut-none"
}

show() {
    printf '\n$ %s\n' "$1"
    ask "$1"
}

qga_log "guest-info (summary)"
ask '{"execute":"guest-info"}' | python3 -c '
import json, sys
info = json.loads(sys.stdin.readline())["return"]
cmds = info["supported_commands"]
enabled = [c["name"] for c in cmds if c["enabled"]]
print("version %s, %d commands (%d enabled):" % (info["version"], len(cmds), len(enabled)))
print("  " + ", ".join(c["name"] for c in cmds))
'

qga_log "a few answers"
show '{"execute":"guest-get-osinfo"}'
show '{"execute":"guest-get-host-name"}'
show '{"execute":"guest-get-time"}'
show '{"execute":"guest-get-timezone"}'
show '{"execute":"guest-sync","arguments":{"id":1733000000000}}'
show '{"execute":"guest-ping","arguments":{"foo":42},"id":"bad-1"}'
show '{"execute":"guest-no-such-command"}'

qga_log "the operator's view: qga-probe report over the socket"
"$build/host-probe/qga-probe" --socket "$sock" report

qga_log "stopping the agent (SIGTERM)"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ -e "$sock" ]; then
    echo "the agent left $sock behind" >&2
    exit 1
fi
echo "the agent exited with status $status and removed its socket"
exit "$status"
