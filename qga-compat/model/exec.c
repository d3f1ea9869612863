/* guest-exec's capture modes by their wire names. */
#include "model/exec.h"

#include <string.h>

#include "core/mem.h"

static const char *const capture_names[] = {
    [QGA_EXEC_CAPTURE_NONE] = "none",     [QGA_EXEC_CAPTURE_STDOUT] = "stdout",
    [QGA_EXEC_CAPTURE_STDERR] = "stderr", [QGA_EXEC_CAPTURE_SEPARATED] = "separated",
    [QGA_EXEC_CAPTURE_MERGED] = "merged",
};

int qga_exec_capture_parse(const char *mode, QgaExecCapture *ret)
{
    for (size_t i = 0; i < QGA_N_ELEMENTS(capture_names); i++) {
        if (strcmp(capture_names[i], mode) == 0) {
            *ret = (QgaExecCapture)i;
            return 0;
        }
    }
    return -1;
}

const char *qga_exec_capture_name(QgaExecCapture capture)
{
    return capture_names[capture];
}
