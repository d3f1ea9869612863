#!/usr/bin/env python3
"""The agent is one static .exe: it may import Windows system DLLs only (no mingw runtime DLL).

usage: check-imports.py OBJDUMP EXE... ; prints TAP, exits 1 if any exe imports something else.
"""
import subprocess
import sys

# DLLs every supported Windows has in System32 (the agent needs few of them; more may come
# with later commands: network, users, setup API, VSS).
ALLOWED = {
    "kernel32.dll", "advapi32.dll", "msvcrt.dll", "user32.dll", "ws2_32.dll", "iphlpapi.dll",
    "netapi32.dll", "wtsapi32.dll", "setupapi.dll", "cfgmgr32.dll", "secur32.dll", "userenv.dll",
    "ole32.dll", "oleaut32.dll", "shell32.dll", "version.dll", "powrprof.dll", "pdh.dll",
    "ntdll.dll", "vssapi.dll", "psapi.dll", "wininet.dll", "bcrypt.dll", "crypt32.dll",
}


def main():
    objdump, exes = sys.argv[1], sys.argv[2:]
    print("1..%d" % len(exes))
    failed = 0
    for i, exe in enumerate(exes, 1):
        out = subprocess.run([objdump, "-p", exe], capture_output=True, text=True, check=True).stdout
        dlls = [line.split("DLL Name:", 1)[1].strip() for line in out.splitlines() if "DLL Name:" in line]
        bad = [d for d in dlls if d.lower() not in ALLOWED]
        ok = dlls and not bad and "kernel32.dll" in {d.lower() for d in dlls}
        print("# %s imports: %s" % (exe.rsplit("/", 1)[-1], ", ".join(dlls)))
        if ok:
            print("ok %d %s imports only system DLLs" % (i, exe))
        else:
            failed += 1
            print("not ok %d %s imports non-system DLLs: %s" % (i, exe, ", ".join(bad) or "(none found)"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
