/* Test seam: the privileged OS primitives, recorded to $QGA_TEST_RECORD instead of performed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/hotplug.h"
#include "os/system.h"

/* One line per call, so a test can assert exactly what the agent would have done. */
static int record(const char *line, QgaError **error)
{
    const char *path = getenv("QGA_TEST_RECORD");
    if (!path || !*path) {
        qga_error_generic(error, "test seam: QGA_TEST_RECORD is not set");
        return -1;
    }
    /* Binary mode: one "\n" per line on Windows too (tests compare lines exactly). */
    FILE *f = fopen(path, "ab");
    if (!f) {
        qga_error_generic(error, "test seam: can't open '%s': %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\n", line);
    if (fclose(f) != 0) {
        qga_error_generic(error, "test seam: can't write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int qga_os_set_time(int64_t ns, QgaError **error)
{
    char line[64];
    snprintf(line, sizeof(line), "set-time %lld", (long long)ns);
    return record(line, error);
}

int qga_os_sync_time(QgaError **error)
{
    return record("sync-time", error);
}

/* CPU / memory hotplug: "sysfs-write <path> <value>". With $QGA_TEST_SYSFS_ERRNO
 * set to a number, the write is recorded and then fails with that errno, so tests can reach
 * the agent's failure paths (guest-set-vcpus errors, "operation-failed" blocks). */
int qga_os_sysfs_write(const char *path, const char *value)
{
    char *line = NULL;
    size_t len = strlen(path) + strlen(value) + 16;
    line = malloc(len);
    if (!line)
        return ENOMEM;
    snprintf(line, len, "sysfs-write %s %s", path, value);
    QgaError *err = NULL;
    int rc = record(line, &err);
    free(line);
    if (rc < 0) {
        qga_error_free(err);
        return EIO;
    }
    const char *fail = getenv("QGA_TEST_SYSFS_ERRNO");
    return fail && *fail ? atoi(fail) : 0;
}

/* ---- power, accounts, filesystems ----
 *
 * Environment understood by these recorders, set by the tests (tests/integration/test-power.c,
 * test-accounts.c, test-filesystem.c):
 *   QGA_TEST_FAIL             comma-separated actions that fail instead of being recorded:
 *                             "shutdown", "suspend", "set-user-password"
 *   QGA_TEST_POWER_CAPS       comma-separated sleep states the "guest" has: disk, ram, hybrid
 *                             (unset: none, like a machine without /sys/power support)
 *   QGA_TEST_PASSWD           passwd-style account file replacing the user database:
 *                             name:password:uid:gid:flags:home:shell, flags a comma list of
 *                             "admin" and "sid=S-1-..." (Windows rules), home everything up to
 *                             the last ':' (so "Z:\dir" works); '#' lines are comments
 *   QGA_TEST_SSHD_DIR         %ProgramData%\ssh of the fake accounts (administrators' keys)
 *   QGA_TEST_MOUNTINFO        mount table read instead of /proc/self/mountinfo
 *   QGA_TEST_FSFREEZE_FAIL    mount point whose FIFREEZE fails (EIO)
 *   QGA_TEST_FSFREEZE_UNSUPPORTED  mount point that cannot freeze (EOPNOTSUPP: not counted)
 *   QGA_TEST_FSTRIM_UNSUPPORTED    path whose FITRIM answers "trim not supported"
 * Lines recorded: "shutdown <powerdown|halt|reboot>", "suspend <disk|ram|hybrid>",
 * "set-user-password <user> <crypted 0|1> <base64 of the password>", "fsfreeze <dir>",
 * "fsfreeze-unsupported <dir>", "fsfreeze-failed <dir>", "fsthaw <dir>" (it was frozen),
 * "fsthaw-noop <dir>", "fstrim <path> <minimum|->".
 */
#include <stdbool.h>

#include "os/accounts.h"
#include "core/base64.h"
#include "core/buf.h"
#include "os/fsfreeze.h"
#include "os/fstrim.h"
#include "core/mem.h"
#include "os/power.h"

/* Whether the comma-separated list in $var holds word. */
static bool env_list_has(const char *var, const char *word)
{
    const char *list = getenv(var);
    size_t wl = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == wl && memcmp(p, word, wl) == 0)
            return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

static bool env_equals(const char *var, const char *value)
{
    const char *v = getenv(var);
    return v && strcmp(v, value) == 0;
}

static int refused(const char *action, QgaError **error)
{
    if (!env_list_has("QGA_TEST_FAIL", action))
        return 0;
    qga_error_generic(error, "test seam: %s refused", action);
    return -1;
}

int qga_os_power_capabilities(QgaPowerCaps *ret, QgaError **error)
{
    *ret = (QgaPowerCaps){
        .disk = env_list_has("QGA_TEST_POWER_CAPS", "disk"),
        .ram = env_list_has("QGA_TEST_POWER_CAPS", "ram"),
        .hybrid = env_list_has("QGA_TEST_POWER_CAPS", "hybrid"),
    };
    return 0;
}

int qga_os_shutdown(QgaShutdownMode mode, QgaError **error)
{
    static const char *const names[] = { "powerdown", "halt", "reboot" };
    if (refused("shutdown", error) < 0)
        return -1;
    char line[64];
    snprintf(line, sizeof(line), "shutdown %s", names[mode]);
    return record(line, error);
}

int qga_os_suspend(QgaSuspendMode mode, QgaError **error)
{
    static const char *const names[] = { "disk", "ram", "hybrid" };
    if (refused("suspend", error) < 0)
        return -1;
    char line[64];
    snprintf(line, sizeof(line), "suspend %s", names[mode]);
    return record(line, error);
}

int qga_os_set_user_password(const char *username, const char *password, size_t len, bool crypted,
                             QgaError **error)
{
    if (refused("set-user-password", error) < 0)
        return -1;
    QgaBuf line = QGA_BUF_INIT;
    qga_buf_printf(&line, "set-user-password %s %d ", username, crypted ? 1 : 0);
    qga_base64_encode_append(&line, password, len);
    int rc = record(line.data, error);
    qga_buf_free(&line);
    return rc;
}

/* One field of a passwd line, in place; NULL when the line has fewer fields. */
static char *passwd_field(char **p)
{
    if (!*p)
        return NULL;
    char *start = *p;
    char *colon = strchr(start, ':');
    if (colon) {
        *colon = '\0';
        *p = colon + 1;
    } else {
        *p = NULL;
    }
    return start;
}

int qga_os_user_lookup(const char *name, QgaUserAccount *ret, QgaError **error)
{
    const char *path = getenv("QGA_TEST_PASSWD");
    FILE *f = path ? fopen(path, "r") : NULL;
    char buf[4096];
    while (f && fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] == '#')
            continue;
        char *p = buf;
        char *user = passwd_field(&p), *pw = passwd_field(&p), *uid = passwd_field(&p);
        char *gid = passwd_field(&p), *flags = passwd_field(&p), *home = p;
        /* The home runs to the last ':' (a Windows home has one after its drive letter). */
        char *shell_sep = home ? strrchr(home, ':') : NULL;
        if (!user || !pw || !uid || !gid || !flags || !shell_sep || strcmp(user, name) != 0)
            continue;
        *shell_sep = '\0';
        fclose(f);
        QgaUserAccount a = { .name = qga_strdup(user), .home = *home ? qga_strdup(home) : NULL };
        a.uid = (uint32_t)strtoul(uid, NULL, 10);
        a.gid = (uint32_t)strtoul(gid, NULL, 10);
        for (char *flag = strtok(flags, ","); flag; flag = strtok(NULL, ",")) {
            if (strcmp(flag, "admin") == 0)
                a.is_admin = true;
            else if (strncmp(flag, "sid=", 4) == 0)
                a.sid = qga_strdup(flag + 4);
        }
        const char *sshd = getenv("QGA_TEST_SSHD_DIR");
        a.machine_ssh_dir = sshd && *sshd ? qga_strdup(sshd) : NULL;
        *ret = a;
        return 0;
    }
    if (f)
        fclose(f);
    qga_error_generic(error, "failed to lookup user '%s': not in the test seam's account file", name);
    return -1;
}

const char *qga_os_mountinfo_path(void)
{
    const char *path = getenv("QGA_TEST_MOUNTINFO");
    return path && *path ? path : "/proc/self/mountinfo";
}

/* Whether the record so far leaves dir frozen: a "fsfreeze <dir>" after its last "fsthaw <dir>". */
static bool recorded_frozen(const char *dir)
{
    const char *path = getenv("QGA_TEST_RECORD");
    FILE *f = path ? fopen(path, "r") : NULL;
    bool frozen = false;
    char buf[4096];
    while (f && fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        if (strncmp(buf, "fsfreeze ", 9) == 0 && strcmp(buf + 9, dir) == 0)
            frozen = true;
        else if (strncmp(buf, "fsthaw ", 7) == 0 && strcmp(buf + 7, dir) == 0)
            frozen = false;
    }
    if (f)
        fclose(f);
    return frozen;
}

static int record_dir(const char *what, const char *dir, QgaError **error)
{
    QgaBuf line = QGA_BUF_INIT;
    qga_buf_printf(&line, "%s %s", what, dir);
    int rc = record(line.data, error);
    qga_buf_free(&line);
    return rc;
}

int qga_os_fsfreeze_one(const char *dir, bool *ret_frozen, QgaError **error)
{
    *ret_frozen = false;
    if (env_equals("QGA_TEST_FSFREEZE_FAIL", dir)) {
        if (record_dir("fsfreeze-failed", dir, error) < 0)
            return -1;
        qga_error_set_os(error, EIO, "failed to freeze %s", dir);
        return -1;
    }
    if (env_equals("QGA_TEST_FSFREEZE_UNSUPPORTED", dir))
        return record_dir("fsfreeze-unsupported", dir, error);
    if (record_dir("fsfreeze", dir, error) < 0)
        return -1;
    *ret_frozen = true;
    return 0;
}

bool qga_os_fsthaw_one(const char *dir)
{
    bool thawed = recorded_frozen(dir);
    record_dir(thawed ? "fsthaw" : "fsthaw-noop", dir, NULL);
    return thawed;
}

void qga_os_fstrim_one(const char *path, bool has_minimum, int64_t minimum, QgaTrimResult *result)
{
    QgaBuf line = QGA_BUF_INIT;
    if (has_minimum)
        qga_buf_printf(&line, "fstrim %s %lld", path, (long long)minimum);
    else
        qga_buf_printf(&line, "fstrim %s -", path);
    QgaError *err = NULL;
    if (record(line.data, &err) < 0) {
        result->error = qga_strdup(err->desc);
        qga_error_free(err);
    } else if (env_equals("QGA_TEST_FSTRIM_UNSUPPORTED", path)) {
        result->error = qga_strdup("trim not supported");
    } else {
        /* What FITRIM reports on an idle filesystem with nothing left to discard. */
        result->has_trimmed = true;
        result->trimmed = 0;
        result->has_minimum = true;
        result->minimum = has_minimum ? (uint64_t)minimum : 0;
    }
    qga_buf_free(&line);
}
