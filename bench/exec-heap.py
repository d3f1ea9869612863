#!/usr/bin/env python3
# Diagnostic for docs/PERFORMANCE.md: guest-exec cost on a fresh agent and after the 32 MiB file test (fork copies the retained heap's page tables).
"""Usage: exec-heap.py QGA_COMPAT [QEMU_GA]"""
import importlib.util
import os
import shutil
import sys
import tempfile

_spec = importlib.util.spec_from_file_location(
    "qga_bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qga-bench.py"))
qb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(qb)

N = 200


def main():
    agents = [(sys.argv[1], "qga-compat"), (sys.argv[2] if len(sys.argv) > 2 else "/usr/sbin/qemu-ga", "qemu-ga")]
    work = tempfile.mkdtemp(prefix="qga-exec-heap-")
    try:
        for binary, name in agents:
            a = qb.Agent(name, lambda s, d, b=binary: [b, "-m", "unix-listen", "-p", s, "-t", d, "-f", d + "/pid"], work)
            a.start()
            try:
                r1 = qb.bench_exec(a, N)
                qb.bench_file(a, os.path.join(a.dir, "blob"), 32 << 20, 4 << 20)
                r2 = qb.bench_exec(a, N)
                print("%-10s fresh: %4.0f us/exec %4.0f ops/s   after file test (RSS %d KiB): %4.0f us/exec %4.0f ops/s"
                      % (name, r1["cpu_ns"] / N / 1e3, N / r1["secs"], qb.proc_mem_kib(a.pid)[0],
                         r2["cpu_ns"] / N / 1e3, N / r2["secs"]))
            finally:
                a.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
