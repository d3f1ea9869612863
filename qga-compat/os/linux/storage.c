/* Linux sysfs walk from a block device to the disks under it and their controller addresses. */
#include "storage-linux.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "os/posix/fileio.h"

/* dm/md stacks are a few levels deep; anything deeper is a loop or a hostile tree. */
#define MAX_SLAVE_DEPTH 16
/* Bounded listings: a directory with more hostN/ataN entries than this is not a real sysfs. */
#define MAX_HOSTS 4096

static const QgaLinuxRoots default_roots = {
    .sysfs = "/sys",
    .mountinfo = "/proc/self/mountinfo",
    .diskstats = "/proc/diskstats",
    .udev_data = "/run/udev/data",
    .devdir = "/dev",
    .nvme_ioctl = true,
};

const QgaLinuxRoots *qga_linux_default_roots(void)
{
    return &default_roots;
}

char *qga_linux_find_key(const char *text, const char *prefix)
{
    size_t plen = strlen(prefix);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len >= plen && memcmp(line, prefix, plen) == 0)
            return qga_strndup(line + plen, len - plen);
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}

/* A sysfs attribute without its trailing newline/blanks; NULL when absent or empty. */
char *qga_linux_read_attr(const char *dir, const char *name)
{
    _qga_cleanup_free_ char *path = qga_strdup_printf("%s/%s", dir, name);
    char *text = NULL;
    size_t len = 0;
    if (qga_read_full_file(path, 4096, &text, &len) < 0)
        return NULL;
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        text[--len] = '\0';
    if (len == 0 || memchr(text, '\0', len)) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- path parsing ---- */

/* A whole component of decimal digits after a fixed prefix ("host3", "ata1"). */
static bool parse_numbered(const char *comp, size_t len, const char *prefix, unsigned *ret)
{
    size_t plen = strlen(prefix);
    if (len <= plen || len - plen > 9 || memcmp(comp, prefix, plen) != 0)
        return false;
    unsigned v = 0;
    for (size_t i = plen; i < len; i++) {
        if (!isdigit((unsigned char)comp[i]))
            return false;
        v = v * 10 + (unsigned)(comp[i] - '0');
    }
    *ret = v;
    return true;
}

/* Up to n numbers separated by sep, in base, covering exactly len bytes. */
static bool parse_fields(const char *s, size_t len, char sep1, char sep2, int base, unsigned *out, size_t n)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long v = 0;
        size_t digits = 0;
        while (pos < len && digits < (base == 16 ? 8u : 9u)) {
            int c = (unsigned char)s[pos];
            int d = isdigit(c) ? c - '0' : (base == 16 && isxdigit(c)) ? tolower(c) - 'a' + 10 : -1;
            if (d < 0)
                break;
            v = v * (unsigned long)base + (unsigned long)d;
            digits++;
            pos++;
        }
        if (digits == 0)
            return false;
        out[i] = (unsigned)v;
        if (i + 1 < n) {
            char sep = (i + 2 == n) ? sep2 : sep1;
            if (pos >= len || s[pos] != sep)
                return false;
            pos++;
        }
    }
    return pos == len;
}

bool qga_linux_parse_devpath(const char *syspath, size_t start, QgaSysfsDevPath *ret)
{
    *ret = (QgaSysfsDevPath){ 0 };
    if (start > strlen(syspath))
        return false;
    const char *devices = strstr(syspath + start, "/devices/");
    if (!devices)
        return false;

    size_t pos = (size_t)(devices - syspath) + strlen("/devices");
    bool pci_chain = false;   /* still inside the run of PCI functions below a pciDDDD:BB root */
    unsigned index = 0;       /* component number below /devices/ */
    while (syspath[pos] == '/') {
        size_t comp_start = pos;
        const char *comp = syspath + pos + 1;
        size_t len = strcspn(comp, "/");
        pos += 1 + len;
        if (len == 0)
            continue;
        unsigned f[4];

        if (index == 0) {
            pci_chain = len > 3 && memcmp(comp, "pci", 3) == 0 && parse_fields(comp + 3, len - 3, ':', ':', 16, f, 2);
            ret->is_ccw = len == 4 && memcmp(comp, "css", 3) == 0 && isdigit((unsigned char)comp[3]);
        } else if (pci_chain && ret->n_pci < QGA_SYSFS_MAX_PCI_DEPTH && parse_fields(comp, len, ':', '.', 16, f, 4)) {
            /* "DDDD:BB:SS.F" */
            ret->pci[ret->n_pci++] = (QgaSysfsPciFunc){ f[0], f[1], f[2], f[3], pos };
        } else {
            pci_chain = false;
        }

        if (ret->is_ccw && index == 1) {
            /* css0/<cssid>.<ssid>.<subchannel>/<cssid>.<ssid>.<devno>/ */
            ret->ccw_ok = parse_fields(comp, len, '.', '.', 16, f, 3);
            ret->ccw.cssid = f[0];
            ret->ccw.ssid = f[1];
            ret->ccw.subchno = f[2];
        } else if (ret->is_ccw && index == 2 && ret->ccw_ok) {
            ret->ccw_ok = parse_fields(comp, len, '.', '.', 16, f, 3);
            ret->ccw.devno = f[2];
        }

        unsigned n;
        if (!ret->has_host && parse_numbered(comp, len, "host", &n)) {
            ret->has_host = true;
            ret->host = n;
            ret->host_start = comp_start;
        } else if (!ret->has_ata && parse_numbered(comp, len, "ata", &n)) {
            ret->has_ata = true;
            ret->ata = n;
            ret->ata_start = comp_start;
        } else if (!ret->has_target && len > 6 && memcmp(comp, "target", 6) == 0 &&
                   parse_fields(comp + 6, len - 6, ':', ':', 10, f, 3)) {
            /* The next component is the SCSI device "H:C:T:L". */
            const char *dev = syspath + pos + (syspath[pos] == '/');
            size_t dlen = strcspn(dev, "/");
            unsigned hctl[4];
            if (syspath[pos] == '/' && parse_fields(dev, dlen, ':', ':', 10, hctl, 4)) {
                ret->has_target = true;
                ret->channel = hctl[1];
                ret->target = hctl[2];
                ret->lun = hctl[3];
            }
        } else if (parse_numbered(comp, len, "virtio", &n)) {
            ret->has_virtio = true;
        } else if (len == 5 && memcmp(comp, "block", 5) == 0) {
            ret->has_block = true;
        }
        index++;
    }
    return true;
}

size_t qga_linux_devpath_start(const QgaLinuxRoots *roots, const char *syspath)
{
    /* Skip the (resolved) sysfs root so a fixture directory's own name never counts. */
    _qga_cleanup_free_ char *root = realpath(roots->sysfs, NULL);
    if (root && strcmp(root, "/") != 0) {
        size_t len = strlen(root);
        if (strncmp(syspath, root, len) == 0 && syspath[len] == '/')
            return len;
    }
    return 0;
}

bool qga_linux_is_virtual(const char *syspath)
{
    return strstr(syspath, "/devices/virtual/block/") != NULL;
}

/* ---- the address walk ---- */

/* The driver bound to a sysfs device directory (basename of its "driver" link); heap or NULL. */
static char *driver_of(const char *dir, size_t dir_len)
{
    _qga_cleanup_free_ char *link = qga_strdup_printf("%.*s/driver", (int)dir_len, dir);
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    return qga_strdup(base ? base + 1 : target);
}

static int compare_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/*
 * The position of host number `host` among the "hostN" (or "ataN") siblings in dir, in numeric
 * order: qemu-ga's IDE bus / AHCI port number. -1 when not found.
 */
static int64_t host_index(const char *dir, size_t dir_len, const char *prefix, unsigned host)
{
    _qga_cleanup_free_ char *path = qga_strndup(dir, dir_len);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    unsigned *hosts = NULL;
    size_t n = 0;
    struct dirent *e;
    while (n < MAX_HOSTS && (e = readdir(d))) {
        unsigned v;
        if (parse_numbered(e->d_name, strlen(e->d_name), prefix, &v))
            *(unsigned *)qga_array_push(&hosts, &n, sizeof(unsigned)) = v;
    }
    closedir(d);
    qsort(hosts, n, sizeof(unsigned), compare_unsigned);
    int64_t index = -1;
    for (size_t i = 0; i < n; i++) {
        if (hosts[i] == host) {
            index = (int64_t)i;
            break;
        }
    }
    free(hosts);
    return index;
}

/* Drivers qemu-ga recognises on the PCI path (plus a few more HBAs QEMU can emulate). */
typedef enum PciKind { KIND_NONE, KIND_PIIX_IDE, KIND_LSI, KIND_VIRTIO, KIND_AHCI, KIND_NVME, KIND_USB, KIND_HBA } PciKind;

static PciKind pci_kind(const char *driver, QgaDiskBusType *ret_hba_bus)
{
    static const struct {
        const char *driver;
        PciKind kind;
        QgaDiskBusType hba_bus;
    } table[] = {
        { "ata_piix", KIND_PIIX_IDE, QGA_DISK_BUS_IDE },
        { "sym53c8xx", KIND_LSI, QGA_DISK_BUS_SCSI },
        { "virtio-pci", KIND_VIRTIO, QGA_DISK_BUS_VIRTIO },
        { "ahci", KIND_AHCI, QGA_DISK_BUS_SATA },
        { "nvme", KIND_NVME, QGA_DISK_BUS_NVME },
        { "xhci_hcd", KIND_USB, QGA_DISK_BUS_USB },
        { "ehci-pci", KIND_USB, QGA_DISK_BUS_USB },
        { "uhci_hcd", KIND_USB, QGA_DISK_BUS_USB },
        { "ohci-pci", KIND_USB, QGA_DISK_BUS_USB },
        /* Other HBAs QEMU emulates: channel/target/lun map to libvirt's bus/target/unit. */
        { "megaraid_sas", KIND_HBA, QGA_DISK_BUS_RAID },
        { "mptsas", KIND_HBA, QGA_DISK_BUS_SAS },
        { "mpt3sas", KIND_HBA, QGA_DISK_BUS_SAS },
        { "vmw_pvscsi", KIND_HBA, QGA_DISK_BUS_SCSI },
    };
    for (size_t i = 0; i < QGA_N_ELEMENTS(table); i++) {
        if (strcmp(driver, table[i].driver) == 0) {
            *ret_hba_bus = table[i].hba_bus;
            return table[i].kind;
        }
    }
    return KIND_NONE;
}

static bool pci_address(const char *syspath, const QgaSysfsDevPath *p, QgaDiskAddress *addr)
{
    /* From the root bus down, the first PCI function whose driver is a storage controller
     * (bridges and root ports in between are skipped): virtio-blk's own function, the SCSI,
     * IDE, SATA or USB controller, the NVMe controller. */
    PciKind kind = KIND_NONE;
    QgaDiskBusType hba_bus = QGA_DISK_BUS_UNKNOWN;
    size_t i;
    for (i = 0; i < p->n_pci && kind == KIND_NONE; i++) {
        _qga_cleanup_free_ char *driver = driver_of(syspath, p->pci[i].end);
        if (driver)
            kind = pci_kind(driver, &hba_bus);
    }
    if (kind == KIND_NONE)
        return false;
    const QgaSysfsPciFunc *f = &p->pci[i - 1];

    switch (kind) {
    case KIND_PIIX_IDE:
    case KIND_AHCI: {
        /* One libata port (and SCSI host) per IDE channel / AHCI port: the port's rank among its
         * siblings is the IDE bus (unit = the device on that channel) or the AHCI unit. */
        if (!(p->has_ata || p->has_host) || !p->has_target)
            return false;
        int64_t idx = p->has_ata ? host_index(syspath, p->ata_start, "ata", p->ata)
                                 : host_index(syspath, p->host_start, "host", p->host);
        if (idx < 0)
            return false;
        if (kind == KIND_PIIX_IDE) {
            addr->bus_type = QGA_DISK_BUS_IDE;
            addr->bus = idx;
            addr->unit = p->target;
        } else {
            addr->bus_type = QGA_DISK_BUS_SATA;
            addr->unit = idx;
        }
        break;
    }
    case KIND_LSI:
        /* libvirt gives LSI disks scsi-id=<unit>: the SCSI target id. */
        if (!p->has_target)
            return false;
        addr->bus_type = QGA_DISK_BUS_SCSI;
        addr->unit = p->target;
        break;
    case KIND_VIRTIO:
        if (p->has_target) {
            /* virtio-scsi: libvirt's channel/scsi-id/lun are bus/target/unit (qemu-ga fills
             * only unit, which is the same for the usual target 0). */
            addr->bus_type = QGA_DISK_BUS_SCSI;
            addr->bus = p->channel;
            addr->target = p->target;
            addr->unit = p->lun;
        } else {
            /* virtio-blk: one disk per PCI function, the disk's own address. */
            addr->bus_type = QGA_DISK_BUS_VIRTIO;
        }
        break;
    case KIND_HBA:
        if (!p->has_target)
            return false;
        addr->bus_type = hba_bus;
        addr->bus = p->channel;
        addr->target = p->target;
        addr->unit = p->lun;
        break;
    case KIND_NVME:
        addr->bus_type = QGA_DISK_BUS_NVME;
        break;
    case KIND_USB:
        addr->bus_type = QGA_DISK_BUS_USB;
        break;
    case KIND_NONE:
        return false;
    }
    addr->pci = (QgaPciAddress){ f->domain, f->bus, f->slot, f->function };
    return true;
}

/* virtio without PCI (virtio-mmio, or below a CCW device). */
static bool nonpci_virtio_address(const QgaSysfsDevPath *p, QgaDiskAddress *addr)
{
    if (!p->has_virtio || !p->has_block)
        return false;
    if (p->has_target) {
        addr->bus_type = QGA_DISK_BUS_SCSI;
        addr->bus = p->channel;
        addr->target = p->target;
        addr->unit = p->lun;
    } else {
        addr->bus_type = QGA_DISK_BUS_VIRTIO;
    }
    return true;
}

char *qga_linux_devnode(const QgaLinuxRoots *roots, const char *sysdir)
{
    _qga_cleanup_free_ char *path = qga_strdup_printf("%s/uevent", sysdir);
    _qga_cleanup_free_ char *text = NULL;
    size_t len;
    if (qga_read_full_file(path, 16384, &text, &len) < 0)
        return NULL;
    _qga_cleanup_free_ char *name = qga_linux_find_key(text, "DEVNAME=");
    if (!name || !*name)
        return NULL;
    return qga_strdup_printf("%s/%s", roots->devdir, name);
}

char *qga_linux_udev_property(const QgaLinuxRoots *roots, const char *syspath, const char *key)
{
    _qga_cleanup_free_ char *devno = qga_linux_read_attr(syspath, "dev");
    if (!devno || strspn(devno, "0123456789:") != strlen(devno))
        return NULL; /* not a "major:minor" pair: never build a path from it */
    _qga_cleanup_free_ char *db = qga_strdup_printf("%s/b%s", roots->udev_data, devno);
    _qga_cleanup_free_ char *text = NULL;
    size_t len;
    if (qga_read_full_file(db, 65536, &text, &len) < 0)
        return NULL;
    _qga_cleanup_free_ char *prefix = qga_strdup_printf("E:%s=", key);
    char *value = qga_linux_find_key(text, prefix);
    if (value && !*value)
        value = qga_free_null(value);
    return value;
}

/* udev's ID_SERIAL for the device, else the virtio-blk "serial" attribute (of the disk, for a
 * partition), which is what udev's own rule copies into ID_SERIAL for vd* devices. */
static char *device_serial(const QgaLinuxRoots *roots, const char *syspath)
{
    char *serial = qga_linux_udev_property(roots, syspath, "ID_SERIAL");
    if (serial)
        return serial;
    _qga_cleanup_free_ char *is_partition = qga_linux_read_attr(syspath, "partition");
    if (is_partition) {
        _qga_cleanup_free_ char *disk = qga_strdup(syspath);
        char *slash = strrchr(disk, '/');
        if (!slash)
            return NULL;
        *slash = '\0';
        return qga_linux_read_attr(disk, "serial");
    }
    return qga_linux_read_attr(syspath, "serial");
}

bool qga_linux_device_address(const QgaLinuxRoots *roots, const char *syspath, QgaDiskAddress *addr)
{
    qga_disk_address_init(addr);
    addr->dev = qga_linux_devnode(roots, syspath);
    addr->serial = device_serial(roots, syspath);

    QgaSysfsDevPath p;
    if (!qga_linux_parse_devpath(syspath, qga_linux_devpath_start(roots, syspath), &p))
        return false;
    if (p.n_pci > 0)
        return pci_address(syspath, &p, addr);
    if (p.is_ccw) {
        if (!p.ccw_ok)
            return false;
        addr->has_ccw = true;
        addr->ccw = p.ccw;
        nonpci_virtio_address(&p, addr);
        return true;
    }
    return nonpci_virtio_address(&p, addr);
}

/* ---- dm/md slaves ---- */

typedef struct Walk {
    const QgaLinuxRoots *roots;
    char **seen;
    size_t n_seen;
    QgaDiskAddress **disks;
    size_t *n_disks;
} Walk;

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_device(Walk *w, const char *devpath, unsigned depth, char **ret_name);

static void walk_slaves(Walk *w, const char *syspath, unsigned depth)
{
    _qga_cleanup_free_ char *dir = qga_strdup_printf("%s/slaves", syspath);
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while (n < MAX_HOSTS && (e = readdir(d))) {
        if (e->d_name[0] != '.')
            *(char **)qga_array_push(&names, &n, sizeof(char *)) = qga_strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(char *), compare_strings);
    for (size_t i = 0; i < n; i++) {
        _qga_cleanup_free_ char *path = qga_strdup_printf("%s/%s", dir, names[i]);
        walk_device(w, path, depth + 1, NULL);
        free(names[i]);
    }
    free(names);
}

static void walk_device(Walk *w, const char *devpath, unsigned depth, char **ret_name)
{
    char *syspath = realpath(devpath, NULL);
    if (ret_name) {
        /* The filesystem's "name": the kernel's device name, or (in a container where the
         * sysfs link is missing) the last component of the path we were given. */
        const char *src = syspath ? syspath : devpath;
        const char *base = strrchr(src, '/');
        *ret_name = qga_strdup(base ? base + 1 : src);
    }
    if (!syspath)
        return;
    if (depth > MAX_SLAVE_DEPTH) {
        free(syspath);
        return;
    }
    for (size_t i = 0; i < w->n_seen; i++) {
        if (strcmp(w->seen[i], syspath) == 0) {
            free(syspath);
            return;
        }
    }
    *(char **)qga_array_push(&w->seen, &w->n_seen, sizeof(char *)) = syspath;

    if (qga_linux_is_virtual(syspath)) {
        walk_slaves(w, syspath, depth);
        return;
    }
    QgaDiskAddress addr;
    bool placed = qga_linux_device_address(w->roots, syspath, &addr);
    /* Like qemu-ga: a disk that could not be placed still counts when it has a node or serial. */
    if (placed || addr.dev || addr.serial)
        *(QgaDiskAddress *)qga_array_push(w->disks, w->n_disks, sizeof(QgaDiskAddress)) = addr;
    else
        qga_disk_address_clear(&addr);
}

void qga_linux_collect_disks(const QgaLinuxRoots *roots, const char *devpath, char **ret_name,
                             QgaDiskAddress **disks, size_t *n_disks)
{
    Walk w = { .roots = roots, .disks = disks, .n_disks = n_disks };
    walk_device(&w, devpath, 0, ret_name);
    for (size_t i = 0; i < w.n_seen; i++)
        free(w.seen[i]);
    free(w.seen);
}
