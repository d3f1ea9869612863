#!/bin/bash
# The end-to-end tier: a TCG guest running the agent on real virtio-serial ports under a libvirtd this script starts, checked with virsh and qga-probe.
#
# Usage: tests/e2e/run.sh [HOST_BUILD_DIR]
#   HOST_BUILD_DIR  a native build of this tree to take qga-probe from (built there if needed);
#                   default: its own build in /tmp/qga-e2e-build-host
# Environment:
#   E2E_AGENT=qga-compat (default) | qemu-ga   which agent runs in the guest (qemu-ga: Debian's,
#                                              the reference the checks were validated against)
#   QGA_E2E_CACHE   kernel/initramfs cache (default /tmp/qga-e2e-cache)
#   QGA_E2E_KEEP=1  keep the work directory (console log, libvirtd log) after the run
#   QGA_E2E_AGENT_ARGS=-v  one extra word for the agent's command line in the guest (its log
#                   goes to the console log)
# Needs root and tests/e2e/setup-host.sh done once. Prints "N passed, M failed"; exits 1 on failure.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$SRC/tests/e2e"
AGENT_KIND=${E2E_AGENT:-qga-compat}
CACHE=${QGA_E2E_CACHE:-/tmp/qga-e2e-cache}
# The static agent's own build directory, one per checkout.
AGENT_BUILD=/tmp/qga-e2e-build-agent-$(printf '%s' "$SRC" | md5sum | cut -c1-8)
HOST_BUILD=${1:-/tmp/qga-e2e-build-host}
W=$(mktemp -d /tmp/qga-e2e-run.XXXXXX)
DOM=qga-compat-e2e
DOM2=qga-compat-e2e-noagent
URI=qemu:///system
V="virsh -q -c $URI"
GUEST_HOST=qga-e2e-guest
G2H=org.qgacompat.g2h.0
PROBE_CH=org.qgacompat.probe.0   # a second QGA agent's port (the raw-socket transport check)
T0=$(date +%s.%N)

DEFINED=0 LIBVIRTD_PID="" QEMU_PIDS=""
declare -a PENDING=()

log() { printf '[e2e %6.1fs] %s\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
# Results are counted by tests/lib/tap.sh and printed with the clock in front.
source "$SRC/tests/lib/tap.sh"
tap_print() { log "$*"; }

# Stop everything this script started, by pid, whatever happened before.
cleanup() {
    local p
    trap - EXIT INT TERM
    [ -f "$W/listen.pid" ] && kill "$(cat "$W/listen.pid")" 2>/dev/null
    # Both domains are ours by name (the second one is defined inside a check's subshell).
    if [ "$DEFINED" = 1 ]; then
        for d in "$DOM" "$DOM2"; do
            $V dominfo "$d" >/dev/null 2>&1 || continue
            p=$(cat "/run/libvirt/qemu/$d.pid" 2>/dev/null)
            $V destroy "$d" >/dev/null 2>&1
            $V undefine "$d" >/dev/null 2>&1
            [ -n "$p" ] && QEMU_PIDS="$QEMU_PIDS $p"
        done
    fi
    for p in $QEMU_PIDS; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    if [ -n "$LIBVIRTD_PID" ]; then
        kill "$LIBVIRTD_PID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$LIBVIRTD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$LIBVIRTD_PID" 2>/dev/null
    fi
    if [ "${QGA_E2E_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" != 0 ]; then
        log "work directory kept: $W (console.log, libvirtd.log)"
    else
        rm -rf "$W"
    fi
    tap_closing_line && [ "$TAP_PASSED" -gt 0 ]
    exit $?
}
trap cleanup EXIT
trap 'tap_fail "interrupted"; exit 1' INT TERM

# A fatal problem before the checks can run: counted as a failure, then everything is undone.
die() { tap_fail "$1" "${2:-}"; exit 1; }

# Run a command in the guest through the serial console's shell (no output comes back).
guest_sh() {
    printf '%s\n' "$1" | timeout 5 socat -t 0.3 - "UNIX-CONNECT:$W/console.sock,shut-none" >/dev/null 2>&1
}

# Poll until "virsh qemu-agent-command guest-ping" answers; $1 = seconds.
wait_for_agent() {
    local deadline=$(($(date +%s) + $1)) out
    until out=$($V qemu-agent-command "$DOM" '{"execute":"guest-ping"}' 2>&1); do
        [ "$(date +%s)" -ge "$deadline" ] && { echo "$out"; return 1; }
        sleep 0.2
    done
}

# Does the guest agent list this command as enabled? (decides between the check and the
# documented "not supported yet" behaviour for commands later issues add)
agent_has() {
    $PROBE --connect $URI --domain "$DOM" info 2>/dev/null | grep -Eq "^  $1 +yes\$"
}

# ---------------------------------------------------------------------------------------------
# 0. Preconditions: say what is missing instead of failing somewhere in the middle.

[ "$(id -u)" = 0 ] || die "the e2e tier needs root (libvirtd, QEMU)"
for c in virsh libvirtd qemu-system-x86_64 socat busybox /sbin/modinfo mkfs.ext2 meson ninja readelf; do
    command -v "$c" >/dev/null 2>&1 || die "missing $c: run tests/e2e/setup-host.sh (scripts/setup.sh e2e)"
done
[ -x /usr/sbin/qemu-ga ] || die "missing /usr/sbin/qemu-ga (package qemu-guest-agent): run tests/e2e/setup-host.sh"
grep -q '^user = "root"' /etc/libvirt/qemu.conf && grep -q '^stdio_handler = "file"' /etc/libvirt/qemu.conf ||
    die "/etc/libvirt/qemu.conf lacks the e2e settings: run tests/e2e/setup-host.sh"

# ---------------------------------------------------------------------------------------------
# 1. Builds: the Linux agent statically (its own build dir), qga-probe natively.

if [ "$AGENT_KIND" = qga-compat ]; then
    if [ ! -f "$AGENT_BUILD/build.ninja" ]; then
        meson setup "$AGENT_BUILD" "$SRC" -Dbuildtype=release -Dc_link_args=-static >"$W/agent-setup.log" 2>&1 ||
            die "meson setup of the static agent build failed" "$(tail -20 "$W/agent-setup.log")"
    fi
    ninja -C "$AGENT_BUILD" -j2 qga-compat/qga-compat >"$W/agent-build.log" 2>&1 ||
        die "building the static agent failed" "$(tail -30 "$W/agent-build.log")"
    AGENT_BIN="$AGENT_BUILD/qga-compat/qga-compat"
    readelf -d "$AGENT_BIN" 2>/dev/null | grep -q NEEDED && die "$AGENT_BIN is not static"
elif [ "$AGENT_KIND" = qemu-ga ]; then
    AGENT_BIN=/usr/sbin/qemu-ga
else
    die "E2E_AGENT must be qga-compat or qemu-ga, not '$AGENT_KIND'"
fi
if [ ! -f "$HOST_BUILD/build.ninja" ]; then
    meson setup "$HOST_BUILD" "$SRC" >"$W/host-setup.log" 2>&1 ||
        die "meson setup of the host build failed" "$(tail -20 "$W/host-setup.log")"
fi
ninja -C "$HOST_BUILD" -j2 host-probe/qga-probe tests/probe/test-probe-live \
    >"$W/host-build.log" 2>&1 ||
    die "building qga-probe failed" "$(tail -30 "$W/host-build.log")"
PROBE="$HOST_BUILD/host-probe/qga-probe"
P="$PROBE --connect $URI"
log "built: agent $AGENT_BIN ($AGENT_KIND), probe $PROBE"

# ---------------------------------------------------------------------------------------------
# 2. The guest image (kernel cached by package version, initramfs by content) and its disk.

guest_env=$("$HERE/build-guest.sh" "$AGENT_KIND" "$AGENT_BIN" "$CACHE" 2>"$W/guest-build.log") ||
    die "building the guest image failed" "$(tail -20 "$W/guest-build.log")"
eval "$guest_env"
truncate -s 16M "$W/data.img" && mkfs.ext2 -q -F -L qgadata "$W/data.img" ||
    die "cannot make the data disk"
sed -e "s|@NAME@|$DOM|g" -e "s|@WORK@|$W|g" -e "s|@KERNEL@|$KERNEL|g" -e "s|@INITRD@|$INITRD|g" \
    -e "s|@AGENT@|$AGENT_KIND|g" -e "s|@AGENT_ARGS@|${QGA_E2E_AGENT_ARGS:-}|g" \
    "$HERE/domain.xml.in" > "$W/domain.xml"
log "guest: $KERNEL, $INITRD"

# ---------------------------------------------------------------------------------------------
# 3. libvirtd, started here (no systemd): reused, and left alone, if one already answers.

if $V version >/dev/null 2>&1; then
    log "a libvirtd is already running: using it, leaving it running"
else
    LIBVIRT_LOG_OUTPUTS="3:file:$W/libvirtd.log" /usr/sbin/libvirtd -d -p "$W/libvirtd.pid" ||
        die "libvirtd did not start"
    for _ in $(seq 300); do [ -s "$W/libvirtd.pid" ] && break; sleep 0.1; done
    LIBVIRTD_PID=$(cat "$W/libvirtd.pid" 2>/dev/null)
    # The first start on a machine probes QEMU's capabilities (~8 s).
    for _ in $(seq 600); do $V version >/dev/null 2>&1 && break; sleep 0.1; done
    $V version >/dev/null 2>&1 || die "libvirtd does not answer" "$(tail -20 "$W/libvirtd.log")"
    log "libvirtd started (pid $LIBVIRTD_PID)"
fi

# Domains left over by an interrupted run go first.
for d in "$DOM" "$DOM2"; do
    if $V dominfo "$d" >/dev/null 2>&1; then
        $V destroy "$d" >/dev/null 2>&1
        $V undefine "$d" >/dev/null 2>&1
    fi
done
out=$($V define "$W/domain.xml" 2>&1) || die "virsh define failed" "$out"
DEFINED=1
# What the guest-driven channel's listener exposes to the guest as its identity (set before the
# domain starts, so the agent's first hello already gets it).
IDENTITY_NS=https://qga-compat.org/xmlns/identity/1
out=$($V metadata "$DOM" --uri "$IDENTITY_NS" --key qga --config \
      --set '<identity><entry key="role">e2e-guest</entry></identity>' 2>&1) || die "virsh metadata failed" "$out"
out=$($V start "$DOM" 2>&1) || die "virsh start failed" "$out"
QEMU_PIDS=$(cat "/run/libvirt/qemu/$DOM.pid" 2>/dev/null)
log "domain $DOM started (qemu pid $QEMU_PIDS)"

# The guest-driven channel's listener, for the whole run: every running domain of the URI, its
# events in listen.out, a hook recording each event (owned by root, not group-writable).
mkdir -p "$W/hooks" "$W/g2h-state"
printf '#!/bin/sh\n{ echo "$QGA_DOMAIN $QGA_DOMAIN_UUID $QGA_EVENT"; cat; } >> %s/hook.log\n' "$W" > "$W/hooks/10-record"
chmod 755 "$W/hooks/10-record"
# Its pid in a file: the checks run in subshells, and one of them restarts it.
start_listener() {
    $PROBE listen --connect $URI --state-dir "$W/g2h-state" --hooks-dir "$W/hooks" >>"$W/listen.out" 2>>"$W/listen.err" &
    echo $! >"$W/listen.pid"
}
start_listener
out=$(wait_for_agent 90) || die "the agent never answered guest-ping through libvirt" \
    "$out
$(tail -20 "$W/console.log" 2>/dev/null)"
log "agent answered through libvirt"

# ---------------------------------------------------------------------------------------------
# 4. The checks.

check() {  # NAME FUNCTION: the function prints why it failed and returns non-zero;
           # its "NOTE:" lines are shown on success too
    local out
    if out=$("$2" 2>&1); then
        tap_pass "$1"
        grep '^NOTE:' <<<"$out" | sed 's/^/        /'
    else
        tap_fail "$1" "$out"
    fi
}

c_qac_ping() {
    local out
    out=$($V qemu-agent-command "$DOM" '{"execute":"guest-ping"}') || return 1
    [ "$out" = '{"return":{}}' ] || { echo "got: $out"; return 1; }
}

c_qac_info() {
    local out want
    out=$($V qemu-agent-command "$DOM" '{"execute":"guest-info"}') || return 1
    if [ "$AGENT_KIND" = qga-compat ]; then
        want=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -1)
        grep -q "\"version\":\"$want\"" <<<"$out" || { echo "no version $want in: $out"; return 1; }
    fi
    grep -q '"name":"guest-ping"' <<<"$out" || { echo "guest-ping not listed: $out"; return 1; }
    grep -q '"name":"guest-sync-delimited"' <<<"$out" || { echo "guest-sync-delimited not listed: $out"; return 1; }
}

# "Time: 1795597090" -> seconds
domtime_get() { $V domtime "$DOM" | sed -n 's/^Time: *\([0-9][0-9]*\)$/\1/p'; }
near() { local d=$(($1 - $2)); [ "${d#-}" -le "$3" ]; }

c_domtime_get() {
    local t now
    t=$(domtime_get) && now=$(date +%s) || return 1
    near "$t" "$now" 10 || { echo "guest time $t, host $now"; return 1; }
}

c_domtime_set() {
    local target t now
    # One day ahead inside the guest VM (its own clock; the host's is untouched), then back.
    target=$(($(date +%s) + 86400))
    $V domtime "$DOM" --time "$target" || return 1
    t=$(domtime_get) || return 1
    near "$t" "$target" 5 || { echo "after --time $target the guest says $t"; return 1; }
    $V domtime "$DOM" --now || return 1
    t=$(domtime_get) && now=$(date +%s) || return 1
    near "$t" "$now" 5 || { echo "after --now the guest says $t, host $now"; return 1; }
}

c_domhostname() {
    local out
    out=$($V domhostname "$DOM" --source agent) || return 1
    [ "$out" = "$GUEST_HOST" ] || { echo "got '$out'"; return 1; }
}

c_guestinfo_types() {
    local out
    out=$($V guestinfo "$DOM" --os --timezone --hostname) || return 1
    grep -Eq '^os\.id +: qga-e2e$' <<<"$out" || { echo "no os.id: $out"; return 1; }
    grep -Eq '^os\.pretty-name +: qga-compat e2e guest 1$' <<<"$out" || { echo "no os.pretty-name: $out"; return 1; }
    grep -Eq '^os\.kernel-release +: [0-9]' <<<"$out" || { echo "no os.kernel-release: $out"; return 1; }
    grep -Eq '^timezone\.offset +: 0$' <<<"$out" || { echo "no timezone.offset 0: $out"; return 1; }
    grep -Eq "^hostname +: $GUEST_HOST\$" <<<"$out" || { echo "no hostname: $out"; return 1; }
}

# With no type flags libvirt asks for everything and skips only CommandNotFound/Disabled.
c_guestinfo_all() {
    local out
    out=$($V guestinfo "$DOM" 2>&1) || { echo "$out"; return 1; }
    grep -Eq "^hostname +: $GUEST_HOST\$" <<<"$out" || { echo "$out"; return 1; }
}

c_domfsinfo() {
    local out
    out=$($V domfsinfo "$DOM") || return 1
    grep -Eq '^ */mnt/data +vda +ext2 +vda$' <<<"$out" || { echo "no '/mnt/data vda ext2 vda' row: $out"; return 1; }
}

c_domifaddr() {
    local out
    out=$($V domifaddr "$DOM" --source agent) || return 1
    grep -Eq '^ *eth0 +52:54:00:e2:e0:01 +ipv4 +10\.0\.2\.15/24$' <<<"$out" ||
        { echo "no eth0 row: $out"; return 1; }
}

c_probe_report() {
    local out skew
    out=$($P --domain "$DOM" report) || { echo "exit $?: $out"; return 1; }
    grep -q "^Hostname     $GUEST_HOST\$" <<<"$out" || { echo "$out"; return 1; }
    grep -q '^OS           qga-compat e2e guest 1; kernel [0-9].*; x86_64$' <<<"$out" || { echo "$out"; return 1; }
    grep -q '^Timezone     UTC+00:00' <<<"$out" || { echo "$out"; return 1; }
    skew=$(sed -n 's/^Time .*; skew \([-+][0-9.]*\) s against.*/\1/p' <<<"$out")
    [ -n "$skew" ] && awk -v s="$skew" 'BEGIN{exit !(s < 5 && s > -5)}' || { echo "skew '$skew': $out"; return 1; }
    if agent_has guest-get-fsinfo; then
        grep -Eq '^ +/mnt/data +ext2 ' <<<"$out" || { echo "no /mnt/data filesystem: $out"; return 1; }
    fi
    if agent_has guest-network-get-interfaces; then
        grep -Eq '^ +eth0 +52:54:00:e2:e0:01 +10\.0\.2\.15/24' <<<"$out" || { echo "no eth0: $out"; return 1; }
    fi
    echo "$out"
}

# Raw socket on the second channel, found in the live XML, while libvirt holds the first.
c_probe_channel() {
    local out
    out=$($P --domain "$DOM" --channel $PROBE_CH --json call guest-get-host-name) || { echo "exit $?: $out"; return 1; }
    [ "$out" = "{\"return\":{\"host-name\":\"$GUEST_HOST\"}}" ] || { echo "got: $out"; return 1; }
    # Fresh connections one after the other: every one must be answered (the agent sees the
    # host side come and go on its port each time).
    for i in 1 2 3 4 5; do
        out=$($P --domain "$DOM" --channel $PROBE_CH --timeout 5 ping 2>&1) || { echo "connection $i: $out"; return 1; }
    done
    # libvirt still has the first channel working at the same time
    c_qac_ping || return 1
    out=$($P --domain "$DOM" --channel org.qemu.guest_agent.0 ping 2>&1)
    [ $? = 2 ] || { echo "--channel org.qemu.guest_agent.0: want exit 2, got: $out"; return 1; }
}

c_probe_errors() {
    local out
    out=$($P --domain no-such-domain-e2e ping 2>&1)
    [ $? = 4 ] || { echo "unknown domain: want exit 4: $out"; return 1; }
    out=$($P --domain "$DOM" call guest-frobnicate 2>&1)
    [ $? = 8 ] || { echo "unknown command: want exit 8: $out"; return 1; }
    grep -q "not supported by this agent (CommandNotFound" <<<"$out" || { echo "$out"; return 1; }
    # A request libvirt would corrupt is refused before it is sent.
    out=$(head -c 200000 /dev/zero | $P --domain "$DOM" exec --stdin -- /bin/cat 2>&1)
    [ $? = 255 ] && grep -q "at most 131072 bytes arrive intact" <<<"$out" ||
        { echo "oversized request: $out"; return 1; }
    # ... and libvirt's agent connection is still fine afterwards
    c_qac_ping
}

c_probe_exec() {
    local out rc
    out=$($P --domain "$DOM" exec -- /bin/sh -c 'echo hello from $(hostname); exit 3' 2>&1)
    rc=$?
    if agent_has guest-exec; then
        [ $rc = 3 ] && [ "$out" = "hello from $GUEST_HOST" ] || { echo "exit $rc: $out"; return 1; }
    else
        # Documented behaviour until the agent has guest-exec.
        [ $rc = 255 ] && grep -q "guest-exec: not supported by this agent (CommandNotFound" <<<"$out" ||
            { echo "exit $rc: $out"; return 1; }
        echo "NOTE: the agent has no guest-exec yet: checked the documented CommandNotFound (exit 255)"
    fi
}

# 3 MiB through libvirt: pushed in 96 KiB chunks (a request must fit libvirt's agent socket
# buffer), pulled in 1 MiB chunks (a reply must stay under libvirt's 4 MiB RPC string cap).
c_probe_cp() {
    local out rc
    head -c 3145745 /dev/urandom > "$W/cp-src.bin"
    out=$($P --domain "$DOM" --timeout 30 cp "$W/cp-src.bin" guest:/mnt/data/cp.bin 2>&1)
    rc=$?
    if ! agent_has guest-file-open; then
        [ $rc = 8 ] && grep -q "guest-file-open: not supported by this agent (CommandNotFound" <<<"$out" ||
            { echo "exit $rc: $out"; return 1; }
        echo "NOTE: the agent has no guest-file-* yet: checked the documented CommandNotFound (exit 8)"
        return 0
    fi
    [ $rc = 0 ] || { echo "push: exit $rc: $out"; return 1; }
    $P --domain "$DOM" --timeout 30 cp guest:/mnt/data/cp.bin "$W/cp-back.bin" || return 1
    cmp "$W/cp-src.bin" "$W/cp-back.bin"
}

# The second domain has no agent channel: "not running" while defined only, "not configured"
# once it runs, and fleet reports both domains (exit 1: one of them cannot answer).
c_probe_noagent() {
    local out rc
    sed -e "s|@NAME@|$DOM2|g" "$HERE/domain-noagent.xml.in" > "$W/domain-noagent.xml"
    $V define "$W/domain-noagent.xml" >/dev/null || return 1
    out=$($P --domain "$DOM2" ping 2>&1)
    [ $? = 4 ] && grep -q "domain is not running" <<<"$out" || { echo "inactive domain: $out"; return 1; }
    $V start "$DOM2" >/dev/null || return 1
    out=$($P --domain "$DOM2" ping 2>&1)
    [ $? = 5 ] && grep -q "QEMU guest agent is not configured" <<<"$out" || { echo "no channel: $out"; return 1; }
    out=$($P --domain "$DOM2" --channel $G2H ping 2>&1)
    [ $? = 5 ] && grep -q "has no virtio unix channel named $G2H" <<<"$out" || { echo "no g2h: $out"; return 1; }
    out=$($P fleet --jobs 2 version)
    rc=$?
    grep -Eq "^$DOM +ok +[0-9.]+ ms +" <<<"$out" || { echo "no ok row for $DOM: $out"; return 1; }
    grep -Eq "^$DOM2 +agent-not-configured +- +" <<<"$out" || { echo "no not-configured row for $DOM2: $out"; return 1; }
    [ $rc = 1 ] || { echo "fleet exit $rc, want 1"; return 1; }
    $V destroy "$DOM2" >/dev/null && $V undefine "$DOM2" >/dev/null
}

# Kill the agent inside the guest: its port closes and reopens, QEMU tells libvirt
# (VSERPORT_CHANGE), libvirt drops the connection and reconnects by itself.
c_agent_restart() {
    local pid rc=0
    $PROBE --connect $URI --domain "$DOM" watch --count 2 --for 60 > "$W/watch.txt" 2>&1 &
    pid=$!
    sleep 0.5
    if ! guest_sh 'kill $(cat /run/agent.org.qemu.guest_agent.0.pid)'; then
        echo "console not reachable"
        rc=1
    elif ! wait_for_agent 30; then
        echo "the agent did not come back"
        rc=1
    fi
    # watch exits by itself after two events (disconnected, connected; the initial line is no event)
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    cat "$W/watch.txt"
    [ $rc = 0 ] &&
        grep -q "$DOM  agent connected (initial)" "$W/watch.txt" &&
        grep -q "$DOM  agent disconnected (channel)" "$W/watch.txt" &&
        grep -q "$DOM  agent connected (channel)" "$W/watch.txt"
}

# exec and cp against Debian's qemu-ga on a host socket (the reference agent; no VM needed).
c_probe_vs_qemu_ga() {
    QGA_PROBE="$PROBE" PROBE_AGENT=/usr/sbin/qemu-ga "$HOST_BUILD/tests/probe/test-probe-live" --tap
}

# ---- the guest-driven channel (qga-compat only: qemu-ga has none) ----

# Wait up to $2 seconds for a line of listen.out matching the extended regex $1.
wait_listen() {
    local deadline=$(($(date +%s) + $2))
    until grep -Eq "$1" "$W/listen.out"; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

listen_count() { grep -Ec "$1" "$W/listen.out"; }

HELLO_RE='"domain":"qga-compat-e2e".*"execute":"host-hello"'

c_g2h_listen() {
    local uuid out
    uuid=$($V domuuid "$DOM") || return 1
    wait_listen "$HELLO_RE" 60 || { echo "no host-hello from $DOM"; cat "$W/listen.out" "$W/listen.err"; return 1; }
    grep -E "$HELLO_RE" "$W/listen.out" | head -1 | grep -q "\"uuid\":\"$uuid\"" || { echo "hello without uuid $uuid"; return 1; }
    grep -E "$HELLO_RE" "$W/listen.out" | head -1 | grep -q '"os":"linux"' || { echo "hello without os linux"; return 1; }
    # The guest's heartbeat (every 2 s in this guest's config) and the hook that saw it.
    wait_listen '"domain":"qga-compat-e2e".*"event":"HEARTBEAT"' 20 || { echo "no HEARTBEAT"; cat "$W/listen.out"; return 1; }
    for _ in $(seq 50); do grep -q "^qga-compat-e2e $uuid HEARTBEAT\$" "$W/hook.log" 2>/dev/null && break; sleep 0.2; done
    grep -q "^qga-compat-e2e $uuid HEARTBEAT\$" "$W/hook.log" || { echo "hook did not run: $(cat "$W/hook.log" 2>&1)"; cat "$W/listen.err"; return 1; }
    # A key the guest set, read on the host (the listener's per-domain store).
    for _ in $(seq 50); do grep -q "^guest.hostname=$GUEST_HOST\$" "$W/g2h-state/$uuid.kv" 2>/dev/null && break; sleep 0.2; done
    grep -q "^guest.hostname=$GUEST_HOST\$" "$W/g2h-state/$uuid.kv" || { echo "no guest.hostname in $uuid.kv: $(cat "$W/g2h-state/$uuid.kv" 2>&1)"; return 1; }
    grep -q '^guest.os=qga-compat e2e guest 1$' "$W/g2h-state/$uuid.kv" || { cat "$W/g2h-state/$uuid.kv"; return 1; }
    # What the host told the guest, as the guest's software sees it (its state directory).
    for _ in $(seq 25); do
        out=$($P --domain "$DOM" exec -- /bin/cat /run/state1/g2h-identity.json 2>&1) && break
        sleep 0.2
    done
    grep -q '"name": "qga-compat-e2e"' <<<"$out" && grep -q "\"uuid\": \"$uuid\"" <<<"$out" &&
        grep -q '{"key": "role", "value": "e2e-guest"}' <<<"$out" || { echo "identity in the guest: $out"; return 1; }
    out=$($P --domain "$DOM" exec -- /bin/cat /run/state1/g2h-kv.json 2>&1)
    grep -q "\"guest.hostname\": \"$GUEST_HOST\"" <<<"$out" || { echo "kv in the guest: $out"; return 1; }
    echo "NOTE: $(listen_count '"event":"HEARTBEAT"') heartbeats so far"
}

# Agent CPU ticks (utime + stime) in the guest, read through the agent itself.
guest_agent_ticks() {
    local pid
    pid=$($P --domain "$DOM" exec -- /bin/cat /run/agent.org.qemu.guest_agent.0.pid) || return 1
    $P --domain "$DOM" exec -- /bin/cat "/proc/$pid/stat" | awk '{print $14 + $15}'
}

# The host side goes away: the agent waits on the port's SIGIO without spinning (virtio_console
# reports POLLHUP all the while), and says hello again as soon as a listener is back.
c_g2h_host_away() {
    local before t0 t1
    kill "$(cat "$W/listen.pid")" || return 1
    rm -f "$W/listen.pid"
    sleep 1
    t0=$(guest_agent_ticks) || { echo "cannot read the agent's CPU time"; return 1; }
    sleep 3
    t1=$(guest_agent_ticks) || return 1
    [ $((t1 - t0)) -le 5 ] || { echo "agent used $((t1 - t0)) ticks in 3 s with no host on its g2h port"; return 1; }
    before=$(listen_count "$HELLO_RE")
    start_listener
    for _ in $(seq 150); do [ "$(listen_count "$HELLO_RE")" -gt "$before" ] && break; sleep 0.2; done
    [ "$(listen_count "$HELLO_RE")" -gt "$before" ] || { echo "no hello after the listener came back"; tail -5 "$W/listen.out"; return 1; }
    echo "NOTE: agent CPU with the host away: $((t1 - t0)) ticks in 3 s (exec requests included)"
}

# The domain stops (agent shutdown above) and starts again: the listener follows libvirt's
# lifecycle events, drops the guest and serves it again after the new boot.
c_g2h_lifecycle() {
    local before
    wait_listen '"domain":"qga-compat-e2e".*"connection":"closed' 30 || { echo "no close after shutdown"; tail -5 "$W/listen.out"; return 1; }
    before=$(listen_count "$HELLO_RE")
    $V start "$DOM" >/dev/null || return 1
    QEMU_PIDS="$QEMU_PIDS $(cat "/run/libvirt/qemu/$DOM.pid" 2>/dev/null)"
    for _ in $(seq 600); do [ "$(listen_count "$HELLO_RE")" -gt "$before" ] && break; sleep 0.2; done
    [ "$(listen_count "$HELLO_RE")" -gt "$before" ] || { echo "no hello after the restart"; tail -20 "$W/listen.out"; tail -20 "$W/listen.err"; return 1; }
    kill -0 "$(cat "$W/listen.pid")" || { echo "the listener died"; return 1; }
}

c_shutdown_agent() {
    local out state
    if agent_has guest-shutdown; then
        out=$($V shutdown "$DOM" --mode agent 2>&1) || { echo "$out"; return 1; }
        for _ in $(seq 600); do
            state=$($V domstate "$DOM" 2>/dev/null)
            [ "$state" = "shut off" ] && return 0
            sleep 0.1
        done
        echo "still '$state' 60 s after virsh shutdown --mode agent"
        return 1
    fi
    # Documented current behaviour while the agent lacks guest-shutdown: libvirt reports the
    # agent's CommandNotFound and the guest keeps running.
    out=$($V shutdown "$DOM" --mode agent 2>&1)
    [ $? != 0 ] || { echo "virsh shutdown succeeded without guest-shutdown?"; return 1; }
    grep -q "The command guest-shutdown has not been found" <<<"$out" || { echo "$out"; return 1; }
    state=$($V domstate "$DOM")
    [ "$state" = running ] || { echo "state '$state'"; return 1; }
    echo "NOTE: the agent has no guest-shutdown yet: virsh reports its CommandNotFound, the guest keeps running"
}

check "virsh qemu-agent-command guest-ping" c_qac_ping
check "virsh qemu-agent-command guest-info" c_qac_info
check "virsh domtime (get)" c_domtime_get
check "virsh domtime --time / --now (set, in the guest)" c_domtime_set
check "virsh domhostname --source agent" c_domhostname
check "virsh guestinfo --os --timezone --hostname" c_guestinfo_types
check "virsh guestinfo (all types, unsupported ones skipped)" c_guestinfo_all
if agent_has guest-get-fsinfo; then check "virsh domfsinfo" c_domfsinfo
else PENDING+=("virsh domfsinfo (agent lacks guest-get-fsinfo)"); fi
if agent_has guest-network-get-interfaces; then check "virsh domifaddr --source agent" c_domifaddr
else PENDING+=("virsh domifaddr --source agent (agent lacks guest-network-get-interfaces)"); fi
check "qga-probe report through libvirt" c_probe_report
check "qga-probe --domain --channel $PROBE_CH while libvirt holds the agent channel" c_probe_channel
check "qga-probe error exit codes through libvirt" c_probe_errors
check "qga-probe exec through libvirt" c_probe_exec
check "qga-probe cp (3 MiB, chunked) through libvirt" c_probe_cp
check "qga-probe without an agent channel (not running, not configured) and fleet over two domains" c_probe_noagent
check "agent restarted in the guest, libvirt reconnects (qga-probe watch sees it)" c_agent_restart
check "qga-probe against Debian's qemu-ga on a socket (exec, cp, report)" c_probe_vs_qemu_ga
if [ "$AGENT_KIND" = qga-compat ]; then
    check "g2h: qga-probe listen --connect sees the guest's hello, heartbeat, keys; hook runs; identity reaches the guest" c_g2h_listen
    check "g2h: with the listener gone the agent sleeps on the port, and says hello when it is back" c_g2h_host_away
fi
HAS_SHUTDOWN=0
agent_has guest-shutdown && HAS_SHUTDOWN=1
check "virsh shutdown --mode agent" c_shutdown_agent
if [ "$AGENT_KIND" = qga-compat ] && [ "$HAS_SHUTDOWN" = 1 ]; then
    check "g2h: the listener follows the domain through stop and start" c_g2h_lifecycle
fi

for p in "${PENDING[@]}"; do log "PENDING $p"; done
log "console tail:"
# The console's last line has no newline (the shell's prompt): end it, so the closing line
# starts a line of its own.
tail -5 "$W/console.log" 2>/dev/null | sed -e 's/^/        /' -e '$a\'
