#!/usr/bin/env python3
"""tests/support/hostile_sftp.py - a hostile SFTP v3 server for
tests/engine/test_xfer.c, run as the fleet's h2 sftp subsystem while
$FLEET_DIR/h2/sftp-hostile names it (see tests/fleet/fleet.sh).

    hostile_sftp.py MODE

It serves one fake tree: /hostile (a directory) holding ok.txt (300,000
bytes, byte i = i % 251) and names a client must never use as paths. Every
batch of requests that arrives together is answered in reverse order (ids
out of order). MODE makes it misbehave further:

    names      only that (readdir offers ../evil, /etc/evil, a/b, x\\ny)
    badlen     a STATUS whose message length runs past the packet
    hugecount  a NAME reply claiming 2^32-1 entries
    dupid      every reply sent twice (the second is a duplicate id)
    bigpacket  a packet length of 1 GiB
"""
import os
import select
import struct
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "names"
inp = sys.stdin.buffer
out = sys.stdout.buffer
SIZE = 300000
DATA = bytes(i % 251 for i in range(SIZE))


def s(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def pkt(body):
    return struct.pack(">I", len(body)) + body


def status(rid, code, msg="ok"):
    return pkt(struct.pack(">BII", 101, rid, code) + s(msg) + s(""))


def attrs(mode, size):
    return struct.pack(">IQII", 0x01 | 0x04 | 0x08, size, mode, 0) + struct.pack(">I", 1500000000)


def read_exact(n):
    b = b""
    while len(b) < n:
        c = os.read(inp.fileno(), n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b


def read_packet():
    (n,) = struct.unpack(">I", read_exact(4))
    return read_exact(n)


def parse_str(b, off):
    (n,) = struct.unpack(">I", b[off:off + 4])
    return b[off + 4:off + 4 + n], off + 4 + n


listed = {}


def answer(p):
    t = p[0]
    (rid,) = struct.unpack(">I", p[1:5])
    if MODE == "badlen":
        return [pkt(struct.pack(">BII", 101, rid, 4) + struct.pack(">I", 5000) + b"short")]
    if MODE == "bigpacket":
        return [struct.pack(">I", 1 << 30) + b"\x65"]
    if t in (17, 7):  # STAT, LSTAT
        path, _ = parse_str(p, 5)
        if path.rstrip(b"/") == b"/hostile":
            return [pkt(struct.pack(">BI", 105, rid) + attrs(0o40755, 4096))]
        return [status(rid, 2, "No such file")]
    if t == 11:  # OPENDIR
        listed[rid] = 0
        return [pkt(struct.pack(">BI", 102, rid) + s(b"D"))]
    if t == 12:  # READDIR
        if MODE == "hugecount":
            return [pkt(struct.pack(">BII", 104, rid, 0xFFFFFFFF) + s("a") + s("a") + attrs(0o100644, 1))]
        if listed.get("done"):
            return [status(rid, 1, "End of file")]
        listed["done"] = 1
        names = [(".", 0o40755, 0), ("..", 0o40755, 0), ("../evil", 0o100644, 5),
                 ("/etc/evil", 0o100644, 5), ("a/b", 0o40755, 0), ("x\ny", 0o100644, 5),
                 ("ok.txt", 0o100644, SIZE)]
        body = struct.pack(">BII", 104, rid, len(names))
        for n, m, sz in names:
            body += s(n) + s("-rw-r--r-- " + n.replace("\n", "?")) + attrs(m, sz)
        return [pkt(body)]
    if t == 3:  # OPEN
        path, _ = parse_str(p, 5)
        if path == b"/hostile/ok.txt":
            return [pkt(struct.pack(">BI", 102, rid) + s(b"F"))]
        return [status(rid, 3, "Permission denied")]
    if t == 5:  # READ
        h, off = parse_str(p, 5)
        (o, n) = struct.unpack(">QI", p[off:off + 12])
        if o >= SIZE:
            return [status(rid, 1, "End of file")]
        return [pkt(struct.pack(">BI", 103, rid) + s(DATA[o:o + n]))]
    if t == 8:  # FSTAT
        return [pkt(struct.pack(">BI", 105, rid) + attrs(0o100644, SIZE))]
    if t == 4:  # CLOSE
        return [status(rid, 0)]
    return [status(rid, 8, "Operation unsupported")]


def main():
    p = read_packet()
    if p[0] != 1:
        sys.exit(1)
    out.write(pkt(struct.pack(">BI", 2, 3) + s("limits@openssh.com") + s("1")))
    out.flush()
    while True:
        batch = [read_packet()]
        # Whatever else arrived with it is answered in reverse order.
        while select.select([inp.fileno()], [], [], 0.02)[0]:
            batch.append(read_packet())
        replies = []
        for p in batch:
            if p[0] == 200:  # EXTENDED: limits
                (rid,) = struct.unpack(">I", p[1:5])
                replies.append([pkt(struct.pack(">BI", 201, rid) +
                                    struct.pack(">QQQQ", 262144, 261120, 261120, 64))])
            else:
                replies.append(answer(p))
        for r in reversed(replies):
            for x in r:
                out.write(x)
                if MODE == "dupid":
                    out.write(x)
        out.flush()


main()
