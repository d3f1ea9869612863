/* Unit tests of the mount table behind guest-get-fsinfo, guest-fsfreeze-* and guest-fstrim (os/linux/mountinfo.c). */
#include <glib.h>
#include <locale.h>
#include <string.h>

#include "os/linux/mountinfo.h"

/* "dir type major:minor" per entry, one per line, for exact comparison. */
static char *describe(const QgaMountList *list)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < list->n; i++) {
        g_string_append_printf(s, "%s %s %u:%u\n", list->items[i].dir, list->items[i].type, list->items[i].major,
                               list->items[i].minor);
    }
    return g_string_free(s, FALSE);
}

static char *parse_text(const char *text, size_t len)
{
    QgaMountList list = { 0 };
    qga_linux_mountinfo_parse(text, len, &list);
    char *d = describe(&list);
    qga_mount_list_clear(&list);
    return d;
}

static char *parse_fixture(const char *name)
{
    g_autofree char *path = g_build_filename(g_getenv("QGA_FIXTURES"), "mounts", name, NULL);
    g_autofree char *text = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &text, &len, NULL));
    return parse_text(text, len);
}

static void test_vm(void)
{
    /* Virtual filesystems (major 0) are skipped; a bind mount of the same device stays (its
     * second FIFREEZE then answers EBUSY, which qemu-ga does not count). */
    g_autofree char *d = parse_fixture("vm-ext4-root.mountinfo");
    g_assert_cmpstr(d, ==, "/ ext4 254:0\n/mnt/data ext2 254:16\n/srv/bind ext2 254:16\n");
}

static void test_desktop(void)
{
    /* btrfs reports major 0: kept only when its source is a block device, which the recorded
     * /dev/qga-test-nvme0n1p3 (renamed from the recording) is not (so both btrfs mounts go). NFS
     * goes; escapes are decoded (\040 space, \011 tab). */
    g_autofree char *d = parse_fixture("desktop-btrfs.mountinfo");
    g_assert_cmpstr(d, ==, "/boot ext4 259:1\n/boot/efi vfat 259:0\n/home/user/My Disk\ttab ext4 7:0\n");
}

static void test_btrfs_block_device(void)
{
    /* A btrfs source that is a block device gets that device's numbers; /dev/null is a
     * character device, so it is not enough. */
    static const char line[] = "1 0 0:33 / /data rw - btrfs /dev/null rw\n";
    g_autofree char *d = parse_text(line, strlen(line));
    g_assert_cmpstr(d, ==, "");
}

static void test_hostile(void)
{
    static const char *const lines[] = {
        "",                                             /* empty */
        "garbage\n",                                    /* one field */
        "1 2 8:1 / /a rw\n",                            /* no separator, no type */
        "1 2 8:1 / /a rw -\n",                          /* separator, nothing after */
        "1 2 8:1 / /a rw - ext4\n",                     /* no source */
        "1 2 x:1 / /a rw - ext4 /dev/a rw\n",           /* non-numeric major */
        "1 2 8: / /a rw - ext4 /dev/a rw\n",            /* empty minor */
        "1 2 81 / /a rw - ext4 /dev/a rw\n",            /* no colon */
        "1 2 99999999999:1 / /a rw - ext4 /dev/a rw\n", /* major overflow */
        "1 2 8:1 /\n",                                  /* cut after the root */
        "1 2 8:1 / /x rw shared:1\n",                   /* optional fields, no separator */
        "1 2 x:y / /x rw - ext4 /dev/x rw\n",           /* non-numeric numbers */
        "1 2 8:-1 / /x rw - ext4 a b\n",                /* a sign */
        "1 2 8:4294967296 / /x rw - ext4 /dev/a rw\n",  /* minor over 32 bits */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        g_autofree char *d = parse_text(lines[i], strlen(lines[i]));
        g_assert_cmpstr(d, ==, "");
    }
    /* Good lines survive bad neighbours, a missing final newline, CR-free spacing oddities. */
    static const char mixed[] = "junk\n1 2 8:1 / / rw - ext4 /dev/sda1 rw\n\n\n"
                                "3 1 8:2 /  /b   rw  -  xfs  /dev/sdb  rw\n7 1 8:3 / /c rw - ext4 /dev/sdc rw";
    g_autofree char *d = parse_text(mixed, strlen(mixed));
    g_assert_cmpstr(d, ==, "/ ext4 8:1\n/b xfs 8:2\n/c ext4 8:3\n");
}

static void test_escapes(void)
{
    /* Octal escapes only for \0xx-\3xx; "\\" is a backslash; incomplete or out-of-range
     * escapes stay as written; invalid UTF-8 passes through untouched (the JSON writer
     * replaces it later). A NUL byte ends its line early: the rest of that line is lost. */
    static const char text[] = "1 2 8:1 / /a\\040b\\134c\\\\d\\477\\04 rw - ext4 /dev/x rw\n"
                               "2 2 8:2 / /\xff\xfe\\012nl rw - ext4 /dev/y rw\n"
                               "3 2 8:3 / /z\0ero rw - ext4 /dev/z rw\n"
                               "4 2 8:4 / /after rw - ext4 /dev/w rw\n";
    g_autofree char *d = parse_text(text, sizeof(text) - 1);
    g_assert_cmpstr(d, ==, "/a b\\c\\d\\477\\04 ext4 8:1\n/\xff\xfe\nnl ext4 8:2\n/after ext4 8:4\n");
}

static void test_escape_nul(void)
{
    /* The kernel never writes \000 (no name holds a NUL, and it writes every backslash as
     * \134): decoding it would cut the name short, naming another directory, so it stays as
     * written. The other escapes around it are decoded, in the type too. */
    static const char text[] =
        "1 2 8:1 / /a\\040b\\011c\\012d\\134e\\000f\\9 rw - fuse.my\\040fs /dev/sd\\040a rw\n";
    g_autofree char *d = parse_text(text, sizeof(text) - 1);
    g_assert_cmpstr(d, ==, "/a b\tc\nd\\e\\000f\\9 fuse.my fs 8:1\n");
}

static void test_huge(void)
{
    /* 20000 mounts and a 1 MiB mount point: parsed, nothing truncated. */
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 20000; i++) {
        g_string_append_printf(s, "%d 1 8:%d / /m%d rw - ext4 /dev/d%d rw\n", i + 10, i % 256, i, i);
    }
    g_string_append(s, "99999 1 9:9 / /");
    for (int i = 0; i < (1 << 20); i++) {
        g_string_append_c(s, 'x');
    }
    g_string_append(s, " rw - xfs /dev/big rw\n");
    QgaMountList list = { 0 };
    qga_linux_mountinfo_parse(s->str, s->len, &list);
    g_assert_cmpuint(list.n, ==, 20001);
    g_assert_cmpstr(list.items[19999].dir, ==, "/m19999");
    g_assert_cmpuint(strlen(list.items[20000].dir), ==, (1 << 20) + 1);
    qga_mount_list_clear(&list);
    g_string_free(s, TRUE);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/posix/mountinfo/vm", test_vm);
    g_test_add_func("/agent/posix/mountinfo/desktop", test_desktop);
    g_test_add_func("/agent/posix/mountinfo/btrfs-block-device", test_btrfs_block_device);
    g_test_add_func("/agent/posix/mountinfo/hostile", test_hostile);
    g_test_add_func("/agent/posix/mountinfo/escapes", test_escapes);
    g_test_add_func("/agent/posix/mountinfo/escape-nul", test_escape_nul);
    g_test_add_func("/agent/posix/mountinfo/huge", test_huge);
    return g_test_run();
}
