"""
NAME
  control_helpers.py - running signet-controld, signetctl and dnsmasq for
  the end-to-end tests of the control plane (test_control_console.py,
  test_control_socket.py)

SUMMARY
  program(ENV, RELATIVE)  a binary from $ENV, else from the build tree next to
                          $SIGNET (RELATIVE to the build folder); skips the
                          test when it is not built
  Daemon                  signet-controld on a configuration written by the
                          test; start() waits until the socket answers,
                          stop() sends SIGTERM, wait() collects the status;
                          its log is a file in the test's folder
  Console                 signetctl -s SOCKET ...: run() returns the
                          CompletedProcess, ok() asserts status 0, json()
                          parses --json output
  Dnsmasq                 a DNS server for example.com on a free 127.0.0.1
                          port serving given TXT records; serve() restarts it
                          with other records (same port), query() asks it
  Wire                    one raw connection speaking proto.h (frames,
                          typed fields, HELLO, COMMAND, KEY_REQUEST)
  Every wait has a timeout that only guards against a hang: nothing here
  depends on how fast the machine is.
"""

import json
import os
import pathlib
import signal
import socket
import struct
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rdatatype
import pytest

# proto.h
MSG_HELLO, MSG_ERROR, MSG_COMMAND, MSG_RESULT = 1, 2, 3, 4
MSG_KEY_REQUEST, MSG_KEY_MATERIAL, MSG_STATS_PUSH = 10, 11, 12
PROTO_VERSION = 1
WIRE_HEADER = 8
WIRE_MAX = 1024 * 1024
# commands.h: enum sg_cmd_id values used by the raw-socket tests
CMD_VERSION = 1
CMD_KEYCACHE_FLUSH = 7

HANG_GUARD = 30           # seconds: only to turn a hang into a failure
DNSMASQ = "/usr/sbin/dnsmasq"


def program(env_name, relative):
    path = os.environ.get(env_name)
    if not path and os.environ.get("SIGNET"):
        path = str(pathlib.Path(os.environ["SIGNET"]).resolve().parents[1] / relative)
    if not path or not os.access(path, os.X_OK):
        pytest.skip(f"{env_name} is not built ({path})")
    return path


def controld_path():
    return program("SIGNET_CONTROLD", "control/signet-controld")


def signetctl_path():
    return program("SIGNETCTL", "control/ctl/signetctl")


def unused_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=HANG_GUARD):
    """Polls predicate until true; fails after the hang guard."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def control_block(sock, state, metrics_port, resolver, admin_group):
    return ("control {\n"
            f'  socket = "{sock}"\n'
            f'  state_dir = "{state}"\n'
            f'  metrics_listen = "127.0.0.1:{metrics_port}"\n'
            f'  resolver = "{resolver}"\n'
            f'  admin_group = "{admin_group}"\n'
            "}\n")


# ---- the wire format (proto.h) ----

def field_u64(v):
    return b"u" + struct.pack(">Q", v)


def field_str(s):
    raw = s.encode() if isinstance(s, str) else s
    return b"s" + struct.pack(">I", len(raw)) + raw


def frame(kind, payload=b"", length=None, reserved=0):
    """A message; length overrides the header's length field."""
    total = WIRE_HEADER + len(payload) if length is None else length
    return struct.pack(">IHH", total, kind, reserved) + payload


def hello(version=PROTO_VERSION, name="pytest"):
    return frame(MSG_HELLO, field_u64(version) + field_str(name))


def command(cmd_id, *words):
    return frame(MSG_COMMAND, field_u64(cmd_id) + field_u64(len(words)) +
                 b"".join(field_str(w) for w in words))


def parse_fields(body):
    """The typed fields of a message body as a list of int / str / bytes."""
    out, i = [], 0
    while i < len(body):
        tag = body[i:i + 1]
        if tag == b"u":
            out.append(struct.unpack(">Q", body[i + 1:i + 9])[0])
            i += 9
            continue
        assert tag in (b"s", b"b"), f"unknown field tag {tag!r} at {i}"
        (n,) = struct.unpack(">I", body[i + 1:i + 5])
        raw = body[i + 5:i + 5 + n]
        assert len(raw) == n, "field runs past the message"
        out.append(raw.decode() if tag == b"s" else raw)
        i += 5 + n
    return out


class Wire:
    """One raw client connection to the control socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(HANG_GUARD)
        self.sock.connect(str(path))

    def send(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def read(self):
        """(type, fields) of the next message, or None at end of stream."""
        head = self.recv_exact(WIRE_HEADER)
        if head is None:
            return None
        length, kind, _ = struct.unpack(">IHH", head)
        body = self.recv_exact(length - WIRE_HEADER)
        assert body is not None, "the stream ended inside a message"
        return kind, parse_fields(body)

    def closed_by_peer(self):
        """True when the daemon closed the connection (after any messages)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except ConnectionResetError:
            return True

    def greet(self, name="pytest"):
        self.send(hello(name=name))
        answer = self.read()
        assert answer is not None and answer[0] == MSG_HELLO, answer
        return answer[1]

    def request(self, data):
        self.send(data)
        answer = self.read()
        assert answer is not None, "the daemon closed the connection"
        return answer

    def close(self):
        self.sock.close()


# ---- processes ----

class Daemon:
    """signet-controld on conf, logging to log."""

    def __init__(self, conf, sock, log):
        self.binary = controld_path()
        self.conf, self.sock, self.log = pathlib.Path(conf), str(sock), pathlib.Path(log)
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=log,
                                         stderr=subprocess.STDOUT)
        wait_for(self.answering, "signet-controld to answer on " + self.sock)
        return self

    def answering(self):
        if self.proc.poll() is not None:
            pytest.fail(f"signet-controld exited with {self.proc.returncode}:\n"
                        + self.log.read_text())
        try:
            w = Wire(self.sock)
        except OSError:
            return False
        try:
            w.greet()
            kind, fields = w.request(command(CMD_VERSION, "version"))
            return kind == MSG_RESULT
        finally:
            w.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait(self):
        return self.proc.wait(timeout=HANG_GUARD)

    def stop(self):
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
        return self.wait() if self.proc else None

    def log_text(self):
        return self.log.read_text()


class Console:
    """signetctl against one socket."""

    def __init__(self, sock, env=None):
        self.binary = signetctl_path()
        self.sock = str(sock)
        self.env = env

    def run(self, *args, **kw):
        return subprocess.run([self.binary, "-s", self.sock, *args], capture_output=True,
                              text=True, timeout=HANG_GUARD, env=self.env, **kw)

    def ok(self, *args):
        done = self.run(*args)
        assert done.returncode == 0, f"signetctl {' '.join(args)}: {done.returncode}\n" \
                                     f"{done.stdout}{done.stderr}"
        assert done.stderr == ""
        return done.stdout

    def json(self, *args):
        return json.loads(self.ok("--json", *args))


class Dnsmasq:
    """dnsmasq answering for example.com on 127.0.0.1:port."""

    def __init__(self, folder):
        if not os.access(DNSMASQ, os.X_OK):
            pytest.skip("dnsmasq is not installed (Debian package dnsmasq-base)")
        self.folder = pathlib.Path(folder)
        self.port = None
        self.proc = None

    def serve(self, records):
        """Serves records {name: value} (no comma in a value); a restart
        keeps the port, which the daemon's configuration names."""
        self.stop()
        tries = 1 if self.port else 5
        for _ in range(tries):
            if self.port is None:
                self.port = unused_port()
            if self._start(records):
                return
            self.stop()
            if tries > 1:
                self.port = None    # taken meanwhile: another one
        pytest.fail("dnsmasq did not start: " + (self.folder / "dnsmasq.log").read_text())

    def _start(self, records):
        args = [DNSMASQ, "--conf-file=/dev/null", "-k", f"--port={self.port}",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
                "--no-hosts", "--local=/example.com/", "--log-facility=-"]
        for name, value in records.items():
            assert "," not in value, "dnsmasq splits --txt-record values at commas"
            args.append(f"--txt-record={name},{value}")
        with open(self.folder / "dnsmasq.log", "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False       # the port was taken: the caller tries another
            if self.query("ready.example.com") is not False:
                return True
            time.sleep(0.05)
        return False

    def query(self, name):
        """The TXT strings joined (bytes), None for no record, False when
        the server does not answer."""
        q = dns.message.make_query(name, dns.rdatatype.TXT)
        try:
            r = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=1)
        except (dns.exception.Timeout, OSError):
            return False
        for rrset in r.answer:
            for rd in rrset:
                return b"".join(rd.strings)
        return None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=HANG_GUARD)
        self.proc = None
