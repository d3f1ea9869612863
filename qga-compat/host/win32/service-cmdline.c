/* The service's command line: the options that -s install bakes in, quoted the MSVC way. */
#include "runtime.h"

#include <string.h>

#include "core/mem.h"

/* Options taking a value (qemu-ga's "hVvdc:m:p:l:f:F::b:a:s:t:Dr"); -F's value must be glued. */
static bool short_takes_value(char c)
{
    return strchr("cmplfbast", c) != NULL;
}

static const char *const long_with_value[] = {
    "config", "method", "path", "logfile", "pidfile", "statedir", "block-rpcs", "allow-rpcs", "service",
};

static bool long_takes_value(const char *name, size_t len)
{
    for (size_t i = 0; i < QGA_N_ELEMENTS(long_with_value); i++)
        if (strlen(long_with_value[i]) == len && strncmp(long_with_value[i], name, len) == 0)
            return true;
    return false;
}

/* The service runs with C:\Windows\System32 as its working directory: a relative config, log,
 * pid or state path given at install time would silently point there. Make them absolute. */
static bool is_path_option(const char *opt)
{
    static const char *const names[] = { "-c", "-l", "-f", "-t", "--config", "--logfile", "--pidfile", "--statedir" };
    for (size_t i = 0; i < QGA_N_ELEMENTS(names); i++)
        if (strcmp(opt, names[i]) == 0)
            return true;
    return false;
}

static char *absolute_path(const char *path)
{
    _qga_cleanup_free_ wchar_t *w = qga_win_utf8_to_utf16(path, path, NULL);
    if (!w)
        return qga_strdup(path);
    wchar_t buf[4096];
    DWORD n = GetFullPathNameW(w, QGA_N_ELEMENTS(buf), buf, NULL);
    if (n == 0 || n >= QGA_N_ELEMENTS(buf))
        return qga_strdup(path);
    return qga_win_utf16_to_utf8(buf, (int)n);
}

char **qga_win_options_before_service(int argc, char **argv, size_t *ret_n, bool *ret_has_retry)
{
    char **out = qga_calloc((size_t)argc + 1, sizeof(char *));
    size_t n = 0;
    bool has_retry = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-s") == 0 || strcmp(a, "--service") == 0 || strncmp(a, "--service=", 10) == 0 ||
            (a[0] == '-' && a[1] == 's'))
            break;
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "-d") == 0 || strcmp(a, "--daemonize") == 0)
            continue;
        if (strcmp(a, "-r") == 0 || strcmp(a, "--retry-path") == 0)
            has_retry = true;
        out[n++] = qga_strdup(a);
        /* A separate value follows: copy it verbatim, even when it starts with '-'. */
        bool value_follows = false;
        if (a[0] == '-' && a[1] == '-') {
            const char *name = a + 2;
            value_follows = !strchr(name, '=') && long_takes_value(name, strlen(name));
        } else if (a[0] == '-' && a[1] && a[2] == '\0') {
            value_follows = short_takes_value(a[1]);
        }
        if (value_follows && i + 1 < argc) {
            i++;
            out[n++] = is_path_option(a) ? absolute_path(argv[i]) : qga_strdup(argv[i]);
        }
    }
    *ret_n = n;
    if (ret_has_retry)
        *ret_has_retry = has_retry;
    return out;
}

char *qga_win_service_cmdline(const char *exe, int argc, char **argv)
{
    QgaBuf cmd = QGA_BUF_INIT;
    /* The exe path is always quoted: an unquoted path with spaces ("C:\Program Files\...") is the
     * classic service hijack (C:\Program.exe). Paths cannot contain quotes. */
    qga_buf_printf(&cmd, "\"%s\" -d", exe);
    size_t n = 0;
    bool has_retry = false;
    char **opts = qga_win_options_before_service(argc, argv, &n, &has_retry);
    /* Unlike qemu-ga's -s install we add -r: a service must outlive a port that is briefly gone
     * (driver update, QEMU-GA still holding it); qemu-ga's own MSI adds --retry-path for this reason. */
    if (!has_retry)
        qga_buf_append_str(&cmd, " -r");
    for (size_t i = 0; i < n; i++) {
        qga_win_cmdline_append_arg(&cmd, opts[i]);
        free(opts[i]);
    }
    free(opts);
    return qga_buf_steal(&cmd, NULL);
}
