#!/usr/bin/python3
"""tests/support/hostile_ssh.py - an SSH server (paramiko) that abuses the
connection protocol's flow control, for tests/engine/test_flowabuse.c.
Unlike tests/support/hostile_sshd.c (libssh's server API, which enforces
the windows and packet sizes itself), paramiko lets us write any
CHANNEL_DATA or WINDOW_ADJUST, and confirm a channel with any window and
maximum packet size, on a properly encrypted transport.

    hostile_ssh.py ADDR HOSTKEY MODE

Listens on ADDR, port chosen by the kernel, prints "PORT n" on stdout and
serves each connection in a thread until killed (or until stdin, a pipe
from the test, reaches EOF: it never outlives its test). HOSTKEY is an
OpenSSH ed25519 private key file. Any public key and any password log in
(a test peer only). A command containing "kill -" (the client's kill
helper) exits 0 at once. Every other exec (or shell) gets MODE:

  normal        reads stdin to EOF, answers "got N md5 M maxpkt P", exit 0
  overwindow    64 MiB of output in 32 KiB CHANNEL_DATA packets, never
                waiting for a WINDOW_ADJUST, then "end", exit 0
  bigpacket     one CHANNEL_DATA of 200,000 bytes (the client grants 32 KiB
                packets), then "end", exit 0
  hugepacket    one CHANNEL_DATA of 4 MiB, then "end", exit 0
  adjust-huge   1000 WINDOW_ADJUSTs of 2^32-1 and one of 0, then normal
  adjust-wrap   grants a 1 MiB window, takes it all without adjusting,
                then adjusts by 2^32-1 and by 1 (the sum overflows a
                uint32 to exactly 0) and reads nothing more, never exits
  window0       confirms the channel with window 0, never adjusts, never
                reads, never exits
  maxpacket0, maxpacket1, maxpacket10, maxpacket11, maxpacketmax
                confirms with that maximum packet size (max: 2^32-1),
                then normal

"maxpkt P" is the largest CHANNEL_DATA payload received on the channel.
"""
import hashlib
import os
import socket
import struct
import sys
import threading

import paramiko
from paramiko.common import MSG_CHANNEL_DATA, cMSG_CHANNEL_DATA, cMSG_CHANNEL_WINDOW_ADJUST
from paramiko.message import Message

ADDR, HOSTKEY, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
KEY = paramiko.Ed25519Key(filename=HOSTKEY)
U32 = 0xFFFFFFFF

# The largest CHANNEL_DATA payload each channel received (see normal).
maxpkt = {}
_feed = paramiko.Channel._feed


def feed(chan, m):
    if not isinstance(m, bytes):
        pos = m.packet.tell()
        n = len(m.get_binary())
        m.packet.seek(pos)
        maxpkt[id(chan)] = max(maxpkt.get(id(chan), 0), n)
    return _feed(chan, m)


paramiko.Transport._channel_handler_table[MSG_CHANNEL_DATA] = feed


class Server(paramiko.ServerInterface):
    def __init__(self):
        self.cmds = {}
        self.ready = threading.Condition()

    def get_allowed_auths(self, username):
        return "publickey,password"

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL

    def check_auth_password(self, username, password):
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def _started(self, chan, cmd):
        with self.ready:
            self.cmds[chan.get_id()] = cmd
            self.ready.notify_all()
        return True

    def check_channel_exec_request(self, chan, command):
        return self._started(chan, command.decode("utf-8", "replace"))

    def check_channel_shell_request(self, chan):
        return self._started(chan, "")

    def check_channel_pty_request(self, *args):
        return True

    def check_channel_env_request(self, *args):
        return True

    def command_of(self, chan, timeout=30):
        with self.ready:
            self.ready.wait_for(lambda: chan.get_id() in self.cmds, timeout)
            return self.cmds.get(chan.get_id())


def raw_data(t, chan, data):
    """CHANNEL_DATA written past paramiko's window and packet-size checks."""
    m = Message()
    m.add_byte(cMSG_CHANNEL_DATA)
    m.add_int(chan.remote_chanid)
    m.add_string(data)
    t._send_user_message(m)


def adjust(t, chan, n):
    m = Message()
    m.add_byte(cMSG_CHANNEL_WINDOW_ADJUST)
    m.add_int(chan.remote_chanid)
    m.add_int(n)
    t._send_user_message(m)


def finish(chan, status=0):
    chan.send_exit_status(status)
    chan.shutdown_write()
    chan.close()


def normal(chan):
    h = hashlib.md5()
    n = 0
    while True:
        b = chan.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    chan.sendall(("got %d md5 %s maxpkt %d\n" % (n, h.hexdigest(), maxpkt.get(id(chan), 0))).encode())
    finish(chan)


def forever():
    threading.Event().wait()


def run(t, chan, cmd):
    if "kill -" in cmd:
        finish(chan)
        return
    if MODE == "overwindow":
        line = b"w" * 63 + b"\n"
        chunk = line * 512           # 32 KiB
        for _ in range(2048):        # 64 MiB
            raw_data(t, chan, chunk)
        raw_data(t, chan, b"end\n")
        finish(chan)
    elif MODE in ("bigpacket", "hugepacket"):
        n = 200000 if MODE == "bigpacket" else 4 << 20
        raw_data(t, chan, (b"p" * 99 + b"\n") * (n // 100))
        raw_data(t, chan, b"end\n")
        finish(chan)
    elif MODE == "adjust-huge":
        for _ in range(1000):
            adjust(t, chan, U32)
        adjust(t, chan, 0)
        normal(chan)
    elif MODE == "adjust-wrap":
        # No adjusts of our own while we take the whole window.
        chan.in_window_threshold = 1 << 62
        got = 0
        while got < chan.in_window_size:
            b = chan.recv(65536)
            if not b:
                break
            got += len(b)
        adjust(t, chan, U32)
        adjust(t, chan, 1)
        forever()
    elif MODE == "window0":
        forever()
    else:
        normal(chan)


def serve(sock):
    t = paramiko.Transport(sock)
    # What a channel confirmation offers the client (paramiko sends these
    # unchecked when it accepts a channel).
    if MODE == "window0":
        t.default_window_size = 0
    elif MODE == "adjust-wrap":
        t.default_window_size = 1 << 20
    elif MODE.startswith("maxpacket"):
        t.default_max_packet_size = U32 if MODE == "maxpacketmax" else int(MODE[9:])
    t.add_server_key(KEY)
    srv = Server()
    try:
        t.start_server(server=srv)
    except Exception:
        return
    while t.is_active():
        chan = t.accept(1)
        if chan is None:
            continue
        cmd = srv.command_of(chan)
        if cmd is None:
            chan.close()
            continue
        threading.Thread(target=guarded, args=(t, chan, cmd), daemon=True).start()


def guarded(t, chan, cmd):
    try:
        run(t, chan, cmd)
    except Exception:
        pass   # the client hung up on us: what we are here to see


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ADDR, 0))
    ls.listen(16)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    # The test holds our stdin: its end (even a crash) ends us.
    threading.Thread(target=watch_stdin, daemon=True).start()
    while True:
        s, _ = ls.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(s,), daemon=True).start()


def watch_stdin():
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    main()
