/* Windows logical processors for guest-get-vcpus: GetLogicalProcessorInformationEx, every processor group. */
#include "sysinfo-win32.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Set bits of each group's active mask, grown as groups appear. */
typedef struct GroupMasks {
    KAFFINITY *mask;
    size_t n;
} GroupMasks;

static void add_mask(GroupMasks *g, WORD group, KAFFINITY mask)
{
    if (group >= QGA_WIN_MAX_GROUPS)
        return;
    if (group >= g->n) {
        g->mask = qga_realloc(g->mask, ((size_t)group + 1) * sizeof(*g->mask));
        memset(g->mask + g->n, 0, ((size_t)group + 1 - g->n) * sizeof(*g->mask));
        g->n = (size_t)group + 1;
    }
    g->mask[group] |= mask;
}

void qga_win_parse_processors(const void *buf, DWORD len, QgaVcpuList *ret)
{
    GroupMasks groups = { 0 }, cores = { 0 };
    const BYTE *p = buf;
    DWORD off = 0;
    /* Each record says its own Size; a record that claims less than its header, or more
     * than what is left, ends the walk (a hostile or truncated buffer must not loop). */
    while (len - off >= offsetof(SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, Processor)) {
        const SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX *e = (const void *)(p + off);
        DWORD size = e->Size;
        if (size < offsetof(SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, Processor) || size > len - off)
            break;
        DWORD body = size - (DWORD)offsetof(SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, Processor);
        if (e->Relationship == RelationGroup && body >= offsetof(GROUP_RELATIONSHIP, GroupInfo)) {
            const GROUP_RELATIONSHIP *g = &e->Group;
            size_t fit = (body - offsetof(GROUP_RELATIONSHIP, GroupInfo)) / sizeof(PROCESSOR_GROUP_INFO);
            for (WORD i = 0; i < g->ActiveGroupCount && i < fit; i++)
                add_mask(&groups, i, g->GroupInfo[i].ActiveProcessorMask);
        } else if (e->Relationship == RelationProcessorCore && body >= offsetof(PROCESSOR_RELATIONSHIP, GroupMask)) {
            const PROCESSOR_RELATIONSHIP *c = &e->Processor;
            size_t fit = (body - offsetof(PROCESSOR_RELATIONSHIP, GroupMask)) / sizeof(GROUP_AFFINITY);
            for (WORD i = 0; i < c->GroupCount && i < fit; i++)
                add_mask(&cores, c->GroupMask[i].Group, c->GroupMask[i].Mask);
        }
        off += size;
    }
    /* The group records list every active processor; the core records are the fallback
     * for a buffer without them (older Wine). */
    GroupMasks *use = groups.n ? &groups : &cores;
    int64_t id = 0;
    for (size_t g = 0; g < use->n; g++)
        for (unsigned bit = 0; bit < sizeof(KAFFINITY) * 8; bit++)
            if (use->mask[g] & ((KAFFINITY)1 << bit))
                qga_vcpu_list_append(ret, id++, true, false);
    free(groups.mask);
    free(cores.mask);
}

int qga_os_get_vcpus(QgaVcpuList *ret, QgaError **error)
{
    DWORD len = 0;
    if (GetLogicalProcessorInformationEx(RelationAll, NULL, &len) || GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
        qga_error_set_os(error, (int)GetLastError(), "Failed to get processor information buffer length");
        return -1;
    }
    void *buf = NULL;
    /* The size can grow between the two calls (processor hot-add): retry a few times. */
    for (int attempt = 0;; attempt++) {
        buf = qga_realloc(buf, len);
        if (GetLogicalProcessorInformationEx(RelationAll, buf, &len))
            break;
        DWORD err = GetLastError();
        if (err != ERROR_INSUFFICIENT_BUFFER || attempt == 4) {
            free(buf);
            qga_error_set_os(error, (int)err, "Failed to get processor information");
            return -1;
        }
    }
    QgaVcpuList list = { 0 };
    qga_win_parse_processors(buf, len, &list);
    free(buf);
    if (list.n == 0) {
        qga_error_generic(error, "Guest reported zero VCPUs");
        return -1;
    }
    *ret = list;
    return 0;
}
