"""
NAME
  test_control_stats.py - signing statistics end to end: STATS_PUSH into
  signet-controld, signing_stats through signetctl, /metrics over HTTP

SUMMARY
  Starts signet-controld on a temporary config (socket and state in a
  temporary folder, metrics on a free 127.0.0.1 port), plays a dataplane
  worker with a small client of the socket protocol written here from
  proto.h and stats.h (HELLO, then STATS_PUSH), and checks:
    - GET /metrics carries the pushed counters; "promtool check metrics"
      accepts the exposition (skipped when promtool, Debian package
      prometheus, is not installed); 404 and 405 for other requests;
    - signetctl --json signing_stats [DOMAIN] has the pinned column names
      and the pushed numbers; signing_stats reset empties the rows;
    - a malformed push is answered with ERROR naming entry and field,
      counts nothing, and the daemon keeps serving.
  The programs come from SIGNET_CONTROLD / SIGNETCTL when set, else from
  the build tree next to $SIGNET; the test is skipped when they are absent.
"""

import http.client
import json
import os
import pathlib
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

MSG_HELLO, MSG_ERROR, MSG_RESULT, MSG_STATS_PUSH = 1, 2, 4, 12
PROTO_VERSION = 1
BUCKETS = 12
COLUMNS = ["processed", "signed", "failed", "skipped_no_key", "skipped_condition",
           "skipped_disabled", "bytes", "avg_sign_us", "p50_us", "p90_us", "p99_us"]


def program(env_name, relative):
    path = os.environ.get(env_name)
    if not path and os.environ.get("SIGNET"):
        build = pathlib.Path(os.environ["SIGNET"]).resolve().parent.parent
        path = str(build / relative)
    if not path or not os.access(path, os.X_OK):
        pytest.skip(f"{env_name} not built ({path})")
    return path


def u64(v):
    return b"u" + struct.pack(">Q", v)


def text(s):
    b = s.encode()
    return b"s" + struct.pack(">I", len(b)) + b


def message(kind, payload):
    return struct.pack(">IHH", 8 + len(payload), kind, 0) + payload


def entry(kind, domain, selector, processed, signed, failed, skipped, nbytes, sign_ns, buckets):
    out = u64(kind) + text(domain) + text(selector)
    for v in [processed, signed, failed, *skipped, nbytes, sign_ns, *buckets]:
        out += u64(v)
    return out


def push(worker, entries):
    return message(MSG_STATS_PUSH, u64(worker) + u64(BUCKETS) + u64(len(entries)) + b"".join(entries))


def read_message(sock):
    head = b""
    while len(head) < 8:
        chunk = sock.recv(8 - len(head))
        assert chunk, "controld closed the connection"
        head += chunk
    length, kind, _ = struct.unpack(">IHH", head)
    body = b""
    while len(body) < length - 8:
        chunk = sock.recv(length - 8 - len(body))
        assert chunk, "controld closed the connection"
        body += chunk
    return kind, body


def first_string(body):
    assert body[0:1] == b"s"
    (n,) = struct.unpack(">I", body[1:5])
    return body[5:5 + n].decode()


class Worker:
    """A dataplane worker as controld sees it: HELLO, then pushes."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.sock.sendall(message(MSG_HELLO, u64(PROTO_VERSION) + text("pytest-worker")))
        kind, _ = read_message(self.sock)
        assert kind == MSG_HELLO

    def send(self, msg):
        self.sock.sendall(msg)
        return read_message(self.sock)

    def close(self):
        self.sock.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def controld(tmp_path):
    binary = program("SIGNET_CONTROLD", "control/signet-controld")
    ctl = program("SIGNETCTL", "control/ctl/signetctl")
    port = free_port()
    (tmp_path / "state").mkdir()
    conf = tmp_path / "signet.conf"
    conf.write_text('control {\n  socket = "ctl.sock"\n  state_dir = "state"\n'
                    f'  metrics_listen = "127.0.0.1:{port}"\n}}\n')
    sock = tmp_path / "ctl.sock"
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("signet-controld did not start: " + proc.stdout.read().decode())
        time.sleep(0.02)
    yield {"sock": str(sock), "port": port, "ctl": ctl}
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def http_get(port, method="GET", path="/metrics"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, resp.getheader("Content-Type"), body


def signetctl(env, *args):
    done = subprocess.run([env["ctl"], "-s", env["sock"], *args], capture_output=True,
                          text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pushed_sample(worker):
    # example.com/s2024: 10 processed, 7 signed (6 in (64,256] us, 1 in (256,1024] us),
    # 1 failed in (64,256] us, 2 skipped for want of a key; example.org by DomainKeys.
    dkim = entry(0, "example.com", "s2024", 10, 7, 1, [2, 0, 0], 50000, 2_000_000,
                 [0, 0, 7, 1] + [0] * 8)
    dk = entry(1, "Example.ORG", "dk", 3, 3, 0, [0, 0, 0], 900, 30000, [0, 3] + [0] * 10)
    kind, body = worker.send(push(4, [dkim, dk]))
    assert kind == MSG_RESULT, first_string(body)


def sample(exposition, line_start):
    for line in exposition.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split(" ")[-1])
    raise AssertionError(f"no sample {line_start}")


def test_metrics_after_a_push(controld):
    worker = Worker(controld["sock"])
    pushed_sample(worker)
    worker.close()
    status, ctype, body = http_get(controld["port"])
    assert status == 200
    assert ctype == "text/plain; version=0.0.4; charset=utf-8"
    labels = 'kind="dkim",domain="example.com",selector="s2024"'
    assert sample(body, f"signet_messages_total{{{labels},result=\"signed\"}}") == 7
    assert sample(body, f"signet_messages_total{{{labels},result=\"skipped_no_key\"}}") == 2
    assert sample(body, f'signet_messages_processed_total{{kind="domainkeys",'
                        f'domain="example.org",selector="dk"}}') == 3
    assert sample(body, 'signet_signing_duration_seconds_bucket{kind="dkim",le="0.000256"}') == 7
    assert sample(body, 'signet_signing_duration_seconds_count{kind="dkim"}') == 8
    assert sample(body, 'signet_signing_duration_seconds_sum{kind="dkim"}') == 0.002
    assert sample(body, 'signet_worker_messages_total{worker="4",kind="dkim",result="failed"}') == 1
    assert status == 200 and http_get(controld["port"], path="/")[0] == 404
    assert http_get(controld["port"], method="POST")[0] == 405


def test_promtool_accepts_the_exposition(controld):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package prometheus)")
    worker = Worker(controld["sock"])
    pushed_sample(worker)
    worker.close()
    _, _, body = http_get(controld["port"])
    check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                           text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_signing_stats_json_and_reset(controld):
    worker = Worker(controld["sock"])
    pushed_sample(worker)
    worker.close()
    glob = json.loads(signetctl(controld, "--json", "signing_stats"))
    assert list(glob["rows"][0].keys()) == ["scope", "kind"] + COLUMNS
    rows = {(r["scope"], r["kind"]): r for r in glob["rows"]}
    assert rows[("all", "dkim")]["signed"] == 7
    assert rows[("all", "dkim")]["avg_sign_us"] == 250
    assert rows[("all", "domainkeys")]["processed"] == 3
    assert rows[("worker:4", "dkim")]["skipped_no_key"] == 2
    dom = json.loads(signetctl(controld, "--json", "signing_stats", "example.com"))
    assert dom["title"] == "signing_stats example.com"
    assert list(dom["rows"][0].keys()) == ["kind", "selector"] + COLUMNS
    assert [(r["kind"], r["selector"], r["failed"]) for r in dom["rows"]] == [("dkim", "s2024", 1)]
    out = signetctl(controld, "signing_stats", "reset")
    assert "signing statistics reset (2 domain/selector rows dropped)" in out
    _, _, body = http_get(controld["port"])
    assert "example.com" not in body
    glob = json.loads(signetctl(controld, "--json", "signing_stats"))
    assert all(r["processed"] == 0 for r in glob["rows"])


def test_malformed_push_is_refused_whole(controld):
    worker = Worker(controld["sock"])
    good = entry(0, "good.example", "s", 1, 1, 0, [0, 0, 0], 10, 10, [1] + [0] * 11)
    bad = entry(7, "bad.example", "s", 1, 1, 0, [0, 0, 0], 10, 10, [1] + [0] * 11)
    kind, body = worker.send(push(1, [good, bad]))
    assert kind == MSG_ERROR
    assert "STATS_PUSH entry 1, kind" in first_string(body)
    _, _, metrics = http_get(controld["port"])
    assert "good.example" not in metrics
    worker.close()
    worker = Worker(controld["sock"])   # the daemon is still there
    kind, _ = worker.send(push(1, [good]))
    assert kind == MSG_RESULT
    worker.close()
    _, _, metrics = http_get(controld["port"])
    assert 'domain="good.example"' in metrics
