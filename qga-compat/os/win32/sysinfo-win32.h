/* Conversions of Windows system-information structures into the portable ones, exposed for the Wine unit test. */
#pragma once

#include "win32.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <wtsapi32.h>

#include "os/vcpus.h"
#include "os/network.h"
#include "os/users.h"

/* Most processor groups looked at (Windows has at most 20 today); more in a buffer is hostile. */
#define QGA_WIN_MAX_GROUPS 1024

/*
 * A GetLogicalProcessorInformationEx(RelationAll) buffer -> the active logical
 * processors of every group (qemu-ga's GetLogicalProcessorInformation only sees
 * the calling thread's group, 64 CPUs at most). logical-id counts through the
 * groups in order and through each group's mask bit by bit, which for one group
 * is qemu-ga's numbering; all online, none can be offlined by the agent.
 * Malformed entries (size 0, running past the end) stop the walk.
 */
void qga_win_parse_processors(const void *buf, DWORD len, QgaVcpuList *ret);

/*
 * One GetAdaptersAddresses adapter -> an interface: FriendlyName, the first six
 * bytes of PhysicalAddress, every unicast IPv4/IPv6 address in the text form
 * WSAAddressToStringW gives (IPv6 link-local with its %scope, like qemu-ga)
 * and OnLinkPrefixLength. Winsock must be started. Counters are added apart.
 */
QgaNetInterface *qga_win_add_adapter(QgaNetInterfaceList *list, const IP_ADAPTER_ADDRESSES *adapter);

/* Counters of an interface row (all packets, unicast and not: qemu-ga counts unicast only). */
void qga_win_if_row_stats(const MIB_IF_ROW2 *row, QgaNetStats *ret);

/*
 * Whether an interface-table row is a network adapter GetAdaptersAddresses
 * leaves out because it is disabled: a hardware interface, not a filter.
 */
bool qga_win_if_row_is_adapter(const MIB_IF_ROW2 *row);

/* One WTSSessionInfo record -> a session (skipped without a user name or a logon/connect time). */
void qga_win_add_session(QgaUserSessionList *list, const WTSINFOW *info);

/* FILETIME ticks (100 ns since 1601) -> seconds since the Unix epoch. */
double qga_win_filetime_seconds(int64_t ticks);
