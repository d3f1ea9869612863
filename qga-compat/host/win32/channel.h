/* The port handle of the host-driven channel: overlapped reads and writes on a CreateFileW handle. */
#pragma once

#include "runtime.h"

typedef struct QgaWinChannel QgaWinChannel;

/*
 * The device under a channel: the Win32 calls made on its handle, under Win32's contract (a
 * BOOL, the code in GetLastError, overlapped completion signalled on ov->hEvent, ERROR_IO_PENDING
 * while in flight). qga_win_device_ops makes the real calls. A test can stand a model of a driver
 * in (the vioserial port's host-connect semantics) and run the real channel and port over it;
 * the driver's IOCTLs join here when the port asks them.
 */
typedef struct QgaWinDeviceOps {
    HANDLE (*open)(void *ctx, const wchar_t *path); /* INVALID_HANDLE_VALUE on failure */
    BOOL (*read)(void *ctx, HANDLE h, void *buf, DWORD len, OVERLAPPED *ov);
    BOOL (*write)(void *ctx, HANDLE h, const void *buf, DWORD len, OVERLAPPED *ov);
    BOOL(*result)
    (void *ctx, HANDLE h, OVERLAPPED *ov, DWORD *ret_len, BOOL wait); /* GetOverlappedResult */
    BOOL (*cancel)(void *ctx, HANDLE h, OVERLAPPED *ov);              /* CancelIoEx */
    void (*close)(void *ctx, HANDLE h);
} QgaWinDeviceOps;

typedef struct QgaWinDevice {
    const QgaWinDeviceOps *ops;
    void *ctx;
} QgaWinDevice;

/* CreateFileW (overlapped, share mode 0), ReadFile, WriteFile, GetOverlappedResult, CancelIoEx, CloseHandle. */
extern const QgaWinDeviceOps qga_win_device_ops;

/* How a read ended. */
typedef enum QgaWinReadResult {
    QGA_WIN_READ_PENDING,   /* spurious wake-up: still in flight */
    QGA_WIN_READ_DATA,      /* bytes arrived */
    QGA_WIN_READ_EMPTY,     /* a serial read timed out with nothing: just read again */
    QGA_WIN_READ_HANGUP,    /* host side not connected (EOF, aborted, no system resources, 0 bytes) */
    QGA_WIN_READ_ERROR,     /* anything else: the handle is no good */
} QgaWinReadResult;

typedef enum QgaWinWriteResult {
    QGA_WIN_WRITE_PENDING,  /* spurious wake-up, or the rest of a partial write was issued */
    QGA_WIN_WRITE_DONE,     /* everything handed to start_write went out */
    QGA_WIN_WRITE_ERROR,
} QgaWinWriteResult;

/* method "virtio-serial" (path used as is) or "isa-serial" (COMn, opened as \\.\COMn).
 * device NULL: the real one. */
QgaWinChannel *qga_win_channel_new(const char *method, const char *path, const QgaWinDevice *device,
                                   QgaError **error);
void qga_win_channel_free(QgaWinChannel *ch);
/* isa-serial (a COM port) rather than virtio-serial. */
bool qga_win_channel_is_serial(const QgaWinChannel *ch);
/* The device path as opened, for messages. */
const char *qga_win_channel_path(const QgaWinChannel *ch);

/* Open the port. On failure *ret_code holds the Win32 error (to tell "missing" from "held"). */
int qga_win_channel_open(QgaWinChannel *ch, DWORD *ret_code, QgaError **error);
/* Cancel any I/O in flight, wait for it and close the handle. Idempotent. */
void qga_win_channel_close(QgaWinChannel *ch);
bool qga_win_channel_is_open(const QgaWinChannel *ch);
HANDLE qga_win_channel_handle(const QgaWinChannel *ch);

/* Reading: one overlapped ReadFile at a time; its completion signals read_event. */
void qga_win_channel_start_read(QgaWinChannel *ch);
bool qga_win_channel_read_busy(const QgaWinChannel *ch);
HANDLE qga_win_channel_read_event(const QgaWinChannel *ch);
/* After read_event fired. DATA: *ret_data and *ret_len valid until the next start_read. Else *ret_code = Win32 error. */
QgaWinReadResult qga_win_channel_finish_read(QgaWinChannel *ch, const void **ret_data, size_t *ret_len,
                                             DWORD *ret_code);

/* Writing: the bytes are copied, so the caller's buffer may change while the write is in flight. */
void qga_win_channel_start_write(QgaWinChannel *ch, const void *data, size_t len);
bool qga_win_channel_write_busy(const QgaWinChannel *ch);
size_t qga_win_channel_write_remaining(const QgaWinChannel *ch);
HANDLE qga_win_channel_write_event(const QgaWinChannel *ch);
QgaWinWriteResult qga_win_channel_finish_write(QgaWinChannel *ch, DWORD *ret_code);
/* Drop the write in flight (host gone): cancel it and forget its bytes. */
void qga_win_channel_cancel_write(QgaWinChannel *ch);
