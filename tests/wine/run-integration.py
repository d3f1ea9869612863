#!/usr/bin/env python3
"""Run the Linux integration test programs against qga-compat.exe under Wine.

usage: run-integration.py NATIVE_BUILD WIN_BUILD [PROGRAM...]

The programs and their environment come from the native build's `meson introspect --tests`
(suite integration); $QGA_AGENT_LAUNCHER makes their harness start the Windows agent through
launcher.py instead of the Linux binary (tests/integration/harness.h, "Launcher contract").
Prints the TAP lines of every program and a closing "# N passed, M failed, K skipped" line.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    native, win = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3:])
    tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", native]))
    tests = [t for t in tests if any(s.endswith(":integration") or s == "integration" for s in t["suite"])
             and (not only or t["name"] in only)]
    if not tests:
        print("not ok - no integration tests found in %s" % native)
        print("# 0 passed, 1 failed, 0 skipped")
        sys.exit(1)
    exe = os.path.join(win, "qga-compat", "qga-compat.exe")
    seam = os.path.join(win, "qga-compat", "qga-compat-testseam.exe")
    launcher = "%s --exe %s --seam-exe %s" % (os.path.join(HERE, "launcher.py"), exe, seam)
    passed = failed = skipped = 0
    for t in tests:
        env = dict(os.environ)
        env.update(t.get("env") or {})
        env["QGA_AGENT_LAUNCHER"] = launcher
        env["QGA_AGENT_PLATFORM"] = "win32"
        # guest-exec's test child: the Windows build of it (tests/exec), as a Linux path.
        child = os.path.join(win, "tests", "exec", "qga-test-child.exe")
        if os.path.exists(child):
            env["QGA_EXEC_CHILD"] = os.path.abspath(child)
        timeout = max(int(t.get("timeout") or 120), 60) * 2
        t0 = time.monotonic()
        try:
            p = subprocess.run(t["cmd"], env=env, cwd=t.get("workdir") or None, capture_output=True,
                               timeout=timeout, stdin=subprocess.DEVNULL)
            out, err, rc = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), p.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            err = "timed out after %ds" % timeout
            rc = -1
        results = 0
        for line in out.splitlines():
            m = re.match(r"^(not ok|ok) \d+ (\S+)(.*)$", line)
            if not m:
                continue
            results += 1
            if m.group(1) == "not ok":
                failed += 1
            elif "# SKIP" in m.group(3):
                skipped += 1
            else:
                passed += 1
            print("%s %s: %s%s" % (m.group(1), t["name"], m.group(2), m.group(3)))
        # A program that dies on an assertion stops printing TAP: that is one more failure.
        if rc != 0 and not re.search(r"^not ok", out, re.M):
            failed += 1
            print("not ok %s: aborted (exit status %d) after %d results" % (t["name"], rc, results))
        if rc != 0:
            for line in (err.strip().splitlines() or [])[-15:]:
                print("#   " + line)
        print("# %s: %.1fs" % (t["name"], time.monotonic() - t0), flush=True)
    print("# %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
