/* Linux CPU and memory hotplug through sysfs: guest-set-vcpus and the memory-block commands. */
#include "sysinfo.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "os/posix/fileio.h"
#include "procfile.h"

/* Small sysfs attribute: 0 or an errno value (ENODATA for an empty file). Positive, as every
 * error of this file: they end up in a memory block's error-code, and qga_os_sysfs_write's are. */
static int read_attr(const char *path, char **ret_text)
{
    size_t len = 0;
    int rc = qga_read_full_file(path, 4096, ret_text, &len);
    if (rc < 0)
        return -rc;
    if (len == 0) {
        free(*ret_text);
        *ret_text = NULL;
        return ENODATA;
    }
    return 0;
}

static int check_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

int qga_sysfs_set_vcpu(const char *cpu_dir, int64_t id, bool online, QgaError **error)
{
    _qga_cleanup_free_ char *dir = qga_strdup_printf("%s/cpu%lld", cpu_dir, (long long)id);
    int err = check_dir(dir);
    if (err) {
        /* qemu-ga 10.2's error_setg_file_open wording. */
        qga_error_set_os(error, err, "Could not open '%s/'", dir);
        return -1;
    }
    _qga_cleanup_free_ char *path = qga_strdup_printf("%s/online", dir);
    _qga_cleanup_free_ char *text = NULL;
    err = read_attr(path, &text);
    if (err == ENOENT) {
        /* No control file: the CPU is online for good. Asking to online it is a success. */
        if (!online) {
            qga_error_generic(error, "logical processor #%lld can't be offlined", (long long)id);
            return -1;
        }
        return 0;
    }
    if (err == ENODATA) {
        qga_error_generic(error, "pread(\"%s\"): unexpected EOF", path);
        return -1;
    }
    if (err) {
        qga_error_set_os(error, err, "could not open %s", path);
        return -1;
    }
    if ((text[0] != '0') == online)
        return 0;   /* already there: qemu-ga writes nothing either */
    err = qga_os_sysfs_write(path, online ? "1" : "0");
    if (err) {
        qga_error_set_os(error, err, "pwrite(\"%s\")", path);
        return -1;
    }
    return 0;
}

int qga_os_set_vcpu_online(int64_t logical_id, bool online, QgaError **error)
{
    return qga_sysfs_set_vcpu(QGA_SYSFS_CPU_DIR, logical_id, online, error);
}

/* "memory" followed by decimal digits (block_size_bytes, probe, auto_online_blocks are not blocks). */
static bool parse_block_name(const char *name, uint64_t *ret)
{
    return strncmp(name, "memory", 6) == 0 && qga_procfile_parse_u64(name + 6, strlen(name + 6), 10, ret);
}

static int compare_block(const void *a, const void *b)
{
    uint64_t x = ((const QgaMemoryBlock *)a)->phys_index, y = ((const QgaMemoryBlock *)b)->phys_index;
    return (x > y) - (x < y);
}

/* One block's state: 0, or -1 with *error set. */
static int read_block(const char *mem_dir, const char *name, QgaMemoryBlock *blk, QgaError **error)
{
    _qga_cleanup_free_ char *state_path = qga_strdup_printf("%s/%s/state", mem_dir, name);
    _qga_cleanup_free_ char *state = NULL;
    int err = read_attr(state_path, &state);
    if (err == ENOENT) {
        /* Kernels without the state file cannot offline memory. */
        blk->online = true;
        blk->can_offline = false;
        return 0;
    }
    if (err) {
        qga_error_set_os(error, err, "open sysfs file \"%s\"", state_path);
        return -1;
    }
    blk->online = strncmp(state, "online", 6) == 0;
    _qga_cleanup_free_ char *removable_path = qga_strdup_printf("%s/%s/removable", mem_dir, name);
    _qga_cleanup_free_ char *removable = NULL;
    err = read_attr(removable_path, &removable);
    if (err == ENOENT) {
        blk->can_offline = false;
        return 0;
    }
    if (err) {
        qga_error_set_os(error, err, "open sysfs file \"%s\"", removable_path);
        return -1;
    }
    blk->can_offline = removable[0] != '0';
    return 0;
}

int qga_sysfs_read_memory_blocks(const char *mem_dir, QgaMemoryBlockList *ret, QgaError **error)
{
    DIR *dir = opendir(mem_dir);
    if (!dir) {
        /* No memory hotplug interface at all is fine (an empty list), as with qemu-ga. */
        if (errno == ENOENT) {
            *ret = (QgaMemoryBlockList){ 0 };
            return 0;
        }
        qga_error_set_os(error, errno, "Can't open directory \"%s/\"", mem_dir);
        return -1;
    }
    QgaMemoryBlockList list = { 0 };
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        uint64_t index;
        if (!parse_block_name(de->d_name, &index))
            continue;
        QgaMemoryBlock blk = { .phys_index = index };
        if (read_block(mem_dir, de->d_name, &blk, error) < 0) {
            rc = -1;
            break;
        }
        if (list.n == list.cap) {
            list.cap = list.cap ? list.cap * 2 : 64;
            list.items = qga_realloc(list.items, list.cap * sizeof(*list.items));
        }
        list.items[list.n++] = blk;
    }
    closedir(dir);
    if (rc == 0 && list.n == 0) {
        qga_error_generic(error, "guest reported zero memory blocks!");
        rc = -1;
    }
    if (rc < 0) {
        free(list.items);
        return -1;
    }
    /* Indices can have holes (sparse memory, NUMA); readdir order is arbitrary. */
    if (list.n > 1)
        qsort(list.items, list.n, sizeof(*list.items), compare_block);
    *ret = list;
    return 0;
}

static void set_result(QgaMemoryBlockResult *ret, QgaMemoryBlockResponse response, int err)
{
    ret->response = response;
    ret->has_error_code = err != 0;
    ret->error_code = err;
}

void qga_sysfs_set_memory_block(const char *mem_dir, uint64_t index, bool online, QgaMemoryBlockResult *ret)
{
    int err = check_dir(mem_dir);
    if (err) {
        /* qemu-ga: no sysfs memory directory means the guest cannot hotplug memory. (For
         * other errors it answers "success" with an error code; "operation-failed" here.) */
        set_result(ret, err == ENOENT ? QGA_MEMBLK_NOT_SUPPORTED : QGA_MEMBLK_FAILED, err);
        return;
    }
    _qga_cleanup_free_ char *dir = qga_strdup_printf("%s/memory%llu", mem_dir, (unsigned long long)index);
    err = check_dir(dir);
    if (err) {
        set_result(ret, err == ENOENT ? QGA_MEMBLK_NOT_FOUND : QGA_MEMBLK_FAILED, err);
        return;
    }
    _qga_cleanup_free_ char *path = qga_strdup_printf("%s/state", dir);
    _qga_cleanup_free_ char *state = NULL;
    err = read_attr(path, &state);
    if (err == ENOENT) {
        /* No state file (old kernels): the block is online for good. */
        set_result(ret, online ? QGA_MEMBLK_SUCCESS : QGA_MEMBLK_NOT_SUPPORTED, online ? 0 : err);
        return;
    }
    if (err) {
        set_result(ret, QGA_MEMBLK_FAILED, err);
        return;
    }
    if ((strncmp(state, "online", 6) == 0) == online) {
        set_result(ret, QGA_MEMBLK_SUCCESS, 0);
        return;
    }
    err = qga_os_sysfs_write(path, online ? "online" : "offline");
    set_result(ret, err ? QGA_MEMBLK_FAILED : QGA_MEMBLK_SUCCESS, err);
}

void qga_os_set_memory_block(uint64_t phys_index, bool online, QgaMemoryBlockResult *ret)
{
    qga_sysfs_set_memory_block(QGA_SYSFS_MEMORY_DIR, phys_index, online, ret);
}

int qga_sysfs_memory_block_size(const char *mem_dir, uint64_t *ret, QgaError **error)
{
    int err = check_dir(mem_dir);
    if (err) {
        qga_error_set_os(error, err, "Could not open '%s/'", mem_dir);
        return -1;
    }
    _qga_cleanup_free_ char *path = qga_strdup_printf("%s/block_size_bytes", mem_dir);
    _qga_cleanup_free_ char *text = NULL;
    err = read_attr(path, &text);
    if (err) {
        qga_error_set_os(error, err, "open sysfs file \"%s\"", path);
        return -1;
    }
    /* Hexadecimal without 0x ("8000000" = 128 MiB), newline-terminated. */
    size_t len = strcspn(text, "\n");
    uint64_t size;
    if (!qga_procfile_parse_u64(text, len, 16, &size)) {
        qga_error_generic(error, "invalid memory block size in \"%s\"", path);
        return -1;
    }
    *ret = size;
    return 0;
}

int qga_os_get_memory_blocks(QgaMemoryBlockList *ret, QgaError **error)
{
    return qga_sysfs_read_memory_blocks(QGA_SYSFS_MEMORY_DIR, ret, error);
}

int qga_os_get_memory_block_size(uint64_t *ret, QgaError **error)
{
    return qga_sysfs_memory_block_size(QGA_SYSFS_MEMORY_DIR, ret, error);
}
