/* guest-get-fsinfo, -disks, -diskstats and -devices on the real agent: libvirt's rules, the schema, and the OS. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"
#include "schema-check.h"

/*
 * Every reply is checked three ways:
 *  - against the schema's declared return type (qga_test_cmd does that for each reply);
 *  - against what libvirt's qemu_agent.c requires (lv_* below, a model of qemuAgentGetFSInfo,
 *    qemuAgentGetDiskAddress and qemuAgentGetDisks): a missing mandatory member or one of the
 *    wrong JSON type makes `virsh domfsinfo` / `virsh guestinfo` fail as a whole;
 *  - on Linux, against the OS: /proc/self/mountinfo, statvfs, /sys/block, /proc/diskstats.
 *
 * Under Wine (QGA_AGENT_PLATFORM=win32) the shape checks all run, but some facts cannot be
 * exercised there, and the tests say so where they skip them:
 *  - Wine has no storage stack: IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS answers zero extents, so
 *    every volume's "disk" array is empty there, and IOCTL_STORAGE_QUERY_PROPERTY answers a
 *    synthetic SCSI descriptor without serial (the IOCTL path itself runs in tests/wine/
 *    test-win32-storage.c);
 *  - SetupDiGetClassDevs returns no devices, so no disk is matched to a PCI controller (every
 *    pci-controller part is -1) and guest-get-devices answers an empty list; the virtio-blk /
 *    virtio-scsi identification is covered by the decoder unit tests instead;
 *  - there is no statvfs or mountinfo to compare with; volumes are C:\ and Z:\ (the Linux root).
 */

static QgaTestAgent *agent;
static QgaTestClient *client;

static JsonObject *call(const char *command)
{
    return qga_test_cmdf(client, "{\"execute\": \"%s\"}", command);
}

/* ---- libvirt's reader, modelled ---- */

static gboolean lv_fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean lv_fail(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, msg);
    return FALSE;
}

static gboolean is_int(JsonNode *n)
{
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64;
}

/* virJSONValueObjectGetNumberUint: a JSON integer that virStrToLong_ui accepts (-UINT_MAX..UINT_MAX). */
static gboolean lv_uint(JsonObject *o, const char *member, GError **error)
{
    JsonNode *n = json_object_get_member(o, member);
    if (!n)
        return lv_fail(error, "'%s' missing", member);
    if (!is_int(n))
        return lv_fail(error, "'%s' is not an integer", member);
    gint64 v = json_node_get_int(n);
    if (v < -(gint64)UINT_MAX || v > (gint64)UINT_MAX)
        return lv_fail(error, "'%s' = %" G_GINT64_FORMAT " is out of libvirt's range", member, v);
    return TRUE;
}

/* virJSONValueObjectGetNumberUlong on an optional member: a non-negative JSON integer. */
static gboolean lv_optional_ulong(JsonObject *o, const char *member, GError **error)
{
    JsonNode *n = json_object_get_member(o, member);
    if (!n)
        return TRUE;
    if (!is_int(n) || json_node_get_int(n) < 0)
        return lv_fail(error, "Error getting '%s'", member);
    return TRUE;
}

static gboolean lv_string(JsonObject *o, const char *member, gboolean optional, GError **error)
{
    JsonNode *n = json_object_get_member(o, member);
    if (!n)
        return optional ? TRUE : lv_fail(error, "'%s' missing", member);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return lv_fail(error, "'%s' is not a string", member);
    return TRUE;
}

/* qemuAgentGetDiskAddress */
static gboolean lv_disk_address(JsonNode *node, GError **error)
{
    if (!JSON_NODE_HOLDS_OBJECT(node))
        return lv_fail(error, "disk address is not an object");
    JsonObject *a = json_node_get_object(node);
    if (!lv_string(a, "bus-type", TRUE, error) || !lv_string(a, "serial", TRUE, error) ||
        !lv_string(a, "dev", TRUE, error))
        return FALSE;
    if (!lv_uint(a, "bus", error) || !lv_uint(a, "target", error) || !lv_uint(a, "unit", error))
        return FALSE;
    JsonNode *pci = json_object_get_member(a, "pci-controller");
    if (!pci || !JSON_NODE_HOLDS_OBJECT(pci))
        return lv_fail(error, "'pci-controller' missing");
    JsonObject *p = json_node_get_object(pci);
    if (!lv_uint(p, "domain", error) || !lv_uint(p, "bus", error) || !lv_uint(p, "slot", error) ||
        !lv_uint(p, "function", error))
        return FALSE;
    JsonNode *ccw = json_object_get_member(a, "ccw-address");
    if (ccw) {
        if (!JSON_NODE_HOLDS_OBJECT(ccw))
            return lv_fail(error, "'ccw-address' is not an object");
        JsonObject *c = json_node_get_object(ccw);
        if (!lv_uint(c, "cssid", error) || !lv_uint(c, "ssid", error) || !lv_uint(c, "devno", error))
            return FALSE;
    }
    return TRUE;
}

/* qemuAgentGetFSInfo */
static gboolean lv_fsinfo(JsonNode *ret, GError **error)
{
    if (!JSON_NODE_HOLDS_ARRAY(ret))
        return lv_fail(error, "guest-get-fsinfo reply was missing or not an array");
    JsonArray *arr = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonNode *e = json_array_get_element(arr, i);
        if (!JSON_NODE_HOLDS_OBJECT(e))
            return lv_fail(error, "array element %u is not an object", i);
        JsonObject *o = json_node_get_object(e);
        if (!lv_string(o, "mountpoint", FALSE, error) || !lv_string(o, "name", FALSE, error) ||
            !lv_string(o, "type", FALSE, error) || !lv_optional_ulong(o, "used-bytes", error) ||
            !lv_optional_ulong(o, "total-bytes", error))
            return FALSE;
        JsonNode *disk = json_object_get_member(o, "disk");
        if (!disk || !JSON_NODE_HOLDS_ARRAY(disk))
            return lv_fail(error, "'disk' missing or not an array in reply of guest-get-fsinfo");
        JsonArray *disks = json_node_get_array(disk);
        for (guint d = 0; d < json_array_get_length(disks); d++)
            if (!lv_disk_address(json_array_get_element(disks, d), error))
                return FALSE;
    }
    return TRUE;
}

/* qemuAgentGetDisks */
static gboolean lv_disks(JsonNode *ret, GError **error)
{
    if (!JSON_NODE_HOLDS_ARRAY(ret))
        return lv_fail(error, "guest-get-disks reply was missing or not an array");
    JsonArray *arr = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonNode *e = json_array_get_element(arr, i);
        if (!JSON_NODE_HOLDS_OBJECT(e))
            return lv_fail(error, "array element %u is not an object", i);
        JsonObject *o = json_node_get_object(e);
        if (!lv_string(o, "name", FALSE, error))
            return FALSE;
        JsonNode *part = json_object_get_member(o, "partition");
        if (!part || !JSON_NODE_HOLDS_VALUE(part) || json_node_get_value_type(part) != G_TYPE_BOOLEAN)
            return lv_fail(error, "'partition' missing");
        JsonNode *deps = json_object_get_member(o, "dependencies");
        if (deps) {
            if (!JSON_NODE_HOLDS_ARRAY(deps))
                return lv_fail(error, "'dependencies' is not an array");
            JsonArray *d = json_node_get_array(deps);
            for (guint k = 0; k < json_array_get_length(d); k++) {
                JsonNode *s = json_array_get_element(d, k);
                if (!JSON_NODE_HOLDS_VALUE(s) || json_node_get_value_type(s) != G_TYPE_STRING)
                    return lv_fail(error, "dependency %u is not a string", k);
            }
        }
        if (!lv_string(o, "alias", TRUE, error))
            return FALSE;
        JsonNode *addr = json_object_get_member(o, "address");
        if (addr && !lv_disk_address(addr, error))
            return FALSE;
    }
    return TRUE;
}

/* ---- the libvirt model must itself be able to fail ---- */

static const char sample_fsinfo[] =
    "[{\"name\": \"vda1\", \"mountpoint\": \"/\", \"type\": \"ext4\", \"used-bytes\": 1, \"total-bytes\": 2,"
    "  \"disk\": [{\"pci-controller\": {\"domain\": 0, \"bus\": 0, \"slot\": 4, \"function\": 0},"
    "             \"bus-type\": \"virtio\", \"bus\": 0, \"target\": 0, \"unit\": 0, \"serial\": \"s\", \"dev\": \"/dev/vda1\"}]}]";

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
    return json_node_copy(json_parser_get_root(p));
}

static JsonObject *first_entry(JsonNode *root)
{
    return json_array_get_object_element(json_node_get_array(root), 0);
}

static JsonObject *first_disk(JsonNode *root)
{
    return json_array_get_object_element(json_object_get_array_member(first_entry(root), "disk"), 0);
}

static void expect_rejected(JsonNode *root, const char *what)
{
    g_autoptr(GError) err = NULL;
    if (lv_fsinfo(root, &err))
        g_error("libvirt model accepted a reply with %s", what);
    g_test_message("rejected (%s): %s", what, err->message);
}

static void test_libvirt_model_rejects(void)
{
    g_autoptr(GError) err = NULL;
    JsonNode *good = parse(sample_fsinfo);
    g_assert_true(lv_fsinfo(good, &err));
    json_node_unref(good);

    static const char *const entry_members[] = { "name", "mountpoint", "type", "disk" };
    for (size_t i = 0; i < G_N_ELEMENTS(entry_members); i++) {
        JsonNode *r = parse(sample_fsinfo);
        json_object_remove_member(first_entry(r), entry_members[i]);
        expect_rejected(r, entry_members[i]);
        /* ... and the same member with the wrong JSON type */
        JsonNode *t = parse(sample_fsinfo);
        json_object_set_int_member(first_entry(t), entry_members[i], 1);
        expect_rejected(t, "a mistyped member");
        json_node_unref(r);
        json_node_unref(t);
    }
    static const char *const addr_members[] = { "bus", "target", "unit", "pci-controller" };
    for (size_t i = 0; i < G_N_ELEMENTS(addr_members); i++) {
        JsonNode *r = parse(sample_fsinfo);
        json_object_remove_member(first_disk(r), addr_members[i]);
        expect_rejected(r, addr_members[i]);
        JsonNode *t = parse(sample_fsinfo);
        json_object_set_string_member(first_disk(t), addr_members[i], "0");
        expect_rejected(t, "a string where libvirt wants a number");
        json_node_unref(r);
        json_node_unref(t);
    }
    static const char *const pci_members[] = { "domain", "bus", "slot", "function" };
    for (size_t i = 0; i < G_N_ELEMENTS(pci_members); i++) {
        JsonNode *r = parse(sample_fsinfo);
        json_object_remove_member(json_object_get_object_member(first_disk(r), "pci-controller"), pci_members[i]);
        expect_rejected(r, pci_members[i]);
        json_node_unref(r);
    }
    JsonNode *neg = parse(sample_fsinfo);
    json_object_set_int_member(first_entry(neg), "used-bytes", -1);
    expect_rejected(neg, "negative used-bytes");
    json_node_unref(neg);
    JsonNode *frac = parse(sample_fsinfo);
    json_object_set_double_member(first_entry(frac), "total-bytes", 1.5);
    expect_rejected(frac, "fractional total-bytes");
    json_node_unref(frac);
    JsonNode *big = parse(sample_fsinfo);
    json_object_set_int_member(first_disk(big), "unit", G_GINT64_CONSTANT(0x100000000));
    expect_rejected(big, "a unit beyond unsigned int");
    json_node_unref(big);

    /* guest-get-disks: name and partition are mandatory. */
    JsonNode *disks = parse("[{\"name\": \"/dev/vda\", \"partition\": false, \"dependencies\": []}]");
    g_assert_true(lv_disks(disks, NULL));
    json_object_remove_member(first_entry(disks), "partition");
    g_assert_false(lv_disks(disks, NULL));
    json_node_unref(disks);
    disks = parse("[{\"name\": \"/dev/vda\", \"partition\": 0}]");
    g_assert_false(lv_disks(disks, NULL));
    json_node_unref(disks);
    disks = parse("[{\"name\": \"/dev/vda\", \"partition\": true, \"dependencies\": [1]}]");
    g_assert_false(lv_disks(disks, NULL));
    json_node_unref(disks);
}

/* ---- shared shape checks ---- */

static const char *const bus_types[] = {
    "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd", "unknown", "ieee1394", "ssa",
    "fibre", "raid", "iscsi", "sas", "mmc", "virtual", "file-backed-virtual", "nvme", NULL,
};

/* What our agent promises beyond libvirt's minimum: -1 or a real value, never other negatives. */
static void check_address_values(JsonObject *a)
{
    g_assert_true(g_strv_contains(bus_types, json_object_get_string_member(a, "bus-type")));
    JsonObject *p = json_object_get_object_member(a, "pci-controller");
    gint64 parts[4] = {
        json_object_get_int_member(p, "domain"), json_object_get_int_member(p, "bus"),
        json_object_get_int_member(p, "slot"), json_object_get_int_member(p, "function"),
    };
    for (int i = 0; i < 4; i++)
        g_assert_cmpint(parts[i], >=, -1);
    /* Either the whole address is known or none of it (a half-known PCI address would make
     * libvirt match the wrong disk). */
    gboolean known = parts[0] >= 0;
    for (int i = 1; i < 4; i++)
        g_assert_cmpint(parts[i] >= 0, ==, known);
    if (known) {
        g_assert_cmpint(parts[1], <=, 255);
        g_assert_cmpint(parts[2], <=, 31);
        g_assert_cmpint(parts[3], <=, 7);
    }
    g_assert_cmpint(json_object_get_int_member(a, "bus"), >=, 0);
    g_assert_cmpint(json_object_get_int_member(a, "target"), >=, 0);
    g_assert_cmpint(json_object_get_int_member(a, "unit"), >=, 0);
    /* On Windows virtio-blk is identified only from its PCI function, so it always has one
     * (on Linux a virtio-mmio or CCW disk has none). */
    if (!qga_test_agent_is_posix() && g_str_equal(json_object_get_string_member(a, "bus-type"), "virtio"))
        g_assert_true(known);
}

/* ---- the Linux oracle ---- */

typedef struct Mount {
    unsigned major, minor;
    char *mountpoint;
    char *fstype;
} Mount;

static void mount_free(gpointer p)
{
    Mount *m = p;
    g_free(m->mountpoint);
    g_free(m->fstype);
    g_free(m);
}

/* The mounts qemu-ga reports, read independently of the agent's parser (g_strcompress for the
 * kernel's octal escapes). */
static GPtrArray *expected_mounts(void)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL));
    GPtrArray *out = g_ptr_array_new_with_free_func(mount_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, " ", -1);
        guint n = g_strv_length(f), sep = 6;
        while (sep < n && strcmp(f[sep], "-") != 0)
            sep++;
        if (n < 7 || sep + 1 >= n)
            continue;
        Mount m = { 0 };
        if (sscanf(f[2], "%u:%u", &m.major, &m.minor) != 2)
            continue;
        g_autofree char *type = g_strcompress(f[sep + 1]);
        if (m.major == 0) {
            struct stat st;
            g_autofree char *src = sep + 2 < n ? g_strcompress(f[sep + 2]) : g_strdup("");
            if (strcmp(type, "btrfs") != 0 || stat(src, &st) < 0 || !S_ISBLK(st.st_mode))
                continue;
            m.major = major(st.st_rdev);
            m.minor = minor(st.st_rdev);
        }
        gboolean dup = FALSE;
        for (guint i = 0; i < out->len; i++) {
            Mount *o = out->pdata[i];
            dup |= o->major == m.major && o->minor == m.minor;
        }
        if (dup)
            continue;
        Mount *keep = g_new0(Mount, 1);
        *keep = m;
        keep->mountpoint = g_strcompress(f[4]);
        keep->fstype = g_steal_pointer(&type);
        g_ptr_array_add(out, keep);
    }
    return out;
}

/* "0000:00:02.0" of the PCI function a virtio device hangs off, from its resolved sysfs path. */
static gboolean virtio_pci_function(const char *syspath, gint64 ret[4])
{
    g_auto(GStrv) parts = g_strsplit(syspath, "/", -1);
    for (guint i = 1; parts[i]; i++) {
        unsigned d, b, s, f;
        char tail;
        if (g_str_has_prefix(parts[i], "virtio") && g_ascii_isdigit(parts[i][6]) &&
            sscanf(parts[i - 1], "%x:%x:%x.%x%c", &d, &b, &s, &f, &tail) == 4) {
            ret[0] = d, ret[1] = b, ret[2] = s, ret[3] = f;
            return TRUE;
        }
    }
    return FALSE;
}

static char *sysfs_devname(const char *sysdir)
{
    g_autofree char *path = g_build_filename(sysdir, "uevent", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "DEVNAME="))
            return g_strdup(*l + strlen("DEVNAME="));
    return NULL;
}

/* The disk's virtio serial (what udev's ID_SERIAL is for vd* devices), or NULL. */
static char *virtio_serial(const char *syspath)
{
    g_autofree char *part = g_build_filename(syspath, "partition", NULL);
    g_autofree char *disk = g_file_test(part, G_FILE_TEST_EXISTS) ? g_path_get_dirname(syspath) : g_strdup(syspath);
    g_autofree char *path = g_build_filename(disk, "serial", NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    g_strchomp(text);
    if (!*text) {
        g_free(text);
        return NULL;
    }
    return text;
}

static void check_fsinfo_against_linux(JsonArray *arr)
{
    g_autoptr(GPtrArray) want = expected_mounts();
    /* qemu-ga's order: reverse mount order (libvirt reverses it back). */
    g_assert_cmpuint(json_array_get_length(arr), ==, want->len);
    guint virtio_disks = 0;
    for (guint i = 0; i < want->len; i++) {
        Mount *m = want->pdata[want->len - 1 - i];
        JsonObject *o = json_array_get_object_element(arr, i);
        g_assert_cmpstr(json_object_get_string_member(o, "mountpoint"), ==, m->mountpoint);
        g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, m->fstype);

        g_autofree char *devlink = g_strdup_printf("/sys/dev/block/%u:%u", m->major, m->minor);
        g_autofree char *syspath = realpath(devlink, NULL);
        g_autofree char *base = syspath ? g_path_get_basename(syspath) : g_strdup_printf("%u:%u", m->major, m->minor);
        g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, base);

        /* Sizes against statvfs now: blocks exact, free space within what a busy machine changes. */
        struct statvfs st;
        if (statvfs(m->mountpoint, &st) == 0) {
            guint64 fr = st.f_frsize;
            g_assert_cmpuint(json_object_get_int_member(o, "total-bytes-privileged"), ==, (guint64)st.f_blocks * fr);
            guint64 total = ((guint64)(st.f_blocks - st.f_bfree) + st.f_bavail) * fr;
            guint64 used = (guint64)(st.f_blocks - st.f_bfree) * fr;
            guint64 slack = MAX(G_GUINT64_CONSTANT(256) << 20, total / 50);
            gint64 rt = json_object_get_int_member(o, "total-bytes"), ru = json_object_get_int_member(o, "used-bytes");
            g_assert_cmpuint((guint64)ABS(rt - (gint64)total), <=, slack);
            g_assert_cmpuint((guint64)ABS(ru - (gint64)used), <=, slack);
            g_assert_cmpint(ru, <=, rt);
            g_assert_cmpint(rt, <=, json_object_get_int_member(o, "total-bytes-privileged"));
        }

        /* A filesystem directly on a virtio-blk disk: the PCI function libvirt matches <target
         * dev='vda'> by, the node and the serial, each derived here from sysfs independently. */
        JsonArray *disks = json_object_get_array_member(o, "disk");
        gint64 want_pci[4];
        if (syspath && virtio_pci_function(syspath, want_pci) && !strstr(syspath, "/host")) {
            g_assert_cmpuint(json_array_get_length(disks), ==, 1);
            JsonObject *d = json_array_get_object_element(disks, 0);
            JsonObject *p = json_object_get_object_member(d, "pci-controller");
            g_assert_cmpstr(json_object_get_string_member(d, "bus-type"), ==, "virtio");
            g_assert_cmpint(json_object_get_int_member(p, "domain"), ==, want_pci[0]);
            g_assert_cmpint(json_object_get_int_member(p, "bus"), ==, want_pci[1]);
            g_assert_cmpint(json_object_get_int_member(p, "slot"), ==, want_pci[2]);
            g_assert_cmpint(json_object_get_int_member(p, "function"), ==, want_pci[3]);
            g_assert_cmpint(json_object_get_int_member(d, "bus"), ==, 0);
            g_assert_cmpint(json_object_get_int_member(d, "target"), ==, 0);
            g_assert_cmpint(json_object_get_int_member(d, "unit"), ==, 0);
            g_autofree char *devname = sysfs_devname(syspath);
            g_autofree char *node = g_strdup_printf("/dev/%s", devname);
            g_assert_cmpstr(json_object_get_string_member(d, "dev"), ==, node);
            g_autofree char *serial = virtio_serial(syspath);
            if (serial && !g_file_test("/run/udev/data", G_FILE_TEST_IS_DIR))
                g_assert_cmpstr(json_object_get_string_member(d, "serial"), ==, serial);
            virtio_disks++;
        }
    }
    g_test_message("%u mounts compared, %u on virtio-blk", want->len, virtio_disks);
}

/* ---- the tests ---- */

static void test_fsinfo(void)
{
    g_autoptr(JsonObject) r = call("guest-get-fsinfo");
    JsonNode *ret = qga_test_reply_return(r);
    g_autoptr(GError) err = NULL;
    if (!lv_fsinfo(ret, &err))
        g_error("libvirt would reject guest-get-fsinfo: %s", err->message);

    JsonArray *arr = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);
        g_assert_cmpstr(json_object_get_string_member(o, "name"), !=, "");
        g_assert_cmpstr(json_object_get_string_member(o, "mountpoint"), !=, "");
        g_assert_cmpstr(json_object_get_string_member(o, "type"), !=, "");
        /* used and total come together, or not at all */
        g_assert_cmpint(json_object_has_member(o, "used-bytes"), ==, json_object_has_member(o, "total-bytes"));
        JsonArray *disks = json_object_get_array_member(o, "disk");
        for (guint d = 0; d < json_array_get_length(disks); d++)
            check_address_values(json_array_get_object_element(disks, d));
    }

    if (qga_test_agent_is_posix()) {
        check_fsinfo_against_linux(arr);
        return;
    }
    /* Windows: names are volume GUID paths, mount points drive roots (or "System Reserved"),
     * disks \\.\PhysicalDriveN. Under Wine: C:\ and Z:\, synthetic disk data (see the top). */
    g_assert_cmpuint(json_array_get_length(arr), >=, 1);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);
        const char *name = json_object_get_string_member(o, "name");
        const char *mp = json_object_get_string_member(o, "mountpoint");
        g_assert_true(g_str_has_prefix(name, "\\\\?\\Volume{"));
        g_assert_true(g_str_has_suffix(name, "}\\"));
        g_assert_true(g_str_has_suffix(mp, "\\") || g_str_equal(mp, "System Reserved"));
        g_assert_false(json_object_has_member(o, "total-bytes-privileged"));
        JsonArray *disks = json_object_get_array_member(o, "disk");
        for (guint d = 0; d < json_array_get_length(disks); d++) {
            JsonObject *a = json_array_get_object_element(disks, d);
            const char *dev = json_object_get_string_member(a, "dev");
            g_assert_true(g_str_has_prefix(dev, "\\\\.\\PhysicalDrive") || g_str_has_prefix(dev, "\\\\?\\Volume{"));
        }
    }
    g_test_message("Wine: no real storage stack (zero disk extents, synthetic descriptors, no SetupAPI "
                   "devices): disk addresses are checked for shape only");
}

static void test_disks(void)
{
    g_autoptr(JsonObject) r = call("guest-get-disks");
    JsonNode *ret = qga_test_reply_return(r);
    g_autoptr(GError) err = NULL;
    if (!lv_disks(ret, &err))
        g_error("libvirt would reject guest-get-disks: %s", err->message);
    JsonArray *arr = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);
        if (json_object_has_member(o, "address"))
            check_address_values(json_object_get_object_member(o, "address"));
    }

    if (!qga_test_agent_is_posix()) {
        /* Windows: \\.\PhysicalDriveN, never a partition, no dependencies/alias/smart (qemu-ga's
         * shape). Under Wine SetupAPI lists no disk interface, so the list is empty there. */
        for (guint i = 0; i < json_array_get_length(arr); i++) {
            JsonObject *o = json_array_get_object_element(arr, i);
            g_assert_true(g_str_has_prefix(json_object_get_string_member(o, "name"), "\\\\.\\PhysicalDrive"));
            g_assert_false(json_object_get_boolean_member(o, "partition"));
            g_assert_false(json_object_has_member(o, "dependencies"));
        }
        g_test_message("Wine: %u disks (SetupAPI enumerates no GUID_DEVINTERFACE_DISK devices there)",
                       json_array_get_length(arr));
        return;
    }

    /* Linux: every non-empty /sys/block device, each partition depending on its disk. */
    g_autoptr(GHashTable) want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GDir *d = g_dir_open("/sys/block", 0, NULL);
    g_assert_nonnull(d);
    const char *entry;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *dir = g_build_filename("/sys/block", entry, NULL);
        g_autofree char *sizefile = g_build_filename(dir, "size", NULL);
        g_autofree char *size = NULL;
        if (!g_file_get_contents(sizefile, &size, NULL, NULL) || atoll(size) == 0)
            continue;
        g_autofree char *devname = sysfs_devname(dir);
        if (devname)
            g_hash_table_add(want, g_strdup_printf("/dev/%s", devname));
    }
    g_dir_close(d);

    guint disks = 0;
    const char *last_disk = NULL;
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);
        const char *name = json_object_get_string_member(o, "name");
        JsonArray *deps = json_object_get_array_member(o, "dependencies");
        g_assert_nonnull(deps); /* qemu-ga lists them (possibly empty) for every entry */
        if (json_object_get_boolean_member(o, "partition")) {
            g_assert_nonnull(last_disk);
            g_assert_cmpuint(json_array_get_length(deps), ==, 1);
            g_assert_cmpstr(json_array_get_string_element(deps, 0), ==, last_disk);
            g_assert_true(g_str_has_prefix(name, last_disk));
            g_assert_false(json_object_has_member(o, "address"));
            continue;
        }
        g_assert_true(g_hash_table_contains(want, name));
        last_disk = name;
        disks++;
        /* Non-virtual disks carry an address; for virtio-blk it is the disk's own function. */
        g_autofree char *link = g_build_filename("/sys/block", name + strlen("/dev/"), NULL);
        g_autofree char *syspath = realpath(link, NULL);
        gint64 want_pci[4];
        if (syspath && virtio_pci_function(syspath, want_pci) && !strstr(syspath, "/host")) {
            JsonObject *a = json_object_get_object_member(o, "address");
            g_assert_nonnull(a);
            g_assert_cmpstr(json_object_get_string_member(a, "bus-type"), ==, "virtio");
            g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(a, "pci-controller"), "slot"),
                            ==, want_pci[2]);
            g_assert_cmpstr(json_object_get_string_member(a, "dev"), ==, name);
        }
        if (syspath && strstr(syspath, "/devices/virtual/"))
            g_assert_false(json_object_has_member(o, "address"));
    }
    g_assert_cmpuint(disks, ==, g_hash_table_size(want));
}

static void test_diskstats(void)
{
    if (!qga_test_agent_is_posix()) {
        /* Linux only, as in qemu-ga: absent on Windows, never a stub. */
        g_autoptr(JsonObject) r = call("guest-get-diskstats");
        qga_test_assert_error(r, "CommandNotFound", "The command guest-get-diskstats has not been found");
        return;
    }
    g_autoptr(JsonObject) r = call("guest-get-diskstats");
    JsonArray *arr = json_node_get_array(qga_test_reply_return(r));

    /* Same devices in the same order as /proc/diskstats read right after, counters that only grow. */
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents("/proc/diskstats", &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint i = 0;
    for (char **l = lines; *l; l++) {
        char name[256];
        unsigned maj, min;
        guint64 rd_ios;
        int fields = 0;
        g_auto(GStrv) tok = g_strsplit_set(g_strstrip(*l), " ", -1);
        for (char **t = tok; *t; t++)
            fields += **t != '\0';
        if (sscanf(*l, "%u %u %255s %" G_GUINT64_FORMAT, &maj, &min, name, &rd_ios) != 4)
            continue;
        g_assert_cmpuint(i, <, json_array_get_length(arr));
        JsonObject *o = json_array_get_object_element(arr, i++);
        g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, name);
        g_assert_cmpint(json_object_get_int_member(o, "major"), ==, maj);
        g_assert_cmpint(json_object_get_int_member(o, "minor"), ==, min);
        JsonObject *s = json_object_get_object_member(o, "stats");
        g_assert_cmpint(json_object_get_int_member(s, "read-ios"), <=, (gint64)rd_ios);
        /* The kernel's 17-counter layout (Linux 5.5+) gives all 17 members. */
        if (fields == 20)
            g_assert_cmpuint(json_object_get_size(s), ==, 17);
    }
    g_assert_cmpuint(i, ==, json_array_get_length(arr));
}

static void test_devices(void)
{
    g_autoptr(JsonObject) r = call("guest-get-devices");
    if (qga_test_agent_is_posix()) {
        /* Windows only, as in qemu-ga >= 9.1: CommandNotFound on Linux. */
        qga_test_assert_error(r, "CommandNotFound", "The command guest-get-devices has not been found");
        return;
    }
    JsonArray *arr = json_node_get_array(qga_test_reply_return(r));
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonObject *o = json_array_get_object_element(arr, i);
        g_assert_cmpstr(json_object_get_string_member(o, "driver-name"), !=, "");
        if (json_object_has_member(o, "id")) {
            JsonObject *id = json_object_get_object_member(o, "id");
            g_assert_cmpstr(json_object_get_string_member(id, "type"), ==, "pci");
            gint64 vendor = json_object_get_int_member(id, "vendor-id");
            g_assert_true(vendor == 0x1af4 || vendor == 0x1b36);
        }
    }
    g_test_message("Wine: %u devices (SetupAPI enumerates no PCI devices there, so the virtio filter and "
                   "the driver properties are covered by the unit tests only)", json_array_get_length(arr));
}

static void test_listed(void)
{
    /* guest-info lists exactly the commands this platform has. */
    g_autoptr(JsonObject) r = call("guest-info");
    JsonArray *cmds = json_object_get_array_member(json_node_get_object(qga_test_reply_return(r)), "supported_commands");
    gboolean posix = qga_test_agent_is_posix();
    const struct {
        const char *name;
        gboolean posix, win32;
    } want[] = {
        { "guest-get-fsinfo", TRUE, TRUE },
        { "guest-get-disks", TRUE, TRUE },
        { "guest-get-diskstats", TRUE, FALSE },
        { "guest-get-devices", FALSE, TRUE },
    };
    for (size_t k = 0; k < G_N_ELEMENTS(want); k++) {
        gboolean found = FALSE;
        for (guint i = 0; i < json_array_get_length(cmds); i++) {
            JsonObject *c = json_array_get_object_element(cmds, i);
            if (g_str_equal(json_object_get_string_member(c, "name"), want[k].name)) {
                found = TRUE;
                g_assert_true(json_object_get_boolean_member(c, "enabled"));
                g_assert_true(json_object_get_boolean_member(c, "success-response"));
            }
        }
        if (found != (posix ? want[k].posix : want[k].win32))
            g_error("%s is %slisted by guest-info", want[k].name, found ? "" : "not ");
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/storage/libvirt-model-rejects", test_libvirt_model_rejects);
    g_test_add_func("/integration/storage/fsinfo", test_fsinfo);
    g_test_add_func("/integration/storage/disks", test_disks);
    g_test_add_func("/integration/storage/diskstats", test_diskstats);
    g_test_add_func("/integration/storage/devices", test_devices);
    g_test_add_func("/integration/storage/listed", test_listed);

    agent = qga_test_agent_start(NULL);
    client = qga_test_connect(agent);
    int r = g_test_run();
    qga_test_client_close(client);
    qga_test_agent_stop(agent);
    return r;
}
