/* GuestDiskAddress as JSON, shared by guest-get-fsinfo and guest-get-disks. */
#include "storage-json.h"

#include <string.h>

/* OS strings are bytes: the writer turns invalid UTF-8 into U+FFFD. */
static void set_bytes(QgaJson *obj, const char *key, const char *value)
{
    qga_json_object_set(obj, key, qga_json_string_len(value, strlen(value)));
}

QgaJson *qga_disk_address_to_json(const QgaDiskAddress *addr)
{
    /* Member order as qemu-ga's QAPI visitor emits it. libvirt requires all four PCI members
     * and bus/target/unit as integers whenever an address is present; -1 (unknown) is what
     * qemu-ga itself sends and libvirt's unsigned reader accepts it. */
    QgaJson *pci = qga_json_object();
    qga_json_object_set_int(pci, "domain", addr->pci.domain);
    qga_json_object_set_int(pci, "bus", addr->pci.bus);
    qga_json_object_set_int(pci, "slot", addr->pci.slot);
    qga_json_object_set_int(pci, "function", addr->pci.function);

    QgaJson *obj = qga_json_object();
    qga_json_object_set(obj, "pci-controller", pci);
    qga_json_object_set_str(obj, "bus-type", qga_disk_bus_type_name(addr->bus_type));
    qga_json_object_set_int(obj, "bus", addr->bus);
    qga_json_object_set_int(obj, "target", addr->target);
    qga_json_object_set_int(obj, "unit", addr->unit);
    if (addr->serial)
        set_bytes(obj, "serial", addr->serial);
    if (addr->dev)
        set_bytes(obj, "dev", addr->dev);
    if (addr->has_ccw) {
        QgaJson *ccw = qga_json_object();
        qga_json_object_set_int(ccw, "cssid", addr->ccw.cssid);
        qga_json_object_set_int(ccw, "ssid", addr->ccw.ssid);
        qga_json_object_set_int(ccw, "subchno", addr->ccw.subchno);
        qga_json_object_set_int(ccw, "devno", addr->ccw.devno);
        qga_json_object_set(obj, "ccw-address", ccw);
    }
    return obj;
}
