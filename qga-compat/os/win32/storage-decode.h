/* Decoders of the Windows storage structures and device IDs: plain C, unit-tested on Linux too. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os/storage.h"

/*
 * These take the raw bytes Windows returns (DeviceIoControl output buffers, device instance IDs
 * after UTF-16 -> UTF-8 conversion) so that recorded and hostile data can be fed to them on any
 * OS. storage.c checks with static assertions that the offsets used here are winioctl.h's.
 */

/* STORAGE_BUS_TYPE -> GuestDiskBusType (BusTypeFibre is "fibre": qemu-ga maps it to "ssa"). */
QgaDiskBusType qga_win_bus_type(uint32_t storage_bus_type);

/* Offsets in STORAGE_DEVICE_DESCRIPTOR (x86 and x64 alike). */
#define QGA_WIN_SDD_SIZE_OFFSET 4
#define QGA_WIN_SDD_SERIAL_OFFSET_OFFSET 24
#define QGA_WIN_SDD_BUS_TYPE_OFFSET 28
#define QGA_WIN_SDD_MIN_LEN 32

/*
 * An IOCTL_STORAGE_QUERY_PROPERTY(StorageDeviceProperty) result of len bytes: the bus type,
 * the size the whole descriptor needs (to retry with a larger buffer) and the serial number
 * (heap; NULL when absent, empty or outside the buffer). -1 when len is too short.
 */
int qga_win_decode_device_descriptor(const uint8_t *buf, size_t len, uint32_t *ret_bus_type,
                                     uint32_t *ret_needed, char **ret_serial);

/* Offsets in VOLUME_DISK_EXTENTS / DISK_EXTENT (x64 alignment of the LARGE_INTEGERs). */
#define QGA_WIN_VDE_EXTENTS_OFFSET 8
#define QGA_WIN_DISK_EXTENT_SIZE 24

/*
 * The disk numbers of an IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS result of len bytes, each once,
 * in extent order (heap array). Extents the buffer does not hold are ignored; *ret_count gets the
 * count the volume claims (so a caller can tell that a larger buffer is needed). -1 when len is
 * shorter than the header.
 */
int qga_win_decode_disk_extents(const uint8_t *buf, size_t len, uint32_t **ret_disks, size_t *ret_n,
                                uint32_t *ret_count);

/*
 * "PCI\VEN_1AF4&DEV_1001&SUBSYS_...": vendor and device id of a PCI hardware or instance ID.
 * Hex digits in any case (qemu-ga's pattern misses device ids with C-F); the id must end or go on
 * with '&' or '\'.
 */
bool qga_win_parse_pci_id(const char *id, uint16_t *ret_vendor, uint16_t *ret_device);

/* Red Hat / virtio (1AF4) and QEMU (1B36): the vendors guest-get-devices reports. */
bool qga_win_is_qemu_pci_vendor(uint16_t vendor);

/*
 * The bus type of a disk from its controller's PCI id: virtio-blk (1AF4:1001 legacy, 1AF4:1042
 * modern) is "virtio", virtio-scsi (1AF4:1004, 1AF4:1048) "scsi", anything else keeps what the
 * storage stack reported (viostor itself reports SCSI or RAID).
 */
QgaDiskBusType qga_win_controller_bus_type(uint16_t vendor, uint16_t device, QgaDiskBusType reported);
/* True for virtio-blk: one disk per PCI function, so bus/target/unit are 0 as on Linux. */
bool qga_win_is_virtio_blk(uint16_t vendor, uint16_t device);

/*
 * PCI address from a PCI device node's CM_DRP_BUSNUMBER and CM_DRP_ADDRESS ((device << 16) |
 * function on the PCI bus). Windows does not expose the segment; QEMU guests have segment 0.
 * All four parts -1 unless both values are known and in range: half an address would let libvirt
 * match the wrong disk.
 */
QgaPciAddress qga_win_pci_address(bool has_bus, uint32_t bus, bool has_address, uint32_t address);

/* FILETIME (100 ns since 1601) -> ns since 1970; false when it does not fit an int64. */
bool qga_win_filetime_to_ns(uint64_t filetime, int64_t *ret_ns);
