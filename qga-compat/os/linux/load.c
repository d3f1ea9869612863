/* Linux load averages for guest-get-load: /proc/loadavg, what getloadavg() reads. */
#include "os/load.h"

#include <errno.h>
#include <stdlib.h>

#include "os/posix/fileio.h"
#include "procfile.h"
#include "sysinfo.h"

/* "12.34": digits, optionally '.' and digits. Exact: the digits as one integer over a power of
 * ten, a single correctly rounded division (the value strtod would give, in any locale). */
static bool parse_decimal(const char *s, size_t len, double *ret)
{
    uint64_t mantissa = 0;
    int digits = 0, frac_digits = 0;
    bool dot = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' && !dot) {
            dot = true;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || digits >= 18)
            return false;
        mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        digits++;
        if (dot)
            frac_digits++;
    }
    if (digits == 0)
        return false;
    double scale = 1.0;
    for (int i = 0; i < frac_digits; i++)
        scale *= 10.0;
    *ret = (double)mantissa / scale;
    return true;
}

bool qga_loadavg_parse(const char *text, size_t len, double ret[3])
{
    const char *f[3];
    size_t fl[3];
    if (qga_procfile_fields(text, len, f, fl, 3) < 3)
        return false;
    double v[3];
    for (int i = 0; i < 3; i++)
        if (!parse_decimal(f[i], fl[i], &v[i]))
            return false;
    for (int i = 0; i < 3; i++)
        ret[i] = v[i];
    return true;
}

int qga_os_get_load(double ret[3], QgaError **error)
{
    char *text = NULL;
    size_t len = 0;
    int rc = qga_read_full_file("/proc/loadavg", 4096, &text, &len);
    if (rc < 0) {
        qga_error_set_os(error, -rc, "cannot query load average");
        return -1;
    }
    bool ok = qga_loadavg_parse(text, len, ret);
    free(text);
    if (!ok) {
        qga_error_generic(error, "cannot query load average: unexpected /proc/loadavg contents");
        return -1;
    }
    return 0;
}
