/* Clocks, the thread id and directory creation on POSIX systems (gettid: Linux). */
#include "os/os.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

int64_t qga_os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t qga_os_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t qga_os_thread_id(void)
{
    return (uint64_t)syscall(SYS_gettid);
}

int qga_os_mkdir_p(const char *path, QgaError **error)
{
    _qga_cleanup_free_ char *copy = qga_strdup(path);
    size_t len = strlen(copy);
    /* Create each missing component left to right; 0700 as qemu-ga's Windows build does. */
    for (size_t i = 1; i <= len; i++) {
        if (i != len && copy[i] != '/')
            continue;
        if (copy[i - 1] == '/')
            continue;
        char saved = copy[i];
        copy[i] = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
            qga_error_set_os(error, errno, "failed to create directory '%s'", copy);
            return -1;
        }
        copy[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0) {
        qga_error_set_os(error, errno, "failed to create directory '%s'", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        qga_error_set_os(error, ENOTDIR, "failed to create directory '%s'", path);
        return -1;
    }
    return 0;
}
