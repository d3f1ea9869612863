/* Memory blocks and their online state (guest-get/set-memory-blocks). Shared by commands/ and os/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* GuestMemoryBlock. */
typedef struct QgaMemoryBlock {
    uint64_t phys_index;
    bool online;
    bool can_offline;
} QgaMemoryBlock;

typedef struct QgaMemoryBlockList {
    QgaMemoryBlock *items;
    size_t n;
    size_t cap;
} QgaMemoryBlockList;

/* GuestMemoryBlockResponseType, in the schema's order. */
typedef enum QgaMemoryBlockResponse {
    QGA_MEMBLK_SUCCESS,
    QGA_MEMBLK_NOT_FOUND,
    QGA_MEMBLK_NOT_SUPPORTED,
    QGA_MEMBLK_FAILED,
} QgaMemoryBlockResponse;

typedef struct QgaMemoryBlockResult {
    QgaMemoryBlockResponse response;
    bool has_error_code;
    int64_t error_code; /* the OS error number */
} QgaMemoryBlockResult;
