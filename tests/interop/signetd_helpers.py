"""
NAME
  signetd_helpers.py - signetd in the end-to-end tests (test_signetd_*.py):
  keys, signet-controld, and for the SMTP relay configuration, signetd,
  messages and the checks at the sink

SUMMARY
  signet_tool()         $SIGNET (the signet CLI), or the test is skipped
  make_keys(folder, keyed)
                        signet keygen per {domain: selector} under
                        FOLDER/keys/DOMAIN/SELECTOR.key; returns the DNS
                        table (record name -> TXT bytes)
  dnsfunc_for(records)  a dkimpy dnsfunc answering from that table
  start_controld(folder, conf) / stop_controld(proc)
                        signet-controld -c CONF (log FOLDER/controld.log),
                        waiting for FOLDER/ctl.sock; stop: SIGTERM, status 0
  sigterm(proc)         SIGTERM a --json spool run: (summary, stderr)
  KEYED / UNKEYED       two domains with keys (domain: selector), one without
  open_site(tmp_path, sink, next_hop_port, port=None)
                        keygen'd keys for KEYED, signet.conf (write_conf with
                        relay_hosts 127.0.0.0/8 ::1/128), a running
                        signet-controld; returns the site dict: dir, conf,
                        records (DNS name -> TXT), port (signetd's: PORT or
                        a free one), sink, sink_port, next_hop_port,
                        signetd, controld
  close_site(site)      stops signet-controld and site["sink"]
  write_conf(site, relay_hosts, esmtp_extra, sign_extra, domains)
                        (re)writes signet.conf: two workers, esmtp_listener
                        on site["port"] relaying to site["next_hop_port"]
  start_signetd(site, nofile=None) / stop_signetd(site, proc)
                        signetd -c CONF in relay mode (waits for its 220;
                        NOFILE: its RLIMIT_NOFILE, soft and hard; stop:
                        SIGTERM, status 0); log in DIR/signetd.log
  signetd_running(site) a context manager: start_signetd, and stop_signetd
                        at the end unless signetd already exited
  listening(port)       a connection to 127.0.0.1:port is greeted with 220
  message(domain, tag, body)
                        a message from DOMAIN carrying X-Test-Id: TAG
  send(port, domain, tag, body, rcpts)
                        one smtplib transaction: (raw, code, text) of the
                        reply to the end of data
  send_concurrently(port, sessions, messages)
                        SESSIONS smtplib sessions at once, MESSAGES each:
                        ({tag: (domain, raw)} accepted, [failures])
  swaks(site, tag, *extra, domain, body)
                        swaks from sender@DOMAIN (From header too) to
                        rcpt@example.net with X-Test-Id: TAG, plus EXTRA
  read_reply(f)         the last line of one reply on a raw session
  at_sink(site, tag)    the messages at the sink carrying X-Test-Id: TAG
  check_signed(site, domain, tag, data, sent)
                        DATA is SENT after signetd's signature (d= of
                        DOMAIN, verified by dkimpy), or SENT unchanged for
                        UNKEYED
  check_arrived(site, domain, tag, sent)
                        TAG is at the sink exactly once and check_signed
  Timeouts are only hang guards (control_helpers.HANG_GUARD).
"""

import contextlib
import grp
import json
import os
import re
import resource
import signal
import smtplib
import socket
import subprocess
import threading

import dkim
import pytest

from control_helpers import HANG_GUARD, program, unused_port, wait_for

def signet_tool():
    path = os.environ.get("SIGNET")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("SIGNET is not set")
    return path


def start_controld(folder, conf):
    log = open(folder / "controld.log", "ab")
    proc = subprocess.Popen([program("SIGNET_CONTROLD", "control/signet-controld"),
                             "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    wait_for(lambda: (folder / "ctl.sock").exists() or proc.poll() is not None,
             "signet-controld to listen")
    assert proc.poll() is None, (folder / "controld.log").read_text()
    return proc


def stop_controld(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=HANG_GUARD) == 0


def sigterm(proc):
    """SIGTERM; the exit status must be 0. Returns (summary, stderr)."""
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=HANG_GUARD)
    assert proc.returncode == 0, stderr.decode()
    return json.loads(stdout), stderr


def dnsfunc_for(records):
    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return records.get(key.rstrip(".").lower())
    return dnsfunc


def make_keys(folder, keyed):
    """signet keygen for each {domain: selector} under FOLDER/keys/DOMAIN/;
    returns the DNS table (record name -> TXT bytes) for dnsfunc_for."""
    records = {}
    for domain, selector in keyed.items():
        where = folder / "keys" / domain
        where.mkdir(parents=True)
        out = subprocess.run([signet_tool(), "keygen", "-d", domain, "-s", selector,
                              "-o", str(where / f"{selector}.key")],
                             capture_output=True, text=True, timeout=HANG_GUARD, check=True)
        name, value = out.stdout.strip().split(None, 1)
        records[name.rstrip(".").lower()] = value.encode()
    return records


KEYED = {"example.com": "s1", "example.org": "s2"}
UNKEYED = "nokey.example"


def write_conf(site, relay_hosts, esmtp_extra="", sign_extra="", domains=None):
    group = grp.getgrgid(os.getgid()).gr_name
    if domains is None:
        domains = "".join(f'  dk_domain "{d}" {{ selector = "{s}" }}\n'
                          for d, s in KEYED.items())
    site["conf"].write_text(
        'control {\n  socket = "ctl.sock"\n  state_dir = "state"\n'
        f'  metrics_listen = ""\n  admin_group = "{group}"\n}}\n'
        "dataplane {\n  workers = 2\n}\n"
        f'esmtp_listener {{\n  listen = "127.0.0.1:{site["port"]}"\n'
        f'  next_hop = "127.0.0.1:{site["next_hop_port"]}"\n'
        f'  relay_hosts = "{relay_hosts}"\n  max_message_size = 1048576\n{esmtp_extra}}}\n'
        'dkim_sign "main" {\n  key = "keys/%{d}/%{s}.key"\n' + sign_extra + domains + "}\n")


def open_site(tmp_path, sink, next_hop_port, port=None):
    """Keys, a configuration and a running signet-controld; signetd will
    listen on port (a free one by default)."""
    records = make_keys(tmp_path, KEYED)
    (tmp_path / "state").mkdir()
    site = {"dir": tmp_path, "conf": tmp_path / "signet.conf", "records": records,
            "port": port or unused_port(socket.SOCK_STREAM), "sink": sink,
            "sink_port": sink.port, "next_hop_port": next_hop_port,
            "signetd": program("SIGNETD", "dataplane/signetd/signetd")}
    write_conf(site, "127.0.0.0/8 ::1/128")
    site["controld"] = start_controld(tmp_path, site["conf"])
    return site


def close_site(site):
    stop_controld(site["controld"])
    site["sink"].stop()


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD) as s:
            return s.recv(512).startswith(b"220")
    except OSError:
        return False


def start_signetd(site, nofile=None):
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    log = open(site["dir"] / "signetd.log", "ab")
    proc = subprocess.Popen([site["signetd"], "-c", str(site["conf"])], stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=limit if nofile else None)
    log.close()
    wait_for(lambda: proc.poll() is not None or listening(site["port"]), "signetd to listen")
    assert proc.poll() is None, (site["dir"] / "signetd.log").read_text()
    return proc


def stop_signetd(site, proc):
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(timeout=HANG_GUARD)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert status == 0, (site["dir"] / "signetd.log").read_text()


@contextlib.contextmanager
def signetd_running(site):
    """signetd for the block; stopped after it unless it already exited."""
    proc = start_signetd(site)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            stop_signetd(site, proc)


def message(domain, tag, body="hello\r\n"):
    return (f"From: Sender <sender@{domain}>\r\nTo: rcpt@example.net\r\n"
            f"Subject: test {tag}\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{tag}@{domain}>\r\nX-Test-Id: {tag}\r\n\r\n{body}").encode()


def at_sink(site, tag):
    """The messages at the sink carrying X-Test-Id: tag."""
    needle = f"\r\nX-Test-Id: {tag}\r\n".encode()
    with site["sink"].lock:
        return [data for _, _, data in site["sink"].messages if needle in data]


def check_signed(site, domain, tag, data, sent):
    """data is signed and verifying for a keyed domain, unchanged for the
    unkeyed one; the message after the signature is what was sent."""
    assert data.endswith(sent), f"{tag}: the message after the signature is not what was sent"
    head = data[:len(data) - len(sent)]
    if domain == UNKEYED:
        assert head == b"", f"{tag}: the unkeyed domain's message was changed"
        return
    assert head.startswith(b"DKIM-Signature:"), f"{tag}: not signed"
    assert re.search(rb"\bd=" + domain.encode() + rb";", head), f"{tag}: wrong d="
    assert dkim.verify(data, dnsfunc=dnsfunc_for(site["records"])), f"{tag}: does not verify"


def check_arrived(site, domain, tag, sent):
    """tag is at the sink exactly once, as check_signed wants it."""
    found = at_sink(site, tag)
    assert len(found) == 1, f"{tag}: {len(found)} copies at the sink"
    check_signed(site, domain, tag, found[0], sent)


def send(port, domain, tag, body="hello\r\n", rcpts=("rcpt@example.net",)):
    raw = message(domain, tag, body)
    with smtplib.SMTP("127.0.0.1", port, timeout=HANG_GUARD) as smtp:
        smtp.ehlo("client.test")
        code, text = smtp.mail(f"sender@{domain}")
        assert code == 250, text
        for rcpt in rcpts:
            smtp.rcpt(rcpt)
        code, text = smtp.data(raw)
    return raw, code, text.decode(errors="replace")


def send_concurrently(port, sessions, messages):
    """SESSIONS threads, each sending MESSAGES messages (keyed domains in
    turn, growing bodies) on one smtplib session: returns ({tag: (domain,
    raw)} of the accepted ones, [one line per failed session])."""
    failures, sent = [], {}
    lock = threading.Lock()

    def client(t):
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=HANG_GUARD) as smtp:
                for i in range(messages):
                    domain = list(KEYED)[(t + i) % 2]
                    tag = f"c{t}-{i}"
                    raw = message(domain, tag, f"thread {t} message {i}\r\n" * (1 + i))
                    smtp.sendmail(f"s@{domain}", ["r@example.net"], raw)
                    with lock:
                        sent[tag] = (domain, raw)
        except Exception as e:  # reported by the caller with the thread number
            with lock:
                failures.append(f"thread {t}: {e!r}")

    threads = [threading.Thread(target=client, args=(t,)) for t in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=HANG_GUARD * 4)
    return sent, failures


def swaks(site, tag, *extra, domain="example.com", body="auth test"):
    return subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(site["port"]),
                           "--from", f"sender@{domain}", "--to", "rcpt@example.net",
                           "--header", f"X-Test-Id: {tag}",
                           "--header", f"From: <sender@{domain}>", "--body", body,
                           *extra], capture_output=True, text=True, timeout=HANG_GUARD)


def read_reply(f):
    """One (possibly multi-line) reply: the last line."""
    while True:
        line = f.readline()
        assert line, "connection closed"
        if line[3:4] != b"-":
            return line.decode().rstrip()
