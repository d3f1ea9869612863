/* The memory-block commands: guest-get-memory-blocks, guest-set-memory-blocks, guest-get-memory-block-info. */
#include <stdlib.h>

#include "core/agent.h"
#include "os/hotplug.h"
#include "qga-commands.h"

int qga_cmd_guest_get_memory_blocks(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    QgaMemoryBlockList list = { 0 };
    if (qga_os_get_memory_blocks(&list, error) < 0)
        return -1;
    QgaJson *result = qga_json_array();
    for (size_t i = 0; i < list.n; i++) {
        QgaJson *blk = qga_json_object();
        qga_json_object_set_uint(blk, "phys-index", list.items[i].phys_index);
        qga_json_object_set_bool(blk, "online", list.items[i].online);
        qga_json_object_set_bool(blk, "can-offline", list.items[i].can_offline);
        qga_json_array_append(result, blk);
    }
    free(list.items);
    *ret_result = result;
    return 0;
}

static const char *const response_names[] = {
    [QGA_MEMBLK_SUCCESS] = "success",
    [QGA_MEMBLK_NOT_FOUND] = "not-found",
    [QGA_MEMBLK_NOT_SUPPORTED] = "operation-not-supported",
    [QGA_MEMBLK_FAILED] = "operation-failed",
};

int qga_cmd_guest_set_memory_blocks(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)
{
    const QgaJson *blocks = qga_json_object_get(args, "mem-blks");
    size_t n = qga_json_array_length(blocks);
    QgaJson *result = qga_json_array();
    /* Every entry gets its own outcome; the command itself does not fail (qemu-ga). */
    for (size_t i = 0; i < n; i++) {
        const QgaJson *blk = qga_json_array_get(blocks, i);
        const QgaJson *index_value = qga_json_object_get(blk, "phys-index");
        /* uint64 as QEMU's input visitor reads it: a negative integer wraps around. */
        uint64_t index = qga_json_int_is_unsigned(index_value) ? qga_json_get_uint(index_value)
                                                               : (uint64_t)qga_json_get_int(index_value);
        bool online = qga_json_get_bool(qga_json_object_get(blk, "online"));
        QgaMemoryBlockResult res = { 0 };
        qga_os_set_memory_block(index, online, &res);
        QgaJson *obj = qga_json_object();
        qga_json_object_set_uint(obj, "phys-index", index);
        qga_json_object_set_str(obj, "response", response_names[res.response]);
        if (res.has_error_code)
            qga_json_object_set_int(obj, "error-code", res.error_code);
        qga_json_array_append(result, obj);
    }
    *ret_result = result;
    return 0;
}

int qga_cmd_guest_get_memory_block_info(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result,
                                        QgaError **error)
{
    uint64_t size = 0;
    if (qga_os_get_memory_block_size(&size, error) < 0)
        return -1;
    QgaJson *result = qga_json_object();
    qga_json_object_set_uint(result, "size", size);
    *ret_result = result;
    return 0;
}
