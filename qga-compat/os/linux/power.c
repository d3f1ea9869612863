/* POSIX power queries: parsing /sys/power and init's signal mask, and qemu-ga's refusal text for an unsupported sleep state. */
#include "power-sysfs.h"

#include <stdbool.h>
#include <string.h>

/* True when text holds word as a whole blank-separated token ("[word]" counts when brackets). */
static bool has_word(const char *text, const char *word, bool allow_brackets)
{
    size_t wl = strlen(word);
    const char *p = text;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        size_t len = (size_t)(p - start);
        if (len == wl && memcmp(start, word, wl) == 0)
            return true;
        if (allow_brackets && len == wl + 2 && start[0] == '[' && start[len - 1] == ']' &&
            memcmp(start + 1, word, wl) == 0)
            return true;
    }
    return false;
}

void qga_posix_power_parse(const char *state, const char *disk, QgaPowerCaps *ret)
{
    QgaPowerCaps caps = { 0 };
    if (state) {
        caps.ram = has_word(state, "mem", false);
        caps.disk = has_word(state, "disk", false);
    }
    /* The kernel lists "disk" in state only when hibernation is available; /sys/power/disk says
     * "[disabled]" in the same case. Trust the stricter of the two. */
    if (disk && has_word(disk, "disabled", true))
        caps.disk = false;
    caps.hybrid = caps.disk && caps.ram && disk && has_word(disk, "suspend", true);
    *ret = caps;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool qga_posix_status_catches(const char *status, int sig)
{
    if (sig < 1 || sig > 64)
        return false;
    for (const char *line = status; line && *line;) {
        if (strncmp(line, "SigCgt:", 7) == 0) {
            const char *p = line + 7;
            while (*p == ' ' || *p == '\t')
                p++;
            /* 64 bits as (up to) 16 hex digits; signal n is bit n-1. */
            unsigned long long mask = 0;
            int digits = 0;
            for (; digits < 16 && hex_value(*p) >= 0; digits++, p++)
                mask = mask << 4 | (unsigned long long)hex_value(*p);
            if (digits == 0 || hex_value(*p) >= 0)
                return false;
            return (mask >> (sig - 1)) & 1;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return false;
}

void qga_os_suspend_unsupported(QgaSuspendMode mode, QgaError **error)
{
    /* qemu-ga's Linux text, whatever the mode. */
    qga_error_generic(error, "the requested suspend mode is not supported by the guest");
}
