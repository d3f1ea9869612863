#!/usr/bin/env python3
# Side-by-side benchmark of qga-compat and qemu-ga over unix-listen sockets: prints a table, writes JSON.
"""Measure two guest agents in the same run, alternating between them round by
round so that machine noise (other builds, CPU frequency) hits both alike.

The agent's own CPU time comes from /proc/PID/task/*/schedstat (first field:
nanoseconds on a CPU, summed over its threads), which is much steadier on a
loaded machine than wall-clock time; ratios are reported against the reference
agent (qemu-ga) with the targets in docs/PERFORMANCE.md.

Python 3 standard library only, so that the benchmark needs nothing that the
agent's build does not already need.
"""

import argparse
import base64
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MiB = 1 << 20


# ---- /proc readings ----

def proc_cpu_ns(pid):
    """CPU time of all threads of pid, in ns (schedstat field 1), and run count (field 3)."""
    cpu = 0
    slices = 0
    task_dir = "/proc/%d/task" % pid
    for tid in os.listdir(task_dir):
        try:
            with open("%s/%s/schedstat" % (task_dir, tid)) as f:
                fields = f.read().split()
        except OSError:
            continue  # the thread ended between listdir and open
        cpu += int(fields[0])
        slices += int(fields[2])
    return cpu, slices


def proc_ctxt(pid):
    """Voluntary and involuntary context switches summed over all threads."""
    vol = invol = 0
    task_dir = "/proc/%d/task" % pid
    for tid in os.listdir(task_dir):
        try:
            with open("%s/%s/status" % (task_dir, tid)) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        vol += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        invol += int(line.split()[1])
        except OSError:
            continue
    return vol, invol


def proc_mem_kib(pid):
    """VmRSS and VmHWM (peak RSS) in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                out[key] = int(line.split()[1])
    return out["VmRSS"], out["VmHWM"], out.get("RssAnon", 0)


def proc_pss_kib(pid):
    """Proportional set size: shared library pages divided among their users (the per-guest cost)."""
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def proc_threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


# ---- a QGA client over a UNIX socket ----

class Client:
    def __init__(self, path, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_line(self):
        """One response: both agents end each response with a newline."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line = bytes(self.buf[:nl])
                del self.buf[:nl + 1]
                if line.strip():
                    return line
                continue
            start = len(self.buf)
            chunk = self.sock.recv(4 << 20)
            if not chunk:
                raise ConnectionError("agent closed the connection")
            self.buf += chunk
            # Search only the new bytes next time round: a 4 MiB read is 5.6 MB of base64.
            nl = self.buf.find(b"\n", start)
            if nl >= 0:
                line = bytes(self.buf[:nl])
                del self.buf[:nl + 1]
                if line.strip():
                    return line

    def call(self, cmd, args=None):
        msg = {"execute": cmd}
        if args is not None:
            msg["arguments"] = args
        self.send(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
        resp = json.loads(self.read_line())
        if "error" in resp:
            raise RuntimeError("%s: %s" % (cmd, resp["error"]))
        return resp["return"]

    def sync(self):
        """Drain anything left from an earlier connection (guest-sync-delimited contract)."""
        token = 4242
        self.send(b"\xff" + json.dumps({"execute": "guest-sync-delimited", "arguments": {"id": token}}).encode() + b"\n")
        while True:
            line = self.read_line()
            line = line.lstrip(b"\xff")
            try:
                if json.loads(line).get("return") == token:
                    return
            except ValueError:
                continue


# ---- one agent under test ----

class Agent:
    def __init__(self, name, argv_fn, workdir, pid_file=False, env=None):
        self.name = name
        self.env = env
        self.pid_file = None
        self.argv_fn = argv_fn  # (socket path, state dir) -> argv
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.sock_path = os.path.join(self.dir, "sock")
        self.proc = None
        if pid_file:
            # A launcher (Wine) runs the agent as its child and names it here.
            self.pid_file = os.path.join(self.dir, "agent.pid")
            self.env = dict(env or os.environ, QGA_AGENT_PID_FILE=self.pid_file)

    def start(self):
        """Start the agent; return seconds from spawn to the first answered ping."""
        if os.path.exists(self.sock_path):
            os.unlink(self.sock_path)
        argv = self.argv_fn(self.sock_path, self.dir)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.log"), "ab"),
                                     cwd=self.dir, env=self.env)
        while True:
            try:
                c = Client(self.sock_path, timeout=10)
                c.call("guest-ping")
                t1 = time.perf_counter()
                c.close()
                return t1 - t0
            except (FileNotFoundError, ConnectionRefusedError):
                if self.proc.poll() is not None:
                    raise RuntimeError("%s exited with %d at start" % (self.name, self.proc.returncode))
                time.sleep(0.0002)
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("%s did not answer within 30 s" % self.name)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)  # the Wine launcher gives its agent 8 s to stop cleanly
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def pid(self):
        if self.pid_file:
            with open(self.pid_file) as f:
                return int(f.read())
        return self.proc.pid

    def cpu(self):
        return proc_cpu_ns(self.pid)[0]

    def connect(self):
        c = Client(self.sock_path)
        c.sync()
        return c


# ---- the measurements (each does one round's share of work on one agent) ----

def bench_ping(agent, n):
    c = agent.connect()
    req = b'{"execute":"guest-ping"}\n'
    rtts = []
    cpu0 = agent.cpu()
    for _ in range(n):
        t0 = time.perf_counter()
        c.send(req)
        c.read_line()
        rtts.append(time.perf_counter() - t0)
    cpu1 = agent.cpu()
    c.close()
    return {"rtts": rtts, "cpu_ns": cpu1 - cpu0, "n": n}


def bench_pipelined(agent, n):
    """n pings written back to back by a writer thread while this thread reads the answers."""
    c = agent.connect()
    req = b'{"execute":"guest-ping"}\n' * n
    err = []

    def writer():
        try:
            c.send(req)
        except OSError as e:
            err.append(e)

    cpu0 = agent.cpu()
    t0 = time.perf_counter()
    th = threading.Thread(target=writer)
    th.start()
    got = 0
    while got < n:
        chunk = c.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("agent closed the connection")
        got += chunk.count(b"\n")
    t1 = time.perf_counter()
    cpu1 = agent.cpu()
    th.join()
    if err:
        raise err[0]
    c.close()
    return {"secs": t1 - t0, "cpu_ns": cpu1 - cpu0, "n": n}


def bench_file(agent, path, total, chunk):
    """Write `total` bytes in `chunk`-sized guest-file-write calls, then read them back.

    The client keeps its own cost low and equal for both agents: the write
    request is assembled from pre-encoded bytes, and a read answer is checked
    by comparing its base64 text with the pre-encoded text instead of decoding.
    """
    data = os.urandom(chunk)
    b64 = base64.b64encode(data)
    c = agent.connect()
    out = {}

    cpu0 = agent.cpu()
    t0 = time.perf_counter()
    h = c.call("guest-file-open", {"path": path, "mode": "w"})
    req = (b'{"execute":"guest-file-write","arguments":{"handle":%d,"buf-b64":"' % h) + b64 + b'"}}\n'
    want = b'{"return": {"count": %d, "eof": false}}' % chunk
    for _ in range(total // chunk):
        c.send(req)
        r = c.read_line()
        if r.replace(b" ", b"") != want.replace(b" ", b""):
            raise RuntimeError("%s: guest-file-write answered %r" % (agent.name, r[:200]))
    c.call("guest-file-close", {"handle": h})
    t1 = time.perf_counter()
    cpu1 = agent.cpu()
    out["write_secs"] = t1 - t0
    out["write_cpu_ns"] = cpu1 - cpu0

    t0 = time.perf_counter()
    h = c.call("guest-file-open", {"path": path, "mode": "r"})
    req = b'{"execute":"guest-file-read","arguments":{"handle":%d,"count":%d}}\n' % (h, chunk)
    got = 0
    while True:
        c.send(req)
        r = c.read_line()
        if b64 in r:
            got += chunk
            continue
        # Anything but a full chunk: the end of the file (or an error), parsed properly.
        resp = json.loads(r)
        if "error" in resp:
            raise RuntimeError("%s: guest-file-read: %s" % (agent.name, resp["error"]))
        if resp["return"]["count"] != 0:
            raise RuntimeError("%s: unexpected read of %d bytes" % (agent.name, resp["return"]["count"]))
        break
    c.call("guest-file-close", {"handle": h})
    t1 = time.perf_counter()
    cpu2 = agent.cpu()
    if got != total:
        raise RuntimeError("%s: read %d bytes of %d" % (agent.name, got, total))
    out["read_secs"] = t1 - t0
    out["read_cpu_ns"] = cpu2 - cpu1
    out["bytes"] = total
    c.close()
    os.unlink(path)
    return out


def bench_exec(agent, n):
    """guest-exec /bin/true, then guest-exec-status until it has exited, n times."""
    c = agent.connect()
    polls = 0
    cpu0 = agent.cpu()
    t0 = time.perf_counter()
    for _ in range(n):
        pid = c.call("guest-exec", {"path": "/bin/true", "capture-output": False})["pid"]
        while True:
            polls += 1
            st = c.call("guest-exec-status", {"pid": pid})
            if st["exited"]:
                assert st.get("exitcode") == 0, st
                break
            time.sleep(0.0005)  # as a polling client would, without hammering the agent
    t1 = time.perf_counter()
    cpu1 = agent.cpu()
    c.close()
    return {"secs": t1 - t0, "cpu_ns": cpu1 - cpu0, "n": n, "polls": polls}


def idle_sample(agents, secs):
    before = {a.name: (proc_cpu_ns(a.pid), proc_ctxt(a.pid)) for a in agents}
    time.sleep(secs)
    out = {}
    for a in agents:
        (cpu0, sl0), (v0, i0) = before[a.name]
        cpu1, sl1 = proc_cpu_ns(a.pid)
        v1, i1 = proc_ctxt(a.pid)
        out[a.name] = {"cpu_ns": cpu1 - cpu0, "runs": sl1 - sl0, "vol_ctxt": v1 - v0, "invol_ctxt": i1 - i0}
    return out


# ---- driver ----

def pct(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def run(args):
    workdir = tempfile.mkdtemp(prefix="qga-bench-")
    ours = Agent(args.name, lambda s, d: [args.agent, "-m", "unix-listen", "-p", s, "-t", d,
                                           "-f", os.path.join(d, "pid")], workdir)
    ref = Agent("qemu-ga", lambda s, d: [args.ref, "-m", "unix-listen", "-p", s, "-t", d,
                                         "-f", os.path.join(d, "pid")], workdir)
    agents = [ours, ref]
    R = args.rounds
    res = {a.name: {"spawn_secs": [], "spawn_cpu_ns": [], "rtts": [], "ping_cpu_ns": 0, "pings": 0,
                    "pipe_secs": 0.0, "pipe_cpu_ns": 0, "pipe_n": 0,
                    "file": [], "exec_secs": 0.0, "exec_cpu_ns": 0, "exec_n": 0, "exec_polls": 0}
           for a in agents}
    mem = {}
    t_start = time.time()
    try:
        # Spawn to first ping: several cold-ish starts, alternating.
        for i in range(args.spawns):
            order = agents if i % 2 == 0 else agents[::-1]
            for a in order:
                res[a.name]["spawn_secs"].append(a.start())
                res[a.name]["spawn_cpu_ns"].append(a.cpu())
                if i < args.spawns - 1:
                    a.stop()
        for a in agents:
            rss, hwm, anon = proc_mem_kib(a.pid)
            mem[a.name] = {"rss_start_kib": rss, "hwm_start_kib": hwm, "anon_start_kib": anon,
                           "pss_start_kib": proc_pss_kib(a.pid),
                           "threads_start": proc_threads(a.pid)}

        # Idle first, before any work has grown the heaps: both agents idle at the same time.
        idle_none = idle_sample(agents, args.idle)
        clients = [a.connect() for a in agents]
        idle_conn = idle_sample(agents, args.idle)
        for c in clients:
            c.close()

        for rnd in range(R):
            order = agents if rnd % 2 == 0 else agents[::-1]
            for a in order:
                r = bench_ping(a, args.pings // R)
                d = res[a.name]
                d["rtts"] += r["rtts"]
                d["ping_cpu_ns"] += r["cpu_ns"]
                d["pings"] += r["n"]
            for a in order:
                r = bench_pipelined(a, args.pipelined // R)
                d = res[a.name]
                d["pipe_secs"] += r["secs"]
                d["pipe_cpu_ns"] += r["cpu_ns"]
                d["pipe_n"] += r["n"]
            for a in order:
                r = bench_file(a, os.path.join(a.dir, "blob"), args.file_mib * MiB, args.chunk_mib * MiB)
                res[a.name]["file"].append(r)
                if rnd == 0:
                    rss, hwm, anon = proc_mem_kib(a.pid)
                    mem[a.name]["rss_after_file_kib"] = rss
                    mem[a.name]["hwm_after_file_kib"] = hwm
            for a in order:
                r = bench_exec(a, args.execs // R)
                d = res[a.name]
                d["exec_secs"] += r["secs"]
                d["exec_cpu_ns"] += r["cpu_ns"]
                d["exec_n"] += r["n"]
                d["exec_polls"] += r["polls"]
        for a in agents:
            rss, hwm, anon = proc_mem_kib(a.pid)
            mem[a.name]["rss_end_kib"] = rss
            mem[a.name]["hwm_kib"] = hwm
            mem[a.name]["threads_end"] = proc_threads(a.pid)
    finally:
        for a in agents:
            a.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    # Summaries.
    summary = {}
    for a in agents:
        d = res[a.name]
        f = d["file"]
        wsecs = sum(x["write_secs"] for x in f)
        rsecs = sum(x["read_secs"] for x in f)
        nbytes = sum(x["bytes"] for x in f)
        mb = nbytes / 1e6
        summary[a.name] = {
            "ping_p50_us": pct(d["rtts"], 50) * 1e6,
            "ping_p99_us": pct(d["rtts"], 99) * 1e6,
            "ping_cpu_us": d["ping_cpu_ns"] / d["pings"] / 1e3,
            "pipelined_pings_per_s": d["pipe_n"] / d["pipe_secs"],
            "pipelined_cpu_us": d["pipe_cpu_ns"] / d["pipe_n"] / 1e3,
            "file_write_MBps": mb / wsecs,
            "file_read_MBps": mb / rsecs,
            "file_write_cpu_ms_per_MB": sum(x["write_cpu_ns"] for x in f) / mb / 1e6,
            "file_read_cpu_ms_per_MB": sum(x["read_cpu_ns"] for x in f) / mb / 1e6,
            "exec_ops_per_s": d["exec_n"] / d["exec_secs"],
            "exec_cpu_us_per_op": d["exec_cpu_ns"] / d["exec_n"] / 1e3,
            "exec_polls_per_op": d["exec_polls"] / d["exec_n"],
            "rss_start_kib": mem[a.name]["rss_start_kib"],
            "rss_after_file_kib": mem[a.name]["rss_after_file_kib"],
            "rss_peak_kib": mem[a.name]["hwm_kib"],
            "rss_peak_file_kib": mem[a.name]["hwm_after_file_kib"],
            "anon_start_kib": mem[a.name]["anon_start_kib"],
            "pss_start_kib": mem[a.name]["pss_start_kib"],
            "threads_start": mem[a.name]["threads_start"],
            "spawn_to_ping_ms": statistics.median(d["spawn_secs"]) * 1e3,
            "spawn_cpu_ms": statistics.median(d["spawn_cpu_ns"]) / 1e6,
            "idle_none_wakeups": idle_none[a.name]["vol_ctxt"] + idle_none[a.name]["invol_ctxt"],
            "idle_none_cpu_us": idle_none[a.name]["cpu_ns"] / 1e3,
            "idle_conn_wakeups": idle_conn[a.name]["vol_ctxt"] + idle_conn[a.name]["invol_ctxt"],
            "idle_conn_cpu_us": idle_conn[a.name]["cpu_ns"] / 1e3,
        }
    return {
        "raw": {a.name: {k: v for k, v in res[a.name].items() if k != "rtts"} for a in agents},
        "idle": {"none": idle_none, "connected": idle_conn},
        "summary": summary,
        "secs": time.time() - t_start,
    }


def wine_server_pid(prefix):
    """The wineserver of this prefix only (other Wine users on the machine have their own)."""
    needle = ("WINEPREFIX=%s" % prefix).encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                if not f.read().startswith("wineserver"):
                    continue
            with open("/proc/%s/environ" % pid, "rb") as f:
                if needle in f.read().split(b"\0"):
                    return int(pid)
        except OSError:
            continue
    return None


def run_wine(args):
    """The Windows .exe under Wine, through tests/wine/launcher.py (COM port <-> pty <-> UNIX socket).

    No reference here (qemu-ga for Windows does not run in this set-up), so
    these figures are absolute; idle wake-ups are what matters (target: 0).
    """
    workdir = tempfile.mkdtemp(prefix="qga-bench-wine-")
    prefix = os.path.join(workdir, "pfx")
    env = dict(os.environ, WINEPREFIX=prefix, WINEDEBUG="-all")
    env.pop("DISPLAY", None)
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    out = {}
    a = None
    try:
        t0 = time.perf_counter()
        # As tests/wine/run.sh: a persistent server with stdio detached, then the services.
        subprocess.run(["wineboot", "-i"], check=True, **quiet)
        subprocess.run(["wineserver", "-k"], **quiet)
        subprocess.run(["wineserver", "-w"], **quiet)
        subprocess.run(["wineserver", "-p"], check=True, **quiet)
        subprocess.run(["wine", "wineboot"], **quiet)
        out["prefix_setup_secs"] = time.perf_counter() - t0

        class Proc:
            def __init__(self, name, p):
                self.name, self.pid = name, p
        ws = wine_server_pid(prefix)
        if ws:
            # The prefix's own services wake the server too: measure them without the agent first.
            time.sleep(1.0)
            out["idle_baseline"] = idle_sample([Proc("wineserver", ws)], args.idle)
        a = Agent("wine", lambda s, d: [sys.executable, args.wine_launcher, "--exe", args.wine_exe, "AGENT",
                                        "-m", "unix-listen", "-p", s, "-t", d], workdir, pid_file=True, env=env)
        out["spawn_to_ping_ms"] = a.start() * 1e3
        pid = a.pid
        out["cpu_until_first_ping_ms"] = proc_cpu_ns(pid)[0] / 1e6
        rss, hwm, anon = proc_mem_kib(pid)
        out.update(rss_start_kib=rss, anon_start_kib=anon, pss_start_kib=proc_pss_kib(pid), threads=proc_threads(pid))
        time.sleep(1.0)  # the launcher's bridge resets the port when the first client leaves; let the agent reopen it
        watched = [Proc("agent", pid)]
        if ws:
            watched.append(Proc("wineserver", ws))
        out["idle_none"] = idle_sample(watched, args.idle)
        c = a.connect()
        out["idle_conn"] = idle_sample(watched, args.idle)
        c.close()
        time.sleep(1.0)
        r = bench_ping(a, args.wine_pings)
        out["ping_p50_us"] = pct(r["rtts"], 50) * 1e6
        out["ping_p99_us"] = pct(r["rtts"], 99) * 1e6
        out["ping_cpu_us"] = r["cpu_ns"] / r["n"] / 1e3
        out["ping_n"] = r["n"]
    finally:
        if a:
            a.stop()
        subprocess.run(["wineserver", "-k"], **quiet)
        subprocess.run(["wineserver", "-w"], **quiet)
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def print_wine(w):
    n, c = w["idle_none"], w["idle_conn"]

    def wake(d, who):
        return "%d" % (d[who]["vol_ctxt"] + d[who]["invol_ctxt"]) if who in d else "-"
    print("\nWindows .exe under Wine (absolute; no reference agent):")
    print("  spawn to first ping          %.0f ms (launcher + Wine start included)" % w["spawn_to_ping_ms"])
    print("  ping round trip p50/p99      %.0f / %.0f us (through the pty bridge)" % (w["ping_p50_us"], w["ping_p99_us"]))
    print("  agent CPU per ping           %.1f us" % w["ping_cpu_us"])
    print("  RSS / PSS after start        %d / %d KiB" % (w["rss_start_kib"], w["pss_start_kib"]))
    print("  idle, no agent: ctxt sw.     wineserver %s (the prefix's own services)"
          % wake(w.get("idle_baseline", {}), "wineserver"))
    print("  idle, no client: ctxt sw.    agent %s, wineserver %s" % (wake(n, "agent"), wake(n, "wineserver")))
    print("  idle, client: ctxt sw.       agent %s, wineserver %s" % (wake(c, "agent"), wake(c, "wineserver")))


# (label, key, unit, better, target ratio or None, format)
ROWS = [
    ("ping round trip p50", "ping_p50_us", "us", "low", None, "%.0f"),
    ("ping round trip p99", "ping_p99_us", "us", "low", None, "%.0f"),
    ("agent CPU per ping", "ping_cpu_us", "us", "low", 0.2, "%.1f"),
    ("pipelined pings", "pipelined_pings_per_s", "/s", "high", 3.0, "%.0f"),
    ("agent CPU per pipelined ping", "pipelined_cpu_us", "us", "low", None, "%.1f"),
    ("guest-file-write", "file_write_MBps", "MB/s", "high", 5.0, "%.1f"),
    ("guest-file-read", "file_read_MBps", "MB/s", "high", 5.0, "%.1f"),
    ("agent CPU per MB written", "file_write_cpu_ms_per_MB", "ms", "low", 0.2, "%.2f"),
    ("agent CPU per MB read", "file_read_cpu_ms_per_MB", "ms", "low", 0.2, "%.2f"),
    ("guest-exec /bin/true + status", "exec_ops_per_s", "ops/s", "high", 1.5, "%.0f"),
    ("agent CPU per exec", "exec_cpu_us_per_op", "us", "low", None, "%.0f"),
    ("RSS after start", "rss_start_kib", "KiB", "low", 0.3, "%d"),
    ("anonymous RSS after start", "anon_start_kib", "KiB", "low", None, "%d"),
    ("PSS after start", "pss_start_kib", "KiB", "low", None, "%d"),
    ("RSS after 32 MiB file test", "rss_after_file_kib", "KiB", "low", None, "%d"),
    ("peak RSS in file test (VmHWM)", "rss_peak_file_kib", "KiB", "low", 0.5, "%d"),
    ("peak RSS, whole run (VmHWM)", "rss_peak_kib", "KiB", "low", None, "%d"),
    ("spawn to first ping (median)", "spawn_to_ping_ms", "ms", "low", 0.5, "%.1f"),
    ("agent CPU until first ping (median)", "spawn_cpu_ms", "ms", "low", None, "%.2f"),
    ("idle 5 s, no client: ctxt switches", "idle_none_wakeups", "", "zero", None, "%d"),
    ("idle 5 s, no client: CPU", "idle_none_cpu_us", "us", "low", None, "%.0f"),
    ("idle 5 s, client: ctxt switches", "idle_conn_wakeups", "", "zero", None, "%d"),
    ("idle 5 s, client: CPU", "idle_conn_cpu_us", "us", "low", None, "%.0f"),
]


def verdicts(summary, ours, ref):
    out = []
    for label, key, unit, better, target, fmt in ROWS:
        a = summary[ours][key]
        b = summary[ref][key]
        ratio = (a / b) if b else None
        if better == "zero":
            ok = a == 0
            tgt = "= 0"
        elif target is None:
            ok = None
            tgt = ""
        elif better == "low":
            ok = ratio is not None and ratio <= target
            tgt = "<= %gx" % target
        else:
            ok = ratio is not None and ratio >= target
            tgt = ">= %gx" % target
        out.append({"label": label, "key": key, "unit": unit, "ours": a, "ref": b, "ratio": ratio,
                    "target": tgt, "met": ok, "fmt": fmt})
    return out


def print_table(rows, ours, ref, markdown):
    hdr = ["measure", ours, "qemu-ga 7.2", "ratio", "target", "met"]
    lines = []
    for r in rows:
        unit = (" " + r["unit"]) if r["unit"] else ""
        lines.append([r["label"], (r["fmt"] % r["ours"]) + unit, (r["fmt"] % r["ref"]) + unit,
                      ("%.2fx" % r["ratio"]) if r["ratio"] is not None else "-",
                      r["target"], {True: "yes", False: "NO", None: ""}[r["met"]]])
    if markdown:
        print("| " + " | ".join(hdr) + " |")
        print("|" + "|".join(["---"] * len(hdr)) + "|")
        for l in lines:
            print("| " + " | ".join(l) + " |")
    else:
        w = [max(len(x[i]) for x in lines + [hdr]) for i in range(len(hdr))]
        for l in [hdr] + lines:
            print("  ".join(l[i].ljust(w[i]) for i in range(len(hdr))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True, help="the qga-compat binary")
    ap.add_argument("--ref", default=shutil.which("qemu-ga") or "/usr/sbin/qemu-ga", help="qemu-ga binary")
    ap.add_argument("--name", default="qga-compat")
    ap.add_argument("--json", default="bench-result.json", help="where to write the JSON result")
    ap.add_argument("--rounds", type=int, default=4, help="alternations between the agents")
    ap.add_argument("--pings", type=int, default=8000, help="sequential pings per agent (all rounds)")
    ap.add_argument("--pipelined", type=int, default=40000, help="pipelined pings per agent (all rounds)")
    ap.add_argument("--file-mib", type=int, default=32, help="MiB per file pass (each round)")
    ap.add_argument("--chunk-mib", type=int, default=4)
    ap.add_argument("--execs", type=int, default=400, help="guest-exec runs per agent (all rounds)")
    ap.add_argument("--spawns", type=int, default=7, help="starts per agent for spawn-to-ping")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds of each idle sample")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--wine-exe", help="also measure this Windows qga-compat.exe under Wine")
    ap.add_argument("--wine-launcher", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                          "..", "tests", "wine", "launcher.py"))
    ap.add_argument("--wine-pings", type=int, default=2000)
    args = ap.parse_args()

    result = run(args)
    if args.wine_exe:
        result["wine"] = run_wine(args)
    rows = verdicts(result["summary"], args.name, "qemu-ga")
    ref_ver = subprocess.run([args.ref, "-V"], capture_output=True, text=True).stdout.strip().splitlines()
    load = os.getloadavg()
    result["rows"] = rows
    result["machine"] = {
        "cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
        "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), ""),
        "loadavg_at_end": load, "ref_version": ref_ver[0] if ref_ver else "",
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    result["params"] = vars(args)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    print_table(rows, args.name, "qemu-ga", args.markdown)
    if "wine" in result:
        print_wine(result["wine"])
    print("\n%d rounds, %.0f s, load average %.2f %.2f %.2f; JSON in %s"
          % (args.rounds, result["secs"], load[0], load[1], load[2], args.json))


if __name__ == "__main__":
    sys.exit(main())
