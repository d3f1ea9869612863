/* Parsing /proc/self/mountinfo the way qemu-ga selects the filesystems it freezes and trims. */
#include "mountinfo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/mem.h"

/* The kernel escapes ' ', '\t', '\n' and '\' in mountinfo as \ooo (octal); decode in place. */
static void decode_name(char *s)
{
    char *out = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] == '\\') {
            *out++ = '\\';
            p++;
        } else if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                   p[3] <= '7') {
            *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *out++ = *p;
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
    char *e = s;
    while (*e && *e != ' ')
        e++;
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

static bool parse_uint(const char *s, const char *end, unsigned *ret)
{
    if (s == end)
        return false;
    unsigned long v = 0;
    for (const char *c = s; c < end; c++) {
        if (*c < '0' || *c > '9' || v > 0xFFFFFFFUL)
            return false;
        v = v * 10 + (unsigned long)(*c - '0');
    }
    *ret = (unsigned)v;
    return true;
}

/* btrfs reports device 0:N in mountinfo; qemu-ga takes the numbers of its source device. */
static bool block_device_numbers(const char *path, unsigned *ret_major, unsigned *ret_minor)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
        return false;
    *ret_major = major(st.st_rdev);
    *ret_minor = minor(st.st_rdev);
    return true;
}

static void parse_line(char *line, QgaMountList *list)
{
    /* "36 35 98:0 /root /mnt/x rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
    char *p = line;
    char *id = next_field(&p), *parent = next_field(&p), *devno = next_field(&p);
    char *root = next_field(&p), *dir = next_field(&p);
    if (!id || !parent || !devno || !root || !dir)
        return;
    char *colon = strchr(devno, ':');
    unsigned maj, min;
    if (!colon || !parse_uint(devno, colon, &maj) || !parse_uint(colon + 1, colon + strlen(colon), &min))
        return;
    /* Optional fields until the lone "-" separator, then type and source. */
    char *f;
    while ((f = next_field(&p)) && strcmp(f, "-") != 0)
        ;
    if (!f)
        return;
    char *type = next_field(&p), *source = next_field(&p);
    if (!type || !source)
        return;
    decode_name(dir);
    decode_name(source);
    if (maj == 0 && (strcmp(type, "btrfs") != 0 || !block_device_numbers(source, &maj, &min)))
        return;
    list->items = qga_realloc(list->items, (list->n + 1) * sizeof(*list->items));
    list->items[list->n++] = (QgaMount){ qga_strdup(dir), qga_strdup(type), maj, min };
}

void qga_posix_mountinfo_parse(const char *text, size_t len, QgaMountList *ret)
{
    QgaMountList list = { 0 };
    size_t start = 0;
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        /* A NUL inside a line ends it early; the kernel never writes one. */
        _qga_cleanup_free_ char *line = qga_strndup(text + start, end - start);
        parse_line(line, &list);
        start = end + 1;
    }
    *ret = list;
}

