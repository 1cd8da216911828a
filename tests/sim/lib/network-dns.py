#!/usr/bin/env python3
"""A DNS server for the simulated bank that answers as a broken one does, which dnsmasq cannot:
every query gets the same reply code (SERVFAIL, REFUSED, NXDOMAIN), or no reply at all (silent),
or, with noerror, the A records given by --answer for the names they name.

    network-dns.py --listen 10.77.0.1 --rcode servfail
    network-dns.py --listen 10.77.0.1 --rcode noerror --answer pay.bank.test=10.77.0.1

Started by tests/sim/lib/network.sh with exec inside the bank's namespace, so its PID is its own
and it dies with the simulated terminal. It only ever binds the address it is given."""
import argparse
import socket
import struct
import sys

RCODES = {"noerror": 0, "servfail": 2, "nxdomain": 3, "refused": 5}


def question_end(data):
    """Offset after the first question (name, type, class), or None if it is malformed."""
    at = 12
    for _ in range(128):
        if at >= len(data):
            return None
        length = data[at]
        if length == 0:
            at += 1
            break
        if length & 0xC0:
            return None
        at += 1 + length
    else:
        return None
    return at + 4 if at + 4 <= len(data) else None


def query_name(data, end):
    labels, at = [], 12
    while data[at] != 0:
        labels.append(data[at + 1:at + 1 + data[at]].decode("ascii", "replace"))
        at += 1 + data[at]
    return ".".join(labels).lower(), struct.unpack(">H", data[end - 4:end - 2])[0]


def reply(data, rcode, answers):
    end = question_end(data)
    if len(data) < 12 or end is None:
        return None
    ident, flags = struct.unpack(">HH", data[:4])
    records = []
    if rcode == 0:
        name, qtype = query_name(data, end)
        if qtype == 1 and name in answers:
            records.append(struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + answers[name])
    header = struct.pack(">HHHHHH", ident, 0x8080 | (flags & 0x0100) | rcode, 1, len(records), 0,
                         0)
    return header + data[12:end] + b"".join(records)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--rcode", choices=sorted(RCODES) + ["silent"], required=True)
    parser.add_argument("--answer", action="append", default=[], metavar="NAME=IPV4")
    args = parser.parse_args()
    answers = {}
    for item in args.answer:
        name, _, address = item.partition("=")
        answers[name.lower().rstrip(".")] = socket.inet_aton(address)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.listen, args.port))
    print(f"network-dns: {args.rcode} on {args.listen}:{args.port}", flush=True)
    while True:
        data, peer = sock.recvfrom(4096)
        print(f"network-dns: query from {peer[0]}", flush=True)
        if args.rcode == "silent":
            continue
        answer = reply(data, RCODES[args.rcode], answers)
        if answer is not None:
            sock.sendto(answer, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
