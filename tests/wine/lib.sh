# Shared by the Wine-based tiers (tests/wine/run.sh, tests/msi/run.sh), sourced: a private
# headless Wine prefix that is cleaned up on exit (their counting is tests/lib/tap.sh's).
# The caller sets KEEP (1 = keep the work directory) before wine_work_begin.

# A temporary work directory ($work) holding this run's prefix; headless (no X display).
wine_work_begin() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    export WINEPREFIX=$work/pfx WINEDEBUG=-all
    unset DISPLAY
    trap wine_work_cleanup EXIT
}

wine_work_cleanup() {
    # Only this run's prefix: its wineserver and every Windows process in it. Wine helpers
    # (winedevice.exe) have been seen to outlive a killed server: end those of this prefix,
    # found by their WINEPREFIX, by PID.
    wineserver -k </dev/null >/dev/null 2>&1
    wineserver -w </dev/null >/dev/null 2>&1
    local pid
    for pid in $(grep -lsxz "WINEPREFIX=$WINEPREFIX" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
        [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && kill -KILL "$pid" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}

# Create the prefix (unless it exists), stop the server that did it, then start a persistent
# server and Wine's services with stdio detached: services.exe & co. inherit stderr from whoever
# starts them and would otherwise hold a captured pipe open for as long as the server lives.
# (Starting the persistent server before `wineboot -i` leaves a services.exe that cannot start
# services.)
wine_prefix_start() {
    { [ -f "$WINEPREFIX/system.reg" ] || wineboot -i </dev/null >/dev/null 2>&1; } &&
        { wineserver -k </dev/null >/dev/null 2>&1; wineserver -w; } &&
        wineserver -p </dev/null >/dev/null 2>&1 && wine wineboot </dev/null >/dev/null 2>&1
}
