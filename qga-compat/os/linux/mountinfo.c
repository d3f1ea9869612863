/* Parsing /proc/self/mountinfo the way qemu-ga selects the filesystems it reports, freezes and trims. */
#include "mountinfo.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/mem.h"
#include "model/storage.h"
#include "os/posix/fileio.h"
#include "procfile.h"

/* /proc/self/mountinfo of a machine with thousands of mounts stays far below this. */
#define MOUNTINFO_MAX ((size_t)64 << 20)

/*
 * The kernel writes ' ', '\t', '\n' and '\' in a mount point, type or source as \040, \011,
 * \012 and \134 (fs/proc_namespace.c, mangle(): seq_escape with octal escapes), so it never
 * writes a backslash of its own. Decode in place as qemu-ga's decode_mntname does, any \ooo up
 * to \377 and "\\" too, except \000: no name holds a NUL, and decoding one would cut the name
 * short, naming another directory (for fsfreeze, the mount point of another filesystem).
 */
static void decode_field(char *s)
{
    char *out = s;
    for (const char *in = s; *in;) {
        if (in[0] == '\\' && in[1] == '\\') {
            *out++ = '\\';
            in += 2;
        } else if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
                   in[3] >= '0' && in[3] <= '7' && (in[1] != '0' || in[2] != '0' || in[3] != '0')) {
            *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 4;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
}

/* Next blank-separated field of *p (NUL-terminated in place), or NULL at the end of the line. */
static char *next_field(char **p)
{
    char *s = *p;
    while (*s == ' ')
        s++;
    if (!*s)
        return NULL;
    char *e = s + strcspn(s, " ");
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

/* "major:minor", both decimal. */
static bool parse_devno(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
    const char *colon = strchr(s, ':');
    uint64_t maj, min;
    if (!colon || !qga_procfile_parse_u64(s, (size_t)(colon - s), 10, &maj) ||
        !qga_procfile_parse_u64(colon + 1, strlen(colon + 1), 10, &min) || maj > UINT_MAX ||
        min > UINT_MAX)
        return false;
    *ret_major = (unsigned)maj;
    *ret_minor = (unsigned)min;
    return true;
}

/* btrfs reports device 0:N in mountinfo; qemu-ga takes the numbers of its source device. */
static bool block_device_numbers(const char *path, unsigned *ret_major, unsigned *ret_minor)
{
    struct stat st;
    /* Only a path: a source such as "none" is never looked up relative to the current directory. */
    if (path[0] != '/' || stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
        return false;
    *ret_major = major(st.st_rdev);
    *ret_minor = minor(st.st_rdev);
    return true;
}

static void parse_line(char *line, QgaMountList *list)
{
    /* "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
     * id, parent, major:minor, root, mount point, options, optional fields up to "-", then
     * type, source, super options (proc(5)). Like qemu-ga, what follows the mount point is
     * skipped up to the separator, and the type and the source must both be there. */
    char *p = line;
    char *id = next_field(&p), *parent = next_field(&p), *devno = next_field(&p);
    char *root = next_field(&p), *dir = next_field(&p);
    unsigned maj, min;
    if (!id || !parent || !devno || !root || !dir || !parse_devno(devno, &maj, &min))
        return;
    char *f;
    while ((f = next_field(&p)) && strcmp(f, "-") != 0)
        ;
    if (!f)
        return;
    char *type = next_field(&p), *source = next_field(&p);
    if (!type || !source)
        return;
    decode_field(dir);
    decode_field(type);
    decode_field(source);
    if (maj == 0 && (strcmp(type, "btrfs") != 0 || !block_device_numbers(source, &maj, &min)))
        return;
    *(QgaMount *)qga_array_push(&list->items, &list->n, sizeof(QgaMount)) =
        (QgaMount){ qga_strdup(dir), qga_strdup(type), maj, min };
}

void qga_linux_mountinfo_parse(const char *text, size_t len, QgaMountList *ret)
{
    QgaMountList list = { 0 };
    size_t pos = 0, line_len;
    const char *line;
    while ((line = qga_procfile_next_line(text, len, &pos, &line_len))) {
        /* A NUL inside a line ends it early (the kernel never writes one); the next line is
         * read all the same. */
        _qga_cleanup_free_ char *copy = qga_strndup(line, line_len);
        parse_line(copy, &list);
    }
    *ret = list;
}

int qga_linux_mount_list(const char *path, QgaMountList *ret, QgaError **error)
{
    _qga_cleanup_free_ char *text = NULL;
    size_t len;
    int rc = qga_read_full_file(path, MOUNTINFO_MAX, &text, &len);
    if (rc < 0) {
        qga_error_set_os(error, -rc, "failed to open mtab file: '%s'", path);
        return -1;
    }
    qga_linux_mountinfo_parse(text, len, ret);
    return 0;
}
