/* Opening the POSIX channels (virtio-serial port, serial tty, listening UNIX socket) and moving bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

typedef enum QgaChannelKind {
    QGA_CHANNEL_VIRTIO_SERIAL,
    QGA_CHANNEL_ISA_SERIAL,
    QGA_CHANNEL_UNIX_LISTEN,
} QgaChannelKind;

int qga_channel_kind_from_method(const char *method, QgaChannelKind *ret, QgaError **error);

/* virtio-serial or isa-serial: the device, non-blocking; a tty is put in qemu-ga's raw mode. */
int qga_channel_open_device(QgaChannelKind kind, const char *path, int *ret_fd, QgaError **error);

/*
 * virtio-serial: have the driver send SIGIO to this process when the host side
 * opens or closes the port (virtio_console's fasync support, raised on its
 * VIRTIO_CONSOLE_PORT_OPEN control message). Only used while waiting for a host.
 */
int qga_channel_set_async(int fd, bool on, QgaError **error);

typedef struct QgaListenSocket {
    int fd;        /* -1 when not listening */
    char *path;    /* absolute: the daemon chdirs to / before it removes the file */
    dev_t dev;     /* identity of the socket file we created, so cleanup never */
    ino_t ino;     /* removes a file that another process put there since */
} QgaListenSocket;

#define QGA_LISTEN_SOCKET_INIT { -1, NULL, 0, 0 }

/*
 * Bind and listen on a UNIX socket. A leftover socket file nobody accepts on
 * (connect gives ECONNREFUSED) is replaced; a socket with a live listener, or a
 * path that is not a socket at all, is refused.
 */
int qga_channel_listen_unix(const char *path, QgaListenSocket *ret, QgaError **error);
/* Close and remove the socket file if it is still the one we created. */
void qga_channel_listen_close(QgaListenSocket *ls);
/* *ret_fd = -1 when there was nothing to accept after all. */
int qga_channel_accept(int listen_fd, int *ret_fd, QgaError **error);

typedef enum QgaIoStatus {
    QGA_IO_OK,
    QGA_IO_AGAIN,
    QGA_IO_EOF,
    QGA_IO_ERROR,   /* *ret_errno holds the reason */
} QgaIoStatus;

QgaIoStatus qga_channel_read(int fd, void *buf, size_t len, size_t *ret_n, int *ret_errno);
/* Sockets are written with MSG_NOSIGNAL: a client gone mid-reply is EPIPE, not a signal. */
QgaIoStatus qga_channel_write(int fd, bool is_socket, const void *buf, size_t len, size_t *ret_n,
                              int *ret_errno);
