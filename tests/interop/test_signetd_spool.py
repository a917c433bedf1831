"""
NAME
  test_signetd_spool.py - signetd --spool end to end: signet-controld holds
  the keys, signetd signs a spool folder, dkimpy verifies every output

SUMMARY
  A temporary signet.conf (control socket and state in the test's folder,
  two workers, a dkim_sign block with three keyed domains made by
  `signet keygen` under the key template, and a fourth domain without a
  key), signet-controld started on it, then signetd -c CONF --spool IN
  --out OUT on 200 generated messages (CRLF and LF files, four domains):
    - the --json object: messages, signed, skipped, failed, recovered,
      seconds, msgs_per_s, cpu_seconds; exit status 0;
    - every output of a keyed domain verifies with dkimpy (dkim.verify with
      a dnsfunc serving the records keygen printed), the body after the
      signature fields is the input byte for byte; the unkeyed domain's
      outputs are the inputs unchanged, counted as skipped;
    - IN holds no .eml afterwards, .done/ holds every input;
    - bad input (empty, not a message, over max_message_size) goes to
      .failed/ with a reason file and is counted as failed; a *.eml name
      with a control byte is reported, counted and left alone; the exit
      status is 3 (batch done, some inputs refused);
    - kill -9 at several random points (by the number of outputs already
      written) and a restart each time: in the end every input is in OUT
      exactly once, complete and verifying, none is left in IN, no temp
      file is left anywhere;
    - the first and the kill -9 case run twice: with the spool folders on
      the test's disk folder (file steps through io_uring) and on tmpfs
      under /dev/shm (plain calls; skipped where /dev/shm is not tmpfs);
    - --watch picks up files dropped in later; SIGTERM ends it with 0;
    - SIGTERM in the middle of a batch: exit 0 after the messages in
      flight, every output complete, each input either written or still in
      IN (never both, never lost); a second run finishes the batch;
    - the workers' counters reach signet-controld (signetctl --json
      signing_stats);
    - signet-controld restarted under a watching signetd: the connection
      comes back and a domain asked for after the restart is signed;
    - signet-controld down: every input stays where it is (exit 1), and a
      run once it is back signs them all;
    - command-line errors: exit 2 with the reason.
  Programs come from SIGNETD / SIGNET_CONTROLD, else from the build tree
  next to $SIGNET (skipped when not built).
"""

import grp
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from control_helpers import HANG_GUARD, program, wait_for
from signetd_helpers import (check_signed, make_keys, sigterm, start_controld,
                             stop_controld)

KEYED = {"example.com": "s1", "example.org": "s2", "mail.example.net": "s3"}
UNKEYED = "nokey.example"
DOMAINS = list(KEYED) + [UNKEYED]
MAX_MESSAGE = 65536


def memory_folder():
    """A fresh folder on tmpfs (/dev/shm), or a skip where there is none."""
    with open("/proc/mounts", encoding="utf-8") as mounts:
        if not any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts):
            pytest.skip("/dev/shm is not tmpfs here")
    return pathlib.Path(tempfile.mkdtemp(prefix="signet-spool-", dir="/dev/shm"))


@pytest.fixture
def site(request, tmp_path):
    """Keys, configuration and a running signet-controld; the spool folders
    (in/, out/, staging/) under the test's folder on disk, or on tmpfs when
    the test is parametrized with "memory" (signetd then makes the file
    steps with plain calls)."""
    in_memory = getattr(request, "param", "disk") == "memory"
    spool = memory_folder() if in_memory else tmp_path
    records = make_keys(tmp_path, KEYED)
    (tmp_path / "state").mkdir()
    group = grp.getgrgid(os.getgid()).gr_name
    domains = "".join(f'  dk_domain "{d}" {{ selector = "{s}" }}\n' for d, s in KEYED.items())
    conf = tmp_path / "signet.conf"
    conf.write_text('control {\n  socket = "ctl.sock"\n  state_dir = "state"\n'
                    f'  metrics_listen = ""\n  admin_group = "{group}"\n}}\n'
                    "dataplane {\n  workers = 2\n}\n"
                    f"esmtp_listener {{\n  max_message_size = {MAX_MESSAGE}\n}}\n"
                    'dkim_sign "main" {\n  key = "keys/%{d}/%{s}.key"\n' + domains + "}\n")
    state = {"dir": tmp_path, "spool": spool, "conf": conf, "records": records,
             "signetd": program("SIGNETD", "dataplane/signetd/signetd"),
             "controld": start_controld(tmp_path, conf)}
    try:
        yield state
        stop_controld(state["controld"])
    finally:
        if in_memory:
            shutil.rmtree(spool, ignore_errors=True)


def make_messages(folder, count, seed=1):
    """count messages over DOMAINS (every third with LF line ends); returns
    {file name: (domain, bytes)}."""
    rng = random.Random(seed)
    folder.mkdir(exist_ok=True)
    made = {}
    for i in range(count):
        domain = DOMAINS[i % len(DOMAINS)]
        body = "".join(f"line {j} of message {i} {rng.random()}\n" for j in range(rng.randint(1, 30)))
        text = (f"From: Sender {i} <sender{i}@{domain}>\nTo: rcpt@example.org\n"
                f"Subject: message {i}\nDate: Sun, 22 Nov 2026 10:00:00 +0000\n"
                f"Message-ID: <{i}.{seed}@{domain}>\n\n{body}")
        raw = text.encode() if i % 3 == 0 else text.replace("\n", "\r\n").encode()
        name = f"msg{i:04d}.eml"
        (folder / name).write_bytes(raw)
        made[name] = (domain, raw)
    return made


def run_signetd(site, *extra, check=True):
    done = subprocess.run([site["signetd"], "-c", str(site["conf"]), "--spool",
                           str(site["spool"] / "in"), "--out", str(site["spool"] / "out"),
                           "--json", *extra], capture_output=True, timeout=HANG_GUARD * 4)
    if check:
        assert done.returncode == 0, done.stderr.decode()
    return done


def start_signetd(site, *extra):
    """signetd on IN/OUT in the background (stdout and stderr piped)."""
    return subprocess.Popen([site["signetd"], "-c", str(site["conf"]), "--spool",
                             str(site["spool"] / "in"), "--out", str(site["spool"] / "out"),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def start_watching(site):
    inbox = site["spool"] / "in"
    inbox.mkdir()
    proc = start_signetd(site, "--watch", "--json")
    wait_for(lambda: (inbox / ".done").exists() or proc.poll() is not None,
             "signetd to start")
    return proc


def move_in(site, made):
    """Moves staged messages into IN whole, as a spool wants them."""
    for name in made:
        os.rename(site["spool"] / "staging" / name, site["spool"] / "in" / name)


def check_outputs(site, made):
    """Every input is in OUT exactly once, complete; keyed ones verify."""
    out = site["spool"] / "out"
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted(made), "outputs differ from inputs"
    for name, (domain, raw) in made.items():
        check_signed(site, domain, name, (out / name).read_bytes(), raw)
    assert not [p for p in (site["spool"] / "in").iterdir()
                if p.name.endswith(".eml") and "\t" not in p.name]
    leftovers = [p for d in (out, site["spool"] / "in" / ".failed")
                 for p in d.iterdir() if p.name.startswith(".signetd-tmp.")]
    assert leftovers == []


@pytest.mark.parametrize("site", ["disk", "memory"], indirect=True)
def test_spool_signs_every_message(site):
    made = make_messages(site["spool"] / "in", 200)
    done = run_signetd(site)
    summary = json.loads(done.stdout)
    unkeyed = sum(1 for d, _ in made.values() if d == UNKEYED)
    assert summary["messages"] == 200
    assert summary["signed"] == 200 - unkeyed
    assert summary["skipped"] == unkeyed
    assert summary["failed"] == 0 and summary["recovered"] == 0
    assert summary["seconds"] > 0 and summary["msgs_per_s"] > 0
    assert 0 < summary["cpu_seconds"] < 60
    assert summary["workers"] == 2
    check_outputs(site, made)
    assert sorted(p.name for p in (site["spool"] / "in" / ".done").iterdir()) == sorted(made)
    # the workers' counters reached signet-controld (STATS_PUSH)
    ctl = subprocess.run([program("SIGNETCTL", "control/ctl/signetctl"), "-s",
                          str(site["dir"] / "ctl.sock"), "--json", "signing_stats"],
                         capture_output=True, text=True, timeout=HANG_GUARD)
    assert ctl.returncode == 0, ctl.stderr
    rows = {(r["scope"], r["kind"]): r for r in json.loads(ctl.stdout)["rows"]}
    assert rows[("all", "dkim")]["processed"] == 200
    assert rows[("all", "dkim")]["signed"] == 200 - unkeyed
    assert rows[("all", "dkim")]["skipped_no_key"] == unkeyed
    assert {k[0] for k in rows} >= {"worker:0", "worker:1"}


def test_bad_input_goes_to_failed_with_a_reason(site):
    made = make_messages(site["spool"] / "in", 4)
    inbox = site["spool"] / "in"
    (inbox / "empty.eml").write_bytes(b"")
    (inbox / "prose.eml").write_bytes(b"Dear friend, this is no message\n")
    (inbox / "huge.eml").write_bytes(b"From: a@example.com\n\n" + b"x" * MAX_MESSAGE)
    (inbox / "notes.txt").write_bytes(b"not *.eml: left alone\n")
    (inbox / "tab\there.eml").write_bytes(b"From: a@example.com\n\nx\n")
    done = run_signetd(site, check=False)
    assert done.returncode == 3, done.stderr.decode()
    assert b"4 input(s) refused as bad input" in done.stderr
    summary = json.loads(done.stdout)
    assert (summary["messages"], summary["failed"]) == (8, 4)
    assert b"tab?here.eml: not taken: a control byte in the name" in done.stderr
    assert (inbox / "tab\there.eml").exists()
    failed = inbox / ".failed"
    reasons = {n: (failed / f"{n}.reason").read_text() for n in
               ("empty.eml", "prose.eml", "huge.eml")}
    assert "empty" in reasons["empty.eml"]
    assert "not a message: line 1" in reasons["prose.eml"]
    assert f"the limit is {MAX_MESSAGE}" in reasons["huge.eml"]
    assert all((failed / n).exists() for n in reasons)
    assert (inbox / "notes.txt").exists()
    assert b"prose.eml" in done.stderr
    check_outputs(site, made)


@pytest.mark.parametrize("site", ["disk", "memory"], indirect=True)
def test_kill9_at_random_points_loses_nothing(site):
    made = make_messages(site["spool"] / "in", 200, seed=7)
    out = site["spool"] / "out"
    rng = random.Random(20261122)
    mid_batch_kills = 0
    for _ in range(4):
        target = rng.randint(1, 199)
        proc = subprocess.Popen([site["signetd"], "-c", str(site["conf"]), "--spool",
                                 str(site["spool"] / "in"), "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + HANG_GUARD
        while proc.poll() is None and time.monotonic() < deadline:
            if out.exists() and len(os.listdir(out)) >= target:
                break
            time.sleep(0.001)
        if proc.poll() is None:
            proc.kill()
            mid_batch_kills += 1
        proc.wait(timeout=HANG_GUARD)
        if not [p for p in (site["spool"] / "in").iterdir() if p.name.endswith(".eml")]:
            break
    assert mid_batch_kills > 0, "signetd finished before any kill: nothing was tested"
    done = run_signetd(site)
    summary = json.loads(done.stdout)
    assert summary["failed"] == 0
    check_outputs(site, made)


def test_watch_takes_new_files_until_sigterm(site):
    proc = start_watching(site)
    made = make_messages(site["spool"] / "staging", 20, seed=3)
    move_in(site, made)
    wait_for(lambda: len(os.listdir(site["spool"] / "in" / ".done")) == 20
             or proc.poll() is not None, "the watched files to be signed")
    summary, _ = sigterm(proc)
    assert summary["messages"] == 20 and summary["failed"] == 0
    check_outputs(site, made)


def test_sigterm_mid_batch_finishes_what_is_in_flight(site):
    made = make_messages(site["spool"] / "in", 600, seed=11)
    out = site["spool"] / "out"
    proc = start_signetd(site, "--json")
    wait_for(lambda: (out.exists() and len(os.listdir(out)) >= 30) or proc.poll() is not None,
             "signetd to write some outputs")
    summary, stderr = sigterm(proc)
    written = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert not [p for p in out.iterdir() if p.name.startswith(".signetd-tmp.")], \
        "a temp file was left"
    assert summary["signed"] + summary["skipped"] == len(written)
    for name in written:            # what is there is complete
        assert (out / name).read_bytes().endswith(made[name][1])
    left = [p.name for p in (site["spool"] / "in").iterdir() if p.name.endswith(".eml")]
    assert sorted(left + written) == sorted(made)     # each input exactly once somewhere
    if summary["messages"] < 600:
        assert b"finishing the messages in flight" in stderr
    run_signetd(site)
    check_outputs(site, made)


def test_controld_restart_is_survived(site):
    done = site["spool"] / "in" / ".done"
    proc = start_watching(site)
    first = {n: v for n, v in make_messages(site["spool"] / "staging", 8, seed=5).items()
             if v[0] == "example.com"}
    move_in(site, first)
    wait_for(lambda: len(os.listdir(done)) == len(first), "the first files")
    stop_controld(site["controld"])
    site["controld"] = start_controld(site["dir"], site["conf"])
    second = {n: v for n, v in make_messages(site["spool"] / "staging", 8, seed=6).items()
              if v[0] == "example.org"}      # needs a new KEY_REQUEST
    move_in(site, second)
    wait_for(lambda: len(os.listdir(done)) == len(first) + len(second)
             or proc.poll() is not None, "the files after the restart")
    summary, stderr = sigterm(proc)
    assert b"control connection down" in stderr
    assert summary["signed"] == len(first) + len(second)
    check_outputs(site, {**first, **second})


def test_command_line(site):
    sd, conf = site["signetd"], str(site["conf"])

    def run(*args):
        return subprocess.run([sd, *args], capture_output=True, text=True, timeout=HANG_GUARD)

    done = run("--help")
    assert done.returncode == 0 and "--spool IN_DIR" in done.stdout
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("signetd ")
    done = run("-c", conf, "--spool", "in")
    assert done.returncode == 2 and "--spool needs --out OUT_DIR" in done.stderr
    done = run("-c", str(site["dir"] / "missing.conf"), "--spool", "a", "--out", "b")
    assert done.returncode == 2 and "missing.conf" in done.stderr
    no_listener = site["dir"] / "no-listener.conf"    # without --spool: relay mode
    no_listener.write_text(re.sub(r"esmtp_listener \{[^}]*\}\n", "", site["conf"].read_text()))
    done = run("-c", str(no_listener))
    assert done.returncode == 2 and "nothing to do" in done.stderr
    done = run("-c", conf, "--spool", str(site["dir"] / "nowhere"), "--out",
               str(site["spool"] / "out"))
    assert done.returncode == 2 and "spool folder" in done.stderr
    # A wrong eal_args: DPDK's complaint and usage text go to stderr, never to
    # stdout, which carries --json.
    bad_eal = site["dir"] / "bad-eal.conf"
    bad_eal.write_text(site["conf"].read_text().replace(
        "dataplane {\n", 'dataplane {\n  eal_args = "--no-huge --no-shconf --no-pci --bogus-eal"\n'))
    (site["spool"] / "in").mkdir(exist_ok=True)
    done = run("-c", str(bad_eal), "--spool", str(site["spool"] / "in"), "--out",
               str(site["spool"] / "out"), "--json")
    assert done.returncode == 2 and "DPDK EAL initialisation failed" in done.stderr
    assert done.stdout == ""


def test_controld_down_loses_nothing(site):
    made = make_messages(site["spool"] / "in", 4)
    stop_controld(site["controld"])
    done = run_signetd(site, check=False)
    assert done.returncode == 1, done.stderr.decode()
    summary = json.loads(done.stdout)
    # without controld no domain has an answer, not even "no key"
    assert (summary["failed"], summary["signed"], summary["skipped"]) == (4, 0, 0)
    assert b"left in place" in done.stderr and b"control connection down" in done.stderr
    left = sorted(p.name for p in (site["spool"] / "in").iterdir() if p.name.endswith(".eml"))
    assert left == sorted(made)
    assert not [p for p in (site["spool"] / "out").iterdir() if not p.name.startswith(".")]
    site["controld"] = start_controld(site["dir"], site["conf"])
    run_signetd(site)
    check_outputs(site, made)
