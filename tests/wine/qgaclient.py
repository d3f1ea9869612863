#!/usr/bin/env python3
"""Tiny host-side client for the Wine tier: send QGA requests over a UNIX socket, print replies.

usage: qgaclient.py SOCKET REQUEST_JSON... (one reply line read per request; --timeout SECONDS)
Exit status 0 when every request got a line back, 1 otherwise.
"""
import socket
import sys
import time


def request(sock_path, requests, timeout=10.0, connect_timeout=10.0):
    deadline = time.monotonic() + connect_timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(sock_path)
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    s.settimeout(timeout)
    buf = b""
    replies = []
    try:
        for req in requests:
            s.sendall(req.encode() + b"\n")
            while b"\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise EOFError("connection closed")
                buf += chunk
            line, buf = buf.split(b"\n", 1)
            replies.append(line.decode("latin-1"))
    finally:
        s.close()
    return replies


def main():
    args = sys.argv[1:]
    timeout = 10.0
    if len(args) >= 2 and args[0] == "--timeout":
        timeout = float(args[1])
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    try:
        for line in request(args[0], args[1:], timeout):
            print(line)
    except (OSError, EOFError) as e:
        print("qgaclient: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
