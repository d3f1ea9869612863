#!/usr/bin/env python3
"""Bridge a Wine COM port to a UNIX socket: the virtio-serial chardev stand-in of the Wine tier.

Wine maps $WINEPREFIX/dosdevices/comN to any Unix tty, so the agent under test opens \\\\.\\COMn
with CreateFileW and does overlapped I/O on it exactly as on a virtio-serial port. This module
keeps a raw pty behind that link and relays its bytes to one client of a listening UNIX socket.

Why not socat: `socat UNIX-LISTEN:...,fork PTY,...` creates the pty only while a client is
connected (the guest cannot open the port before the host connects) and, with blocking writes
in both directions, deadlocks on a full-duplex 1 MiB transfer. Here both directions are buffered
without blocking, with back-pressure, and the pty outlives the clients.

Host connections behave like QEMU's socket chardev in server mode: one client at a time (a
second waits in the listen backlog until the first is gone), guest output while no client is
connected is dropped. What the guest sees when a client leaves depends on `reset`:
  - reset=False ("persistent"): nothing at all; the port stays open and quiet, the next client
    simply continues the byte stream (as vport.py of the feasibility study).
  - reset=True: the pty is replaced (new pty, link swapped, old master closed), so the guest's
    pending I/O fails and it must reopen the port: the stand-in for a virtio-serial hang-up,
    which gives every client a fresh agent-side session like the Linux agent's unix-listen.
  - vanish=True (implies reset): the port exists only while a client is connected: no link
    before the first one, and after a hang-up the pty is closed and the link removed. The guest
    sees its I/O fail, then a missing port until the host is back: how the guest-driven channel
    (which must know when a host is there, and which a COM port cannot tell) is tested.
"""
import errno
import fcntl
import os
import select
import socket
import struct
import termios
import time
import tty

# Bytes buffered per direction before the bridge stops reading the other side.
HIGH_WATER = 1 << 20
# After a client leaves, how long the guest gets to read what the client sent before the pty is
# replaced (QEMU keeps bytes already queued for the guest; so do we, within reason).
DRAIN_TIMEOUT = 2.0


class PortBridge:
    def __init__(self, link, sock_path, reset=True, log=None, vanish=False):
        self.link = link
        self.sock_path = sock_path
        self.reset = reset or vanish
        self.vanish = vanish
        self.log = log or (lambda msg: None)
        self.poll = select.poll()
        self.watched = {}      # fd -> event mask currently registered
        self.others = {}       # fd -> tag, for fds a user of the bridge adds (watch())
        self.on_other = None   # callback(fd, tag) when one of those is ready
        self.master = self.slave = None
        self.client = None
        self.client_eof = False  # the client shut down its sending side (shutdown(SHUT_WR))
        self.to_guest = bytearray()
        self.to_host = bytearray()
        self.hangups = 0
        self.reset_deadline = None  # a hang-up waiting for the guest to drain the old pty
        self.last_guest_write = 0.0
        if vanish:
            self._unlink()
        else:
            self._new_pty()
        try:
            os.unlink(sock_path)
        except FileNotFoundError:
            pass
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(sock_path)
        self.listener.listen(8)
        self.listener.setblocking(False)
        self._update()

    # -- the pty behind the COM port --------------------------------------------------------
    def _new_pty(self):
        master, slave = os.openpty()
        tty.setraw(slave)  # raw: no echo, no CR/LF translation, no ^C/^S handling of data bytes
        os.set_blocking(master, False)
        tmp = self.link + ".new"
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.symlink(os.ttyname(slave), tmp)
        os.rename(tmp, self.link)  # atomic: the guest never finds the link missing
        old = (self.master, self.slave)
        # Keep our own slave fd open: without it the master reads EIO whenever the guest closes
        # the port, and data written before the guest opens it would be discarded.
        self.master, self.slave = master, slave
        if old[0] is not None:
            self._want(old[0], None)
        for fd in old:
            if fd is not None:
                os.close(fd)
        self.to_guest.clear()

    def _unlink(self):
        try:
            os.unlink(self.link)
        except FileNotFoundError:
            pass

    def _remove_pty(self):
        """vanish: the port goes away with its host."""
        self._unlink()
        if self.master is not None:
            self._want(self.master, None)
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None
        self.to_guest.clear()

    def _guest_unread(self):
        """Bytes in the pty the guest has not read yet (TIOCINQ on our slave fd)."""
        try:
            return struct.unpack("i", fcntl.ioctl(self.slave, termios.TIOCINQ, b"\0\0\0\0"))[0]
        except OSError:
            return 0

    def _maybe_reset(self):
        if self.reset_deadline is None:
            return
        now = time.monotonic()
        # Bytes written to the master reach the slave's queue asynchronously (the tty flip
        # buffer), so TIOCINQ may still read 0 right after a write: give them 50 ms to land.
        busy = self.to_guest or now - self.last_guest_write < 0.05 or self._guest_unread()
        if busy and now < self.reset_deadline:
            return
        self.reset_deadline = None
        if self.vanish:
            self._remove_pty()
        else:
            self._new_pty()

    # -- event loop ---------------------------------------------------------------------------
    def watch(self, fd, tag):
        """Let the bridge's loop also wait for fd to become readable (reported to on_other)."""
        self.others[fd] = tag
        self._want(fd, select.POLLIN)

    def _want(self, fd, mask):
        """Poll fd for mask; 0 still reports hang-ups; None = not at all."""
        cur = self.watched.get(fd)
        if mask is None:
            if cur is not None:
                self.poll.unregister(fd)
                del self.watched[fd]
        elif cur is None:
            self.poll.register(fd, mask)
            self.watched[fd] = mask
        elif cur != mask:
            self.poll.modify(fd, mask)
            self.watched[fd] = mask

    def _update(self):
        """(Re)compute what each fd is polled for: this is where back-pressure happens."""
        mask = 0
        if len(self.to_host) < HIGH_WATER:
            mask |= select.POLLIN
        if self.to_guest:
            mask |= select.POLLOUT
        # An unwanted readable fd must not wake the loop: drop the pty entirely when idle.
        if self.master is not None:
            self._want(self.master, mask or None)
        if self.client is not None:
            mask = 0
            if len(self.to_guest) < HIGH_WATER and not self.client_eof:
                mask |= select.POLLIN
            if self.to_host:
                mask |= select.POLLOUT
            # Mask 0 after a half-close: only the client's final hang-up (POLLHUP) wakes us.
            self._want(self.client.fileno(), mask)
            # QEMU's chardev stops accepting while it has a client; so do we.
            self._want(self.listener.fileno(), None)
        elif self.reset_deadline is None:
            self._want(self.listener.fileno(), select.POLLIN)
        else:
            self._want(self.listener.fileno(), None)

    def _drop_client(self):
        self._want(self.client.fileno(), None)
        self.client.close()
        self.client = None
        self.client_eof = False
        self.to_host.clear()
        self.hangups += 1
        self.log("host client disconnected")
        if self.reset:
            self.reset_deadline = time.monotonic() + DRAIN_TIMEOUT
            self._maybe_reset()

    def run_once(self, timeout):
        """Run one round of the loop (timeout in seconds, None = block)."""
        if self.reset_deadline is not None:
            # Draining after a hang-up: the pty gives no event when the guest has read it.
            timeout = 0.01 if timeout is None else min(timeout, 0.01)
        self._maybe_reset()
        self._update()
        ms = None if timeout is None else int(timeout * 1000)
        for fd, ev in self.poll.poll(ms):
            if self.listener is not None and fd == self.listener.fileno():
                self._on_accept()
            elif self.master is not None and fd == self.master:
                self._on_pty(ev)
            elif self.client is not None and fd == self.client.fileno():
                self._on_client(ev)
            elif fd in self.others and self.on_other is not None:
                self.on_other(fd, self.others[fd])
            self._update()

    def _on_accept(self):
        try:
            conn, _ = self.listener.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        self.client = conn
        self.client_eof = False
        if self.vanish and self.master is None:
            self._new_pty()
        self.log("host client connected")

    def _on_pty(self, ev):
        if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
            try:
                data = os.read(self.master, 65536)
            except (BlockingIOError, InterruptedError):
                data = b""
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if data and self.client is not None:
                self.to_host += data  # without a client the guest's bytes go nowhere
        if ev & select.POLLOUT and self.to_guest:
            try:
                n = os.write(self.master, self.to_guest)
                del self.to_guest[:n]
                self.last_guest_write = time.monotonic()
            except BlockingIOError:
                pass

    def _on_client(self, ev):
        if ev & select.POLLIN and not self.client_eof:
            try:
                data = self.client.recv(65536)
            except BlockingIOError:
                data = None
            except OSError:
                data = b""
            if data == b"":
                # shutdown(SHUT_WR) or a close: stop reading; a close also shows up as POLLHUP.
                self.client_eof = True
            elif data:
                self.to_guest += data
        if self.client is not None and ev & select.POLLOUT and self.to_host:
            try:
                n = self.client.send(self.to_host)
                del self.to_host[:n]
            except BlockingIOError:
                pass
            except OSError:
                self._drop_client()
                return
        if self.client is not None and ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
            self._drop_client()

    def close(self):
        if self.client is not None:
            self.client.close()
            self.client = None
        self.listener.close()
        self.listener = None
        for p in (self.sock_path, self.link):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        for fd in (self.master, self.slave):
            if fd is None:
                continue
            try:
                os.close(fd)
            except OSError:
                pass


def main():
    import argparse
    import signal
    import sys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("link", help="the COM port link to create, e.g. $WINEPREFIX/dosdevices/com5")
    ap.add_argument("socket", help="the UNIX socket to listen on")
    ap.add_argument("--persistent", action="store_true", help="keep the pty across host reconnects")
    ap.add_argument("--vanish", action="store_true", help="the port exists only while a host is connected")
    args = ap.parse_args()
    bridge = PortBridge(args.link, args.socket, reset=not args.persistent, vanish=args.vanish,
                        log=lambda m: print("portbridge: " + m, file=sys.stderr, flush=True))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        while True:
            bridge.run_once(None)
    finally:
        bridge.close()


if __name__ == "__main__":
    main()
