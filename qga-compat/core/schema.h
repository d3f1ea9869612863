/* Types of the tables that schema/gen-schema.py generates from schema/qga-compat.json. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

typedef struct QgaAgent QgaAgent;

typedef enum QgaTypeKind {
    QGA_TYPE_ANY,        /* any JSON value */
    QGA_TYPE_INT,        /* JSON integer within [min, max] (int, int8..int64, uint8..uint64, size) */
    QGA_TYPE_NUMBER,     /* JSON number (integer accepted) */
    QGA_TYPE_STRING,
    QGA_TYPE_BOOL,
    QGA_TYPE_NULL,
    QGA_TYPE_ENUM,       /* JSON string, one of enum_values */
    QGA_TYPE_STRUCT,     /* JSON object with members */
    QGA_TYPE_ARRAY,      /* JSON array of element */
    QGA_TYPE_ALTERNATE,  /* the first alternative whose JSON type matches */
} QgaTypeKind;

typedef struct QgaTypeSpec QgaTypeSpec;

typedef struct QgaMemberSpec {
    const char *name;
    const QgaTypeSpec *type;
    bool optional;
} QgaMemberSpec;

struct QgaTypeSpec {
    QgaTypeKind kind;
    const char *name;                 /* schema name: "int", "uint16", "str", "GuestFileWhence", ... */
    int64_t min;                      /* INT: range; unsigned types use umax */
    uint64_t umax;                    /* INT: upper bound as uint64 */
    bool is_unsigned;                 /* INT: lower bound is 0 and values up to UINT64_MAX allowed */
    const char *const *enum_values;   /* ENUM: NULL-terminated */
    const QgaMemberSpec *members;     /* STRUCT */
    size_t n_members;
    const QgaTypeSpec *element;       /* ARRAY */
    const QgaTypeSpec *const *alternatives; /* ALTERNATE: NULL-terminated */
};

/* Command flags, from the schema. */
enum {
    QGA_CMD_NO_SUCCESS_RESPONSE = 1u << 0, /* "success-response": false: nothing is sent on success */
    QGA_CMD_ALLOWED_WHILE_FROZEN = 1u << 1,/* one of the six commands qemu-ga keeps while frozen */
    QGA_CMD_PRIVILEGED = 1u << 2,          /* changes the guest: audit-logged, blocked in fuzzing */
    QGA_CMD_DELIMITED_REPLY = 1u << 3,     /* guest-sync-delimited: a successful reply is preceded by 0xFF */
};

/*
 * A command handler. args is the validated "arguments" object (never NULL;
 * {} when absent). On success returns 0 and sets *ret_result (NULL means
 * {"return": {}}). On failure returns -1 with *error set.
 */
typedef int (*QgaHandler)(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error);

typedef struct QgaCommandSpec {
    const char *name;
    const QgaMemberSpec *args;
    size_t n_args;
    unsigned flags;
    QgaHandler handler;
} QgaCommandSpec;

typedef struct QgaCommandTable {
    const QgaCommandSpec *commands;   /* in schema order */
    size_t n_commands;
} QgaCommandTable;

/* The table generated for the platform being built (only commands implemented there). */
extern const QgaCommandTable qga_command_table;

/*
 * Validate a value against a type as QEMU's input visitor does, with its exact
 * messages ("Parameter 'x' is missing", "Invalid parameter type for 'x',
 * expected: integer", "Parameter 'x' is unexpected", ...). name is the member
 * path used in messages.
 */
int qga_schema_check(const QgaTypeSpec *type, const char *name, const QgaJson *value, QgaError **error);
/* Validate a command's arguments object against its member list. */
int qga_schema_check_args(const QgaCommandSpec *cmd, const QgaJson *args, QgaError **error);
