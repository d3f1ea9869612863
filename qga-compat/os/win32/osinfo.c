/* guest-get-osinfo on Windows: RtlGetVersion, the registry's ProductName and qemu-ga's version tables. */
#include "win32.h"

#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "os/system.h"

typedef struct VersionRow {
    DWORD major, minor;
    const char *version, *version_id;
} VersionRow;

/* Before 10.0 the major.minor pair names the release. (qemu-ga's Windows 7 row lacks a comma,
 * so it reports "Microsoft Windows 77" and no version-id; fixed here.) */
static const VersionRow client_rows[] = {
    { 5, 0, "Microsoft Windows 2000", "2000" },
    { 5, 1, "Microsoft Windows XP", "xp" },
    { 6, 0, "Microsoft Windows Vista", "vista" },
    { 6, 1, "Microsoft Windows 7", "7" },
    { 6, 2, "Microsoft Windows 8", "8" },
    { 6, 3, "Microsoft Windows 8.1", "8.1" },
};

static const VersionRow server_rows[] = {
    { 5, 2, "Microsoft Windows Server 2003", "2003" },
    { 6, 0, "Microsoft Windows Server 2008", "2008" },
    { 6, 1, "Microsoft Windows Server 2008 R2", "2008r2" },
    { 6, 2, "Microsoft Windows Server 2012", "2012" },
    { 6, 3, "Microsoft Windows Server 2012 R2", "2012r2" },
};

typedef struct BuildRow {
    DWORD first_build;
    const char *version, *version_id;
} BuildRow;

/* From 10.0 on only the build number tells releases apart: the last row whose first build is
 * reached. Builds below the first row (previews) count as the first release. */
static const BuildRow client_builds[] = {
    { 10240, "Microsoft Windows 10", "10" },
    { 22000, "Microsoft Windows 11", "11" },
};

static const BuildRow server_builds[] = {
    { 14393, "Microsoft Windows Server 2016", "2016" },
    { 17763, "Microsoft Windows Server 2019", "2019" },
    { 20344, "Microsoft Windows Server 2022", "2022" },
    { 26040, "Microsoft Windows Server 2025", "2025" },
};

void qga_win_version_names(const QgaWinVersion *v, const char **ret_version, const char **ret_version_id)
{
    *ret_version = "N/A";
    *ret_version_id = "N/A";
    if (v->major == 10 && v->minor == 0) {
        const BuildRow *rows = v->server ? server_builds : client_builds;
        size_t n = v->server ? QGA_N_ELEMENTS(server_builds) : QGA_N_ELEMENTS(client_builds);
        const BuildRow *hit = &rows[0];
        for (size_t i = 0; i < n; i++)
            if (v->build >= rows[i].first_build)
                hit = &rows[i];
        *ret_version = hit->version;
        *ret_version_id = hit->version_id;
        return;
    }
    const VersionRow *rows = v->server ? server_rows : client_rows;
    size_t n = v->server ? QGA_N_ELEMENTS(server_rows) : QGA_N_ELEMENTS(client_rows);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].major == v->major && rows[i].minor == v->minor) {
            *ret_version = rows[i].version;
            *ret_version_id = rows[i].version_id;
            return;
        }
    }
}

char *qga_win_pretty_name(const char *product_name, const QgaWinVersion *v)
{
    /* Windows 11 kept "Windows 10 ..." in ProductName, and qemu-ga passes it on (hosts show
     * Windows 11 guests as Windows 10). The build number is the reliable signal. */
    const char *w10 = strstr(product_name, "Windows 10");
    if (v->major == 10 && v->minor == 0 && !v->server && v->build >= 22000 && w10) {
        size_t prefix = (size_t)(w10 - product_name);
        return qga_strdup_printf("%.*sWindows 11%s", (int)prefix, product_name, w10 + strlen("Windows 10"));
    }
    return qga_strdup(product_name);
}

typedef LONG(WINAPI *RtlGetVersionFn)(PRTL_OSVERSIONINFOW);

static char *product_name(void)
{
    /* RegGetValueW: always NUL-terminated (RegQueryValueEx is not), and the wide API keeps
     * localized names intact where qemu-ga's ANSI call turned them into '?'. */
    static const wchar_t key[] = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
    DWORD size = 0;
    LSTATUS st = RegGetValueW(HKEY_LOCAL_MACHINE, key, L"ProductName", RRF_RT_REG_SZ, NULL, NULL, &size);
    if (st != ERROR_SUCCESS || size == 0)
        return NULL;
    _qga_cleanup_free_ wchar_t *buf = qga_malloc(size + sizeof(wchar_t));
    st = RegGetValueW(HKEY_LOCAL_MACHINE, key, L"ProductName", RRF_RT_REG_SZ, NULL, buf, &size);
    if (st != ERROR_SUCCESS)
        return NULL;
    return qga_win_utf16_to_utf8(buf, -1);
}

static const char *machine_name(void)
{
    SYSTEM_INFO si;
    GetNativeSystemInfo(&si);
    switch (si.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64: return "x86_64";
    case PROCESSOR_ARCHITECTURE_INTEL: return "x86";
    case PROCESSOR_ARCHITECTURE_ARM: return "arm";
    /* qemu-ga says "unknown" here; Linux guests on the same hardware say aarch64. */
    case 12 /* PROCESSOR_ARCHITECTURE_ARM64 */: return "aarch64";
    case PROCESSOR_ARCHITECTURE_IA64: return "ia64";
    default: return "unknown";
    }
}

int qga_os_get_osinfo(QgaOsInfo *ret, QgaError **error)
{
    /* GetVersionEx lies to unmanifested programs (it says 6.2 on Windows 10); RtlGetVersion does not. */
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    RtlGetVersionFn rtl_get_version = ntdll ? (RtlGetVersionFn)(void *)GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    if (!rtl_get_version) {
        qga_error_generic(error, "Failed to get address of RtlGetVersion");
        return -1;
    }
    RTL_OSVERSIONINFOEXW vi = { 0 };
    vi.dwOSVersionInfoSize = sizeof(vi);
    rtl_get_version((PRTL_OSVERSIONINFOW)&vi);

    QgaWinVersion v = { vi.dwMajorVersion, vi.dwMinorVersion, vi.dwBuildNumber, vi.wProductType != VER_NT_WORKSTATION };
    const char *version, *version_id;
    qga_win_version_names(&v, &version, &version_id);

    memset(ret, 0, sizeof(*ret));
    ret->kernel_version = qga_strdup_printf("%lu.%lu", (unsigned long)v.major, (unsigned long)v.minor);
    ret->kernel_release = qga_strdup_printf("%lu", (unsigned long)v.build);
    ret->machine = qga_strdup(machine_name());
    ret->id = qga_strdup("mswindows");
    ret->name = qga_strdup("Microsoft Windows");
    _qga_cleanup_free_ char *product = product_name();
    if (product)
        ret->pretty_name = qga_win_pretty_name(product, &v);
    else
        qga_log_debug("guest-get-osinfo: no ProductName in the registry; pretty-name omitted");
    ret->version = qga_strdup(version);
    ret->version_id = qga_strdup(version_id);
    ret->variant = qga_strdup(v.server ? "server" : "client");
    ret->variant_id = qga_strdup(v.server ? "server" : "client");
    return 0;
}

