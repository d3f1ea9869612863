#!/usr/bin/env python3
"""The guest-driven channel (org.qgacompat.g2h.0) of the Windows agent under Wine.

usage: test-g2h.py --exe BUILD/qga-compat/qga-compat.exe --seam-exe BUILD/qga-compat/qga-compat-testseam.exe
                   [--probe NATIVE_BUILD/host-probe/qga-probe] [--only NAME...]
Needs $WINEPREFIX (a primed, headless prefix; tests/wine/run.sh makes one). Prints TAP.

The agent runs with its main QGA port and its g2h port both on COM ports bridged to UNIX sockets
(portbridge.py). The g2h bridge runs with --vanish: the port exists only while a host is
connected, which is how a COM port can show the agent a host coming and going (vioser does it by
failing reads; a COM port has no such state, see docs/WINDOWS.md). The host side is a small fake
host here (it answers every request and records every message) or the native `qga-probe listen`.
Session, power and pre-shutdown notifications, which Wine cannot cause, come from the test seam of
qga-compat-testseam.exe ($QGA_TEST_SYSTEM_EVENTS, tests/seams/win32-system-events.c), replayed
through the service handler's own entry points.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from qgaclient import request  # noqa: E402
from taprun import Failure, check, read, run_tests, wait_for, winpath  # noqa: E402,F401

WTS_SESSION_LOGON, WTS_SESSION_LOGOFF, WTS_SESSION_LOCK, WTS_SESSION_UNLOCK = 5, 6, 7, 8
PBT_APMSUSPEND, PBT_APMRESUMESUSPEND, PBT_APMRESUMEAUTOMATIC = 4, 7, 18


class FakeHost:
    """One connection to the g2h bridge's socket: answers requests, records every message."""

    def __init__(self, sock_path, answer_kv=True):
        self.sock_path = sock_path
        self.answer_kv = answer_kv
        self.lock = threading.Lock()
        self.messages = []   # (monotonic time, parsed JSON) in arrival order
        self.bad = []        # lines that were not JSON objects
        self.raw = 0         # bytes received
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sock_path)
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _answer(self, msg):
        name = msg.get("execute")
        if name == "host-hello":
            ret = {"host": "fake-host", "time": time.time_ns(), "requests": ["host-hello", "host-kv-set"]}
        elif name == "host-get-time":
            ret = time.time_ns()
        elif name == "host-kv-set" and self.answer_kv:
            ret = {}
        else:
            return {"error": {"class": "CommandNotFound", "desc": "fake host: no %s" % name}, "id": msg.get("id")}
        return {"return": ret, "id": msg.get("id")}

    def _run(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            self.raw += len(chunk)
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                try:
                    msg = json.loads(line)
                except ValueError:
                    msg = None
                if not isinstance(msg, dict):
                    with self.lock:
                        self.bad.append(line)
                    continue
                with self.lock:
                    self.messages.append((time.monotonic(), msg))
                if "execute" in msg:
                    try:
                        self.sock.sendall(json.dumps(self._answer(msg)).encode() + b"\n")
                    except OSError:
                        return

    def snapshot(self):
        with self.lock:
            return [m for _, m in self.messages]

    def events(self, name=None):
        return [m for m in self.snapshot() if "event" in m and (name is None or m["event"] == name)]

    def requests(self, name=None):
        return [m for m in self.snapshot() if "execute" in m and (name is None or m["execute"] == name)]

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.thread.join(5)


class Env:
    def __init__(self, exe, seam_exe, probe):
        self.exe = os.path.abspath(exe)
        self.seam_exe = os.path.abspath(seam_exe)
        self.probe = probe
        self.prefix = os.environ["WINEPREFIX"]
        self.work = tempfile.mkdtemp(prefix="qga-g2htest.")
        self.procs = []
        self.hosts = []
        self.com = 230

    def spawn(self, argv, env=None, stdout=subprocess.DEVNULL):
        e = dict(os.environ)
        e.setdefault("WINEDEBUG", "-all")
        e.update(env or {})
        p = subprocess.Popen(argv, env=e, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def bridge(self, mode):
        """portbridge.py on a fresh COM number; mode: persistent, vanish. Returns (COMn, socket)."""
        self.com += 1
        link = os.path.join(self.prefix, "dosdevices", "com%d" % self.com)
        sock = os.path.join(self.work, "com%d.sock" % self.com)
        self.spawn([sys.executable, os.path.join(HERE, "portbridge.py"), link, sock, "--" + mode])
        wait_for(lambda: os.path.exists(sock), 5, "bridge socket %s" % sock)
        return "COM%d" % self.com, sock

    def agent(self, *extra, seam=True, events=None, g2h=True, config=None):
        """The agent: main port on a persistent bridge, g2h port on a vanishing one (g2h=True)."""
        d = tempfile.mkdtemp(dir=self.work)
        main_com, main_sock = self.bridge("persistent")
        g2h_com, g2h_sock = self.bridge("vanish") if g2h else (None, None)
        args = ["wine", self.seam_exe if seam else self.exe, "-m", "isa-serial", "-p", main_com, "-r",
                "-t", winpath(d), "-v", "-l", winpath(os.path.join(d, "agent.log"))]
        if g2h_com:
            args += ["--g2h-method=isa-serial", "--g2h=" + g2h_com]
        if config is not None:
            conf = os.path.join(d, "agent.conf")
            with open(conf, "w") as f:
                f.write(config)
            args += ["-c", winpath(conf)]
        args += list(extra)
        env = {"QGA_TEST_RECORD": winpath(os.path.join(d, "record"))}
        if events:
            env["QGA_TEST_SYSTEM_EVENTS"] = events
        p = self.spawn(args, env=env)
        return Agent(self, p, d, main_sock, g2h_sock)

    def host(self, sock, timeout=10):
        h = wait_for(lambda: self._try_host(sock), timeout, "the g2h bridge to accept a host")
        self.hosts.append(h)
        return h

    def _try_host(self, sock):
        try:
            return FakeHost(sock)
        except OSError:
            return None

    def end_test(self):
        for h in self.hosts:
            h.close()
        self.hosts.clear()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.procs.clear()

    def cleanup(self):
        self.end_test()
        shutil.rmtree(self.work, ignore_errors=True)


class Agent:
    def __init__(self, env, proc, d, main_sock, g2h_sock):
        self.env, self.proc, self.dir, self.main_sock, self.g2h_sock = env, proc, d, main_sock, g2h_sock
        self.log = os.path.join(d, "agent.log")

    def ping(self):
        (line,) = request(self.main_sock, ['{"execute": "guest-ping"}'], timeout=10)
        check(line == '{"return": {}}', "guest-ping on the main channel: %s" % line)

    def call(self, req):
        (line,) = request(self.main_sock, [json.dumps(req)], timeout=10)
        return json.loads(line)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)   # Wine: CTRL_C_EVENT to the console handler
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("the agent did not stop within %ds\n%s" % (timeout, read(self.log)[-3000:]))

    def fail(self, what):
        raise Failure("%s\n--- agent log (tail):\n%s" % (what, read(self.log)[-3000:]))


def check_event_shape(ev):
    ts = ev.get("timestamp")
    check(isinstance(ts, dict) and isinstance(ts.get("seconds"), int) and isinstance(ts.get("microseconds"), int)
          and 0 <= ts["microseconds"] < 1000000 and abs(ts["seconds"] - time.time()) < 3600,
          "event %s: bad timestamp %r" % (ev.get("event"), ts))
    check(isinstance(ev.get("data", {}), dict), "event %s: data is not an object" % ev.get("event"))


# ---- the tests ----------------------------------------------------------------------------------

def test_hello_heartbeat(env):
    """hello (os windows), AGENT_STARTED, guest.hostname through host-kv-set, HEARTBEAT every second;
    the main QGA channel answers meanwhile."""
    a = env.agent("--g2h-heartbeat=1")
    a.ping()
    h = env.host(a.g2h_sock)
    try:
        wait_for(lambda: len(h.events("HEARTBEAT")) >= 3, 20, "three heartbeats")
    except Failure as e:
        a.fail("%s; got %r" % (e, h.snapshot()))
    msgs = h.snapshot()
    check(not h.bad, "non-JSON lines from the agent: %r" % h.bad[:3])
    check("execute" in msgs[0] and msgs[0]["execute"] == "host-hello", "first message is not host-hello: %r" % msgs[0])
    hello = msgs[0].get("arguments", {})
    check(hello.get("os") == "windows", "hello os: %r" % hello)
    check(isinstance(hello.get("version"), str) and hello["version"], "hello version: %r" % hello)
    caps = hello.get("capabilities")
    for c in ("AGENT_STARTED", "AGENT_STOPPING", "HEARTBEAT", "USER_SESSION", "SHUTDOWN_STARTING", "SUSPENDING",
              "RESUMED", "EVENTS_DROPPED"):
        check(isinstance(caps, list) and c in caps, "capability %s missing: %r" % (c, caps))
    started = h.events("AGENT_STARTED")
    check(len(started) == 1 and started[0]["data"].get("version") == hello["version"],
          "AGENT_STARTED: %r" % started)
    beats = h.events("HEARTBEAT")
    seq = [b["data"].get("sequence") for b in beats]
    check(seq[:3] == [1, 2, 3], "heartbeat sequence: %r" % seq)
    for ev in h.events():
        check_event_shape(ev)
    # About one a second (the agent's timer, not a busy loop; Wine's scheduling adds jitter).
    times = [t for t, m in h.messages if m.get("event") == "HEARTBEAT"][:3]
    gaps = [b - a_ for a_, b in zip(times, times[1:])]
    check(all(0.5 < g < 2.5 for g in gaps), "heartbeat intervals: %r" % gaps)
    kv = {r["arguments"]["key"]: r["arguments"]["value"] for r in h.requests("host-kv-set")}
    name = a.call({"execute": "guest-get-host-name"})["return"]["host-name"]
    check(kv.get("guest.hostname") == name, "guest.hostname %r, guest-get-host-name says %r" % (kv, name))
    a.ping()
    check(a.stop() == 0, "agent exit status")
    wait_for(lambda: h.events("AGENT_STOPPING"), 5, "AGENT_STOPPING after Ctrl-C")


def test_system_events(env):
    """Session, power and pre-shutdown notifications (the test seam) become USER_SESSION,
    SUSPENDING, one RESUMED per resume, SHUTDOWN_STARTING, then AGENT_STOPPING and a clean exit."""
    events = "session:%d:2,session:%d:2,session:%d:3,power:%d,power:%d,power:%d,session:%d:2,preshutdown" % (
        WTS_SESSION_LOGON, WTS_SESSION_LOCK, WTS_SESSION_UNLOCK, PBT_APMSUSPEND, PBT_APMRESUMEAUTOMATIC,
        PBT_APMRESUMESUSPEND, WTS_SESSION_LOGOFF)
    a = env.agent("--g2h-heartbeat=0", events=events)
    h = env.host(a.g2h_sock)
    try:
        rc = a.proc.wait(30)
    except subprocess.TimeoutExpired:
        a.fail("the agent did not stop after the replayed pre-shutdown")
    check(rc == 0, "exit status after pre-shutdown: %d" % rc)
    wait_for(lambda: h.events("AGENT_STOPPING"), 5, "AGENT_STOPPING")
    names = [e["event"] for e in h.events()]
    want = ["AGENT_STARTED", "USER_SESSION", "USER_SESSION", "USER_SESSION", "SUSPENDING", "RESUMED",
            "USER_SESSION", "SHUTDOWN_STARTING", "AGENT_STOPPING"]
    if names != want:
        a.fail("events %r, expected %r" % (names, want))
    sessions = [e["data"] for e in h.events("USER_SESSION")]
    got = [(s.get("action"), s.get("session-id")) for s in sessions]
    check(got == [("logon", 2), ("lock", 2), ("unlock", 3), ("logoff", 2)], "USER_SESSION data: %r" % sessions)
    # Wine has no sessions 2 and 3 in WTS: the user is left out rather than made up.
    check(all(set(s) <= {"action", "session-id", "user"} and (("user" not in s) or "\\" in s["user"])
              for s in sessions), "USER_SESSION members: %r" % sessions)
    for e in h.events():
        check_event_shape(e)
    check(not read(os.path.join(a.dir, "record")), "the seam run recorded privileged actions: %r"
          % read(os.path.join(a.dir, "record")))


def test_reconnect_queue(env):
    """The host leaves; events queue (a [g2h] queue of 3: the oldest two dropped); it comes back:
    hello again, EVENTS_DROPPED {count: 2}, the three newest events. The main channel answers
    guest-ping all along."""
    events = "delay:4000,session:%d:11,session:%d:12,session:%d:13,session:%d:14,session:%d:15" % (
        WTS_SESSION_LOGON, WTS_SESSION_LOGON, WTS_SESSION_LOGON, WTS_SESSION_LOGON, WTS_SESSION_LOGON)
    a = env.agent(events=events, config="[g2h]\nqueue=3\nheartbeat=0\n")
    h = env.host(a.g2h_sock)
    wait_for(lambda: h.events("AGENT_STARTED"), 15, "AGENT_STARTED")
    t_left = time.monotonic()
    h.close()
    # The agent notices (its port vanishes), the seam's events come 4 s after the first connect.
    wait_for(lambda: "host connected" in read(a.log) and read(a.log).count("test seam: replaying") == 1, 5,
             "the seam to start")
    a.ping()
    time.sleep(max(0.0, t_left + 6.0 - time.monotonic()))
    a.ping()
    h2 = env.host(a.g2h_sock, timeout=5)
    try:
        wait_for(lambda: len(h2.events("USER_SESSION")) >= 3, 40, "the queued events")
    except Failure as e:
        a.fail("%s; got %r" % (e, h2.snapshot()))
    time.sleep(0.5)
    msgs = h2.snapshot()
    check(msgs[0].get("execute") == "host-hello", "after the reconnect, first message: %r" % msgs[0])
    names = [m["event"] for m in msgs if "event" in m]
    check(names[:4] == ["EVENTS_DROPPED", "USER_SESSION", "USER_SESSION", "USER_SESSION"],
          "after the reconnect: %r" % names)
    check(h2.events("EVENTS_DROPPED")[0]["data"] == {"count": 2}, "EVENTS_DROPPED: %r" % h2.events("EVENTS_DROPPED"))
    ids = [e["data"]["session-id"] for e in h2.events("USER_SESSION")]
    check(ids == [13, 14, 15], "the newest three should survive: %r" % ids)
    check(not h.events("USER_SESSION"), "events reached the host that had left: %r" % h.events("USER_SESSION"))
    check(not h2.events("AGENT_STARTED"), "AGENT_STARTED sent twice")
    a.ping()
    check(a.stop() == 0, "agent exit status")


def test_probe_listen(env):
    """The native qga-probe listen serves the agent through the bridge: hello and AGENT_STARTED
    printed, the guest's host name stored in its key/value state."""
    if not env.probe or not os.access(env.probe, os.X_OK):
        raise Failure("no qga-probe (--probe): the native build must provide host-probe/qga-probe")
    a = env.agent("--g2h-heartbeat=1")
    state = os.path.join(a.dir, "probe-state")
    out_path = os.path.join(a.dir, "probe.out")
    with open(out_path, "w") as out:
        probe = env.spawn([env.probe, "listen", "--socket", a.g2h_sock, "--state-dir", state, "--guest", "win"],
                          stdout=out)
    lines = lambda: [json.loads(l) for l in read(out_path).splitlines() if l.startswith("{")]  # noqa: E731
    kv = os.path.join(state, "win.kv")
    try:
        wait_for(lambda: "guest.hostname" in read(kv) and
                 any(l.get("event", {}).get("event") == "HEARTBEAT" for l in lines()), 30,
                 "qga-probe to store guest.hostname and print a HEARTBEAT")
    except Failure as e:
        a.fail("%s\nprobe output:\n%s\nkv: %s" % (e, read(out_path)[-2000:], read(kv)))
    text = read(out_path)
    for what in ("host-hello", "AGENT_STARTED", "windows"):
        check(what in text, "%s not in qga-probe's output:\n%s" % (what, text[-2000:]))
    name = a.call({"execute": "guest-get-host-name"})["return"]["host-name"]
    check(("guest.hostname=%s" % name) in read(kv), "kv state %r lacks guest.hostname=%s" % (read(kv), name))
    a.ping()
    check(a.stop() == 0, "agent exit status")
    probe.kill()
    probe.wait()


def test_off(env):
    """--g2h=off: the port is never opened (a host waiting on it gets nothing), the agent serves."""
    a = env.agent("--g2h=off", g2h=False)
    com, sock = env.bridge("persistent")   # a port that exists, with a host on it
    h = env.host(sock)
    a.ping()
    time.sleep(3)
    check(h.raw == 0, "bytes arrived on a port nobody should have opened")
    log = read(a.log)
    check("the guest-driven channel is off" in log and "g2h: host connected" not in log, "log:\n" + log[-2000:])
    a.ping()
    check(a.stop() == 0, "agent exit status")


def test_absent_port(env):
    """No g2h port at all (the default virtio-serial path, absent under Wine): one log line, no
    retry storm, the main channel unaffected."""
    d = tempfile.mkdtemp(dir=env.work)
    main_com, main_sock = env.bridge("persistent")
    log = os.path.join(d, "agent.log")
    p = env.spawn(["wine", env.exe, "-m", "isa-serial", "-p", main_com, "-r", "-v", "-l", winpath(log)])
    a = Agent(env, p, d, main_sock, None)
    a.ping()
    time.sleep(4)
    a.ping()
    text = read(log)
    lines = [l for l in text.splitlines() if "org.qgacompat.g2h.0" in l]
    check(len(lines) == 1, "expected one line about the absent port, got:\n" + "\n".join(lines))
    check(a.stop() == 0, "agent exit status")


def test_product_has_no_seam(env):
    """qga-compat.exe replays nothing: the seam's code is absent from it and $QGA_TEST_SYSTEM_EVENTS
    has no effect; the test-seam exe has it."""
    with open(env.exe, "rb") as f:
        product = f.read()
    with open(env.seam_exe, "rb") as f:
        seam = f.read()
    check(b"QGA_TEST_SYSTEM_EVENTS" not in product, "the seam is linked into qga-compat.exe")
    check(b"QGA_TEST_SYSTEM_EVENTS" in seam, "the seam is missing from qga-compat-testseam.exe")
    a = env.agent("--g2h-heartbeat=0", seam=False, events="session:%d:2,preshutdown" % WTS_SESSION_LOGON)
    h = env.host(a.g2h_sock)
    wait_for(lambda: h.events("AGENT_STARTED"), 15, "AGENT_STARTED")
    time.sleep(2)
    check(a.proc.poll() is None, "the product stopped on a replayed pre-shutdown")
    check(not h.events("USER_SESSION"), "the product replayed events: %r" % h.events())
    check(a.stop() == 0, "agent exit status")


def sc_state(env, name):
    p = subprocess.run(["wine", "sc", "query", name], capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        if "STATE" in line and ":" in line:
            try:
                return int(line.split(":", 1)[1].split()[0])
            except (ValueError, IndexError):
                return None
    return None


def wine_run(*args):
    p = subprocess.run(["wine"] + list(args), capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def test_service(env):
    """qga-compat.exe as a service (-d under Wine's SCM) with the g2h port: hello and heartbeats
    while it runs, AGENT_STOPPING on sc stop, the main channel answering."""
    name = "qga-compat"
    d = tempfile.mkdtemp(dir=env.work)
    log = os.path.join(d, "service.log")
    main_com, main_sock = env.bridge("persistent")
    g2h_com, g2h_sock = env.bridge("vanish")
    h = env.host(g2h_sock)
    cmd = '"%s" -d -r -m isa-serial -p %s --g2h-method=isa-serial --g2h=%s --g2h-heartbeat=1 -v -l %s' % (
        winpath(env.exe), main_com, g2h_com, winpath(log))
    rc, out = wine_run("sc", "create", name, "binPath=", cmd)
    check(rc == 0, "sc create: %d %s" % (rc, out))
    try:
        rc, out = wine_run("net", "start", name)
        check(rc == 0, "net start: %d %s" % (rc, out))
        wait_for(lambda: sc_state(env, name) == 4, 15, "RUNNING")
        try:
            wait_for(lambda: h.events("HEARTBEAT"), 20, "a heartbeat from the service")
        except Failure as e:
            raise Failure("%s; got %r\n%s" % (e, h.snapshot(), read(log)[-2000:]))
        hello = h.requests("host-hello")
        check(hello and hello[0]["arguments"]["os"] == "windows", "hello: %r" % hello)
        (line,) = request(main_sock, ['{"execute": "guest-ping"}'])
        check(line == '{"return": {}}', "ping: " + line)
        rc, out = wine_run("sc", "stop", name)
        check(rc == 0, "sc stop: %d %s" % (rc, out))
        wait_for(lambda: sc_state(env, name) == 1, 15, "STOPPED")
        wait_for(lambda: h.events("AGENT_STOPPING"), 5, "AGENT_STOPPING on sc stop")
        text = read(log)
        check("service qga-compat stopped" in text and "after an error" not in text, "service log:\n" + text[-2000:])
    finally:
        wine_run("sc", "stop", name)
        wine_run("sc", "delete", name)


TESTS = [
    ("g2h-hello-heartbeat", test_hello_heartbeat),
    ("g2h-system-events", test_system_events),
    ("g2h-reconnect-queue", test_reconnect_queue),
    ("g2h-probe-listen", test_probe_listen),
    ("g2h-off", test_off),
    ("g2h-absent-port", test_absent_port),
    ("g2h-product-has-no-seam", test_product_has_no_seam),
    ("g2h-service", test_service),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--seam-exe", required=True)
    ap.add_argument("--probe")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    if "WINEPREFIX" not in os.environ:
        sys.exit("test-g2h.py: WINEPREFIX is not set")
    tests = [(n, f) for n, f in TESTS if not args.only or n in args.only]
    env = Env(args.exe, args.seam_exe, args.probe)
    try:
        failed = run_tests(tests, env, Env.end_test)
    finally:
        env.cleanup()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
