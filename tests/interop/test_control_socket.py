"""
NAME
  test_control_socket.py - the control socket of signet-controld under
  hostile and unauthorised clients, with raw Python sockets

SUMMARY
  Starts signet-controld (admin_group "adm", socket in a folder everyone
  may enter) and checks, after every case, that the daemon still answers
  `signetctl version`:
    - the socket file is mode 0660, owned by the daemon's user and
      admin_group;
    - credentials (as root only; skipped otherwise), with the rule of
      daemon.h - admins are root, the daemon's user, a peer whose group is
      admin_group, or a user whose groups in the user database include it:
      nobody without groups cannot open the socket (exit 2, a hint);
      nobody holding admin_group only as a supplementary group of the
      process can open it and run read-only commands, but a state-changing
      command, KEY_REQUEST and STATS_PUSH are refused with a clear message;
      nobody whose group is admin_group may change state;
    - the protocol: a wrong version in HELLO, a COMMAND before HELLO, a
      frame announcing more than SG_WIRE_MAX or less than its header, an
      unknown type, reserved bytes set, malformed fields, a command id that
      does not match its words (a forged "shutdown"), a second HELLO, a
      message cut short then closed, a message that stops mid-frame and a
      silent client (both dropped at the deadline while others are
      served), a client that pipelines requests but never reads the
      answers (others served, it is dropped at its deadline), garbage
      bytes, pipelined requests answered in order, a
      KEY_REQUEST of an unknown kind or malformed, and connections beyond
      the cap (refused with an ERROR, which signetctl shows);
    - the socket path: a second daemon on a live socket is refused and
      leaves it alone; a stale socket (daemon killed) is replaced; a file
      that is not a socket is never replaced.
  The wire format is control/proto/proto.h's; the timeouts are hang guards.
"""

import grp
import os
import pathlib
import pwd
import random
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile

import pytest

from control_helpers import (CMD_KEYCACHE_FLUSH, CMD_VERSION, HANG_GUARD, MSG_COMMAND,
                             MSG_ERROR, MSG_HELLO, MSG_KEY_REQUEST, MSG_RESULT,
                             PROTO_VERSION, WIRE_HEADER, WIRE_MAX, Console,
                             Daemon, Wire, command, control_block, field_str, field_u64, frame,
                             hello, signetctl_path, unused_port, wait_for)

HERE = pathlib.Path(__file__).resolve().parent
ADMIN_GROUP = "adm"
MAX_CONNS = 64          # SG_DAEMON_MAX_CONNS
IDLE_MS = 10000         # SG_DAEMON_IDLE_MS
CMD_SUMMARY = 2         # commands.h: SG_CMD_SUMMARY
CMD_SHUTDOWN = 20       # commands.h: SG_CMD_SHUTDOWN


@pytest.fixture
def daemon(tmp_path):
    try:
        grp.getgrnam(ADMIN_GROUP)
    except KeyError:
        pytest.skip(f"no group {ADMIN_GROUP} on this system")
    # The socket's folder must let other users reach the socket; pytest's
    # tmp_path is under a folder only root may enter.
    sockdir = pathlib.Path(tempfile.mkdtemp(prefix="signet-sock-"))
    sockdir.chmod(0o755)
    # nobody may not reach the build tree or this folder: copies for it
    shutil.copy(signetctl_path(), sockdir / "signetctl")
    shutil.copy(HERE / "control_helpers.py", sockdir / "control_helpers.py")
    sock = sockdir / "ctl.sock"
    conf = tmp_path / "signet.conf"
    conf.write_text(control_block(sock, "state", unused_port(socket.SOCK_STREAM), "",
                                  ADMIN_GROUP) +
                    'dkim_sign "main" {\n  key = "keys/%{d}/%{s}.key"\n}\n')
    d = Daemon(conf, sock, tmp_path / "controld.log").start()
    d.ctl = Console(sock)
    d.public = sockdir
    yield d
    status = d.stop()
    shutil.rmtree(sockdir, ignore_errors=True)
    assert status == 0, d.log_text()


def serving(d):
    """The daemon is alive and answers a new client."""
    assert d.running(), d.log_text()
    assert "signet-controld 0.1.0 (control protocol 1)" in d.ctl.ok("version")
    return True


def connected(d):
    w = Wire(d.sock)
    w.greet()
    return w


def refused_then_closed(w, data, expected):
    """Sends data; the daemon answers ERROR containing expected and closes."""
    w.send(data)
    answer = w.read()
    assert answer is not None, "closed without an ERROR"
    kind, fields = answer
    assert kind == MSG_ERROR and expected in fields[0], fields
    assert w.closed_by_peer()
    w.close()


# ---- the socket file ----

def test_socket_file_mode_owner_group(daemon):
    st = os.stat(daemon.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert st.st_uid == os.getuid()
    assert st.st_gid == grp.getgrnam(ADMIN_GROUP).gr_gid
    assert serving(daemon)


# ---- credentials ----

def as_nobody(argv, primary, supplementary):
    """Runs argv as user nobody with the given groups (root only)."""
    if os.geteuid() != 0:
        pytest.skip("credential tests need root (they switch to user nobody)")
    nobody = pwd.getpwnam("nobody")
    return subprocess.run(argv, user=nobody.pw_uid, group=primary, extra_groups=supplementary,
                          capture_output=True, text=True, timeout=HANG_GUARD, cwd="/",
                          env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"})


def gid(name):
    return grp.getgrnam(name).gr_gid


RAW_CLIENT = """
import sys
sys.path.insert(0, sys.argv[1])
from control_helpers import Wire, frame, field_u64, field_str, MSG_KEY_REQUEST, MSG_STATS_PUSH
w = Wire(sys.argv[2])
w.greet("signetd nobody")
key = w.request(frame(MSG_KEY_REQUEST, field_u64(0) + field_str("example.com")))
push = w.request(frame(MSG_STATS_PUSH, field_u64(1) + field_u64(12) + field_u64(0)))
print(key[0], key[1][0] if key[1] else "")
print(push[0], push[1][0] if push[1] else "")
"""


def test_no_group_cannot_open_the_socket(daemon):
    done = as_nobody([str(daemon.public / "signetctl"), "-s", daemon.sock, "version"],
                     gid("nogroup"), [])
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"signetctl: cannot connect to {daemon.sock}: Permission denied "
                           "(run as root or as a member of the control socket's group)\n")
    assert serving(daemon)


def test_supplementary_group_reads_but_does_not_change_state(daemon):
    ctl = [str(daemon.public / "signetctl"), "-s", daemon.sock]
    groups = ([gid("nogroup"), [gid(ADMIN_GROUP)]])
    done = as_nobody(ctl + ["version"], *groups)
    assert done.returncode == 0 and "signet-controld 0.1.0" in done.stdout, done.stderr
    assert as_nobody(ctl + ["selector", "list"], *groups).returncode == 0
    for words in (["keycache", "flush"], ["selector", "create", "n1", "--domain", "example.com"],
                  ["config", "reload"], ["shutdown"]):
        done = as_nobody(ctl + words, *groups)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr == (f'signetctl: permission denied: "{" ".join(words)}" changes '
                               f"state (member of group {ADMIN_GROUP} required)\n")
    assert not (pathlib.Path(daemon.conf).parent / "keys").exists()
    raw = as_nobody([sys.executable, "-c", RAW_CLIENT, str(daemon.public), daemon.sock],
                    *groups)
    assert raw.returncode == 0, raw.stderr
    assert raw.stdout.splitlines() == [
        f"{MSG_ERROR} permission denied: key material (member of group {ADMIN_GROUP} required)",
        f"{MSG_ERROR} permission denied: statistics push (member of group {ADMIN_GROUP} "
        "required)"]
    log = daemon.log_text()
    assert "keycache flush (uid 65534 nobody, pid " in log and "): permission denied" in log
    assert "key request for example.com from uid 65534 (nobody)" in log
    assert serving(daemon)


def test_admin_group_as_primary_group_changes_state(daemon):
    done = as_nobody([str(daemon.public / "signetctl"), "-s", daemon.sock, "keycache", "flush"],
                     gid(ADMIN_GROUP), [])
    assert done.returncode == 0, done.stderr
    assert "0 cached entries dropped" in done.stdout
    assert "keycache flush (uid 65534 nobody" in daemon.log_text()
    assert serving(daemon)


# ---- the handshake ----

@pytest.mark.parametrize("version", [0, PROTO_VERSION + 1, 2**64 - 1])
def test_wrong_protocol_version(daemon, version):
    w = Wire(daemon.sock)
    refused_then_closed(w, hello(version=version),
                        f"protocol version {version} is not supported: signet-controld "
                        f"speaks version {PROTO_VERSION}")
    assert serving(daemon)


def test_command_before_hello(daemon):
    refused_then_closed(Wire(daemon.sock), command(CMD_VERSION, "version"),
                        "HELLO expected first, got message type 3")
    assert serving(daemon)


def test_key_request_before_hello(daemon):
    refused_then_closed(Wire(daemon.sock),
                        frame(MSG_KEY_REQUEST, field_u64(0) + field_str("example.com")),
                        "HELLO expected first, got message type 10")
    assert serving(daemon)


def test_second_hello(daemon):
    refused_then_closed(connected(daemon), hello(), "unexpected message type 1 from a client")
    assert serving(daemon)


def test_malformed_hello(daemon):
    refused_then_closed(Wire(daemon.sock), frame(MSG_HELLO, field_str("1") + field_str("x")),
                        "malformed HELLO")
    assert serving(daemon)


# ---- frames ----

@pytest.mark.parametrize("length, expected", [
    (WIRE_MAX + 1, f"message of {WIRE_MAX + 1} bytes announced, the limit is {WIRE_MAX}"),
    (2**32 - 1, f"message of {2**32 - 1} bytes announced, the limit is {WIRE_MAX}"),
    (WIRE_HEADER - 1, "message length 7 is shorter than the 8-byte header"),
    (0, "message length 0 is shorter than the 8-byte header"),
])
def test_frame_length_out_of_bounds(daemon, length, expected):
    for greet in (False, True):
        w = connected(daemon) if greet else Wire(daemon.sock)
        refused_then_closed(w, frame(MSG_COMMAND, b"", length=length), "bad message: " + expected)
    assert serving(daemon)


def test_unknown_type_and_reserved_bytes(daemon):
    refused_then_closed(connected(daemon), frame(99, field_u64(1)),
                        "bad message: unknown message type 99")
    refused_then_closed(connected(daemon), command(CMD_VERSION, "version")[:6] + b"\x00\x01" +
                        command(CMD_VERSION, "version")[8:],
                        "bad message: reserved header bytes are not 0")
    assert serving(daemon)


def test_malformed_commands_close_the_connection(daemon):
    cases = [
        # a 'u' where a word must be
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(1) + field_u64(7)),
        # no words, too many words
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(0)),
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(17) +
              b"".join(field_str("version") for _ in range(17))),
        # a word past the end of the message
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(1) + b"s" +
              struct.pack(">I", 1000) + b"version"),
        # a byte after the last field
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(1) + field_str("version") +
              b"\x00"),
        # invalid UTF-8, a NUL, a word longer than SG_CMD_WORD_MAX
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(1) + field_str(b"vers\xffon")),
        frame(MSG_COMMAND, field_u64(CMD_VERSION) + field_u64(1) + field_str(b"vers\x00on")),
        command(CMD_VERSION, "x" * 300),
    ]
    for data in cases:
        refused_then_closed(connected(daemon), data, "malformed COMMAND")
    assert serving(daemon)


def test_forged_command_id_is_refused(daemon):
    w = connected(daemon)
    # the words say version, the id says shutdown: nothing runs
    kind, fields = w.request(command(CMD_SHUTDOWN, "version"))
    assert kind == MSG_ERROR and fields == ['command id 20 does not match "version"']
    kind, fields = w.request(command(CMD_VERSION, "shutdown"))
    assert kind == MSG_ERROR and fields == ['command id 1 does not match "shutdown"']
    # the session goes on after a refused request
    kind, fields = w.request(command(CMD_VERSION, "version"))
    assert kind == MSG_RESULT
    kind, fields = w.request(command(CMD_KEYCACHE_FLUSH, "keycache", "flush", "bad..domain"))
    assert kind == MSG_ERROR and "bad..domain" in fields[0]
    kind, fields = w.request(command(CMD_VERSION, "help"))
    assert kind == MSG_ERROR
    w.close()
    assert serving(daemon)


def test_pipelined_requests_are_answered_in_order(daemon):
    w = Wire(daemon.sock)
    w.send(hello() + command(CMD_VERSION, "version") + command(CMD_VERSION, "nosuch") +
           command(CMD_VERSION, "version"))
    kinds = [w.read()[0] for _ in range(4)]
    assert kinds == [MSG_HELLO, MSG_RESULT, MSG_ERROR, MSG_RESULT]
    w.close()
    assert serving(daemon)


def test_garbage_bytes(daemon):
    refused_then_closed(Wire(daemon.sock), b"GET /metrics HTTP/1.0\r\n\r\n",
                        "bad message: message of 1195725856 bytes announced")
    refused_then_closed(Wire(daemon.sock), b"\x00" * 64,
                        "bad message: message length 0 is shorter")
    rng = random.Random(20261122)
    for _ in range(20):
        w = Wire(daemon.sock)
        blob = rng.randbytes(rng.randrange(1, 200))
        w.send(blob)
        w.sock.shutdown(socket.SHUT_WR)
        w.closed_by_peer()       # an ERROR or nothing; then the end
        w.close()
    assert serving(daemon)


# ---- incomplete messages and deadlines ----

def test_message_cut_short_then_closed(daemon):
    w = connected(daemon)
    w.send(command(CMD_VERSION, "version")[:20])
    w.close()
    full = len(command(CMD_VERSION, "version"))
    wait_for(lambda: "in the middle of a message" in daemon.log_text(), "the log line")
    assert f"closed the connection in the middle of a message (20 of {full} bytes)" in \
        daemon.log_text()
    w = Wire(daemon.sock)
    w.send(b"\x00\x00\x00")      # not even a header
    w.close()
    assert serving(daemon)


def test_stalled_clients_are_dropped_while_others_are_served(daemon):
    stalled = connected(daemon)
    stalled.send(command(CMD_VERSION, "version")[:-3])
    silent = Wire(daemon.sock)
    # others are served while the two wait
    for _ in range(3):
        assert serving(daemon)
    w = connected(daemon)
    assert w.request(command(CMD_VERSION, "version"))[0] == MSG_RESULT
    w.close()
    # the daemon ends both at their deadline (SG_DAEMON_IDLE_MS); the socket
    # timeout is only a hang guard
    assert stalled.closed_by_peer() and silent.closed_by_peer()
    log = daemon.log_text()
    assert f"dropped: message not complete within {IDLE_MS} ms" in log
    assert f"dropped: nothing received within {IDLE_MS} ms" in log
    assert serving(daemon)


# ---- the connection cap ----

def test_connections_beyond_the_cap_are_refused(daemon):
    clients = [connected(daemon) for _ in range(MAX_CONNS)]
    extra = Wire(daemon.sock)
    answer = extra.read()
    assert answer == (MSG_ERROR, [f"too many connections ({MAX_CONNS}); try again later"])
    assert extra.closed_by_peer()
    extra.close()
    # the ones in keep working
    assert clients[0].request(command(CMD_VERSION, "version"))[0] == MSG_RESULT
    assert clients[-1].request(command(CMD_VERSION, "version"))[0] == MSG_RESULT
    # signetctl shows the refusal (also when the daemon closed before its
    # HELLO could be sent)
    for _ in range(5):
        done = daemon.ctl.run("version")
        assert done.returncode == 2 and done.stderr == (
            f"signetctl: signet-controld at {daemon.sock} refused the connection: too many "
            f"connections ({MAX_CONNS}); try again later\n")
    for c in clients:
        c.close()
    # once the daemon has seen them go, there is room again
    wait_for(lambda: daemon.ctl.run("version").returncode == 0, "a free connection slot")
    assert f"connection refused: {MAX_CONNS} clients already" in daemon.log_text()
    assert serving(daemon)


# ---- the socket path ----

def test_second_daemon_on_a_live_socket_is_refused(daemon, tmp_path):
    # its own state folder and metrics port, the first one's socket
    conf = tmp_path / "second.conf"
    conf.write_text(control_block(daemon.sock, "state2", unused_port(socket.SOCK_STREAM), "",
                                  ADMIN_GROUP))
    second = subprocess.run([daemon.binary, "-c", str(conf)], capture_output=True,
                            text=True, timeout=HANG_GUARD)
    assert second.returncode == 1
    assert second.stderr.startswith("signet-controld: cannot start: another process is "
                                    f"listening on {daemon.sock} (a signet-controld already "
                                    "running?)")
    assert os.path.exists(daemon.sock)      # the refused one left it alone
    assert serving(daemon)


def test_stale_socket_is_replaced(daemon):
    daemon.proc.kill()                      # no clean exit: the socket file stays
    daemon.proc.wait(timeout=HANG_GUARD)
    assert stat.S_ISSOCK(os.lstat(daemon.sock).st_mode)
    done = daemon.ctl.run("version")
    assert done.returncode == 2 and "Connection refused (is signet-controld running?)" in \
        done.stderr
    daemon.start()
    assert f"removed the stale socket {daemon.sock}" in daemon.log_text()
    assert serving(daemon)


def test_a_file_in_the_way_is_not_replaced(daemon):
    assert daemon.stop() == 0
    assert not os.path.exists(daemon.sock)
    pathlib.Path(daemon.sock).write_text("not a socket\n")
    done = subprocess.run([daemon.binary, "-c", str(daemon.conf)], capture_output=True,
                          text=True, timeout=HANG_GUARD)
    assert done.returncode == 1
    assert f"{daemon.sock} exists and is not a socket; refusing to replace it" in done.stderr
    assert pathlib.Path(daemon.sock).read_text() == "not a socket\n"
    os.unlink(daemon.sock)
    daemon.start()
    assert serving(daemon)


def test_key_request_of_an_unknown_kind(daemon):
    w = connected(daemon)
    kind, fields = w.request(frame(MSG_KEY_REQUEST, field_u64(7) + field_str("example.com")))
    assert kind == MSG_ERROR and fields == ["unknown signature kind 7 (0 dkim, 1 domainkeys)"]
    # a malformed one ends the session
    refused_then_closed(w, frame(MSG_KEY_REQUEST, field_str("example.com")),
                        "malformed KEY_REQUEST")
    assert serving(daemon)


def test_a_client_that_does_not_read_its_answers(daemon):
    """Pipelined requests from a client that never reads: the daemon holds
    one answer at a time, serves others meanwhile, and drops the client at
    its deadline with requests left unanswered."""
    flood = connected(daemon)
    flood.sock.setblocking(False)
    # an answer some 40 times the request: the requests the socket takes
    # have more answers than the socket buffers can hold
    one = command(CMD_SUMMARY, "summary")
    batch = one * 100
    sent = 0
    try:
        for _ in range(100000):
            sent += flood.sock.send(batch[sent % len(batch):])
    except BlockingIOError:
        pass
    requests = sent // len(one)
    for _ in range(3):
        assert serving(daemon)
    wait_for(lambda: f"dropped: answer not read within {IDLE_MS} ms" in daemon.log_text(),
             "signet-controld to drop the client")
    flood.sock.setblocking(True)
    flood.sock.settimeout(HANG_GUARD)
    received = b""
    try:
        while chunk := flood.sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    answers = 0             # whole RESULT messages before the end
    while len(received) >= WIRE_HEADER:
        length, kind, _ = struct.unpack(">IHH", received[:WIRE_HEADER])
        if len(received) < length:
            break
        assert kind == MSG_RESULT
        answers += 1
        received = received[length:]
    assert 0 < answers < requests, (answers, requests)
    assert serving(daemon)
