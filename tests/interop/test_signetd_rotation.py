"""
NAME
  test_signetd_rotation.py - key rotation under load: signetd --spool
  --watch keeps signing a steady stream of messages while signetctl
  creates and enables a new selector

SUMMARY
  signet-controld with a dkim_sign scope for example.com whose keycache
  TTL is one second (pos_keycache_ttl = 1s); the selector OLD is made and
  enabled with signetctl before signetd starts (two workers, --spool IN
  --out OUT --watch --json). The test drops messages into IN one by one
  (each written aside and renamed in whole) and notes, in one event log,
  every drop and every output it sees appear in OUT. While it keeps
  dropping it runs `signetctl selector create NEW --domain example.com`
  (its record joins OLD's in the DNS answers dkimpy is given) and then
  `signetctl selector enable NEW example.com`. It goes on dropping until
  the first output signed with s=NEW appears (waited for with the hang
  guard only: with the TTL the switch comes within about a second; a
  signetd that kept the old key would fail here), drops some more, waits
  for all of them, and stops signetd with SIGTERM. Then:
    - the summary counts every message signed, none failed, exit 0;
    - every output verifies with dkimpy and carries the input unchanged;
    - every output seen before the rotation began is signed with OLD;
    - every message dropped after the first NEW output was seen is signed
      with NEW (it was read after the new key was installed, and the
      workers share one key table, so no worker can still use OLD);
    - both selectors signed something.
  Nothing is timed: the assertions are about order.
  Programs come from SIGNETD / SIGNET_CONTROLD / SIGNETCTL, else from the
  build tree next to $SIGNET (skipped when not built).

UNTRUSTED INPUT
  None: our own programs' output.
"""

import grp
import json
import os
import re
import subprocess
import time

import dkim
import pytest

from control_helpers import HANG_GUARD, program, wait_for
from signetd_helpers import dnsfunc_for, sigterm, start_controld, stop_controld

DOMAIN = "example.com"
OLD, NEW = "old2026", "new2026"
AFTER_SWITCH = 40           # messages dropped once the first NEW output is seen
DROP_PAUSE = 0.005          # seconds between drops: a steady stream, not a flood


class Stream:
    """Drops numbered messages into IN and logs drops and outputs in order."""

    def __init__(self, folder):
        self.inbox, self.out = folder / "in", folder / "out"
        self.staging = folder / "staging"
        self.staging.mkdir()
        self.made = {}                  # name -> bytes
        self.log = []                   # ("drop", name) / ("out", name) / ("mark", what)
        self.selectors = {}             # output seen -> its s=

    def drop(self):
        n = len(self.made)
        name = f"m{n:05d}.eml"
        raw = (f"From: Sender {n} <sender{n}@{DOMAIN}>\r\nTo: rcpt@example.org\r\n"
               f"Subject: message {n} of the rotation stream\r\n"
               f"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
               f"Message-ID: <{n}.rotation@{DOMAIN}>\r\n\r\n"
               f"Body of message {n}.\r\n").encode()
        (self.staging / name).write_bytes(raw)
        os.rename(self.staging / name, self.inbox / name)
        self.made[name] = raw
        self.log.append(("drop", name))

    def look(self):
        """Logs the outputs that appeared since the last look (an output is
        complete once it has its name: renamed after its fsync; temp files
        start with a dot)."""
        for name in sorted(n for n in os.listdir(self.out) if n.endswith(".eml") and
                           not n.startswith(".") and n not in self.selectors):
            self.selectors[name] = selector_of((self.out / name).read_bytes())
            self.log.append(("out", name))

    def all_out(self):
        self.look()
        return len(self.selectors) == len(self.made)

    def feed_while(self, busy, what, guard=HANG_GUARD):
        """Drops and looks until busy() is false (a hang guard only)."""
        deadline = time.monotonic() + guard
        while busy():
            assert time.monotonic() < deadline, f"hang guard: still waiting for {what}"
            self.drop()
            self.look()
            time.sleep(DROP_PAUSE)


def selector_of(data):
    match = re.search(rb"DKIM-Signature:.*?\bs=([^;\s]+)", data, re.S)
    assert match, "no DKIM-Signature with s="
    return match.group(1).decode()


@pytest.fixture
def site(tmp_path):
    """signet-controld with OLD enabled for DOMAIN, keycache TTL 1 s."""
    (tmp_path / "state").mkdir()
    group = grp.getgrgid(os.getgid()).gr_name
    conf = tmp_path / "signet.conf"
    conf.write_text('control {\n  socket = "ctl.sock"\n  state_dir = "state"\n'
                    f'  metrics_listen = ""\n  admin_group = "{group}"\n}}\n'
                    "dataplane {\n  workers = 2\n}\n"
                    'dkim_sign "main" {\n  key = "keys/%{d}/%{s}.key"\n'
                    "  pos_keycache_ttl = 1s\n"
                    f'  dk_domain "{DOMAIN}" {{ lifetime = 1d }}\n}}\n')
    state = {"dir": tmp_path, "conf": conf, "records": {},
             "signetd": program("SIGNETD", "dataplane/signetd/signetd"),
             "signetctl": program("SIGNETCTL", "control/ctl/signetctl"),
             "controld": start_controld(tmp_path, conf)}
    create_selector(state, OLD).wait(timeout=HANG_GUARD)
    enable_selector(state, OLD).wait(timeout=HANG_GUARD)
    yield state
    stop_controld(state["controld"])


def ctl(site, *words):
    """signetctl --json WORDS in the background; the answer is read later."""
    return subprocess.Popen([site["signetctl"], "-s", str(site["dir"] / "ctl.sock"), "--json",
                             *words], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class Answer:
    """A signetctl run in the background; once it has ended, its status is
    checked and on_done(JSON answer) applied."""

    def __init__(self, proc, on_done=None):
        self.proc, self.on_done = proc, on_done

    def running(self):
        if self.proc.poll() is None:
            return True
        self.wait(timeout=HANG_GUARD)
        return False

    def wait(self, timeout):
        stdout, stderr = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, stderr.decode()
        if self.on_done:
            self.on_done(json.loads(stdout))
            self.on_done = None
        return self


def create_selector(site, name):
    def publish(answer):
        txt = next(r["value"] for r in answer["rows"] if r["field"] == "txt")
        site["records"][f"{name}._domainkey.{DOMAIN}"] = txt.encode()
    return Answer(ctl(site, "selector", "create", name, "--domain", DOMAIN), publish)


def enable_selector(site, name):
    return Answer(ctl(site, "selector", "enable", name, DOMAIN))


def test_rotation_under_load_switches_selector_in_order(site):
    folder = site["dir"]
    (folder / "in").mkdir()
    stream = Stream(folder)
    proc = subprocess.Popen([site["signetd"], "-c", str(site["conf"]), "--spool",
                             str(folder / "in"), "--out", str(folder / "out"), "--watch",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (folder / "out").exists() or proc.poll() is not None,
                 "signetd to start")
        assert proc.poll() is None, proc.stderr.read().decode()
        # the stream runs with OLD until outputs come out steadily
        stream.feed_while(lambda: len(stream.selectors) < 20, "the first outputs")
        stream.log.append(("mark", "rotation"))
        stream.feed_while(create_selector(site, NEW).running, "selector create")
        stream.feed_while(enable_selector(site, NEW).running, "selector enable")
        assert f"{NEW}._domainkey.{DOMAIN}" in site["records"]
        stream.feed_while(lambda: NEW not in stream.selectors.values(),
                          "the first output signed with the new selector")
        stream.log.append(("mark", "switched"))
        for _ in range(AFTER_SWITCH):
            stream.drop()
            time.sleep(DROP_PAUSE)
        wait_for(lambda: stream.all_out() or proc.poll() is not None,
                 "every message to be signed")
        summary, stderr = sigterm(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check_stream(site, stream, summary, stderr)


def check_stream(site, stream, summary, stderr):
    made = stream.made
    assert summary["messages"] == len(made), stderr.decode()
    assert (summary["signed"], summary["failed"]) == (len(made), 0), stderr.decode()
    dnsfunc = dnsfunc_for(site["records"])
    used = stream.selectors
    for name, raw in made.items():
        data = (stream.out / name).read_bytes()
        assert data.endswith(raw), f"{name}: the message after the signature is not the input"
        assert dkim.verify(data, dnsfunc=dnsfunc), f"{name}: dkimpy does not verify it"
    assert set(used.values()) == {OLD, NEW}, used
    rotation = stream.log.index(("mark", "rotation"))
    before = [n for kind, n in stream.log[:rotation] if kind == "out"]
    assert before and all(used[n] == OLD for n in before), \
        [n for n in before if used[n] != OLD]
    switched = stream.log.index(("mark", "switched"))
    after = [n for kind, n in stream.log[switched:] if kind == "drop"]
    assert len(after) == AFTER_SWITCH
    assert all(used[n] == NEW for n in after), [n for n in after if used[n] != NEW]
