/* Unit tests of the storage parsers and encoders: diskstats lines, NVMe SMART, address JSON. */
#include <glib.h>
#include <string.h>

#include "core/json.h"
#include "os/linux/storage-linux.h"
#include "commands/storage-json.h"

static void test_nvme_smart_decode(void)
{
    uint8_t log[512] = { 0 };
    log[0] = 0x04;          /* reliability degraded */
    log[1] = 0x3b;          /* 315 K */
    log[2] = 0x01;
    log[3] = 100;
    log[4] = 10;
    log[5] = 3;
    for (size_t i = 0; i < 10; i++) {
        log[32 + 16 * i] = (uint8_t)(i + 1);       /* lo, byte 0 */
        log[32 + 16 * i + 7] = 0x80;                /* lo, byte 7: high bit */
        log[32 + 16 * i + 8] = (uint8_t)(0x10 + i); /* hi, byte 0 */
    }
    memset(log + 192, 0xff, 512 - 192); /* reserved bytes are ignored */
    QgaNvmeSmart s;
    qga_nvme_smart_decode(log, &s);
    g_assert_cmpint(s.critical_warning, ==, 4);
    g_assert_cmpint(s.temperature, ==, 315);
    g_assert_cmpint(s.available_spare, ==, 100);
    g_assert_cmpint(s.available_spare_threshold, ==, 10);
    g_assert_cmpint(s.percentage_used, ==, 3);
    for (size_t i = 0; i < 10; i++) {
        g_assert_cmphex(s.counters[i][0], ==, UINT64_C(0x8000000000000000) | (i + 1));
        g_assert_cmphex(s.counters[i][1], ==, 0x10 + i);
    }
}

static void test_diskstats_line(void)
{
    QgaDiskStatsInfo s;
    /* 17 counters (Linux 5.5+): every member. */
    g_assert_cmpint(qga_linux_parse_diskstats_line(
                        " 254       0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", &s),
                    ==, 0);
    g_assert_cmpstr(s.name, ==, "vda");
    g_assert_cmpuint(s.major, ==, 254);
    g_assert_cmpuint(s.present, ==, (1u << QGA_DISK_STAT_COUNT_) - 1);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_READ_IOS], ==, 1);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_READ_MERGES], ==, 2);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_READ_SECTORS], ==, 3);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_READ_TICKS], ==, 4);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_WRITE_IOS], ==, 5);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_WEIGHT_TICKS], ==, 11);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_DISCARD_IOS], ==, 12);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_DISCARD_TICKS], ==, 15);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_FLUSH_IOS], ==, 16);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_FLUSH_TICKS], ==, 17);
    g_free(s.name);

    /* 11 counters: no discard/flush members. */
    g_assert_cmpint(qga_linux_parse_diskstats_line("8 0 sda 1 2 3 4 5 6 7 8 9 10 11", &s), ==, 0);
    g_assert_cmpuint(s.present & (1u << QGA_DISK_STAT_DISCARD_IOS), ==, 0);
    g_assert_cmpuint(s.present & (1u << QGA_DISK_STAT_FLUSH_IOS), ==, 0);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_TOTAL_TICKS], ==, 10);
    g_free(s.name);

    /* The old 4-counter partition layout. */
    g_assert_cmpint(qga_linux_parse_diskstats_line("8 1 sda1 10 20 30 40", &s), ==, 0);
    g_assert_cmpuint(s.present, ==, (1u << QGA_DISK_STAT_READ_IOS) | (1u << QGA_DISK_STAT_READ_SECTORS) |
                                        (1u << QGA_DISK_STAT_WRITE_IOS) | (1u << QGA_DISK_STAT_WRITE_SECTORS));
    g_assert_cmpuint(s.values[QGA_DISK_STAT_READ_SECTORS], ==, 20);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_WRITE_SECTORS], ==, 40);
    g_free(s.name);

    /* Huge values: the largest uint64 is exact; one more ends the counters there. */
    g_assert_cmpint(qga_linux_parse_diskstats_line(
                        "8 0 sdz 18446744073709551615 2 3 4 5 6 7 8 9 10 11 12 13 14 18446744073709551616 16 17", &s),
                    ==, 0);
    g_assert_cmpuint(s.values[QGA_DISK_STAT_READ_IOS], ==, UINT64_MAX);
    g_assert_cmpuint(s.present & (1u << QGA_DISK_STAT_DISCARD_IOS), ==, 0); /* 14 counters: the 11 layout */
    g_assert_cmpuint(s.present & (1u << QGA_DISK_STAT_WEIGHT_TICKS), !=, 0);
    g_free(s.name);

    /* A long name is kept whole (qemu-ga's 128-byte buffer is not a limit here). */
    g_autofree char *longname = g_strnfill(300, 'x');
    g_autofree char *line = g_strdup_printf("8 0 %s 1 2 3 4", longname);
    g_assert_cmpint(qga_linux_parse_diskstats_line(line, &s), ==, 0);
    g_assert_cmpstr(s.name, ==, longname);
    g_free(s.name);

    static const char *const bad[] = { "", "8 0", "8 0 sda", "8 0 sda 1 2 3", "x 0 sda 1 2 3 4", "8 0 sda 1 2 x 4",
                                       "-8 0 sda 1 2 3 4", "8 0 sda 1 2 3 -4" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_cmpint(qga_linux_parse_diskstats_line(bad[i], &s), ==, -1);
}

/* ---- the JSON of an address ---- */

static void test_address_json(void)
{
    QgaDiskAddress a;
    qga_disk_address_init(&a);
    QgaJson *j = qga_disk_address_to_json(&a);
    g_autofree char *text = qga_json_to_string(j);
    qga_json_free(j);
    g_assert_cmpstr(text, ==,
                    "{\"pci-controller\": {\"domain\": -1, \"bus\": -1, \"slot\": -1, \"function\": -1}, "
                    "\"bus-type\": \"unknown\", \"bus\": 0, \"target\": 0, \"unit\": 0}");

    a.pci = (QgaPciAddress){ 0, 1, 2, 3 };
    a.bus_type = QGA_DISK_BUS_FILE_BACKED_VIRTUAL;
    a.serial = g_strdup("S\xff");
    a.dev = g_strdup("/dev/x");
    a.has_ccw = true;
    a.ccw = (QgaCcwAddress){ 1, 2, 3, 4 };
    j = qga_disk_address_to_json(&a);
    g_autofree char *text2 = qga_json_to_string(j);
    qga_json_free(j);
    g_assert_cmpstr(text2, ==,
                    "{\"pci-controller\": {\"domain\": 0, \"bus\": 1, \"slot\": 2, \"function\": 3}, "
                    "\"bus-type\": \"file-backed-virtual\", \"bus\": 0, \"target\": 0, \"unit\": 0, "
                    "\"serial\": \"S\\uFFFD\", \"dev\": \"/dev/x\", "
                    "\"ccw-address\": {\"cssid\": 1, \"ssid\": 2, \"subchno\": 3, \"devno\": 4}}");
    g_free(a.serial);
    g_free(a.dev);

    /* Every bus type has its schema name; out of range is "unknown". */
    g_assert_cmpstr(qga_disk_bus_type_name(QGA_DISK_BUS_IDE), ==, "ide");
    g_assert_cmpstr(qga_disk_bus_type_name(QGA_DISK_BUS_NVME), ==, "nvme");
    g_assert_cmpstr(qga_disk_bus_type_name(QGA_DISK_BUS_FIBRE), ==, "fibre");
    g_assert_cmpstr(qga_disk_bus_type_name((QgaDiskBusType)99), ==, "unknown");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/storage/parse/diskstats-line", test_diskstats_line);
    g_test_add_func("/storage/parse/nvme-smart", test_nvme_smart_decode);
    g_test_add_func("/storage/address-json", test_address_json);
    return g_test_run();
}
