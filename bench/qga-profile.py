#!/usr/bin/env python3
# Profile one agent under one benchmark workload with perf: names the hot spots behind a missed target.
"""Usage: qga-profile.py AGENT {ping,pipelined,file,exec} OUT.perf.data [--name N]

Starts the agent on a unix-listen socket, attaches `perf record -g` to it,
runs the workload of qga-bench.py, then stops perf; read the result with
`perf report -i OUT --no-children --stdio`.
"""
import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

_spec = importlib.util.spec_from_file_location(
    "qga_bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qga-bench.py"))
qb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(qb)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("agent")
    ap.add_argument("workload", choices=["ping", "pipelined", "file", "exec"])
    ap.add_argument("out")
    ap.add_argument("--name", default="agent")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="qga-prof-")
    a = qb.Agent(args.name, lambda s, d: [args.agent, "-m", "unix-listen", "-p", s, "-t", d,
                                           "-f", os.path.join(d, "pid")], work)
    try:
        a.start()
        perf = subprocess.Popen(["perf", "record", "-q", "-g", "-F", "4999", "-p", str(a.pid), "-o", args.out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        cpu0 = a.cpu()
        if args.workload == "ping":
            qb.bench_ping(a, 20000)
        elif args.workload == "pipelined":
            qb.bench_pipelined(a, 200000)
        elif args.workload == "file":
            for _ in range(3):
                qb.bench_file(a, os.path.join(a.dir, "blob"), 32 << 20, 4 << 20)
        elif args.workload == "exec":
            qb.bench_exec(a, 300)
        print("%s %s: agent CPU %.1f ms" % (args.name, args.workload, (a.cpu() - cpu0) / 1e6))
        perf.send_signal(signal.SIGINT)
        perf.wait()
    finally:
        a.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
