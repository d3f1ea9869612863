/* Incremental JSON lexer with QEMU's token rules; shared by the framer (stream) and the parser (text). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum QgaTokenType {
    QGA_TOKEN_LCURLY,      /* { */
    QGA_TOKEN_RCURLY,      /* } */
    QGA_TOKEN_LSQUARE,     /* [ */
    QGA_TOKEN_RSQUARE,     /* ] */
    QGA_TOKEN_COLON,
    QGA_TOKEN_COMMA,
    QGA_TOKEN_INTEGER,     /* -?(0|[1-9][0-9]*) */
    QGA_TOKEN_FLOAT,       /* with fraction and/or exponent */
    QGA_TOKEN_KEYWORD,     /* a run of letters: true/false/null are valid, others are rejected by the parser */
    QGA_TOKEN_STRING,      /* "..." or '...' with the quotes, escapes not yet decoded */
    QGA_TOKEN_ERROR,       /* a byte (or run) no token can start with / continue; text = the offending bytes */
} QgaTokenType;

typedef struct QgaToken {
    QgaTokenType type;
    const char *text;      /* raw bytes of the token, valid during the sink call only */
    size_t len;
} QgaToken;

typedef void (*QgaTokenSink)(void *opaque, const QgaToken *token);

typedef struct QgaJsonLexer {
    int state;             /* private */
    QgaBuf token;          /* private: bytes of the token being built */
    size_t max_token_bytes;/* a longer token is reported as a QGA_TOKEN_ERROR of max_token_bytes + 1
                              bytes, then lexing restarts in the start state (not in recovery), as
                              QEMU does; qemu-ga then reports "JSON token size limit exceeded" */
    int too_long;          /* read-only: 1 during the sink call of such a too-long ERROR token */
    QgaTokenSink sink;
    void *opaque;
} QgaJsonLexer;

/* max_token_bytes 0 = 64 MiB (qemu-ga's). */
void qga_json_lexer_init(QgaJsonLexer *lexer, size_t max_token_bytes, QgaTokenSink sink, void *opaque);
/* Feed bytes; whitespace between tokens produces no token. After an error the
 * lexer skips input as QEMU does (until a control char, 0xFE/0xFF or one of
 * {}[]:, ) and resumes there. */
void qga_json_lexer_feed(QgaJsonLexer *lexer, const void *data, size_t len);
/* End of input: emit a token still being built (a trailing number or keyword); an
 * unfinished string, lone '-' or cut fraction/exponent comes out as an ERROR token.
 * Recovery state ends too. The sink must not call back into the lexer. */
void qga_json_lexer_flush(QgaJsonLexer *lexer);
/* Forget the token being built and any recovery state. */
void qga_json_lexer_reset(QgaJsonLexer *lexer);
void qga_json_lexer_destroy(QgaJsonLexer *lexer);
