#!/usr/bin/env python3
"""Windows-only checks of qga-compat.exe under Wine: what the shared integration tests cannot see.

usage: test-windows.py --exe BUILD/qga-compat/qga-compat.exe [--only NAME...]
Needs $WINEPREFIX (a primed, headless prefix; tests/wine/run.sh makes one). Prints TAP.

The checks: the 1 MiB message byte-exact both ways, a host reconnect the agent does not notice
(persistent bridge), Windows versions in guest-get-osinfo (Windows 7, 11, Server 2022 set through
the registry values Wine's RtlGetVersion reads), time-zone offsets, the channel's failure paths
(missing port, port held by another process, -d outside the SCM), and the service: install
(binary path, registry), start, a ping through the bridged port while it runs as a service,
stop, a start that must fail, uninstall.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from qgaclient import request  # noqa: E402
from taprun import Failure, check, read, run_tests, wait_for, winpath  # noqa: E402,F401

SERVICE = "qga-compat"
CV_KEY = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion"
PRODUCT_KEY = r"HKLM\System\CurrentControlSet\Control\ProductOptions"
SERVICE_KEY = r"HKLM\System\CurrentControlSet\Services\qga-compat"
EVENTLOG_KEY = r"HKLM\System\CurrentControlSet\Services\EventLog\Application\qga-compat"


class Env:
    def __init__(self, exe):
        self.exe = os.path.abspath(exe)
        self.prefix = os.environ["WINEPREFIX"]
        self.work = tempfile.mkdtemp(prefix="qga-wintest.")
        self.procs = []
        self.com = 200

    def wine(self, *args, timeout=60, env=None, check_rc=None):
        e = dict(os.environ)
        e.setdefault("WINEDEBUG", "-all")
        if env:
            e.update(env)
        p = subprocess.run(["wine"] + list(args), capture_output=True, timeout=timeout, env=e,
                           stdin=subprocess.DEVNULL)
        out = p.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
        err = p.stderr.decode("utf-8", "replace").replace("\r\n", "\n")
        if check_rc is not None and p.returncode != check_rc:
            raise Failure("wine %s: exit status %d (expected %d)\nstdout: %s\nstderr: %s"
                          % (" ".join(args), p.returncode, check_rc, out[-2000:], err[-2000:]))
        return p.returncode, out, err

    def spawn(self, argv, **kw):
        e = dict(os.environ)
        e.setdefault("WINEDEBUG", "-all")
        e.update(kw.pop("env", {}))
        p = subprocess.Popen(argv, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=kw.pop("stderr", subprocess.DEVNULL), **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGINT, timeout=10):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise Failure("process %s did not stop within %ds" % (p.args, timeout))
        return p.returncode

    def next_com(self):
        self.com += 1
        return self.com

    def bridge(self, persistent=True):
        """A portbridge.py on a fresh COM number; returns (COMn, socket path, process)."""
        n = self.next_com()
        link = os.path.join(self.prefix, "dosdevices", "com%d" % n)
        sock = os.path.join(self.work, "com%d.sock" % n)
        argv = [sys.executable, os.path.join(HERE, "portbridge.py"), link, sock]
        if persistent:
            argv.append("--persistent")
        p = self.spawn(argv)
        wait_for(lambda: os.path.exists(sock), 5, "bridge socket %s" % sock)
        return "COM%d" % n, sock, p

    def launch(self, *extra, persistent=False, env=None, log=False):
        """The agent through launcher.py, as the integration harness starts it (log: -v -l DIR/agent.log)."""
        d = tempfile.mkdtemp(dir=self.work)
        sock = os.path.join(d, "sock")
        if log:
            extra = extra + ("-v", "-l", os.path.join(d, "agent.log"))
        argv = [os.path.join(HERE, "launcher.py"), "--exe", self.exe]
        if persistent:
            argv.append("--persistent")
        argv += ["qga-compat", "-m", "unix-listen", "-p", sock, "-t", d] + list(extra)
        p = self.spawn(argv, env=env or {}, cwd=d)
        wait_for(lambda: os.path.exists(sock), 10, "launcher socket")
        return d, sock, p

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def reply(line):
    try:
        return json.loads(line)
    except ValueError:
        raise Failure("not JSON: %r" % line[:200])


# ---- protocol through the port ---------------------------------------------------------------

def test_big_message(env):
    """A 1 MiB request and its 1 MiB reply cross the COM port byte-exact."""
    _, sock, p = env.launch()
    rnd = random.Random(7)
    alphabet = string.ascii_letters + string.digits + " !#$%&()*+,-./:;<=>?@[]^_`{|}~"
    big_id = "".join(rnd.choice(alphabet) for _ in range(1 << 20))
    req = json.dumps({"execute": "guest-ping", "id": big_id}, separators=(",", ":"))
    (line,) = request(sock, [req], timeout=60)
    check(line == '{"return": {}, "id": "%s"}' % big_id, "1 MiB id not echoed byte-exact (got %d bytes)" % len(line))
    check(env.stop(p, signal.SIGTERM) == 0, "launcher exit status")


def test_reconnect_invisible(env):
    """With a persistent port, a host that leaves and comes back is invisible to the agent."""
    d, sock, p = env.launch(persistent=True, log=True)
    log = os.path.join(d, "agent.log")
    for i in range(3):
        (line,) = request(sock, ['{"execute": "guest-sync", "arguments": {"id": %d}}' % i])
        check(line == '{"return": %d}' % i, "sync %d: %s" % (i, line))
    check(env.stop(p, signal.SIGTERM) == 0, "launcher exit status")
    text = read(log)
    check(text.count("opened") == 1 and "reopening" not in text and "not connected" not in text,
          "the agent noticed the reconnects:\n" + text)


OSINFO_CASES = {
    # name: (registry values, ProductType, expected reply fields)
    "windows-7": ({"CurrentVersion": "6.1", "CurrentBuildNumber": "7601", "ProductName": "Windows 7 Professional",
                   "CurrentMajorVersionNumber": None, "CurrentMinorVersionNumber": None}, "WinNT",
                  {"kernel-version": "6.1", "kernel-release": "7601", "version": "Microsoft Windows 7",
                   "version-id": "7", "pretty-name": "Windows 7 Professional", "variant": "client"}),
    "windows-11": ({"CurrentVersion": "10.0", "CurrentBuildNumber": "22631", "ProductName": "Windows 10 Pro",
                    "CurrentMajorVersionNumber": 10, "CurrentMinorVersionNumber": 0}, "WinNT",
                   {"kernel-version": "10.0", "kernel-release": "22631", "version": "Microsoft Windows 11",
                    "version-id": "11", "pretty-name": "Windows 11 Pro", "variant": "client"}),
    "server-2022": ({"CurrentVersion": "10.0", "CurrentBuildNumber": "20348",
                     "ProductName": "Windows Server 2022 Datacenter",
                     "CurrentMajorVersionNumber": 10, "CurrentMinorVersionNumber": 0}, "ServerNT",
                    {"kernel-version": "10.0", "kernel-release": "20348", "version": "Microsoft Windows Server 2022",
                     "version-id": "2022", "pretty-name": "Windows Server 2022 Datacenter", "variant": "server"}),
}


def set_version(env, values, product_type):
    for name, value in values.items():
        if value is None:
            env.wine("reg", "delete", CV_KEY, "/v", name, "/f")
        elif isinstance(value, int):
            env.wine("reg", "add", CV_KEY, "/v", name, "/t", "REG_DWORD", "/d", str(value), "/f", check_rc=0)
        else:
            env.wine("reg", "add", CV_KEY, "/v", name, "/d", value, "/f", check_rc=0)
    env.wine("reg", "add", PRODUCT_KEY, "/v", "ProductType", "/d", product_type, "/f", check_rc=0)


def make_osinfo_test(name):
    values, product_type, expected = OSINFO_CASES[name]

    def test(env):
        set_version(env, values, product_type)
        _, sock, p = env.launch()
        (line,) = request(sock, ['{"execute": "guest-get-osinfo"}'])
        env.stop(p, signal.SIGTERM)
        got = reply(line).get("return", {})
        want = dict(expected, id="mswindows", name="Microsoft Windows", machine="x86_64")
        want["variant-id"] = want["variant"]
        check(got == want, "guest-get-osinfo: %s\nexpected %s" % (json.dumps(got), json.dumps(want)))
    test.__doc__ = "guest-get-osinfo on %s (RtlGetVersion + registry)" % name
    return test


def test_timezone_offsets(env):
    """guest-get-timezone: seconds east of UTC for the zone Wine derives from TZ."""
    for tz, offset in (("UTC0", 0), ("QGT-3", 10800), ("QGW+5:30", -19800)):
        _, sock, p = env.launch(env={"TZ": tz})
        (line,) = request(sock, ['{"execute": "guest-get-timezone"}'])
        env.stop(p, signal.SIGTERM)
        got = reply(line).get("return", {})
        check(got.get("offset") == offset, "TZ=%s: %s (expected offset %d)" % (tz, line, offset))


# ---- channel failure paths ---------------------------------------------------------------------

def test_missing_port(env):
    """Without -r a missing port is one clear line and exit status 1."""
    rc, out, err = env.wine(env.exe, "-m", "isa-serial", "-p", "COM249")
    check(rc == 1, "exit status %d" % rc)
    check("error: error opening path \\\\.\\COM249: " in err and "(no such serial port)" in err,
          "stderr: " + err)
    rc, out, err = env.wine(env.exe, "-p", "\\\\.\\Global\\org.qemu.guest_agent.0")
    check(rc == 1 and "is the virtio-serial driver installed" in err, "virtio: %d %s" % (rc, err))


def test_port_held(env):
    """A port held by another process: one log line naming the cause, then back-off until it is free."""
    port = os.path.join(env.work, "held-port")
    open(port, "w").close()  # a file opened exclusively stands in for the port (Wine ignores COM share modes)
    log_a, log_b = os.path.join(env.work, "a.log"), os.path.join(env.work, "b.log")
    a = env.spawn(["wine", env.exe, "-m", "virtio-serial", "-p", winpath(port), "-v", "-l", winpath(log_a)])
    wait_for(lambda: "opened" in read(log_a), 10, "agent A to open the port")
    b = env.spawn(["wine", env.exe, "-m", "virtio-serial", "-p", winpath(port), "-r", "-v", "-l", winpath(log_b)])
    wait_for(lambda: "holds the port" in read(log_b), 10, "agent B's log line")
    time.sleep(2.5)  # B retries at +1 s and +3 s meanwhile
    check(read(log_b).count("holds the port") == 1, "the cause is logged more than once:\n" + read(log_b))
    check(b.poll() is None, "B gave up")
    check(env.stop(a) == 0, "A's exit status")
    wait_for(lambda: "is open now" in read(log_b), 10, "agent B to take the port over")
    check(env.stop(b) == 0, "B's exit status")
    # The file reads as end-of-file: the hang-up path, logged once, paced (no spinning reads).
    check(read(log_b).count("not connected (error 38)") == 1, "hang-up log:\n" + read(log_b))


def test_daemon_outside_scm(env):
    """-d is the service mode: on a console it says how to install instead of hanging."""
    rc, out, err = env.wine(env.exe, "-d", "-m", "isa-serial", "-p", "COM249")
    check(rc == 1 and "not started by the service control manager" in err, "%d %s" % (rc, err))


# ---- the service ---------------------------------------------------------------------------------

def reg_values(env, key):
    rc, out, _ = env.wine("reg", "query", key)
    if rc != 0:
        return None
    values = {}
    for line in out.splitlines():
        m = re.match(r"^\s{4}(\S+)\s{4}(REG_\w+)\s{4}(.*)$", line)
        if m:
            values[m.group(1)] = m.group(3).strip()
    return values


def service_state(env, name=SERVICE):
    rc, out, _ = env.wine("sc", "query", name)
    m = re.search(r"STATE\s*:\s*(\d+)", out)
    return int(m.group(1)) if m else None


def test_service(env):
    """Install, start, answer through the bridged port as a service, stop, uninstall."""
    com, sock, bridge = env.bridge(persistent=True)
    inst = os.path.join(env.prefix, "drive_c", "qga-test")
    os.makedirs(inst, exist_ok=True)
    shutil.copy(env.exe, os.path.join(inst, "qga-compat.exe"))
    exe = r"C:\qga-test\qga-compat.exe"
    log = os.path.join(inst, "service.log")
    # Like qemu-ga, only the options before -s go into the service's command line.
    rc, out, err = env.wine(exe, "-m", "isa-serial", "-p", com, "-l", r"C:\qga-test\service.log", "-v",
                            "-b", "guest-info", "-s", "install", "-b", "guest-get-time")
    check(rc == 0 and out.strip() == "Service was installed successfully.", "install: %d %s %s" % (rc, out, err))
    try:
        v = reg_values(env, SERVICE_KEY) or {}
        want_path = '"%s" -d -r -m isa-serial -p %s -l C:\\qga-test\\service.log -v -b guest-info' % (exe, com)
        check(v.get("ImagePath") == want_path, "ImagePath %r, expected %r" % (v.get("ImagePath"), want_path))
        check(v.get("Start") == "0x2" and v.get("Type") == "0x10" and v.get("ObjectName") == "LocalSystem",
              "service config: %s" % v)
        check(v.get("DisplayName") == "QGA-compat Guest Agent" and "QEMU guest agent protocol" in v.get("Description", ""),
              "names: %s" % v)
        ev = reg_values(env, EVENTLOG_KEY) or {}
        check(ev.get("EventMessageFile") == exe and ev.get("TypesSupported") == "0x7", "event source: %s" % ev)

        rc, out, err = env.wine(exe, "-s", "install")
        check(rc == 1 and "Failed to install service: " in err, "second install: %d %s" % (rc, err))

        rc, out, err = env.wine("net", "start", SERVICE)
        check(rc == 0, "net start: %d %s %s" % (rc, out, err))
        check(service_state(env) == 4, "not RUNNING after net start")
        replies = request(sock, ['{"execute": "guest-ping", "id": "svc"}', '{"execute": "guest-info"}',
                                 '{"execute": "guest-get-time"}'])
        check(replies[0] == '{"return": {}, "id": "svc"}', "ping: " + replies[0])
        check(reply(replies[1]).get("error", {}).get("class") == "CommandNotFound" and "has been disabled" in replies[1],
              "-b given before -s install is not in effect: " + replies[1])
        check(isinstance(reply(replies[2]).get("return"), int), "-b given after -s install is in effect: " + replies[2])

        rc, out, err = env.wine("sc", "stop", SERVICE)
        check(rc == 0, "sc stop: %d %s" % (rc, out))
        wait_for(lambda: service_state(env) == 1, 10, "STOPPED")
        text = read(log)
        check("service qga-compat running" in text and "service qga-compat stopped" in text
              and "after an error" not in text, "service log:\n" + text)
        check(text.index("channel \\\\.\\%s opened" % com) < text.index("service qga-compat running"),
              "RUNNING reported before the channel was open:\n" + text)

        # Start again: the stop left nothing behind.
        check(env.wine("net", "start", SERVICE)[0] == 0, "second start")
        (line,) = request(sock, ['{"execute": "guest-sync", "arguments": {"id": 42}}'])
        check(line == '{"return": 42}', "after restart: " + line)
    finally:
        rc, out, err = env.wine(exe, "-s", "uninstall")
    check(rc == 0 and out.strip() == "Service was deleted successfully.", "uninstall: %d %s %s" % (rc, out, err))
    check(service_state(env) is None, "service still registered")
    check(reg_values(env, EVENTLOG_KEY) is None, "event source still registered")
    rc, out, err = env.wine(exe, "-s", "uninstall")
    check(rc == 1 and "No handle to service: " in err, "uninstall twice: %d %s" % (rc, err))
    env.stop(bridge, signal.SIGTERM)


def test_service_start_fails(env):
    """Without a port and without -r the service never reports RUNNING and stops with an error."""
    name = "qga-compat-noport"
    env.wine("sc", "create", name, "binPath=", '"%s" -d -m isa-serial -p COM248' % winpath(env.exe), check_rc=0)
    try:
        env.wine("net", "start", name)  # Wine's net start reports success without waiting for RUNNING
        wait_for(lambda: service_state(env, name) == 1, 10, "STOPPED after the failed start")
        rc, out, _ = env.wine("sc", "query", name)
        m = re.search(r"SERVICE_EXIT_CODE\s*:\s*(\d+)", out)
        w = re.search(r"WIN32_EXIT_CODE\s*:\s*(\d+)", out)
        check(w and int(w.group(1)) == 1066 and m and int(m.group(1)) == 1,
              "exit codes (expected 1066 = service-specific, 1):\n" + out)
    finally:
        env.wine("sc", "delete", name)


TESTS = [
    ("big-message-1mib", test_big_message),
    ("reconnect-invisible", test_reconnect_invisible),
    ("osinfo-windows-7", make_osinfo_test("windows-7")),
    ("osinfo-windows-11", make_osinfo_test("windows-11")),
    ("osinfo-server-2022", make_osinfo_test("server-2022")),
    ("timezone-offsets", test_timezone_offsets),
    ("missing-port", test_missing_port),
    ("port-held-by-another-agent", test_port_held),
    ("daemon-outside-scm", test_daemon_outside_scm),
    ("service-lifecycle", test_service),
    ("service-start-fails-without-port", test_service_start_fails),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    if "WINEPREFIX" not in os.environ:
        sys.exit("test-windows.py: WINEPREFIX is not set")
    tests = [(n, f) for n, f in TESTS if not args.only or n in args.only]
    env = Env(args.exe)

    def end_test(e):
        for p in e.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        e.procs.clear()

    try:
        failed = run_tests(tests, env, end_test)
    finally:
        env.cleanup()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
