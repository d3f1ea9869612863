/* JSON for the storage structs shared by guest-get-fsinfo and guest-get-disks (commands/storage-json.c). */
#pragma once

#include "core/json.h"
#include "model/storage.h"

/* GuestDiskAddress: pci-controller, bus-type, bus, target, unit always; serial, dev, ccw-address when known. */
QgaJson *qga_disk_address_to_json(const QgaDiskAddress *addr);
