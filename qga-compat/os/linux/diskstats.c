/* Linux guest-get-diskstats: /proc/diskstats, one line per block device, 4 to 17 counters. */
#include "storage-linux.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "os/posix/fileio.h"

#define MAX_DISKSTATS_BYTES (64u << 20)

/* One unsigned decimal field (no sign, no overflow); advances *p. */
static bool next_u64(const char **p, uint64_t *ret)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    uint64_t v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (*s && *s != ' ' && *s != '\t' && *s != '\n')
        return false;
    *p = s;
    *ret = v;
    return true;
}

int qga_linux_parse_diskstats_line(const char *line, QgaDiskStatsInfo *ret)
{
    const char *p = line;
    uint64_t major, minor;
    if (!next_u64(&p, &major) || !next_u64(&p, &minor))
        return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t name_len = strcspn(p, " \t\n");
    if (name_len == 0)
        return -1;
    const char *name = p;
    p += name_len;

    uint64_t v[17];
    size_t count = 0;
    while (count < 17 && next_u64(&p, &v[count]))
        count++;
    if (count < 4)
        return -1;

    /* The kernel's layouts (Documentation/admin-guide/iostats.rst): 4 fields for a partition
     * on kernels before 2.6.25 (reads, sectors read, writes, sectors written); 11 since; 15
     * with discards (4.18); 17 with flushes (5.5). Other counts are reported as far as they
     * form a complete layout, like qemu-ga. */
    QgaDiskStatsInfo s = { .major = major, .minor = minor };
    s.name = qga_strndup(name, name_len);
#define SET(stat, value) (s.present |= UINT32_C(1) << (stat), s.values[stat] = (value))
    if (count < 11) {
        if (count == 4) {
            SET(QGA_DISK_STAT_READ_IOS, v[0]);
            SET(QGA_DISK_STAT_READ_SECTORS, v[1]);
            SET(QGA_DISK_STAT_WRITE_IOS, v[2]);
            SET(QGA_DISK_STAT_WRITE_SECTORS, v[3]);
        }
    } else {
        SET(QGA_DISK_STAT_READ_IOS, v[0]);
        SET(QGA_DISK_STAT_READ_MERGES, v[1]);
        SET(QGA_DISK_STAT_READ_SECTORS, v[2]);
        SET(QGA_DISK_STAT_READ_TICKS, v[3]);
        SET(QGA_DISK_STAT_WRITE_IOS, v[4]);
        SET(QGA_DISK_STAT_WRITE_MERGES, v[5]);
        SET(QGA_DISK_STAT_WRITE_SECTORS, v[6]);
        SET(QGA_DISK_STAT_WRITE_TICKS, v[7]);
        SET(QGA_DISK_STAT_IOS_PGR, v[8]);
        SET(QGA_DISK_STAT_TOTAL_TICKS, v[9]);
        SET(QGA_DISK_STAT_WEIGHT_TICKS, v[10]);
        if (count >= 15) {
            SET(QGA_DISK_STAT_DISCARD_IOS, v[11]);
            SET(QGA_DISK_STAT_DISCARD_MERGES, v[12]);
            SET(QGA_DISK_STAT_DISCARD_SECTORS, v[13]);
            SET(QGA_DISK_STAT_DISCARD_TICKS, v[14]);
        }
        if (count >= 17) {
            SET(QGA_DISK_STAT_FLUSH_IOS, v[15]);
            SET(QGA_DISK_STAT_FLUSH_TICKS, v[16]);
        }
    }
#undef SET
    *ret = s;
    return 0;
}

int qga_linux_get_diskstats(const QgaLinuxRoots *roots, QgaDiskStatsInfo **ret, size_t *ret_n, QgaError **error)
{
    _qga_cleanup_free_ char *text = NULL;
    size_t len;
    int rc = qga_read_full_file(roots->diskstats, MAX_DISKSTATS_BYTES, &text, &len);
    if (rc < 0) {
        qga_error_set_os(error, -rc, "open(\"%s\")", roots->diskstats);
        return -1;
    }
    QgaDiskStatsInfo *list = NULL;
    size_t n = 0;
    for (char *line = text; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        QgaDiskStatsInfo s;
        if (qga_linux_parse_diskstats_line(line, &s) == 0)
            *(QgaDiskStatsInfo *)qga_array_push(&list, &n, sizeof(QgaDiskStatsInfo)) = s;
        line = eol ? eol + 1 : NULL;
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

int qga_os_get_diskstats(QgaDiskStatsInfo **ret, size_t *ret_n, QgaError **error)
{
    return qga_linux_get_diskstats(qga_linux_default_roots(), ret, ret_n, error);
}
