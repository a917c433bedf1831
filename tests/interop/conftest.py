"""
NAME
  conftest.py - pytest fixtures for signet's interoperability tests

SUMMARY
  signet   the binary under test (env SIGNET; the session fails without it)
  peers    {"dkimpy", "maildkim", "opendkim"} -> interop_helpers.Peer
  keyring  keys made once per session with `signet keygen` (RSA 2048 and
           Ed25519 for signing, RSA 1024 and 4096 for key-size cases;
           d=example.com) and the key table its output lines form
  A peer that is not installed or not built makes only the tests that need it
  skip, with the reason; see interop_helpers.py for the peer contract.
  When every test of the run skipped (none passed, failed or errored), pytest
  exits 77 instead of 0, which meson reports as SKIP rather than OK.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from interop_helpers import Signet, make_peers  # noqa: E402

# name: (key type, bits, selector); "rsa" and "ed25519" sign by default.
KEYS = {"rsa": ("rsa", None, "rsa2048"), "ed25519": ("ed25519", None, "ed1"),
        "rsa1024": ("rsa", 1024, "rsa1024"), "rsa4096": ("rsa", 4096, "rsa4096")}
ALGORITHM_KEY = {"rsa-sha256": "rsa", "rsa-sha1": "rsa", "ed25519-sha256": "ed25519"}


class Keyring:
    """Private keys made by signet keygen and the table publishing them."""

    def __init__(self, signet, directory):
        self.directory = directory
        self.table = directory / "keys.txt"
        self.records = {}
        self.keys = {}
        lines = []
        for name, (key_type, bits, selector) in KEYS.items():
            keyfile, line = signet.keygen(directory, key_type, selector, bits)
            self.keys[name] = (str(keyfile), selector)
            self.records[selector] = line
            lines.append(line)
        self.table.write_text("\n".join(lines) + "\n")

    def for_algorithm(self, algorithm):
        """Returns (keyfile, selector) of the key that signs with algorithm."""
        return self.keys[ALGORITHM_KEY[algorithm]]


SKIPPED_EXIT = 77   # meson's exit code for a skipped test


def pytest_sessionfinish(session, exitstatus):
    """Exit 77 when tests ran and all of them skipped."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus != pytest.ExitCode.OK or reporter is None:
        return
    ran = ("passed", "failed", "error", "xfailed", "xpassed")
    if reporter.stats.get("skipped") and not any(reporter.stats.get(k) for k in ran):
        session.exitstatus = SKIPPED_EXIT


@pytest.fixture(scope="session")
def signet():
    path = os.environ.get("SIGNET")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("SIGNET must name the signet binary (run through meson test)")
    return Signet(path)


@pytest.fixture(scope="session")
def peers():
    return make_peers()


@pytest.fixture(scope="session")
def keyring(signet, tmp_path_factory):
    return Keyring(signet, tmp_path_factory.mktemp("keys"))
