/* Windows defaults: port paths, methods, config next to the exe, state under %ProgramData%\qga-compat. */
#include "runtime.h"

#include "core/mem.h"
#include "host/host.h"

static const char *const win_methods[] = { "virtio-serial", "isa-serial", NULL };
/* isa-serial for the guest-driven channel: a COM port (the Wine tier bridges one to a socket). */
static const char *const win_g2h_methods[] = { "virtio-serial", "isa-serial", NULL };

wchar_t *qga_win_module_path(void)
{
    /* Paths may exceed MAX_PATH (long-path aware systems): grow until the name fits. */
    DWORD cap = MAX_PATH;
    for (;;) {
        wchar_t *buf = qga_malloc(cap * sizeof(wchar_t));
        DWORD n = GetModuleFileNameW(NULL, buf, cap);
        if (n == 0) {
            free(buf);
            return NULL;
        }
        if (n < cap)
            return buf;
        free(buf);
        if (cap >= 32768)
            return NULL;
        cap *= 2;
    }
}

/* %ProgramData%, as the SCM and every service see it; C:\ProgramData when the variable is unset. */
static char *program_data_dir(void)
{
    wchar_t buf[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"ProgramData", buf, MAX_PATH);
    if (n == 0 || n >= MAX_PATH)
        return qga_strdup("C:\\ProgramData");
    return qga_win_utf16_to_utf8(buf, (int)n);
}

/* <exe dir>\qga-compat.conf: qemu-ga resolves its config dir relative to the exe too. */
static char *exe_dir_config_path(void)
{
    _qga_cleanup_free_ wchar_t *exe = qga_win_module_path();
    if (!exe)
        return qga_strdup("qga-compat.conf");
    wchar_t *slash = wcsrchr(exe, L'\\');
    if (slash)
        slash[1] = L'\0';
    else
        exe[0] = L'\0';
    _qga_cleanup_free_ char *dir = qga_win_utf16_to_utf8(exe, -1);
    return qga_strdup_printf("%sqga-compat.conf", dir);
}

const QgaConfigDefaults *qga_host_defaults(void)
{
    /* Computed once, in the main thread before anything else runs; lives for the process. */
    static QgaConfigDefaults defaults;
    static bool initialized;
    if (!initialized) {
        _qga_cleanup_free_ char *data = program_data_dir();
        char *statedir = qga_strdup_printf("%s\\qga-compat", data);
        defaults.method = "virtio-serial";
        defaults.virtio_path = "\\\\.\\Global\\org.qemu.guest_agent.0";
        defaults.isa_path = "COM1";
        defaults.statedir = statedir;
        /* Windows never writes a pidfile (neither does qemu-ga); the value is only shown by -D. */
        defaults.pidfile = qga_strdup_printf("%s\\qga-compat.pid", statedir);
        defaults.config_path = exe_dir_config_path();
        defaults.methods = win_methods;
        defaults.fsfreeze_hook = NULL; /* no hook scripts on Windows: VSS does the freezing */
        defaults.g2h_path = "\\\\.\\Global\\org.qgacompat.g2h.0";
        defaults.g2h_methods = win_g2h_methods;
        initialized = true;
    }
    return &defaults;
}
