/* Linux logical CPUs for guest-get-vcpus: the cpuN directories of /sys/devices/system/cpu and their "online" files. */
#include "sysinfo.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "os/posix/fileio.h"
#include "procfile.h"

/* "cpu" followed by decimal digits only (cpufreq, cpuidle and friends are not CPUs). */
static bool parse_cpu_name(const char *name, int64_t *ret)
{
    uint64_t id;
    if (strncmp(name, "cpu", 3) != 0 || !qga_procfile_parse_u64(name + 3, strlen(name + 3), 10, &id) ||
        id > INT64_MAX)
        return false;
    *ret = (int64_t)id;
    return true;
}

int qga_sysfs_read_vcpus(const char *cpu_dir, QgaVcpuList *ret, QgaError **error)
{
    DIR *dir = opendir(cpu_dir);
    if (!dir) {
        qga_error_set_os(error, errno, "failed to list entries: %s", cpu_dir);
        return -1;
    }
    QgaVcpuList list = { 0 };
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        int64_t id;
        if (!parse_cpu_name(de->d_name, &id))
            continue;
        _qga_cleanup_free_ char *path = qga_strdup_printf("%s/%s/online", cpu_dir, de->d_name);
        char *text = NULL;
        size_t len = 0;
        int r = qga_read_full_file(path, 4096, &text, &len);
        if (r == -ENOENT) {
            /* No "online" control: the CPU cannot be hot-unplugged (often cpu0 on x86). */
            qga_vcpu_list_append(&list, id, true, false);
            continue;
        }
        if (r < 0) {
            qga_error_set_os(error, -r, "could not open %s", path);
            rc = -1;
            break;
        }
        if (len == 0) {
            free(text);
            qga_error_generic(error, "pread(\"%s\"): unexpected EOF", path);
            rc = -1;
            break;
        }
        /* qemu-ga reads one byte: anything but '0' is online. */
        qga_vcpu_list_append(&list, id, text[0] != '0', true);
        free(text);
    }
    closedir(dir);
    if (rc == 0 && list.n == 0) {
        qga_error_generic(error, "Guest reported zero VCPUs");
        rc = -1;
    }
    if (rc < 0) {
        qga_vcpu_list_clear(&list);
        return -1;
    }
    /* qemu-ga lists them in readdir order (cpu10 may come before cpu2); sorted is what
     * libvirt's guestvcpus shows and what its setvcpus expects to walk. */
    qga_vcpu_list_sort(&list);
    *ret = list;
    return 0;
}

int qga_os_get_vcpus(QgaVcpuList *ret, QgaError **error)
{
    return qga_sysfs_read_vcpus(QGA_SYSFS_CPU_DIR, ret, error);
}
