"""
NAME
  test_demo.py - scripts/demo.sh, the README's first command, end to end:
  the appliance demo with a small campaign, as root and as an ordinary
  user, and stopped halfway with Ctrl-C

SUMMARY
  demo.sh runs with SIGNET_SKIP_DEPS=1 (no apt-get) and SIGNET_BUILD_DIR =
  the build tree of this test run (taken from $SIGNET; nothing is built),
  --messages 300 and --out in the test's folder. Tests:
    - a run: exit 0; the summary line counts 300 sent, accepted and at the
      sink and 50 of 50 sampled messages verified (and verify.txt, written
      by dkimpy, says the same); signetd's own summary says 300 signed;
      keys.txt holds the three published records; every daemon whose pid
      the demo printed is gone;
    - the same as another user (nobody, via setpriv) when this test runs
      as root and that user can read the build tree and the sources;
      skipped otherwise, with the reason;
    - Ctrl-C (SIGINT to the demo's process group) while the campaign is
      being sent: exit 130 and no daemon left running;
    - a bad option: usage, exit 2, nothing started; an --out folder with
      files of something else: exit 1, left as it was.
  The tests skip when signet-bench has no smtp-load/smtp-sink commands
  (the bench tools the demo drives). Timeouts are only hang guards.
"""

import os
import pathlib
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

HANG_GUARD = 180
MESSAGES = 300
SUMMARY = re.compile(r"^summary: messages=(\d+) accepted=(\d+) at_sink=(\d+) "
                     r"verified=(\d+)/(\d+)$", re.M)
DAEMONS = re.compile(r"^daemons \(name pid\): (.*), all stopped with exit status 0", re.M)


def source_root():
    return pathlib.Path(os.environ.get("SIGNET_SRCDIR") or
                        pathlib.Path(__file__).resolve().parents[2])


def build_dir():
    signet = os.environ.get("SIGNET")
    if not signet or not os.access(signet, os.X_OK):
        pytest.skip("SIGNET is not set: no build tree to run the demo from")
    build = pathlib.Path(signet).resolve().parents[1]
    bench = build / "bench" / "signet-bench"
    if not os.access(bench, os.X_OK):
        pytest.skip(f"{bench} is not built")
    usage = subprocess.run([bench, "--help"], capture_output=True, text=True,
                           timeout=HANG_GUARD)
    if "smtp-load" not in usage.stdout + usage.stderr:
        pytest.skip("signet-bench has no smtp-load command yet")
    for program in ("control/signet-controld", "control/ctl/signetctl",
                    "dataplane/signetd/signetd"):
        if not os.access(build / program, os.X_OK):
            pytest.skip(f"{build / program} is not built")
    return build


def demo_command(out, *extra):
    return [str(source_root() / "scripts" / "demo.sh"), "--out", str(out), *extra]


def demo_env(build):
    env = dict(os.environ, SIGNET_SKIP_DEPS="1", SIGNET_BUILD_DIR=str(build),
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("XDG_RUNTIME_DIR", None)
    return env


def gone(pid, name):
    """pid is not a running process called name (a reused pid is another program)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        return True
    return state == "Z" or name.encode() not in cmdline


def check_run(result, out):
    text = result.stdout + result.stderr
    assert result.returncode == 0, text[-4000:]
    summary = SUMMARY.findall(result.stdout)
    assert summary == [(str(MESSAGES),) * 3 + ("50", "50")], text[-4000:]
    verify = (out / "verify.txt").read_text()
    assert verify.count("dkim=pass d=example.") == 50, verify
    assert verify.rstrip().endswith("verified: 50 of 50 messages in sample pass"), verify
    assert len(list((out / "sample").glob("*.eml"))) == 50
    assert f"{MESSAGES} message(s): {MESSAGES} signed, 0 unsigned" in \
        (out / "signetd.log").read_text()
    records = (out / "keys.txt").read_text().splitlines()
    assert [r.split()[0] for r in records] == [
        "com2026._domainkey.example.com", "net2026._domainkey.example.net",
        "org2026._domainkey.example.org"]
    assert all(" v=DKIM1; k=rsa; p=" in r for r in records)
    assert "signing_stats" in result.stdout and "libopendkim alone on one core" in result.stdout
    daemons = DAEMONS.search(result.stdout)
    assert daemons, result.stdout[-2000:]
    started = dict(reversed(item.rsplit(" ", 1)) for item in daemons[1].split(", "))
    assert set(started.values()) == {"signet-controld", "sink", "signetd"}, started
    for pid, name in started.items():
        program = "signet-bench" if name == "sink" else name
        assert gone(int(pid), program), f"{name} (pid {pid}) is still running"


def test_demo_runs(tmp_path):
    build = build_dir()
    out = tmp_path / "out"
    result = subprocess.run(demo_command(out, "--messages", str(MESSAGES)),
                            env=demo_env(build), capture_output=True, text=True,
                            timeout=HANG_GUARD)
    check_run(result, out)


def readable_by(uid, gid, paths):
    probe = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                            "test", "-r", str(paths[0])] +
                           [a for p in paths[1:] for a in ("-a", "-r", str(p))],
                           capture_output=True, timeout=HANG_GUARD)
    return probe.returncode == 0


def test_demo_as_ordinary_user(tmp_path):
    build = build_dir()
    if os.geteuid() != 0:
        pytest.skip("not root: this run already is an ordinary user's")
    if shutil.which("setpriv") is None:
        pytest.skip("no setpriv to switch users")
    user = pwd.getpwnam("nobody")
    needed = [build / "bench" / "signet-bench", build / "dataplane" / "signetd" / "signetd",
              source_root() / "scripts" / "demo.sh",
              source_root() / "dist" / "demo" / "signet-demo.conf"]
    if not readable_by(user.pw_uid, user.pw_gid, needed):
        pytest.skip("nobody cannot read the build tree or the sources")
    # pytest's tmp_path is under a folder only its user may enter
    home = pathlib.Path(tempfile.mkdtemp(prefix="signet-demo-"))
    try:
        os.chown(home, user.pw_uid, user.pw_gid)
        out = home / "out"
        env = dict(demo_env(build), HOME=str(home), USER="nobody", LOGNAME="nobody")
        result = subprocess.run(["setpriv", f"--reuid={user.pw_uid}",
                                 f"--regid={user.pw_gid}", "--clear-groups"] +
                                demo_command(out, "--messages", str(MESSAGES)),
                                env=env, cwd=home, capture_output=True, text=True,
                                timeout=HANG_GUARD)
        check_run(result, out)
        assert out.stat().st_uid == user.pw_uid
        key = out / "keys" / "example.com" / "com2026.key"
        assert key.stat().st_uid == user.pw_uid and key.stat().st_mode & 0o077 == 0
    finally:
        shutil.rmtree(home)


def test_demo_ctrl_c_stops_everything(tmp_path):
    build = build_dir()
    out = tmp_path / "out"
    log = open(tmp_path / "demo.log", "w+")
    proc = subprocess.Popen(demo_command(out, "--messages", "1000000"), env=demo_env(build),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        end = time.monotonic() + HANG_GUARD
        while "sending a campaign" not in (tmp_path / "demo.log").read_text():
            assert proc.poll() is None and time.monotonic() < end, \
                (tmp_path / "demo.log").read_text()
            time.sleep(0.1)
        time.sleep(1)
        os.killpg(proc.pid, signal.SIGINT)      # what Ctrl-C on a terminal does
        status = proc.wait(timeout=HANG_GUARD)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    text = (tmp_path / "demo.log").read_text()
    assert status == 130, text[-3000:]
    assert "interrupted; stopping the daemons" in text
    for name in ("controld", "signetd", "sink"):
        assert (out / f"{name}.log").exists(), f"{name} was not started"
    assert running_in(out) == [], "still running in the demo's folder"


def running_in(folder):
    """The processes whose working folder is folder (the demo's daemons run there)."""
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "cwd") == str(folder):
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" "))
            except OSError:
                continue
    return found


def test_demo_usage_error(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(demo_command(out, "--messages", "0"), capture_output=True,
                            text=True, timeout=HANG_GUARD)
    assert result.returncode == 2
    assert "usage: scripts/demo.sh" in result.stderr
    assert not out.exists()


def test_demo_keeps_a_foreign_folder(tmp_path):
    build = build_dir()
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("not the demo's\n")
    result = subprocess.run(demo_command(out), env=demo_env(build), capture_output=True,
                            text=True, timeout=HANG_GUARD)
    assert result.returncode == 1
    assert "is not an earlier demo's folder" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
