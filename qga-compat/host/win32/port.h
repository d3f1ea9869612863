/* One reopenable overlapped port on Windows (the QGA port, the guest-driven port): open with back-off, read pacing, host presence, the write pump, release-with-ack. */
#pragma once

#include "channel.h"
#include "wait-set.h"

#include "core/backoff.h"

typedef struct QgaWinPort QgaWinPort;

/* What sets one port apart from another. */
typedef struct QgaWinPortConfig {
    const char *log_prefix;  /* before the port's own log lines: "" or "g2h: " */
    QgaBackoff open_backoff; /* a port missing or held by another process */
    /* With arrival notifications a missing virtio port is waited for, and only retried after
     * this long (0: open_backoff as for any other failure). A COM port's arrival goes unnoticed. */
    int64_t absent_wait_ms;
    bool arrivals_notified;
    /* The host side not connected: vioser completes every read at once, so the re-reads are
     * paced by this back-off (and a run of empty COM reads too). */
    QgaBackoff read_backoff;
    /* > 0: a read still pending this long after it was issued means a host is there. 0: the host
     * is taken to be there once the port opens, until a hang-up says otherwise. */
    int64_t probe_ms;
    size_t write_chunk;         /* one WriteFile moves at most this much of the output */
    size_t output_high_water;   /* more output than this stops reading (back-pressure); 0: none */
    bool read_errors_fatal;     /* a read error ends the port for good instead of reopening it */
    bool write_errors_reopen;   /* a failed write reopens the port; else it only drops the output */
    const QgaWinDevice *device; /* NULL: the real device */
} QgaWinPortConfig;

typedef enum QgaWinPortOp {
    QGA_WIN_PORT_OPEN,
    QGA_WIN_PORT_READ,
    QGA_WIN_PORT_WRITE,
} QgaWinPortOp;

/* What the port tells its owner, on the loop thread. on_data, pending and consume are required. */
typedef struct QgaWinPortCallbacks {
    /* Bytes from the host. false: they break the protocol; the port is dropped and backs off. */
    bool (*on_data)(void *opaque, const void *data, size_t len);
    /* The output waiting for the host, and how much of it was handed to the channel. */
    size_t (*pending)(void *opaque, const void **ret_data);
    void (*consume)(void *opaque, size_t len);
    void (*on_host)(void *opaque); /* the host is there (again) */
    void (*on_gone)(void *opaque); /* it went away (hang-up, failed write); the port stays open */
    void (*on_opened)(void *opaque, HANDLE h); /* register device notifications for h */
    void (*on_closed)(void *opaque); /* after CloseHandle (and a release's ack): drop them */
    /* An open that failed (once per distinct cause, code the Win32 error), a read or write error;
     * desc says it in words. The port acts by its config afterwards. */
    void (*on_error)(void *opaque, QgaWinPortOp op, DWORD code, const char *desc);
    void *opaque;
} QgaWinPortCallbacks;

/* What an adapter around a port passes on to the runtime (the service's device notifications). */
typedef struct QgaWinPortHooks {
    void (*opened)(void *opaque, HANDLE h);
    void (*closed)(void *opaque);
    void (*connected)(void *opaque); /* the host is there */
    void *opaque;
} QgaWinPortHooks;

/* At most this many handles of a port join the wait (read, write). */
#define QGA_WIN_PORT_MAX_HANDLES 2

/* Nothing is opened here: the first qga_win_port_open or qga_win_port_prepare tries. */
QgaWinPort *qga_win_port_new(const char *method, const char *path, const QgaWinPortConfig *config,
                             const QgaWinPortCallbacks *callbacks, QgaError **error);
/* Closes the port (on_closed) first. */
void qga_win_port_free(QgaWinPort *p);

const char *qga_win_port_path(const QgaWinPort *p);
bool qga_win_port_is_serial(const QgaWinPort *p);
bool qga_win_port_has_host(const QgaWinPort *p);

/* Try the port now: 0 when open, -1 when not (on_error said why; the next try is scheduled). */
int qga_win_port_open(QgaWinPort *p, int64_t now_ms);

/* The wait loop's four calls (times on qga_os_monotonic_ms' clock). Before each wait: open when
 * due, tell a probed host, hand output to the channel, start a read when due. */
void qga_win_port_prepare(QgaWinPort *p, int64_t now_ms);
/* The handles to wait on (out has room for QGA_WIN_PORT_MAX_HANDLES); returns how many. */
DWORD qga_win_port_handles(const QgaWinPort *p, HANDLE *out);
/* When prepare has something to do without a handle firing; -1: never. */
int64_t qga_win_port_deadline(const QgaWinPort *p);
/* h (one of the port's handles) fired. false: the port failed for good (read_errors_fatal). */
bool qga_win_port_dispatch(QgaWinPort *p, HANDLE h, int64_t now_ms);

/* Those four as a wait-set source whose opaque is the port. */
extern const QgaWinSourceFuncs qga_win_port_source;

/* A virtio-serial port arrived: try a closed port now, re-read a paced one now. */
void qga_win_port_device_arrived(QgaWinPort *p);
/* The device is being removed or its driver updated: close the handle, set ack (the service
 * handler waits for it), then on_closed; back when the device arrives (or after the back-off). */
void qga_win_port_release(QgaWinPort *p, HANDLE ack, int64_t now_ms);
/* Stopping: hand the output to a connected host for up to timeout_ms; returns the bytes of the
 * write still in flight when it gave up. */
size_t qga_win_port_flush(QgaWinPort *p, DWORD timeout_ms);
void qga_win_port_close(QgaWinPort *p);
