/* Linux per-CPU time counters for guest-get-cpustats: /proc/stat parsing and reading. */
#include "sysinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "os/posix/fileio.h"
#include "procfile.h"

/* ticks * 1000 / hz without overflowing in the multiplication; false when the result does not fit. */
static bool ticks_to_ms(uint64_t ticks, uint64_t hz, uint64_t *ret)
{
    uint64_t whole = ticks / hz, part = ticks % hz;
    if (whole > UINT64_MAX / 1000)
        return false;
    uint64_t ms = whole * 1000;
    /* part < hz, so part * 1000 only overflows for absurd tick rates; check anyway. */
    if (part > UINT64_MAX / 1000)
        return false;
    uint64_t frac = part * 1000 / hz;
    if (ms > UINT64_MAX - frac)
        return false;
    *ret = ms + frac;
    return true;
}

void qga_procstat_parse(const char *text, size_t len, uint64_t ticks_per_second, QgaCpuStatsList *ret)
{
    if (ticks_per_second == 0)
        return;
    size_t pos = 0, line_len;
    const char *line;
    while ((line = qga_procfile_next_line(text, len, &pos, &line_len))) {
        const char *f[QGA_CPUSTAT_COUNT + 1];
        size_t fl[QGA_CPUSTAT_COUNT + 1];
        size_t n = qga_procfile_fields(line, line_len, f, fl, QGA_CPUSTAT_COUNT + 1);
        if (n > QGA_CPUSTAT_COUNT + 1)
            n = QGA_CPUSTAT_COUNT + 1;   /* counters newer kernels may add are ignored */
        /* "cpuN ..." only: the aggregate "cpu ..." line is not a CPU (qemu-ga drops it too). */
        uint64_t cpu;
        if (n == 0 || fl[0] <= 3 || memcmp(f[0], "cpu", 3) != 0 ||
            !qga_procfile_parse_u64(f[0] + 3, fl[0] - 3, 10, &cpu) || cpu > INT64_MAX)
            continue;
        if (n < 5)
            continue;
        QgaCpuStats stats = { .cpu = (int64_t)cpu, .n_counters = (unsigned)(n - 1) };
        bool ok = true;
        for (size_t i = 1; i < n && ok; i++) {
            uint64_t ticks;
            ok = qga_procfile_parse_u64(f[i], fl[i], 10, &ticks) &&
                 ticks_to_ms(ticks, ticks_per_second, &stats.ms[i - 1]);
        }
        if (!ok)
            continue;
        if (ret->n == ret->cap) {
            ret->cap = ret->cap ? ret->cap * 2 : 16;
            ret->items = qga_realloc(ret->items, ret->cap * sizeof(*ret->items));
        }
        ret->items[ret->n++] = stats;
    }
}

int qga_os_get_cpustats(QgaCpuStatsList *ret, QgaError **error)
{
    static const char path[] = "/proc/stat";
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) {
        qga_error_set_os(error, errno ? errno : EINVAL, "sysconf(_SC_CLK_TCK)");
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = qga_read_full_file(path, QGA_PROCFILE_MAX, &text, &len);
    if (rc < 0) {
        qga_error_set_os(error, -rc, "Could not open '%s'", path);
        return -1;
    }
    QgaCpuStatsList list = { 0 };
    qga_procstat_parse(text, len, (uint64_t)hz, &list);
    free(text);
    *ret = list;
    return 0;
}
