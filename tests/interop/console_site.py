"""
NAME
  console_site.py - one signet appliance for the control-console tests: a
  real signet-controld, signetctl and a dnsmasq on a loopback port

SUMMARY
  Site(folder) writes a configuration in folder (socket, state directory,
  metrics on a free port, resolver = its own dnsmasq, admin_group) with a
  dkim_sign scope "main" (key = "keys/%{d}/%{s}.key", dk_domain
  example.com) and a dk_sign scope "legacy", starts signet-controld on it
  and opens a Console (control_helpers.py) on its socket. The `site`
  fixture is one Site in the test's temporary folder, closed afterwards;
  create(site, NAME, ...) is `selector create NAME --domain DOMAIN`.
  Shared by test_control_console.py and test_control_repl.py.
"""

import grp
import pathlib
import socket

import pytest

from control_helpers import Console, Daemon, Dnsmasq, control_block, unused_port

DOMAIN = "example.com"
SCOPES = """
dkim_sign "main" {
  header_canon = relaxed
  body_canon = relaxed
  key = "keys/%{d}/%{s}.key"
  dk_domain "example.com" { lifetime = 1d }
}
dk_sign "legacy" {
  key = "dkkeys/%{d}/%{s}.key"
}
"""

def admin_group():
    for name in ("adm", "daemon"):
        try:
            grp.getgrnam(name)
            return name
        except KeyError:
            continue
    return ""


class Site:
    """One appliance: config, daemon, console, DNS server, in folder."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.dns = Dnsmasq(self.folder)
        self.dns.serve({})
        self.sock = self.folder / "ctl.sock"
        self.conf = self.folder / "signet.conf"
        self.control = control_block("ctl.sock", "state", unused_port(socket.SOCK_STREAM),
                                     f"127.0.0.1:{self.dns.port}", admin_group())
        self.write_config(SCOPES)
        self.daemon = Daemon(self.conf, self.sock, self.folder / "controld.log").start()
        self.ctl = Console(self.sock)

    def write_config(self, scopes):
        self.conf.write_text(self.control + scopes)

    def restart(self):
        assert self.daemon.stop() == 0, self.daemon.log_text()
        self.daemon.start()

    def close(self):
        if self.daemon.running():
            self.daemon.stop()
        self.dns.stop()


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path)
    yield s
    s.close()


def create(site, name, *options):
    answer = site.ctl.json("selector", "create", name, "--domain", DOMAIN, *options)
    assert answer["title"] == "selector create"
    return answer
