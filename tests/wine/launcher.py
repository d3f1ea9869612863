#!/usr/bin/env python3
"""Launcher of the Windows agent for the integration harness (tests/integration/harness.h).

The harness runs   LAUNCHER... AGENT -m unix-listen -p DIR/sock -t DIR [EXTRA...]   with cwd DIR.
This launcher runs instead

    wine qga-compat.exe -m isa-serial -p COMn -r -t Z:\\...\\DIR [EXTRA...]

with COMn linked to a pty whose other end is served at DIR/sock (portbridge.py), and keeps the
contract: environment passed through (paths in QGA_CONF / QGA_TEST_RECORD translated to Wine's
Z: drive), the agent's PID in $QGA_AGENT_PID_FILE, SIGTERM turned into the agent's own clean stop
(Ctrl-C, which Wine delivers to the console control handler), the socket removed on exit, our
exit status = the agent's, and the agent killed if we die.

Usage (as $QGA_AGENT_LAUNCHER):
    launcher.py --exe BUILD/qga-compat.exe [--seam-exe BUILD/qga-compat-testseam.exe]
                [--persistent] AGENT ARGS...
AGENT is replaced by --seam-exe when it is $QGA_TESTSEAM (the recording test build), else by --exe.
-r is added: with the bridge's reset-on-disconnect the agent must reopen the port after a host
hang-up, as a service started with -r does.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from portbridge import PortBridge  # noqa: E402

PATH_OPTIONS = {"-c", "-l", "-f", "-t", "--config", "--logfile", "--pidfile", "--statedir"}
STOP_TIMEOUT = 8.0


def winpath(path):
    """A Linux path as the Windows program sees it (Wine's Z: drive is the Linux root)."""
    if not path.startswith("/"):
        return path
    return "Z:" + path.replace("/", "\\")


def translate_args(args):
    out, sock = [], None
    i = 0
    while i < len(args):
        a = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if a in ("-m", "--method") and value is not None:
            if value != "unix-listen":
                sys.exit("launcher: only -m unix-listen can be bridged, got " + value)
            i += 2
            continue
        if a in ("-p", "--path") and value is not None:
            sock = value
            i += 2
            continue
        if a.startswith("--path="):
            sock = a[len("--path="):]
        elif a.startswith("--method="):
            pass
        elif a in PATH_OPTIONS and value is not None:
            out += [a, winpath(value)]
            i += 2
            continue
        elif "=" in a and a.split("=", 1)[0] in PATH_OPTIONS:
            name, v = a.split("=", 1)
            out.append(name + "=" + winpath(v))
        else:
            out.append(a)
        i += 1
    if sock is None:
        sys.exit("launcher: no -p SOCKET among the agent arguments")
    return out, sock


def claim_com_port(prefix):
    """Atomically take a free COM number (several agents may run at once)."""
    dosdevices = os.path.join(prefix, "dosdevices")
    for n in range(10, 256):
        link = os.path.join(dosdevices, "com%d" % n)
        lock = link + ".qga-lock"
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return n, link, lock
    sys.exit("launcher: no free COM port number in " + dosdevices)


def die_with_parent():
    # PR_SET_PDEATHSIG = 1: the agent must not outlive this launcher.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass


def main():
    argv = sys.argv[1:]
    exe = seam_exe = None
    persistent = False
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt.startswith("--exe="):
            exe = opt[len("--exe="):]
        elif opt == "--exe":
            exe = argv.pop(0)
        elif opt.startswith("--seam-exe="):
            seam_exe = opt[len("--seam-exe="):]
        elif opt == "--seam-exe":
            seam_exe = argv.pop(0)
        elif opt == "--persistent":
            persistent = True
        else:
            sys.exit("launcher: unknown option " + opt)
    if not exe or not argv:
        sys.exit(__doc__)
    agent, agent_args = argv[0], argv[1:]
    seam = os.environ.get("QGA_TESTSEAM")
    if seam and os.path.abspath(agent) == os.path.abspath(seam):
        if not seam_exe:
            sys.exit("launcher: the harness wants the test-seam agent but no --seam-exe was given")
        exe = seam_exe
    prefix = os.environ.get("WINEPREFIX")
    if not prefix:
        sys.exit("launcher: WINEPREFIX is not set (the Wine tier sets up the prefix)")

    win_args, sock = translate_args(agent_args)
    com, link, lock = claim_com_port(prefix)
    debug = os.environ.get("QGA_LAUNCHER_DEBUG")
    log = (lambda m: print("%.6f: launcher[com%d]: %s" % (time.time(), com, m), file=sys.stderr, flush=True)) if debug else None
    bridge = PortBridge(link, sock, reset=not persistent, log=log)

    env = dict(os.environ)
    env.setdefault("WINEDEBUG", "-all")
    for name in ("QGA_CONF", "QGA_TEST_RECORD"):
        if env.get(name):
            env[name] = winpath(env[name])
    cmd = ["wine", exe, "-m", "isa-serial", "-p", "COM%d" % com, "-r"] + win_args
    if log:
        log("running " + " ".join(cmd))
    child = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    pid_file = os.environ.get("QGA_AGENT_PID_FILE")
    if pid_file:
        with open(pid_file, "w") as f:
            f.write("%d\n" % child.pid)

    # Wake-ups without polling: the child's exit (pidfd) and our own signals (self-pipe).
    pidfd = os.pidfd_open(child.pid)
    bridge.watch(pidfd, "child")
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    bridge.watch(wake_r, "signal")
    signal.set_wakeup_fd(wake_w)

    def drain(fd, tag):
        if tag == "signal":
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass

    bridge.on_other = drain
    stop_at = [None]

    def on_term(signum, frame):
        if stop_at[0] is None:
            stop_at[0] = time.monotonic() + STOP_TIMEOUT
            try:
                child.send_signal(signal.SIGINT)  # Wine: CTRL_C_EVENT to the console handler
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    status = None
    try:
        while status is None:
            timeout = None if stop_at[0] is None else max(0.0, stop_at[0] - time.monotonic())
            bridge.run_once(timeout)
            status = child.poll()
            if status is None and stop_at[0] is not None and time.monotonic() >= stop_at[0]:
                child.kill()
                status = child.wait()
    finally:
        if status is None:
            child.kill()
            status = child.wait()
        bridge.close()
        try:
            os.unlink(lock)
        except FileNotFoundError:
            pass
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
