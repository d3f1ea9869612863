/* Unit tests of the Linux sysfs CPU and memory-block code on fixture trees, with a fake privileged writer. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "os/hotplug.h"
#include "os/linux/sysinfo.h"

/* ---- the privileged primitive, faked: records each write, then does it in the fixture tree ---- */

static GPtrArray *writes;     /* "path value" */
static int write_errno;       /* non-zero: fail every write with it (after recording) */

int qga_os_sysfs_write(const char *path, const char *value)
{
    g_ptr_array_add(writes, g_strdup_printf("%s %s", path, value));
    if (write_errno)
        return write_errno;
    g_assert_true(g_file_set_contents(path, value, -1, NULL));
    return 0;
}

static char *root;

static void put(const char *rel, const char *content)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    if (content)
        g_assert_true(g_file_set_contents(path, content, -1, NULL));
    else
        g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
}

static char *path_of(const char *rel)
{
    return g_build_filename(root, rel, NULL);
}

static void setup(void)
{
    g_autoptr(GError) err = NULL;
    root = g_dir_make_tmp("qga-sysfs-XXXXXX", &err);
    g_assert_nonnull(root);
    writes = g_ptr_array_new_with_free_func(g_free);
    write_errno = 0;
}

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_dir_close(d);
    }
    g_remove(path);
}

static void teardown(void)
{
    remove_tree(root);
    g_clear_pointer(&root, g_free);
    g_clear_pointer(&writes, g_ptr_array_unref);
}

/* ---- CPUs ---- */

static void make_cpus(void)
{
    put("cpu/cpu0/topology", NULL);          /* no "online": x86's boot CPU */
    put("cpu/cpu1/online", "1\n");
    put("cpu/cpu2/online", "0\n");
    put("cpu/cpu10/online", "1\n");
    put("cpu/cpufreq", NULL);
    put("cpu/cpuidle", NULL);
    put("cpu/online", "0-1,10\n");
    put("cpu/cpu", NULL);
    put("cpu/cpu3x", NULL);
}

static void test_read_vcpus(void)
{
    setup();
    make_cpus();
    g_autofree char *dir = path_of("cpu");
    QgaVcpuList list = { 0 };
    QgaError *err = NULL;
    g_assert_cmpint(qga_sysfs_read_vcpus(dir, &list, &err), ==, 0);
    g_assert_null(err);
    /* Sorted by id (readdir order is arbitrary), only cpuN directories. */
    g_assert_cmpuint(list.n, ==, 4);
    static const struct { int64_t id; bool online, can_offline; } want[] = {
        { 0, true, false }, { 1, true, true }, { 2, false, true }, { 10, true, true },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_cmpint(list.items[i].logical_id, ==, want[i].id);
        g_assert_cmpint(list.items[i].online, ==, want[i].online);
        g_assert_cmpint(list.items[i].can_offline, ==, want[i].can_offline);
    }
    qga_vcpu_list_clear(&list);
    teardown();
}

static void test_read_vcpus_hostile(void)
{
    setup();
    QgaVcpuList list = { 0 };
    QgaError *err = NULL;
    g_autofree char *dir = path_of("cpu");

    /* No directory at all. */
    g_assert_cmpint(qga_sysfs_read_vcpus(dir, &list, &err), ==, -1);
    g_autofree char *want = g_strdup_printf("failed to list entries: %s: No such file or directory", dir);
    g_assert_cmpstr(err->desc, ==, want);
    g_clear_pointer(&err, qga_error_free);

    /* A directory without CPUs: an error, not an empty list libvirt cannot use. */
    put("cpu/cpufreq", NULL);
    g_assert_cmpint(qga_sysfs_read_vcpus(dir, &list, &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "Guest reported zero VCPUs");
    g_clear_pointer(&err, qga_error_free);

    /* An empty "online" file. */
    put("cpu/cpu4/online", "");
    g_assert_cmpint(qga_sysfs_read_vcpus(dir, &list, &err), ==, -1);
    g_autofree char *online = path_of("cpu/cpu4/online");
    g_autofree char *want_eof = g_strdup_printf("pread(\"%s\"): unexpected EOF", online);
    g_assert_cmpstr(err->desc, ==, want_eof);
    g_clear_pointer(&err, qga_error_free);
    g_assert_cmpuint(list.n, ==, 0);

    /* Anything but '0' is online (qemu-ga reads one byte); ids up to INT64_MAX, not past it. */
    put("cpu/cpu4/online", "garbage");
    put("cpu/cpu9223372036854775807/online", "0");
    put("cpu/cpu9223372036854775808/online", "1");
    g_assert_cmpint(qga_sysfs_read_vcpus(dir, &list, &err), ==, 0);
    g_assert_cmpuint(list.n, ==, 2);
    g_assert_cmpint(list.items[0].logical_id, ==, 4);
    g_assert_true(list.items[0].online);
    g_assert_cmpint(list.items[1].logical_id, ==, G_MAXINT64);
    g_assert_false(list.items[1].online);
    qga_vcpu_list_clear(&list);
    teardown();
}

static void test_set_vcpu(void)
{
    setup();
    make_cpus();
    g_autofree char *dir = path_of("cpu");
    g_autofree char *cpu1 = path_of("cpu/cpu1/online");
    g_autofree char *cpu2 = path_of("cpu/cpu2/online");
    QgaError *err = NULL;

    /* Offline an online CPU: one write of "0". */
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 1, false, &err), ==, 0);
    g_assert_cmpuint(writes->len, ==, 1);
    g_autofree char *w0 = g_strdup_printf("%s 0", cpu1);
    g_assert_cmpstr(g_ptr_array_index(writes, 0), ==, w0);
    /* Already in the wanted state: nothing written (qemu-ga's "pretend success"). */
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 1, false, &err), ==, 0);
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 10, true, &err), ==, 0);
    g_assert_cmpuint(writes->len, ==, 1);
    /* Online an offline one. */
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 2, true, &err), ==, 0);
    g_autofree char *w1 = g_strdup_printf("%s 1", cpu2);
    g_assert_cmpstr(g_ptr_array_index(writes, 1), ==, w1);

    /* A CPU without the control file: re-onlining is a no-op, offlining an error. */
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 0, true, &err), ==, 0);
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 0, false, &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "logical processor #0 can't be offlined");
    g_clear_pointer(&err, qga_error_free);
    g_assert_cmpuint(writes->len, ==, 2);

    /* No such CPU, negative ids included. */
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 99, true, &err), ==, -1);
    g_autofree char *want = g_strdup_printf("Could not open '%s/cpu99/': No such file or directory", dir);
    g_assert_cmpstr(err->desc, ==, want);
    g_clear_pointer(&err, qga_error_free);
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, -1, true, &err), ==, -1);
    g_clear_pointer(&err, qga_error_free);

    /* The kernel refuses (EBUSY: the last CPU of a node, ...). */
    write_errno = EBUSY;
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 10, false, &err), ==, -1);
    g_autofree char *cpu10 = path_of("cpu/cpu10/online");
    g_autofree char *want_busy = g_strdup_printf("pwrite(\"%s\"): Device or resource busy", cpu10);
    g_assert_cmpstr(err->desc, ==, want_busy);
    g_clear_pointer(&err, qga_error_free);
    g_assert_cmpuint(writes->len, ==, 3);

    /* An empty control file. */
    write_errno = 0;
    put("cpu/cpu5/online", "");
    g_assert_cmpint(qga_sysfs_set_vcpu(dir, 5, true, &err), ==, -1);
    g_assert_true(g_str_has_suffix(err->desc, "online\"): unexpected EOF"));
    g_clear_pointer(&err, qga_error_free);
    teardown();
}

/* ---- memory blocks ---- */

static void make_memory(void)
{
    put("memory/block_size_bytes", "8000000\n");
    put("memory/auto_online_blocks", "online\n");
    put("memory/memory0/state", "online\n");
    put("memory/memory0/removable", "1\n");
    put("memory/memory2/state", "offline\n");
    put("memory/memory2/removable", "0\n");
    put("memory/memory1/phys_index", "00000001\n");   /* no state file: an old kernel */
    put("memory/memory32/state", "going-offline\n");  /* no removable file */
    put("memory/memoryX/state", "online\n");
    put("memory/power", NULL);
}

static void test_read_memory_blocks(void)
{
    setup();
    make_memory();
    g_autofree char *dir = path_of("memory");
    QgaMemoryBlockList list = { 0 };
    QgaError *err = NULL;
    g_assert_cmpint(qga_sysfs_read_memory_blocks(dir, &list, &err), ==, 0);
    g_assert_cmpuint(list.n, ==, 4);
    static const struct { uint64_t index; bool online, can_offline; } want[] = {
        { 0, true, true }, { 1, true, false }, { 2, false, false }, { 32, false, false },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_cmpuint(list.items[i].phys_index, ==, want[i].index);
        g_assert_cmpint(list.items[i].online, ==, want[i].online);
        g_assert_cmpint(list.items[i].can_offline, ==, want[i].can_offline);
    }
    g_free(list.items);

    uint64_t size = 0;
    g_assert_cmpint(qga_sysfs_memory_block_size(dir, &size, &err), ==, 0);
    g_assert_cmpuint(size, ==, 134217728);
    teardown();
}

static void test_memory_hostile(void)
{
    setup();
    g_autofree char *dir = path_of("memory");
    QgaMemoryBlockList list = { 0 };
    QgaError *err = NULL;
    uint64_t size = 0;

    /* No memory hotplug in this kernel: an empty list (qemu-ga), and no block size. */
    g_assert_cmpint(qga_sysfs_read_memory_blocks(dir, &list, &err), ==, 0);
    g_assert_cmpuint(list.n, ==, 0);
    g_assert_cmpint(qga_sysfs_memory_block_size(dir, &size, &err), ==, -1);
    g_autofree char *want = g_strdup_printf("Could not open '%s/': No such file or directory", dir);
    g_assert_cmpstr(err->desc, ==, want);
    g_clear_pointer(&err, qga_error_free);

    /* The directory without blocks. */
    put("memory/block_size_bytes", "zz\n");
    g_assert_cmpint(qga_sysfs_read_memory_blocks(dir, &list, &err), ==, -1);
    g_assert_cmpstr(err->desc, ==, "guest reported zero memory blocks!");
    g_clear_pointer(&err, qga_error_free);
    /* A block size that is not hexadecimal, or an empty one. */
    g_assert_cmpint(qga_sysfs_memory_block_size(dir, &size, &err), ==, -1);
    g_assert_true(g_str_has_prefix(err->desc, "invalid memory block size in "));
    g_clear_pointer(&err, qga_error_free);
    put("memory/block_size_bytes", "");
    g_assert_cmpint(qga_sysfs_memory_block_size(dir, &size, &err), ==, -1);
    g_clear_pointer(&err, qga_error_free);
    put("memory/block_size_bytes", "ffffffffffffffff");
    g_assert_cmpint(qga_sysfs_memory_block_size(dir, &size, &err), ==, 0);
    g_assert_cmpuint(size, ==, G_MAXUINT64);

    /* An unreadable state (a directory where the file should be) fails the listing. */
    put("memory/memory7/state", NULL);
    g_assert_cmpint(qga_sysfs_read_memory_blocks(dir, &list, &err), ==, -1);
    g_assert_true(g_str_has_prefix(err->desc, "open sysfs file \""));
    g_assert_true(g_str_has_suffix(err->desc, "memory7/state\": Is a directory"));
    g_clear_pointer(&err, qga_error_free);
    teardown();
}

static void check_result(const QgaMemoryBlockResult *r, QgaMemoryBlockResponse response, int error_code)
{
    g_assert_cmpint(r->response, ==, response);
    g_assert_cmpint(r->has_error_code, ==, error_code != 0);
    if (error_code)
        g_assert_cmpint(r->error_code, ==, error_code);
}

static void test_set_memory_block(void)
{
    setup();
    g_autofree char *dir = path_of("memory");
    QgaMemoryBlockResult r;

    /* No memory directory: the guest cannot do it. */
    qga_sysfs_set_memory_block(dir, 0, false, &r);
    check_result(&r, QGA_MEMBLK_NOT_SUPPORTED, ENOENT);

    make_memory();
    g_autofree char *state0 = path_of("memory/memory0/state");
    g_autofree char *state2 = path_of("memory/memory2/state");
    qga_sysfs_set_memory_block(dir, 0, false, &r);
    check_result(&r, QGA_MEMBLK_SUCCESS, 0);
    g_autofree char *w0 = g_strdup_printf("%s offline", state0);
    g_assert_cmpuint(writes->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(writes, 0), ==, w0);
    /* Already offline now: nothing more to write. */
    qga_sysfs_set_memory_block(dir, 0, false, &r);
    check_result(&r, QGA_MEMBLK_SUCCESS, 0);
    qga_sysfs_set_memory_block(dir, 2, true, &r);
    check_result(&r, QGA_MEMBLK_SUCCESS, 0);
    g_autofree char *w1 = g_strdup_printf("%s online", state2);
    g_assert_cmpstr(g_ptr_array_index(writes, 1), ==, w1);
    g_assert_cmpuint(writes->len, ==, 2);

    /* Not there. */
    qga_sysfs_set_memory_block(dir, 5, true, &r);
    check_result(&r, QGA_MEMBLK_NOT_FOUND, ENOENT);
    qga_sysfs_set_memory_block(dir, G_MAXUINT64, true, &r);
    check_result(&r, QGA_MEMBLK_NOT_FOUND, ENOENT);
    /* No state file: online for good. */
    qga_sysfs_set_memory_block(dir, 1, true, &r);
    check_result(&r, QGA_MEMBLK_SUCCESS, 0);
    qga_sysfs_set_memory_block(dir, 1, false, &r);
    check_result(&r, QGA_MEMBLK_NOT_SUPPORTED, ENOENT);
    /* "going-offline" is not online: onlining it writes. The kernel refuses: its errno. */
    write_errno = EBUSY;
    qga_sysfs_set_memory_block(dir, 32, true, &r);
    check_result(&r, QGA_MEMBLK_FAILED, EBUSY);
    g_assert_cmpuint(writes->len, ==, 3);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/sysinfo/sysfs/read-vcpus", test_read_vcpus);
    g_test_add_func("/agent/sysinfo/sysfs/read-vcpus-hostile", test_read_vcpus_hostile);
    g_test_add_func("/agent/sysinfo/sysfs/set-vcpu", test_set_vcpu);
    g_test_add_func("/agent/sysinfo/sysfs/read-memory-blocks", test_read_memory_blocks);
    g_test_add_func("/agent/sysinfo/sysfs/memory-hostile", test_memory_hostile);
    g_test_add_func("/agent/sysinfo/sysfs/set-memory-block", test_set_memory_block);
    return g_test_run();
}
