#!/usr/bin/env python3
"""Run the Windows unit tests of the cross build (meson suite "wine") under Wine, TAP in and out.

usage: run-units.py WIN_BUILD

The list and each test's environment come from `meson introspect --tests`, as `meson test`
would run them (a .exe through wine, from the build directory); unlike `meson test` every TAP
line is counted and shown. Ends with "# N passed, M failed, K skipped".
"""
import json
import os
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", build]))
    tests = [t for t in tests if any(s.endswith(":wine") or s == "wine" for s in t["suite"])]
    passed = failed = skipped = 0
    if not tests:
        print("not ok - no tests of the suite wine in %s" % build)
        failed += 1
    for t in tests:
        cmd = list(t["cmd"])
        if cmd[0].endswith(".exe"):
            cmd.insert(0, "wine")
        env = dict(os.environ)
        env.update(t.get("env") or {})
        try:
            p = subprocess.run(cmd, env=env, cwd=t.get("workdir") or build, capture_output=True,
                               stdin=subprocess.DEVNULL, timeout=max(int(t.get("timeout") or 60), 60) * 2)
            out, err, rc = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = (e.stdout or b"").decode("utf-8", "replace"), "timed out", -1
        results = 0
        for line in out.splitlines():
            m = re.match(r"^(not ok|ok) \d+ ?(.*)$", line)
            if m:
                results += 1
                if m.group(1) == "not ok":
                    failed += 1
                elif "# SKIP" in m.group(2):
                    skipped += 1
                else:
                    passed += 1
                print("%s %s: %s" % (m.group(1), t["name"], m.group(2)))
            elif line.startswith("#"):
                print(line)
        if results == 0:
            # Not a TAP program (or it died first): its exit status is the one result.
            if rc == 0:
                passed += 1
                print("ok %s" % t["name"])
            else:
                failed += 1
                print("not ok %s (exit status %d)" % (t["name"], rc))
        elif rc != 0 and not re.search(r"^not ok", out, re.M):
            failed += 1
            print("not ok %s: exit status %d after %d results" % (t["name"], rc, results))
        if rc != 0:
            for line in err.strip().splitlines()[-15:]:
                print("#   " + line)
    print("# %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
