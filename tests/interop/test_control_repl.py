"""
NAME
  test_control_repl.py - signetctl's interactive console on a
  pseudo-terminal, against a real signet-controld (console_site.py)

SUMMARY
  - the REPL: the greeting, a command, help listing the usages, tab
    completion of a word and of the next one, a usage error that leaves the
    console running, quit with status 0; the history file (mode 0600)
    holds the commands typed;
  - a console left at its prompt past signet-controld's idle deadline
    (the daemon drops it) still runs the next command.
  dnsmasq (dnsmasq-base) is required by the site; without it the tests skip.
"""

import os
import pty
import re
import select
import signal
import time

import pytest

from console_site import create, site  # noqa: F401 (site: a fixture)
from control_helpers import HANG_GUARD, signetctl_path, wait_for


class Terminal:
    """signetctl on a pseudo-terminal."""

    def __init__(self, sock, home):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update(HOME=str(home), TERM="xterm")
            os.execv(signetctl_path(), ["signetctl", "-s", str(sock)])
        self.seen = b""

    def expect(self, pattern):
        """Reads until pattern (a regex on bytes) appears after what was
        matched before; returns the text read up to the match."""
        deadline = time.monotonic() + HANG_GUARD
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.seen)
            if m:
                before, self.seen = self.seen[:m.end()], self.seen[m.end():]
                return before
            left = deadline - time.monotonic()
            assert left > 0, f"no {pattern!r} in {self.seen!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"signetctl ended before {pattern!r}: {self.seen!r}"
                self.seen += chunk

    def type(self, keys):
        os.write(self.fd, keys)

    def wait(self):
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                os.read(self.fd, 4096)
            except OSError:
                time.sleep(0.02)
        os.kill(self.pid, signal.SIGKILL)
        pytest.fail("signetctl did not leave after quit")


def end_terminal(term):
    try:
        os.kill(term.pid, signal.SIGKILL)
        os.waitpid(term.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    os.close(term.fd)


def test_repl_prompt_help_completion_quit(site, tmp_path):
    create(site, "s2026a")
    term = Terminal(site.sock, tmp_path)
    try:
        greeting = term.expect(rb"signet> ")
        assert b"Connected to signet-controld 0.1.0" in greeting
        term.type(b"version\r")
        assert b"signet-controld 0.1.0 (control protocol 1)" in term.expect(rb"signet> ")
        term.type(b"help\r")
        listed = term.expect(rb"signet> ")
        for usage in (b"selector rotate <DOMAIN>", b"dns test <NAME> [<DOMAIN>]",
                      b"signing_stats reset", b"keycache flush [<DOMAIN>]"):
            assert usage in listed
        # "selec<TAB>" completes the word, "li<TAB>" the next one: typed
        # as they are, "selec li" would be a usage error
        term.type(b"selec\t")
        term.expect(rb"tor ")
        term.type(b"li\t")
        term.expect(rb"st ")
        term.type(b"\r")
        listed = term.expect(rb"signet> ")
        assert b"1 selectors" in listed, listed
        assert re.search(rb"s2026a +dkim +example\.com +new +state", listed), listed
        term.type(b"selector enable s2026a\r")     # a usage error: the console goes on
        assert b"signetctl: " in term.expect(rb"signet> ")
        term.type(b"quit\r")
        assert term.wait() == 0
    finally:
        end_terminal(term)
    # libedit's history file writes a blank as \040
    history = (tmp_path / ".signetctl_history").read_text().replace("\\040", " ")
    assert "\nversion\n" in history and "\nselector list \n" in history
    assert oct((tmp_path / ".signetctl_history").stat().st_mode & 0o777) == "0o600"


def test_repl_outlives_the_idle_deadline(site, tmp_path):
    """signet-controld drops a client idle for SG_DAEMON_IDLE_MS; a console
    left at its prompt that long still runs the next command."""
    term = Terminal(site.sock, tmp_path)
    try:
        term.expect(rb"signet> ")
        wait_for(lambda: f"pid {term.pid} dropped: nothing received" in site.daemon.log_text(),
                 "signet-controld to drop the idle console")
        term.type(b"version\r")
        out = term.expect(rb"signet> ")
        assert b"signet-controld 0.1.0 (control protocol 1)" in out and b"signetctl:" not in out
        term.type(b"quit\r")
        assert term.wait() == 0
    finally:
        end_terminal(term)
