/* Test seam: the privileged OS primitives, recorded to $QGA_TEST_RECORD instead of performed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system.h"

/* One line per call, so a test can assert exactly what the agent would have done. */
static int record(const char *line, QgaError **error)
{
    const char *path = getenv("QGA_TEST_RECORD");
    if (!path || !*path) {
        qga_error_generic(error, "test seam: QGA_TEST_RECORD is not set");
        return -1;
    }
    FILE *f = fopen(path, "a");
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
