#!/usr/bin/env python3
"""A payment port for the simulated bank that breaks the TLS handshake as real networks do, which
openssl s_server cannot. It reads each connection's ClientHello, then:

    reset     closes with SO_LINGER 0, so the terminal gets a TCP RST (a firewall that kills TLS,
              a host refusing the terminal's address)
    garbage   answers with bytes that are not TLS, and keeps the connection open
    trickle   answers with the start of a ServerHello, one byte a second (a host or a path that
              has all but stopped)

    network-tls-peer.py --listen 10.77.0.1 --port 8443 --mode reset

Started by tests/sim/lib/network.sh with exec inside the bank's namespace, so its PID is its own
and it dies with the simulated terminal. It only ever binds the address it is given, and every
read and write on a connection has a time limit."""
import argparse
import socket
import struct
import sys
import threading
import time

# Each read or write on a connection gives up after this; a trickle stops after TRICKLE_MAX_S.
IO_LIMIT_S = 10
TRICKLE_MAX_S = 60

GARBAGE = b"\x9c\x07 this is not a ServerHello \xff\x00\x41\xe2 garbage garbage\r\n"

# A TLS 1.2 ServerHello's record header and message header, then its random: what a host that
# has all but stopped would have started to send.
SERVER_HELLO_START = bytes.fromhex("160303004a" "02000046" "0303") + bytes(range(32))


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_client_hello(conn):
    """Whether a whole TLS handshake record came (the ClientHello); a TCP connect that only
    measures latency sends nothing and closes."""
    header = read_exactly(conn, 5)
    if header is None or header[0] != 0x16:
        return False
    return read_exactly(conn, struct.unpack(">H", header[3:5])[0]) is not None


def hold(conn):
    """Keeps the connection until the terminal closes it (or the limit passes)."""
    while conn.recv(4096):
        pass


def serve(conn, mode):
    with conn:
        conn.settimeout(IO_LIMIT_S)
        try:
            if not read_client_hello(conn):
                return
            if mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "garbage":
                conn.sendall(GARBAGE)
                hold(conn)
            elif mode == "trickle":
                end = time.monotonic() + TRICKLE_MAX_S
                for byte in SERVER_HELLO_START:
                    if time.monotonic() > end:
                        break
                    conn.sendall(bytes([byte]))
                    time.sleep(1)
                hold(conn)
        except OSError:
            pass  # the terminal went away: the connection is done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", required=True, choices=["reset", "garbage", "trickle"])
    args = parser.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.listen, args.port))
    server.listen(8)
    print(f"listening on {args.listen}:{args.port}, {args.mode}", file=sys.stderr, flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    main()
