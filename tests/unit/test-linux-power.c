/* Unit tests of the sleep-state and init-signal reading behind guest-suspend-* and guest-shutdown (os/linux/power.c). */
#include <glib.h>
#include <locale.h>

#include "os/linux/power-sysfs.h"

typedef struct Case {
    const char *state;   /* /sys/power/state */
    const char *disk;    /* /sys/power/disk, NULL: absent */
    bool disk_ok, ram_ok, hybrid_ok;
} Case;

static void check(const Case *c)
{
    QgaPowerCaps caps = { true, true, true };
    qga_posix_power_parse(c->state, c->disk, &caps);
    g_assert_cmpint(caps.disk, ==, c->disk_ok);
    g_assert_cmpint(caps.ram, ==, c->ram_ok);
    g_assert_cmpint(caps.hybrid, ==, c->hybrid_ok);
}

static void test_recorded(void)
{
    static const Case cases[] = {
        /* A KVM guest with S3 and S4 enabled (QEMU's default). */
        { "freeze mem disk\n", "[platform] shutdown reboot suspend test_resume\n", true, true, true },
        /* The same with standby, and a kernel without the suspend hibernation mode. */
        { "freeze standby mem disk\n", "[shutdown] reboot test_resume\n", true, true, false },
        /* Secure-boot lockdown: hibernation disabled, S3 left. */
        { "freeze mem\n", "[disabled]\n", false, true, false },
        /* QEMU with -global PIIX4_PM.disable_s3=1 -global PIIX4_PM.disable_s4=1. */
        { "freeze\n", "[disabled]\n", false, false, false },
        /* A container or a kernel without CONFIG_SUSPEND/CONFIG_HIBERNATION: empty state, no disk file. */
        { "", NULL, false, false, false },
        { NULL, NULL, false, false, false },
        /* "disk" in state but the disk file says disabled: the stricter wins. */
        { "mem disk\n", "[disabled] platform\n", false, true, false },
        /* No /sys/power/disk at all: disk from state, hybrid impossible to set up. */
        { "mem disk\n", NULL, true, true, false },
        /* Hybrid needs RAM too. */
        { "freeze disk\n", "[platform] suspend\n", true, false, false },
        /* The selected mode may be "suspend" itself. */
        { "mem disk", "platform [suspend]", true, true, true },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check(&cases[i]);
    }
}

static void test_hostile(void)
{
    static const Case cases[] = {
        /* Only whole words count: substrings of other words are not states. */
        { "memory diskette freezer\n", "[platform] suspended\n", false, false, false },
        { "memdisk", "suspend", false, false, false },
        { "mem\tdisk", "\tsuspend\t", true, true, true },
        /* Brackets only around a whole word; broken brackets do not disable. */
        { "mem disk", "[disabled", true, true, false },
        { "mem disk", "disabled]", true, true, false },
        { "mem disk", "[[disabled]]", true, true, false },
        /* Invalid UTF-8 and control bytes around the words. */
        { "\xff\xfe mem \x01 disk \x80", "\xc3 [suspend] \xff", true, true, true },
        { "MEM DISK", "[PLATFORM] SUSPEND", false, false, false },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check(&cases[i]);
    }
    /* A huge state text (the reader caps at 511 bytes; the parser takes any length). */
    GString *big = g_string_new(NULL);
    for (int i = 0; i < 100000; i++) {
        g_string_append(big, "freeze ");
    }
    g_string_append(big, "mem");
    Case c = { big->str, NULL, false, true, false };
    check(&c);
    g_string_free(big, TRUE);
}

static void test_init_signals(void)
{
    /* PID 1 of a busybox-init system (catches HUP, INT, QUIT, USR1, USR2, TERM, CHLD), of systemd,
     * and the e2e guest's /init shell script, which catches nothing busybox's tools send. */
    static const char busybox_init[] = "Name:\tinit\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000014a07\n";
    static const char shell_init[] = "Name:\tinit\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000004\n"
                                     "SigCgt:\t0000000000010002\nCapInh:\t0\n";
    g_assert_true(qga_posix_status_catches(busybox_init, 12));   /* SIGUSR2: poweroff */
    g_assert_true(qga_posix_status_catches(busybox_init, 10));   /* SIGUSR1: halt */
    g_assert_true(qga_posix_status_catches(busybox_init, 15));   /* SIGTERM: reboot */
    g_assert_false(qga_posix_status_catches(busybox_init, 9));
    g_assert_false(qga_posix_status_catches(shell_init, 12));
    g_assert_false(qga_posix_status_catches(shell_init, 10));
    g_assert_false(qga_posix_status_catches(shell_init, 15));
    g_assert_true(qga_posix_status_catches(shell_init, 2));      /* SIGINT */
    g_assert_true(qga_posix_status_catches(shell_init, 17));     /* SIGCHLD */
    /* Bit 63 (signal 64), upper case hex. */
    g_assert_true(qga_posix_status_catches("SigCgt: 8000000000000000\n", 64));
    g_assert_true(qga_posix_status_catches("SigCgt:\tFFFFFFFFFFFFFFFF", 33));
    /* Hostile: no line, empty mask, too many digits, garbage, signal out of range, a
     * "SigCgt" that is not at the start of a line. */
    static const char *const bad[] = { "", "Name: x\n", "SigCgt:\n", "SigCgt:\t00000000000000001\n",
                                       "SigCgt:\tzz\n", "XSigCgt:\tffffffffffffffff\n", "SigCgt\tffff\n" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        for (int sig = 1; sig <= 64; sig++) {
            g_assert_false(qga_posix_status_catches(bad[i], sig));
        }
    }
    g_assert_false(qga_posix_status_catches("SigCgt:\tffffffffffffffff\n", 0));
    g_assert_false(qga_posix_status_catches("SigCgt:\tffffffffffffffff\n", 65));
    g_assert_false(qga_posix_status_catches(NULL, 1));
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/posix/power/recorded", test_recorded);
    g_test_add_func("/agent/posix/power/hostile", test_hostile);
    g_test_add_func("/agent/posix/power/init-signals", test_init_signals);
    return g_test_run();
}
