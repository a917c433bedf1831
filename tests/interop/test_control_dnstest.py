"""
NAME
  test_control_dnstest.py - `signetctl dns test` does not hold up
  signet-controld: its lookups run off the daemon's poll loop

SUMMARY
  signet-controld's resolver is a UDP socket of the test on 127.0.0.1 that
  reads every query and never answers (a DNS server gone silent), so a
  dns test waits for the resolver's timeout (two attempts). While a
  console's `dns test` waits - the test has seen its first query - other
  clients are served: `signetctl selector list` and a dataplane worker's
  KEY_REQUEST are answered before the resolver's second attempt and while
  the dns test's signetctl still runs; the dns test then reports "lookup
  failed" (exit 1).
  A console killed while its dns test waits: the daemon goes on serving
  and logs that the answer had nobody to go to. "shutdown" while a dns
  test waits: the daemon lets the lookup under way end, answers it and
  exits 0, within the hang guard. The order of events is asserted, not a
  wall-clock threshold.
"""

import json
import pathlib
import signal
import socket
import subprocess
import threading

import pytest

from control_helpers import (HANG_GUARD, MSG_KEY_MATERIAL, MSG_KEY_REQUEST, Console,
                             Daemon, Wire, control_block, field_str, field_u64, frame,
                             signetctl_path, unused_port, wait_for)

DOMAIN = "example.com"
SCOPES = """
dkim_sign "main" {
  key = "keys/%{d}/%{s}.key"
  dk_domain "example.com" { }
}
"""


class SilentDns:
    """A UDP socket on 127.0.0.1 that reads queries, counts them and drops
    them."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        self.running = True
        self.thread = threading.Thread(target=self._drop, daemon=True)
        self.thread.start()

    def _drop(self):
        while self.running:
            try:
                self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.queries += 1

    def close(self):
        self.running = False
        self.thread.join(timeout=HANG_GUARD)
        self.sock.close()


class Site:
    """signet-controld resolving through a SilentDns, selector s1 created
    for example.com."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.dns = SilentDns()
        self.sock = self.folder / "ctl.sock"
        self.conf = self.folder / "signet.conf"
        self.conf.write_text(control_block("ctl.sock", "state",
                                           unused_port(socket.SOCK_STREAM),
                                           f"127.0.0.1:{self.dns.port}", "") + SCOPES)
        self.daemon = Daemon(self.conf, self.sock, self.folder / "controld.log").start()
        self.ctl = Console(self.sock)
        self.ctl.ok("selector", "create", "s1", "--domain", DOMAIN)

    def start_dns_test(self):
        """signetctl --json dns test s1 example.com in the background, once
        its first query has reached the silent server."""
        seen = self.dns.queries
        proc = subprocess.Popen([signetctl_path(), "-s", str(self.sock), "--json", "dns",
                                 "test", "s1", DOMAIN], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        wait_for(lambda: self.dns.queries > seen or proc.poll() is not None,
                 "the dns test's query")
        assert proc.poll() is None, proc.communicate()
        return proc

    def close(self):
        if self.daemon.running():
            self.daemon.stop()
        self.dns.close()


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path)
    yield s
    s.close()


def finish(proc):
    out, err = proc.communicate(timeout=HANG_GUARD)
    return proc.returncode, out, err


def key_request(sock):
    w = Wire(sock)
    try:
        w.greet("signetd pytest")
        return w.request(frame(MSG_KEY_REQUEST, field_u64(0) + field_str(DOMAIN)))
    finally:
        w.close()


def test_others_are_served_while_a_dns_test_waits(site):
    first = site.dns.queries
    proc = site.start_dns_test()
    listed = site.ctl.json("selector", "list")
    assert [(r["selector"], r["domain"]) for r in listed["rows"]] == [("s1", DOMAIN)]
    kind, fields = key_request(site.sock)
    assert kind == MSG_KEY_MATERIAL, fields
    # Both answered while the dns test still waits for its first attempt
    # (a blocked loop would have answered them after both attempts).
    assert site.dns.queries == first + 1
    assert proc.poll() is None, "the dns test ended before the others were answered"
    status, out, err = finish(proc)
    assert site.dns.queries == first + 2     # the resolver's two attempts
    assert status == 1, err
    answer = json.loads(out)
    assert [(r["selector"], r["domain"], r["result"]) for r in answer["rows"]] == \
        [("s1", DOMAIN, "lookup failed")]
    assert answer["message"] == "failed: 1 of 1 records not found and matching"


def test_a_console_that_leaves(site):
    proc = site.start_dns_test()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=HANG_GUARD)
    assert "signet-controld" in site.ctl.ok("version")
    wait_for(lambda: "dns test s1: the client left before the answer" in
             site.daemon.log_text(), "the dropped answer in the log")
    assert site.daemon.running()
    site.ctl.ok("selector", "list")


def test_shutdown_while_a_dns_test_waits(site):
    proc = site.start_dns_test()
    assert "shutting down" in site.ctl.ok("shutdown")
    assert site.daemon.wait() == 0
    status, out, err = finish(proc)
    assert status == 1, err
    assert json.loads(out)["rows"][0]["result"] == "lookup failed"
    assert "waiting for 1 dns test to stop" in site.daemon.log_text()
