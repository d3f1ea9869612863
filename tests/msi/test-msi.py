#!/usr/bin/env python3
"""Checks of the qga-compat MSI: its tables (msiinfo), then install/upgrade/uninstall under Wine.

Usage: test-msi.py --msi NEW.msi --old-msi OLD.msi --exe qga-compat.exe --version X.Y.Z [--tables-only]
(tests/msi/run.sh builds both MSIs and the Wine prefix, and sets WINEPREFIX). Prints TAP.

What Wine cannot show, and is therefore checked in the tables only:
  - the recovery actions: Wine's sc.exe has no `failure`/`failureflag` command and Wine's SCM
    never restarts a service, so only "the deferred, non-impersonated sc.exe action ran and a
    failure of it did not abort the install" is observable (install log);
  - disabling QEMU-GA and giving its start type back (`sc.exe config`, absent from Wine 8's sc):
    the stop (ServiceControl), the remembered start type, the restart after our uninstall and
    "not on our own upgrade" are checked; the start type change itself is not;
  - the quoted ImagePath: Windows Installer quotes the exe path in ImagePath; Wine's InstallServices
    writes it unquoted, so either form is accepted here;
  - LocalSystem: Wine runs every service as the Linux user; only the registration is checked;
  - SecureCustomProperties: Wine has no UAC client/server split, so the silent-install
    properties reach the server side whether secure or not.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "wine"))
from qgaclient import request  # noqa: E402  (the Wine tier's host-side client)
from taprun import Failure, check, wait_for, winpath  # noqa: E402

UPGRADE_CODE = "{A83D3C95-4C75-4655-8A73-77A524A58311}"
SERVICE = "qga-compat"
SERVICE_KEY = r"HKLM\System\CurrentControlSet\Services\qga-compat"
EVENTLOG_KEY = r"HKLM\System\CurrentControlSet\Services\EventLog\Application\qga-compat"
PRODUCT_KEY = r"HKLM\Software\qga-compat"
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"
INSTALL_DIR_WIN = r"C:\Program Files\qga-compat"
COM = 7




# ---- tables ------------------------------------------------------------------------------------

def table(msi, name):
    """Rows of one table as lists of strings (msiinfo export: 3 header lines, tab-separated)."""
    out = subprocess.run(["msiinfo", "export", msi, name], capture_output=True, text=True, check=True).stdout
    return [line.rstrip("\r").split("\t") for line in out.splitlines()[3:]]


def rows_by_key(msi, name):
    return {r[0]: r for r in table(msi, name)}


def test_tables_files(a):
    files = rows_by_key(a.msi, "File")
    check(sorted(files) == ["QgaConf", "QgaExe"], "File rows: %s" % sorted(files))
    check(files["QgaExe"][1:3] == ["QgaExeComp", "qga-compat.exe"], "exe row %s" % files["QgaExe"])
    check(int(files["QgaExe"][3]) == os.path.getsize(a.exe), "exe size %s" % files["QgaExe"][3])
    check(files["QgaConf"][1:3] == ["QgaConfComp", "qga-compat.conf"], "conf row %s" % files["QgaConf"])
    dirs = rows_by_key(a.msi, "Directory")
    check(dirs["INSTALLDIR"][1:3] == ["ProgramFiles64Folder", "qga-compat"], "INSTALLDIR %s" % dirs["INSTALLDIR"])
    check(dirs["STATEDIR"][1:3] == ["CommonAppDataFolder", "qga-compat"], "STATEDIR %s" % dirs["STATEDIR"])
    check(table(a.msi, "CreateFolder") == [["STATEDIR", "StateDirComp"]], "CreateFolder")


def test_tables_components(a):
    comps = rows_by_key(a.msi, "Component")
    # 256 = 64-bit; the config adds 16 (Permanent) + 128 (NeverOverwrite): kept across upgrades.
    check(comps["QgaExeComp"][1:] == ["{F08FB2DC-400F-451F-A149-E272CA02F036}", "INSTALLDIR", "256", "", "QgaExe"],
          "exe component %s" % comps["QgaExeComp"])
    check(comps["QgaConfComp"][1:] == ["{F1A98E5B-2407-4786-B424-C8D61AAFACEE}", "INSTALLDIR", "400", "", "QgaConf"],
          "config component %s" % comps["QgaConfComp"])
    check(comps["StateDirComp"][2:4] == ["STATEDIR", "256"], "state dir component %s" % comps["StateDirComp"])


def test_tables_service(a):
    (svc,) = table(a.msi, "ServiceInstall")
    # Name, DisplayName, Type 16 own process, Start 2 auto, ErrorControl 1 normal, ..., StartName, ..., Arguments
    check(svc[1:6] == ["qga-compat", "QGA-compat Guest Agent", "16", "2", "1"], "ServiceInstall %s" % svc)
    check(svc[8] == "LocalSystem" and svc[10] == "-d -r[QGA_SERVICE_ARGS]" and svc[11] == "QgaExeComp",
          "ServiceInstall account/arguments %s" % svc)
    # The agent's own description (QGA_WIN_SERVICE_DESCRIPTION), as `-s install` sets it.
    check(svc[12] == "Answers the QEMU guest agent protocol (qemu-ga compatible) on the virtio-serial port "
          "org.qemu.guest_agent.0 for the hypervisor's management tools.", "description %r" % svc[12])
    ctl = rows_by_key(a.msi, "ServiceControl")["QgaServiceControl"]
    # 163 = start on install (1) + stop on install (2) and uninstall (32) + delete on uninstall (128); Wait.
    check(ctl[1:3] == ["qga-compat", "163"] and ctl[4:] == ["1", "QgaExeComp"], "ServiceControl %s" % ctl)


def test_tables_registry(a):
    reg = {(r[2], r[3]): r for r in table(a.msi, "Registry")}
    key = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\qga-compat\\"
    check(reg[(key, "EventMessageFile")][1] == "2" and reg[(key, "EventMessageFile")][4:] == ["#%[#QgaExe]", "QgaExeComp"],
          "EventMessageFile %s" % reg.get((key, "EventMessageFile")))
    check(reg[(key, "TypesSupported")][4] == "#7", "TypesSupported %s" % reg.get((key, "TypesSupported")))
    check(reg[("SOFTWARE\\qga-compat\\", "Version")][4] == a.version, "Version value")


def test_tables_upgrade(a):
    up = sorted(table(a.msi, "Upgrade"), key=lambda r: r[6])
    check(up == [[UPGRADE_CODE, a.version, "", "", "2", "", "WIX_DOWNGRADE_DETECTED"],
                 [UPGRADE_CODE, "", a.version, "", "1", "", "WIX_UPGRADE_DETECTED"]], "Upgrade %s" % up)
    props = {r[0]: r[1] for r in table(a.msi, "Property")}
    check(props["UpgradeCode"] == UPGRADE_CODE and props["ProductVersion"] == a.version, "Property %s" % props)
    check(props["ProductCode"] != rows_by_key(a.old_msi, "Property")["ProductCode"][1], "ProductCode reused")
    check(props["ARPNOMODIFY"] == "1" and props["ALLUSERS"] == "1", "ARPNOMODIFY/ALLUSERS %s" % props)
    secure = props["SecureCustomProperties"].split(";")
    for p in ("WIX_UPGRADE_DETECTED", "CHANNELMETHOD", "CHANNELPATH", "BLOCKRPCS", "ALLOWRPCS", "LOGFILE", "VERBOSE", "G2H"):
        check(p in secure, "%s not in SecureCustomProperties %s" % (p, secure))
    check(["NOT WIX_DOWNGRADE_DETECTED", "A newer version of QGA-compat Guest Agent is already installed."]
          in table(a.msi, "LaunchCondition"), "downgrade launch condition")
    summary = subprocess.run(["msiinfo", "suminfo", a.msi], capture_output=True, text=True, check=True).stdout
    check("Template: x64;1033" in summary, "not an x64 package:\n" + summary)


def test_tables_custom_actions(a):
    ca = rows_by_key(a.msi, "CustomAction")
    seq = {r[0]: (r[1], int(r[2])) for r in table(a.msi, "InstallExecuteSequence")}
    for row in ca.values():
        check("cmd" not in row[3].lower() and "cmd" not in row[2].lower(), "a custom action mentions cmd: %s" % row)
    check(ca["QgaSetScExe"][1:4] == ["2099", "QGA_SC_EXE", "[System64Folder]sc.exe"], "QgaSetScExe %s" % ca["QgaSetScExe"])
    # 3186 = 50 (exe named by a property) + 64 (ignore exit code) + 1024 (deferred) + 2048 (no impersonation).
    check(ca["QgaRecovery"][1:4] == ["3186", "QGA_SC_EXE",
                                     "failure qga-compat reset= 86400 actions= restart/5000/restart/5000/restart/60000"],
          "QgaRecovery %s" % ca["QgaRecovery"])
    check(ca["QgaRecoveryFlag"][1:4] == ["3186", "QGA_SC_EXE", "failureflag qga-compat 1"], "QgaRecoveryFlag")
    check(seq["InstallServices"][1] < seq["QgaRecovery"][1] < seq["QgaRecoveryFlag"][1] < seq["StartServices"][1]
          < seq["InstallFinalize"][1], "recovery actions out of sequence: %s" % seq)
    check(seq["QgaSetScExe"][1] < seq["InstallInitialize"][1], "QgaSetScExe must be immediate, before the script")
    args = [("QgaArgMethod", "CHANNELMETHOD", '-m "[CHANNELMETHOD]"'), ("QgaArgPath", "CHANNELPATH", '-p "[CHANNELPATH]"'),
            ("QgaArgBlock", "BLOCKRPCS", '-b "[BLOCKRPCS]"'), ("QgaArgAllow", "ALLOWRPCS", '-a "[ALLOWRPCS]"'),
            ("QgaArgLog", "LOGFILE", '-l "[LOGFILE]"'), ("QgaArgVerbose", "VERBOSE", "-v"),
            ("QgaArgG2h", "G2H", '--g2h "[G2H]"')]
    for action, prop, opt in args:
        check(ca[action][2:4] == ["QGA_SERVICE_ARGS", "[QGA_SERVICE_ARGS] " + opt], "%s %s" % (action, ca[action]))
        check(seq[action][0] == prop and seq[action][1] < seq["InstallServices"][1], "%s sequence" % action)
    check("RemoveExistingProducts" in seq, "no RemoveExistingProducts")


def test_tables_qemu_ga(a):
    """QEMU-GA is stopped (ServiceControl), disabled and remembered on install, given back on uninstall."""
    ctl = rows_by_key(a.msi, "ServiceControl")
    check(ctl["QemuGaStop"][1:] == ["QEMU-GA", "2", "", "1", "QgaExeComp"], "QemuGaStop %s" % ctl.get("QemuGaStop"))
    loc = rows_by_key(a.msi, "RegLocator")
    check(loc["QemuGaStartSearch"][1:] == ["2", "SYSTEM\\CurrentControlSet\\Services\\QEMU-GA", "Start", "18"],
          "QEMU-GA search %s" % loc.get("QemuGaStartSearch"))
    comps = rows_by_key(a.msi, "Component")
    check(comps["QemuGaMarkerComp"][3:5] == ["260", "QGA_QEMUGA_RESTORE"], "marker component %s" % comps["QemuGaMarkerComp"])
    ca = rows_by_key(a.msi, "CustomAction")
    seq = {r[0]: (r[1], int(r[2])) for r in table(a.msi, "InstallExecuteSequence")}
    for action, target in (("QgaQemuGaDisable", "config QEMU-GA start= disabled"), ("QgaQemuGaAuto", "config QEMU-GA start= auto"),
                           ("QgaQemuGaDemand", "config QEMU-GA start= demand"), ("QgaQemuGaStart", "start QEMU-GA")):
        check(ca[action][1:4] == ["3186", "QGA_SC_EXE", target], "%s %s" % (action, ca[action]))
    check("NOT UPGRADINGPRODUCTCODE" in seq["QgaQemuGaAuto"][0] and "NOT UPGRADINGPRODUCTCODE" in seq["QgaQemuGaStart"][0],
          "our own upgrade must not give QEMU-GA back")
    check(seq["DeleteServices"][1] < seq["QgaQemuGaAuto"][1] < seq["QgaQemuGaStart"][1] < seq["InstallFinalize"][1],
          "QEMU-GA is started again only after our service is gone")
    check(seq["QgaQemuGaNewAuto"][1] < seq["CostFinalize"][1] and seq["QgaQemuGaKeep"][1] < seq["CostFinalize"][1],
          "QGA_QEMUGA_RESTORE must be set before the component conditions are evaluated")


# ---- Wine ----------------------------------------------------------------------------------------

def wine(*args, timeout=120):
    p = subprocess.run(["wine"] + list(args), capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return (p.returncode, p.stdout.decode("utf-8", "replace").replace("\r\n", "\n"),
            p.stderr.decode("utf-8", "replace").replace("\r\n", "\n"))


def reg_values(key):
    rc, out, _ = wine("reg", "query", key)
    if rc != 0:
        return None
    values = {}
    for line in out.splitlines():
        m = re.match(r"^\s{4}(\S+)\s{4}(REG_\w+)\s{4}(.*)$", line)
        if m:
            values[m.group(1)] = (m.group(2), m.group(3).strip())
    return values


def service_state():
    _, out, _ = wine("sc", "query", SERVICE)
    m = re.search(r"STATE\s*:\s*(\d+)", out)
    return int(m.group(1)) if m else None


def our_arp_entries():
    """Uninstall (Apps & Features) entries named like our product."""
    rc, out, _ = wine("reg", "query", UNINSTALL_KEY, "/s")
    return out.count("QGA-compat Guest Agent")


class Wine:
    def __init__(self, a):
        self.a = a
        self.prefix = os.environ["WINEPREFIX"]
        self.work = tempfile.mkdtemp(prefix="qga-msi.")
        self.inst = os.path.join(self.prefix, "drive_c", "Program Files", "qga-compat")
        self.state = os.path.join(self.prefix, "drive_c", "ProgramData", "qga-compat")
        self.sock = os.path.join(self.work, "com%d.sock" % COM)
        self.bridge = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "wine", "portbridge.py"), "--persistent",
                                        os.path.join(self.prefix, "dosdevices", "com%d" % COM), self.sock],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(self.sock), 5, "bridge socket")
        self.props = ["CHANNELMETHOD=isa-serial", "CHANNELPATH=COM%d" % COM, "BLOCKRPCS=guest-info",
                      r"LOGFILE=C:\ProgramData\qga-compat\service.log", "VERBOSE=1"]

    def msiexec(self, *args):
        log = os.path.join(self.work, "msiexec-%d.log" % time.monotonic_ns())
        rc, out, err = wine("msiexec", *args, "/qn", "/l*v", winpath(log))
        with open(log, encoding="latin-1", errors="replace") as f:
            text = f.read().replace("\x00", "")
        return rc, text

    def ping(self, ident):
        replies = request(self.sock, ['{"execute": "guest-ping", "id": "%s"}' % ident, '{"execute": "guest-info"}'])
        check(replies[0] == '{"return": {}, "id": "%s"}' % ident, "ping: " + replies[0])
        check('"class": "CommandNotFound"' in replies[1] and "has been disabled" in replies[1],
              "BLOCKRPCS=guest-info not in effect: " + replies[1])

    def close(self):
        if self.bridge.poll() is None:
            self.bridge.send_signal(signal.SIGTERM)
            try:
                self.bridge.wait(5)
            except subprocess.TimeoutExpired:
                self.bridge.kill()
                self.bridge.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def test_wine_install(w):
    """Silent install of the previous build with the silent-install properties."""
    rc, log = w.msiexec("/i", winpath(w.a.old_msi), *w.props)
    check(rc == 0, "msiexec /i exit status %d\n%s" % (rc, log[-3000:]))
    check(os.path.isfile(os.path.join(w.inst, "qga-compat.exe")), "qga-compat.exe not installed")
    with open(os.path.join(w.inst, "qga-compat.conf")) as f, open(os.path.join(HERE, "..", "..", "installer", "qga-compat.conf")) as g:
        check(f.read() == g.read(), "installed config differs from installer/qga-compat.conf")
    check(os.path.isdir(w.state), "state directory not created")
    v = reg_values(SERVICE_KEY) or {}
    path = v.get("ImagePath", ("", ""))[1]
    args = ' -d -r -m "isa-serial" -p "COM%d" -b "guest-info" -l "C:\\ProgramData\\qga-compat\\service.log" -v' % COM
    exe = INSTALL_DIR_WIN + r"\qga-compat.exe"
    # Windows Installer quotes the path; Wine's InstallServices does not (see the top of this file).
    check(path in ('"%s"%s' % (exe, args), exe + args), "ImagePath %r" % path)
    check(v.get("Start") == ("REG_DWORD", "0x2") and v.get("Type") == ("REG_DWORD", "0x10")
          and v.get("ErrorControl") == ("REG_DWORD", "0x1") and v.get("ObjectName") == ("REG_SZ", "LocalSystem"),
          "service registration %s" % v)
    ev = reg_values(EVENTLOG_KEY) or {}
    check(ev.get("EventMessageFile") == ("REG_EXPAND_SZ", exe) and ev.get("TypesSupported") == ("REG_DWORD", "0x7"),
          "event log source %s" % ev)
    check((reg_values(PRODUCT_KEY) or {}).get("Version") == ("REG_SZ", w.a.old_version), "product Version value")
    # Wine's sc.exe has no `failure`: the action runs, fails, and is ignored (Return="ignore").
    check("Action start" in log and re.search(r"Action ended [0-9:]+: QgaRecovery\. Return value 1", log),
          "recovery custom action did not run:\n" + "\n".join(l for l in log.splitlines() if "Qga" in l))
    check(our_arp_entries() == 1, "Apps & Features entries: %d" % our_arp_entries())


def test_wine_service_runs(w):
    """The service was started by the MSI (StartServices) and answers through the bridged port."""
    wait_for(lambda: service_state() == 4, 10, "RUNNING")
    w.ping("old")
    log = open(os.path.join(w.state, "service.log"), errors="replace").read()
    check("channel \\\\.\\COM%d opened" % COM in log and "service qga-compat running" in log, "service log:\n" + log)


def test_wine_upgrade_keeps_config(w):
    """A major upgrade to this build replaces the old product and keeps the edited config."""
    conf = os.path.join(w.inst, "qga-compat.conf")
    with open(conf, "a") as f:
        f.write("# edited by the administrator\n")
    edited = open(conf).read()
    rc, log = w.msiexec("/i", winpath(w.a.msi), *w.props)
    check(rc == 0, "upgrade: msiexec /i exit status %d\n%s" % (rc, log[-3000:]))
    check(open(conf).read() == edited, "the edited config was not kept:\n" + open(conf).read())
    check((reg_values(PRODUCT_KEY) or {}).get("Version") == ("REG_SZ", w.a.version), "Version after the upgrade")
    check(our_arp_entries() == 1, "after the upgrade: %d Apps & Features entries (old product not removed?)"
          % our_arp_entries())
    with open(os.path.join(w.inst, "qga-compat.exe"), "rb") as f, open(w.a.exe, "rb") as g:
        check(f.read() == g.read(), "installed exe is not this build's")
    wait_for(lambda: service_state() == 4, 10, "RUNNING after the upgrade")
    w.ping("new")


def test_wine_downgrade_refused(w):
    """The previous MSI refuses to install over this one (launch condition), changing nothing."""
    rc, log = w.msiexec("/i", winpath(w.a.old_msi))
    # 1603 (ERROR_INSTALL_FAILURE); a Linux exit status keeps its low byte only: 1603 & 0xff = 67.
    check(rc == 1603 & 0xFF, "downgrade: exit status %d (expected 1603 & 0xff = 67)" % rc)
    # Wine's /qn log does not carry the launch condition's message text, only its failure.
    check(re.search(r"Property\(S\): WIX_DOWNGRADE_DETECTED = \{", log)
          and re.search(r"Action ended [0-9:]+: LaunchConditions\. Return value 0\.", log),
          "downgrade not detected by FindRelatedProducts/LaunchConditions")
    check((reg_values(PRODUCT_KEY) or {}).get("Version") == ("REG_SZ", w.a.version), "downgrade changed the product")
    check(service_state() == 4, "service not running after the refused downgrade")


def test_wine_uninstall(w):
    """msiexec /x: service stopped and deleted, files and keys gone; edited config and state kept."""
    rc, log = w.msiexec("/x", winpath(w.a.msi))
    check(rc == 0, "msiexec /x exit status %d\n%s" % (rc, log[-3000:]))
    check(service_state() is None, "service still registered")
    check(reg_values(SERVICE_KEY) is None, "service key left")
    check(reg_values(EVENTLOG_KEY) is None, "event log source left")
    check(reg_values(PRODUCT_KEY) is None, "HKLM\\Software\\qga-compat left")
    check(our_arp_entries() == 0, "Apps & Features entry left")
    check(not os.path.exists(os.path.join(w.inst, "qga-compat.exe")), "qga-compat.exe left")
    check("# edited by the administrator" in open(os.path.join(w.inst, "qga-compat.conf")).read(),
          "the edited config (a Permanent component) was removed")
    log_text = open(os.path.join(w.state, "service.log"), errors="replace").read()
    check("service qga-compat stopped" in log_text, "the service was not stopped cleanly:\n" + log_text[-1500:])


def test_wine_clean_uninstall(w):
    """Without data in it the state directory goes with the product; a fresh config is kept (Permanent)."""
    shutil.rmtree(w.state)
    os.unlink(os.path.join(w.inst, "qga-compat.conf"))
    rc, log = w.msiexec("/i", winpath(w.a.msi), "CHANNELMETHOD=isa-serial", "CHANNELPATH=COM%d" % COM, "G2H=off")
    check(rc == 0, "msiexec /i exit status %d" % rc)
    wait_for(lambda: service_state() == 4, 10, "RUNNING")
    check(request(w.sock, ['{"execute": "guest-sync", "arguments": {"id": 7}}']) == ['{"return": 7}'], "sync")
    v = (reg_values(SERVICE_KEY) or {}).get("ImagePath", ("", ""))[1]
    check(v.endswith(' -d -r -m "isa-serial" -p "COM%d" --g2h "off"' % COM),
          "ImagePath without LOGFILE/BLOCKRPCS, with G2H=off: %r" % v)
    rc, log = w.msiexec("/x", winpath(w.a.msi))
    check(rc == 0 and service_state() is None, "msiexec /x exit status %d" % rc)
    left = os.listdir(w.state) if os.path.isdir(w.state) else None
    check(left is None, "state directory left behind, holding %s" % left)


def test_wine_qemu_ga(w):
    """A running QEMU-GA (stand-in: our exe registered as QEMU-GA on another COM port) is stopped by
    the install and started again by the uninstall. Wine 8's sc.exe has no `config`, so the
    disable/re-enable itself is visible only as the actions having run."""
    fake_dir = os.path.join(w.prefix, "drive_c", "fake-qemu-ga")
    os.makedirs(fake_dir, exist_ok=True)
    shutil.copy(w.a.exe, os.path.join(fake_dir, "qemu-ga.exe"))
    com = COM + 1
    sock = os.path.join(w.work, "com%d.sock" % com)
    bridge = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "wine", "portbridge.py"), "--persistent",
                               os.path.join(w.prefix, "dosdevices", "com%d" % com), sock],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists(sock), 5, "bridge socket")
        rc, out, err = wine("sc", "create", "QEMU-GA", "binPath=", r"C:\fake-qemu-ga\qemu-ga.exe -d -r -m isa-serial -p COM%d" % com,
                            "start=", "auto")
        check(rc == 0, "sc create QEMU-GA: %d %s %s" % (rc, out, err))
        check(wine("sc", "start", "QEMU-GA")[0] == 0, "sc start QEMU-GA")
        wait_for(lambda: qemu_ga_state() == 4, 10, "QEMU-GA RUNNING")

        rc, log = w.msiexec("/i", winpath(w.a.old_msi), "CHANNELMETHOD=isa-serial", "CHANNELPATH=COM%d" % COM)
        check(rc == 0, "msiexec /i exit status %d" % rc)
        check(qemu_ga_state() == 1, "QEMU-GA not stopped by the install (state %s)" % qemu_ga_state())
        check(service_state() == 4, "qga-compat not running")
        # Read again for a few seconds: under load Wine's `reg query` has once come back without the
        # value that the very next query showed (msiexec had already returned).
        remembered = lambda: (reg_values(PRODUCT_KEY) or {}).get("QemuGaStartBefore") == ("REG_SZ", "auto")
        deadline = time.monotonic() + 5
        while not remembered() and time.monotonic() < deadline:
            time.sleep(0.2)
        check(remembered(),
              "QEMU-GA start type not remembered: %s\n%s" % (reg_values(PRODUCT_KEY),
                                                             "\n".join(l for l in log.splitlines() if "QEMUGA" in l or "QemuGa" in l)))
        check(re.search(r"Action ended [0-9:]+: QgaQemuGaDisable\. Return value 1", log), "QgaQemuGaDisable did not run")

        # Our own upgrade removes the old product without giving QEMU-GA back, and keeps the marker.
        rc, log = w.msiexec("/i", winpath(w.a.msi), "CHANNELMETHOD=isa-serial", "CHANNELPATH=COM%d" % COM)
        check(rc == 0, "upgrade: msiexec /i exit status %d" % rc)
        check("QgaQemuGaStart" not in log and "QgaQemuGaAuto" not in log, "the upgrade gave QEMU-GA back")
        check(qemu_ga_state() == 1 and service_state() == 4, "after the upgrade: QEMU-GA %s, qga-compat %s"
              % (qemu_ga_state(), service_state()))
        check((reg_values(PRODUCT_KEY) or {}).get("QemuGaStartBefore") == ("REG_SZ", "auto"), "marker lost in the upgrade")

        rc, log = w.msiexec("/x", winpath(w.a.msi))
        check(rc == 0 and service_state() is None, "msiexec /x exit status %d" % rc)
        check(re.search(r"Action ended [0-9:]+: QgaQemuGaAuto\. Return value 1", log), "QgaQemuGaAuto did not run")
        wait_for(lambda: qemu_ga_state() == 4, 10, "QEMU-GA RUNNING again after our uninstall")
        check(request(sock, ['{"execute": "guest-sync", "arguments": {"id": 99}}']) == ['{"return": 99}'],
              "QEMU-GA stand-in does not answer after our uninstall")
        check(reg_values(PRODUCT_KEY) is None, "HKLM\\Software\\qga-compat (the marker) left after uninstall")
    finally:
        wine("sc", "stop", "QEMU-GA")
        try:
            wait_for(lambda: qemu_ga_state() in (1, None), 10, "QEMU-GA STOPPED")
        finally:
            wine("sc", "delete", "QEMU-GA")
            bridge.send_signal(signal.SIGTERM)
            bridge.wait(5)


def qemu_ga_state():
    _, out, _ = wine("sc", "query", "QEMU-GA")
    m = re.search(r"STATE\s*:\s*(\d+)", out)
    return int(m.group(1)) if m else None


TABLE_TESTS = [
    ("tables-files-and-directories", test_tables_files),
    ("tables-components", test_tables_components),
    ("tables-service", test_tables_service),
    ("tables-registry", test_tables_registry),
    ("tables-upgrade-and-properties", test_tables_upgrade),
    ("tables-custom-actions", test_tables_custom_actions),
    ("tables-replace-qemu-ga", test_tables_qemu_ga),
]
WINE_TESTS = [
    ("wine-silent-install-previous-build", test_wine_install),
    ("wine-service-runs-and-answers", test_wine_service_runs),
    ("wine-upgrade-keeps-edited-config", test_wine_upgrade_keeps_config),
    ("wine-downgrade-refused", test_wine_downgrade_refused),
    ("wine-uninstall", test_wine_uninstall),
    ("wine-uninstall-removes-empty-state-dir", test_wine_clean_uninstall),
    ("wine-replaces-qemu-ga-and-gives-it-back", test_wine_qemu_ga),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--msi", required=True)
    ap.add_argument("--old-msi", required=True)
    ap.add_argument("--exe", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--old-version", required=True)
    ap.add_argument("--tables-only", action="store_true")
    a = ap.parse_args()
    tests = TABLE_TESTS + ([] if a.tables_only else WINE_TESTS)
    print("1..%d" % len(tests))
    passed = failed = 0
    w = None
    broken = None  # the Wine steps build on each other: after one fails, the rest cannot run
    for i, (name, fn) in enumerate(tests, 1):
        t0 = time.monotonic()
        try:
            if name.startswith("wine-"):
                if broken:
                    raise Failure("not run: %s failed before it" % broken)
                if w is None:
                    w = Wine(a)
                fn(w)
            else:
                fn(a)
            passed += 1
            print("ok %d - %s (%.1fs)" % (i, name, time.monotonic() - t0))
        except Exception as e:  # noqa: BLE001 - every failure is reported, the next test runs
            failed += 1
            if name.startswith("wine-") and not broken:
                broken = name
            print("not ok %d - %s" % (i, name))
            for line in ("%s: %s" % (type(e).__name__, e)).splitlines():
                print("#   " + line)
    if w:
        w.close()
    print("# %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
