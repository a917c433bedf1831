"""
NAME
  test_signetd_postfix.py - Postfix as signetd's next hop: smtplib and
  swaks -> signetd -> a private Postfix instance -> a sink (smtp_sink.py),
  every message verified with dkimpy

SUMMARY
  Postfix runs from postfix_instance.py (its own main.cf, master.cf, queue
  and log in a temp folder; smtpd on a free 127.0.0.1 port; relayhost =
  the sink; a check_recipient_access map refusing REFUSED and deferring
  DEFERRED), one instance per test. signet-controld and signetd (two
  workers, next_hop = that smtpd) as in test_signetd_smtp.py
  (signetd_helpers.py). Tests:
    - smtplib (several messages on one session, keyed and unkeyed domains,
      line-start dots, an 8-bit UTF-8 body sent with BODY=8BITMIME, a long
      body, unqualified To/Cc without Date and Message-ID) and swaks
      (--pipeline): each message reaches the sink once,
      with Postfix's Received header on top, and below it exactly what
      signetd relayed (signature + the message as sent: Postfix rewrote
      neither headers nor body); keyed ones verify with dkimpy with the
      Received header in place; the client's 250 names Postfix's queue id;
    - 200 messages over 10 concurrent sessions: every one 250, at the sink
      once, signed and verifying;
    - Postfix refuses a recipient at RCPT (554 5.7.1): the client gets
      Postfix's reply passed through at the end of data (also with a
      second, acceptable recipient: all or nothing), its 450 becomes 451
      4.4.0, and nothing of these reaches the sink;
    - Postfix stopped (after a message went through, so signetd holds a
      pooled connection to it): 451 4.4.1, nothing at the sink; Postfix
      started again on the same port: the same message sent again arrives;
    - signing after the queue (docs/smtp-relay.md): smtplib -> Postfix ->
      content_filter "signet" transport -> signetd -> Postfix's reinjection
      listener (content_filter cleared) -> sink: each message arrives once
      with two Received headers from Postfix and exactly one signature
      (none for the unkeyed domain), verifying; a message queued while
      signetd is down waits in Postfix's queue (deferred) and arrives
      signed once signetd runs.
  Needs root and Postfix (Debian package postfix): skipped otherwise.
  Timeouts are only hang guards; a failure shows Postfix's log.
"""

import contextlib
import re
import smtplib
import socket
import time

import dkim
import pytest

from control_helpers import HANG_GUARD, unused_port
from postfix_instance import DEFERRED_TEXT, REFUSED_TEXT, Postfix, require_postfix
from signetd_helpers import (KEYED, UNKEYED, at_sink, check_signed, close_site, dnsfunc_for,
                             message, open_site, send, send_concurrently, signetd_running,
                             swaks)
from smtp_sink import Sink

REFUSED = "refused@example.net"
DEFERRED = "deferred@example.net"
# what Postfix puts above the message: one Received header (with its folded lines)
RECEIVED = re.compile(rb"Received: from [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*")
QUEUED = r"250 2\.0\.0 signed and relayed; next hop: 250 2\.0\.0 Ok: queued as [0-9A-F]+"


@contextlib.contextmanager
def postfix_site(tmp_path, filtering):
    """A sink, Postfix relaying to it, keys, configuration and controld.
    Postfix is signetd's next hop, or with filtering, signetd is Postfix's
    content filter (Postfix's reinjection listener is the next hop)."""
    require_postfix()
    sink = Sink()
    port = unused_port(socket.SOCK_STREAM)
    if filtering:
        postfix = Postfix(sink.port, filter_port=port)
        next_hop = postfix.reinject_port
    else:
        postfix = Postfix(sink.port, refuse=[REFUSED], defer=[DEFERRED])
        next_hop = postfix.port
    try:
        postfix.start()
        state = open_site(tmp_path, sink, next_hop, port)
    except BaseException:
        postfix.close()
        sink.stop()
        raise
    state["postfix"] = postfix
    try:
        yield state
    finally:
        try:
            postfix.close()
        finally:
            close_site(state)


@pytest.fixture
def site(tmp_path):
    with postfix_site(tmp_path, filtering=False) as state:
        yield state


@pytest.fixture
def filter_site(tmp_path):
    with postfix_site(tmp_path, filtering=True) as state:
        yield state


@pytest.fixture
def relay(site):
    with signetd_running(site) as proc:
        yield proc


def postfix_log(site):
    return f"\n--- Postfix's maillog ---\n{site['postfix'].log()}"


def arrived(site, tag):
    """The one copy of tag at the sink, once Postfix delivered it."""
    deadline = time.monotonic() + HANG_GUARD
    while not at_sink(site, tag):
        if time.monotonic() > deadline:
            pytest.fail(f"{tag} did not reach the sink through Postfix" + postfix_log(site))
        time.sleep(0.02)
    found = at_sink(site, tag)
    assert len(found) == 1, f"{tag}: {len(found)} copies at the sink"
    return found[0]


def check_through_postfix(site, domain, tag, sent):
    """tag arrived with Postfix's Received header on top and below it what
    signetd relayed, unchanged; keyed mail verifies as it arrived."""
    data = arrived(site, tag)
    trace = RECEIVED.match(data)
    assert trace and b"by postfix.test (Postfix)" in trace.group(0), \
        f"{tag}: no Received header from Postfix on top: {data[:300]!r}"
    check_signed(site, domain, tag, data[trace.end():], sent)
    if domain != UNKEYED:
        assert dkim.verify(data, dnsfunc=dnsfunc_for(site["records"])), \
            f"{tag}: does not verify with Postfix's Received header"


def test_smtplib_and_swaks_through_postfix(site, relay):
    sent = {}
    with smtplib.SMTP("127.0.0.1", site["port"], timeout=HANG_GUARD) as smtp:
        for i, domain in enumerate(list(KEYED) + [UNKEYED] + list(KEYED)):
            tag = f"lib{i}"
            body = f"body {i}\r\n.line starting with a dot\r\n" + "x" * 70 * i + "\r\n"
            sent[tag] = (domain, message(domain, tag, body))
            assert smtp.sendmail(f"sender@{domain}", ["rcpt@example.net"], sent[tag][1]) == {}
        # unqualified addresses, no Date or Message-ID: a Postfix that
        # rewrites headers of local clients would complete and add them
        bare = (b"From: Sender <sender@example.com>\r\nTo: rcpt\r\nCc: other, x@example.net\r\n"
                b"Subject: bare\r\nX-Test-Id: bare\r\n\r\nno date\r\n")
        assert smtp.sendmail("sender@example.com", ["rcpt@example.net"], bare) == {}
        sent["bare"] = ("example.com", bare)
        utf8 = message("example.org", "utf8", "Gr\u00fc\u00dfe, \u00e7a va \u2014 ok\r\n")
        code, text = smtp.mail("sender@example.org", ["BODY=8BITMIME"])
        assert code == 250, text
        assert smtp.rcpt("rcpt@example.net")[0] == 250
        code, text = smtp.data(utf8)
        assert code == 250 and re.search(QUEUED, "250 " + text.decode()), (code, text)
        sent["utf8"] = ("example.org", utf8)
    for tag, (domain, raw) in sent.items():
        check_through_postfix(site, domain, tag, raw)
    with site["sink"].lock:
        envelopes = {(m, tuple(r)) for m, r, _ in site["sink"].messages}
    assert all(r == ("<rcpt@example.net>",) for _, r in envelopes), envelopes
    out = swaks(site, "swaks1", "--pipeline", domain="example.org", body="from swaks")
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"<-  " + QUEUED, out.stdout), out.stdout
    data = arrived(site, "swaks1")
    trace = RECEIVED.match(data)
    assert trace and data[trace.end():].startswith(b"DKIM-Signature:"), data[:300]
    assert dkim.verify(data, dnsfunc=dnsfunc_for(site["records"]))


def test_200_messages_over_concurrent_sessions(site, relay):
    sent, failures = send_concurrently(site["port"], sessions=10, messages=20)
    assert not failures, failures
    assert len(sent) == 200
    for tag, (domain, raw) in sent.items():
        check_through_postfix(site, domain, tag, raw)
    assert site["sink"].count() == 200


def test_postfix_refusal_passed_through(site, relay):
    raw, code, text = send(site["port"], "example.com", "refused1", rcpts=(REFUSED,))
    assert code == 554 and text.startswith("5.7.1") and REFUSED_TEXT in text, (code, text)
    raw, code, text = send(site["port"], "example.com", "refused2",
                           rcpts=("rcpt@example.net", REFUSED))
    assert code == 554 and REFUSED in text, (code, text)
    raw, code, text = send(site["port"], "example.com", "deferred1", rcpts=(DEFERRED,))
    assert code == 451 and text.startswith("4.4.0") and "450" in text \
        and DEFERRED_TEXT in text, (code, text)
    raw, code, text = send(site["port"], "example.com", "after")
    assert code == 250, (code, text)
    check_through_postfix(site, "example.com", "after", raw)
    for tag in ("refused1", "refused2", "deferred1"):
        assert at_sink(site, tag) == [], tag
    assert site["sink"].count() == 1
    log = site["postfix"].log()
    # refused2's transaction got a queue id (one recipient was fine) but
    # signetd closed the connection after 354 instead of sending the text
    assert log.count(": reject: RCPT from") == 3 and f"to=<{DEFERRED}>" in log, log
    assert "lost connection after DATA (0 bytes)" in log, log


def test_postfix_down_then_up(site, relay):
    raw, code, text = send(site["port"], "example.com", "before")
    assert code == 250, (code, text)
    check_through_postfix(site, "example.com", "before", raw)
    site["postfix"].stop()
    # the pooled connection Postfix closed is retried on a new one, refused
    for _ in range(2):
        raw, code, text = send(site["port"], "example.org", "down1")
        assert code == 451 and text.startswith("4.4.1"), (code, text)
    site["postfix"].start()
    raw, code, text = send(site["port"], "example.org", "down1")
    assert code == 250, (code, text)
    check_through_postfix(site, "example.org", "down1", raw)
    assert site["sink"].count() == 2


def test_signing_after_the_queue(filter_site):
    """client -> Postfix (queued) -> signetd -> Postfix's reinjection
    listener -> sink: signed once, no loop; while signetd is down the mail
    waits in Postfix's queue and goes out signed once it is back."""
    site, postfix = filter_site, filter_site["postfix"]
    sent = {}
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=HANG_GUARD) as smtp:
        for i, domain in enumerate(list(KEYED) + [UNKEYED]):
            sent[f"q{i}"] = (domain, message(domain, f"q{i}"))
        sent["late"] = ("example.com", message("example.com", "late"))
        assert smtp.sendmail("s@example.com", ["r@example.net"], sent["late"][1]) == {}
        time.sleep(0.5)
        assert at_sink(site, "late") == [], "delivered while signetd was down"
        with signetd_running(site):
            for tag, (domain, raw) in sent.items():
                if tag != "late":
                    assert smtp.sendmail(f"s@{domain}", ["r@example.net"], raw) == {}
            for tag, (domain, raw) in sent.items():
                data = arrived(site, tag)
                hops = RECEIVED.findall(data)
                assert len(hops) == 2 and data.startswith(hops[0]), f"{tag}: {data[:600]!r}"
                assert all(b"by postfix.test (Postfix)" in h for h in hops), hops
                signed = data.count(b"DKIM-Signature:")
                assert signed == (domain != UNKEYED), f"{tag}: {signed} signatures"
                # signetd signed what Postfix's first smtpd passed on: its
                # Received header, then the message as sent
                inner = data[len(hops[0]):]
                assert inner.endswith(hops[1] + raw), f"{tag}: changed: {data[:600]!r}"
                if domain != UNKEYED:
                    check_signed(site, domain, tag, inner, hops[1] + raw)
                    assert dkim.verify(data, dnsfunc=dnsfunc_for(site["records"])), tag
    assert site["sink"].count() == len(sent)
    assert "deferred" in postfix.log() and f"127.0.0.1[127.0.0.1]:{site['port']}" in postfix.log()
