"""
NAME
  test_control_console.py - a postmaster's work from signetctl alone, end to
  end: real signet-controld, real signetctl, a real DNS server (dnsmasq on a
  loopback port), keys checked by signet and dkimpy

SUMMARY
  Each test starts signet-controld on a configuration in its temporary
  folder (socket, state directory, metrics on a free port, resolver = the
  test's dnsmasq, admin_group) with a dkim_sign scope "main" (key =
  "keys/%{d}/%{s}.key") and a dk_sign scope "legacy", and checks what
  signetctl prints and its exit status:
    - selector create prints the record, its zone form split into
      255-byte strings that paste into a zone file; dns record says the
      same; dns test says "not found", "syntax error", "key does not match",
      "testing flag set" (all exit 1) and "found and matching" (exit 0) as
      dnsmasq is restarted with each record;
    - selector enable / list / show; a message signed by `signet sign` with
      the selector's key file verifies with dkimpy against the record
      dnsmasq serves; the key signet-controld hands a dataplane worker
      (KEY_REQUEST) is that key file; the same for a DomainKeys selector
      (dk_sign scope, verified by signet verify);
    - selector rotate: a new selector active, the old one retiring with its
      delete_after date; mail signed by either verifies; selector retire of
      the old one is refused until that date, accepted after it (the state
      file edited while the daemon is stopped, as it documents);
    - signing_stats (global, per domain, reset), keycache list / flush,
      dkim_sign:NAME and dk_sign:NAME flush keycache;
    - config check and config reload (edited, then broken: refused with
      FILE:LINE:COLUMN, the daemon keeps running on the old configuration);
      signet-controld --check and SIGHUP likewise;
    - workers, version, summary; a restart keeps the runtime selectors;
      shutdown stops the daemon with status 0;
    - --json output is one JSON document with pinned keys.
  The site (console_site.py) is shared with test_control_repl.py, which
  drives the interactive console. dnsmasq (dnsmasq-base) is required;
  without it the tests skip.
"""

import calendar
import json
import os
import re
import signal
import subprocess
import time

import dkim
import dns.rdatatype
import dns.zone

from console_site import DOMAIN, SCOPES, create, site  # noqa: F401 (site: a fixture)
from control_helpers import (HANG_GUARD, MSG_KEY_MATERIAL, MSG_KEY_REQUEST, MSG_RESULT,
                             MSG_STATS_PUSH, Wire, field_str, field_u64, frame, wait_for)

STATS_BUCKETS = 12
STATS_COLUMNS = ["processed", "signed", "failed", "skipped_no_key", "skipped_condition",
                 "skipped_disabled", "bytes", "avg_sign_us", "p50_us", "p90_us", "p99_us"]
MESSAGE = (b"From: Postmaster <postmaster@example.com>\r\n"
           b"To: someone@example.org\r\n"
           b"Subject: signed by the selector signet-controld made\r\n"
           b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
           b"Message-ID: <control-e2e@example.com>\r\n"
           b"\r\n"
           b"Hello from the control plane test.\r\n")


def fields(answer, domain=DOMAIN):
    """The (field, value) rows of a create / rotate / dns record answer."""
    return [(r["field"], r["value"]) for r in answer["rows"] if r["domain"] == domain]


def field(answer, name, domain=DOMAIN):
    values = [v for f, v in fields(answer, domain) if f == name]
    assert len(values) == 1, (name, answer)
    return values[0]


def record_name(selector, domain=DOMAIN):
    return f"{selector}._domainkey.{domain}"


def publish(site, records):
    """Restarts dnsmasq with {selector: txt}."""
    site.dns.serve({record_name(sel): txt for sel, txt in records.items()})


def dns_test(site, name):
    """(exit status, result, the JSON answer) of dns test NAME DOMAIN."""
    done = site.ctl.run("--json", "dns", "test", name, DOMAIN)
    answer = json.loads(done.stdout)
    assert [r["dns_name"] for r in answer["rows"]] == [record_name(name)]
    return done.returncode, answer["rows"][0]["result"], answer


def dnsfunc_for(site):
    """dkimpy's DNS hook, asking the test's dnsmasq."""
    def dnsfunc(name, timeout=5):
        txt = site.dns.query(name.decode().rstrip("."))
        return txt if txt else None
    return dnsfunc


def sign(signet, keyfile, selector):
    return signet.checked(["sign", "-k", str(keyfile), "-d", DOMAIN, "-s", selector,
                           "--time", "1795341600", "-"], MESSAGE)


def verifies(site, message):
    try:
        return dkim.DKIM(message).verify(dnsfunc=dnsfunc_for(site))
    except dkim.ValidationError:
        return False


def selectors(site):
    return {(r["selector"], r["domain"]): r for r in site.ctl.json("selector", "list")["rows"]}


def zone_rows_in_text(text):
    """The value column of the zone rows of signetctl's human output."""
    return [m.group(1) for m in re.finditer(r"(?m)^example\.com +zone +(.*)$", text)]


# ---- create, record, dns test ----

def test_create_prints_a_record_split_for_zone_files(site):
    done = site.ctl.run("selector", "create", "s2026a", "--domain", DOMAIN)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("selector create\n")
    assert "created s2026a for example.com (not enabled)" in out
    assert "dns test s2026a example.com" in out
    keyfile = site.folder / "keys" / DOMAIN / "s2026a.key"
    assert f"key_file  {keyfile}" in out
    assert oct(keyfile.stat().st_mode & 0o777) == "0o600"
    answer = site.ctl.json("dns", "record", "s2026a")
    txt = field(answer, "txt")
    assert txt.startswith("v=DKIM1; k=rsa; p=")
    assert field(answer, "dns_name") == record_name("s2026a")
    assert field(answer, "key") == "rsa-2048"
    # The zone rows as printed for a human paste into a zone file that
    # publishes the same TXT value, in strings of at most 255 bytes.
    rows = zone_rows_in_text(out)
    assert len(rows) == 2 and rows == zone_rows_in_text(site.ctl.ok("dns", "record", "s2026a"))
    zone = dns.zone.from_text("$TTL 300\n@ IN SOA ns hostmaster 1 2 3 4 5\n@ IN NS ns\n"
                              + "\n".join(rows) + "\n", origin=DOMAIN, relativize=False)
    rdata = zone.find_rdataset(record_name("s2026a") + ".", dns.rdatatype.TXT)[0]
    assert all(len(s) <= 255 for s in rdata.strings) and len(rdata.strings) == 2
    assert b"".join(rdata.strings).decode() == txt


def test_dns_test_says_each_outcome(site, signet, tmp_path):
    txt = field(create(site, "s2026a"), "txt")
    keyfile = site.folder / "keys" / DOMAIN / "s2026a.key"
    _, stranger = signet.keygen(tmp_path, "rsa", "stranger")
    testing = signet.checked(["dns-record", "-k", str(keyfile), "-d", DOMAIN, "-s", "s2026a",
                              "--testing"]).decode().strip().split(" ", 1)[1]
    assert "t=y" in testing
    cases = [
        (None, "not found"),
        ("v=DKIM1; k=rsa; p=!!!not-base64", "syntax error"),
        (stranger.split(" ", 1)[1], "key does not match"),
        (testing, "testing flag set"),
        (txt, "found and matching"),
    ]
    for record, verdict in cases:
        publish(site, {} if record is None else {"s2026a": record})
        status, result, answer = dns_test(site, "s2026a")
        assert result == verdict, answer
        # keys.h and `help dns`: exit status 0 only when found and matching
        assert status == (0 if verdict == "found and matching" else 1), answer
        assert answer["rows"][0]["ok"] == (1 if status == 0 else 0)
        assert answer["message"].startswith("ok:" if status == 0 else "failed:")
    text = site.ctl.ok("dns", "test", "s2026a")
    assert re.search(r"(?m)^s2026a +example\.com +s2026a\._domainkey\.example\.com +"
                     r"found and matching +1 ", text), text


def test_dns_test_of_an_unknown_selector_is_one_error_line(site):
    done = site.ctl.run("dns", "test", "nosuch", DOMAIN)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == 'signetctl: no selector named "nosuch" (see: selector list)\n'


# ---- enable, sign, key material, rotate, retire ----

def request_key(sock, domain=DOMAIN):
    """KEY_MATERIAL fields for domain as a dataplane worker gets them."""
    w = Wire(sock)
    try:
        w.greet("signetd pytest")
        kind, fields_ = w.request(frame(MSG_KEY_REQUEST, field_u64(0) + field_str(domain)))
    finally:
        w.close()
    assert kind == MSG_KEY_MATERIAL, fields_
    generation, key_kind, got_domain, selector, pem, reason = fields_
    assert (key_kind, got_domain) == (0, domain)
    return generation, selector, pem, reason


def enable(site, name):
    out = site.ctl.ok("selector", "enable", name, DOMAIN)
    assert f"{name} now signs example.com" in out


def test_enabled_selector_signs_mail_that_verifies(site, signet):
    txt = field(create(site, "s2026a"), "txt")
    keyfile = site.folder / "keys" / DOMAIN / "s2026a.key"
    assert request_key(site.sock)[2] == b""       # nothing enabled: no key yet
    publish(site, {"s2026a": txt})
    assert dns_test(site, "s2026a")[0] == 0
    enable(site, "s2026a")
    row = selectors(site)[("s2026a", DOMAIN)]
    assert (row["type"], row["status"], row["source"], row["canon"], row["key"]) == \
        ("dkim", "enabled", "state", "relaxed/relaxed", "rsa-2048")
    show = site.ctl.json("selector", "show", "s2026a")
    assert [(r["domain"], r["status"], r["dns_name"], r["key_file"]) for r in show["rows"]] == \
        [(DOMAIN, "enabled", record_name("s2026a"), str(keyfile))]
    assert "dkim selector from the state directory, canon relaxed/relaxed" in show["message"]
    signed = sign(signet, keyfile, "s2026a")
    assert verifies(site, signed)
    assert not verifies(site, signed.replace(b"Hello from", b"Hello From"))
    # signet's own verifier, through the same DNS server
    check = signet.run(["verify", "--resolver", f"127.0.0.1:{site.dns.port}", "-"], signed)
    assert check.returncode == 0 and b"dkim=pass header.d=example.com header.s=s2026a" in \
        check.stdout, check.stdout + check.stderr
    # what signetd would be handed is the key in that file
    generation, selector, pem, reason = request_key(site.sock)
    assert selector == "s2026a" and generation > 0
    assert pem == keyfile.read_bytes(), reason


def test_domainkeys_selector(site, signet):
    answer = create(site, "dk2026", "--type", "domainkeys", "--bits", "1024")
    txt = field(answer, "txt")
    assert txt.startswith("k=rsa; p=") and field(answer, "key") == "rsa-1024"
    keyfile = site.folder / "dkkeys" / DOMAIN / "dk2026.key"
    assert field(answer, "key_file") == str(keyfile)
    publish(site, {"dk2026": txt})
    assert dns_test(site, "dk2026")[:2] == (0, "found and matching")
    enable(site, "dk2026")
    row = selectors(site)[("dk2026", DOMAIN)]
    assert (row["type"], row["status"]) == ("domainkeys", "enabled")
    w = Wire(site.sock)
    w.greet("signetd pytest")
    kind, got = w.request(frame(MSG_KEY_REQUEST, field_u64(1) + field_str(DOMAIN)))
    w.close()
    assert kind == MSG_KEY_MATERIAL and got[3] == "dk2026" and got[4] == keyfile.read_bytes()
    signed = signet.checked(["sign", "--dk-only", "-k", str(keyfile), "-d", DOMAIN, "-s",
                             "dk2026", "-"], MESSAGE)
    check = signet.run(["verify", "--resolver", f"127.0.0.1:{site.dns.port}", "-"], signed)
    assert check.returncode == 0 and b"domainkeys=pass header.d=example.com" in check.stdout, \
        check.stdout + check.stderr


def test_rotate_then_retire(site, signet):
    old_txt = field(create(site, "s2026a"), "txt")
    old_key = site.folder / "keys" / DOMAIN / "s2026a.key"
    publish(site, {"s2026a": old_txt})
    enable(site, "s2026a")
    old_generation = request_key(site.sock)[0]
    old_signed = sign(signet, old_key, "s2026a")

    done = site.ctl.run("selector", "rotate", DOMAIN)
    assert done.returncode == 0, done.stderr
    assert "new selector active, the old one retiring" in done.stdout
    rotated = site.ctl.json("selector", "list")     # the text answer was the rotation
    by_name = {r["selector"]: r for r in rotated["rows"]}
    new = next(n for n, r in by_name.items() if r["status"] == "enabled")
    assert new != "s2026a" and re.fullmatch(r"s\d{8}", new)
    assert by_name["s2026a"]["status"] == "retiring"
    delete_after = by_name["s2026a"]["delete_after"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", delete_after)
    # keep the old record: the lifetime (1 day) plus the delivery window at least
    assert calendar.timegm(time.strptime(delete_after, "%Y-%m-%dT%H:%M:%SZ")) > \
        time.time() + 86400
    for line in (f"selector      {new}", "retiring      s2026a",
                 f"delete_after  {delete_after}"):
        assert line in done.stdout, done.stdout
    new_txt = field(site.ctl.json("dns", "record", new), "txt")
    assert f"txt           {new_txt}" in done.stdout
    new_key = site.folder / "keys" / DOMAIN / f"{new}.key"
    generation, selector, pem, _ = request_key(site.sock)
    assert selector == new and generation != old_generation and pem == new_key.read_bytes()

    publish(site, {"s2026a": old_txt, new: new_txt})
    assert dns_test(site, new)[0] == 0
    assert verifies(site, sign(signet, new_key, new))
    assert verifies(site, old_signed)     # mail in transit still verifies

    done = site.ctl.run("selector", "retire", "s2026a")
    assert done.returncode == 1
    assert done.stderr == ("signetctl: selector s2026a signed mail for example.com until "
                           "recently: mail in transit still needs its DNS record; retire it "
                           f"after {delete_after}\n")
    assert old_key.exists()
    # A selector never enabled retires at once.
    create(site, "spare")
    retired = site.ctl.json("selector", "retire", "spare")
    assert [(r["selector"], r["retired_as"]) for r in retired["rows"]] == \
        [("spare", str(site.folder / "keys" / DOMAIN / "spare.key.retired"))]
    assert ("spare", DOMAIN) not in selectors(site)

    # Time passes: with the daemon stopped, the state file (which says it
    # may be edited then) gets a deletion date in the past.
    assert site.daemon.stop() == 0
    state = site.folder / "state" / "selectors.state"
    text = state.read_text()
    line = re.search(r"(?m)^domain s2026a dkim example\.com off 1 (\d+)$", text)
    assert line, text
    state.write_text(text.replace(line.group(0), line.group(0)[:-len(line.group(1))] + "1"))
    site.daemon.start()
    out = site.ctl.ok("selector", "retire", "s2026a")
    assert "s2026a retired: delete its TXT records" in out
    assert not old_key.exists() and old_key.with_name("s2026a.key.retired").exists()
    assert [k[0] for k in selectors(site)] == [new]
    done = site.ctl.run("dns", "record", "s2026a")
    assert done.returncode == 1 and "no selector named \"s2026a\"" in done.stderr


# ---- stats and keycache ----

def stats_entry(domain, selector, signed):
    out = field_u64(0) + field_str(domain) + field_str(selector)
    counters = [signed, signed, 0, 0, 0, 0, 1000 * signed, 200_000 * signed]
    buckets = [0, 0, signed] + [0] * (STATS_BUCKETS - 3)
    return out + b"".join(field_u64(v) for v in counters + buckets)


def push_stats(sock, worker, entries):
    w = Wire(sock)
    try:
        w.greet("signetd pytest")
        payload = field_u64(worker) + field_u64(STATS_BUCKETS) + field_u64(len(entries))
        kind, answer = w.request(frame(MSG_STATS_PUSH, payload + b"".join(entries)))
    finally:
        w.close()
    assert kind == MSG_RESULT, answer


def test_signing_stats(site):
    push_stats(site.sock, 1, [stats_entry(DOMAIN, "s2026a", 5),
                              stats_entry("example.net", "n1", 2)])
    total = site.ctl.json("signing_stats")
    assert list(total["rows"][0]) == ["scope", "kind"] + STATS_COLUMNS
    rows = {(r["scope"], r["kind"]): r for r in total["rows"]}
    assert rows[("all", "dkim")]["signed"] == 7 and rows[("all", "domainkeys")]["signed"] == 0
    assert rows[("worker:1", "dkim")]["bytes"] == 7000
    text = site.ctl.ok("signing_stats", DOMAIN)
    assert text.startswith("signing_stats example.com\nkind  selector  processed  signed")
    assert re.search(r"(?m)^dkim  s2026a +5 +5 +0 ", text), text
    one = site.ctl.json("signing_stats", DOMAIN)
    assert [(r["selector"], r["signed"], r["avg_sign_us"]) for r in one["rows"]] == \
        [("s2026a", 5, 200)]
    assert "signing statistics reset (2 domain/selector rows dropped)" in \
        site.ctl.ok("signing_stats", "reset")
    assert site.ctl.json("signing_stats", DOMAIN)["rows"] == []
    assert all(r["processed"] == 0 for r in site.ctl.json("signing_stats")["rows"])


def test_keycache_list_and_flushes(site):
    create(site, "s2026a")
    enable(site, "s2026a")
    create(site, "dk1", "--type", "domainkeys", "--bits", "1024")
    enable(site, "dk1")
    site.ctl.ok("selector", "create", "gone", "--domain", "example.net")
    site.ctl.ok("selector", "enable", "gone", "example.net")
    gone = site.folder / "keys" / "example.net" / "gone.key"
    gone.rename(gone.with_name("moved"))
    assert request_key(site.sock)[1] == "s2026a"
    assert request_key(site.sock, "example.net")[2] == b""
    w = Wire(site.sock)
    w.greet("signetd pytest")
    kind, got = w.request(frame(MSG_KEY_REQUEST, field_u64(1) + field_str(DOMAIN)))
    w.close()
    assert kind == MSG_KEY_MATERIAL and got[3] == "dk1" and got[4].startswith(b"-----BEGIN")
    listing = site.ctl.json("keycache", "list")
    assert list(listing["rows"][0]) == ["scope", "domain", "selector", "state", "key",
                                        "generation", "age_s", "hits", "detail"]
    rows = {(r["scope"], r["domain"]): r for r in listing["rows"]}
    assert (rows[("dkim_sign:main", DOMAIN)]["state"], rows[("dkim_sign:main", DOMAIN)]["key"]) \
        == ("loaded", "rsa-2048")
    assert rows[("dk_sign:legacy", DOMAIN)]["selector"] == "dk1"
    assert rows[("dkim_sign:main", "example.net")]["state"] == "missing"
    assert listing["message"] == "2 keys loaded, 1 remembered as missing or refused"
    text = site.ctl.ok("keycache", "list")
    assert re.search(r"(?m)^dkim_sign:main +example\.com +s2026a +loaded +rsa-2048 ", text)

    assert "1 cached entries dropped for example.net" in \
        site.ctl.ok("keycache", "flush", "example.net")
    out = site.ctl.ok("dk_sign:legacy", "flush", "keycache")
    assert "dk_sign:legacy: 1 cached entries dropped" in out
    flushed = site.ctl.json("dkim_sign:main", "flush", "keycache")
    assert flushed["rows"] == [{"scope": "dkim_sign:main", "flushed": 1}]
    assert site.ctl.json("keycache", "list")["rows"] == []
    request_key(site.sock)
    assert "1 cached entries dropped\n" in site.ctl.ok("keycache", "flush")
    done = site.ctl.run("dkim_sign:nosuch", "flush", "keycache")
    assert done.returncode == 1
    assert done.stderr == 'signetctl: no dkim_sign scope named "nosuch" in the configuration\n'


# ---- configuration ----

def test_config_check_and_reload(site):
    assert site.ctl.ok("config", "check") == f"config check\n{site.conf}: OK (2 signing scopes)\n"
    site.write_config(SCOPES + 'dkim_sign "second" {\n  key = "k2/%{d}/%{s}.key"\n}\n')
    assert "(3 signing scopes)" in site.ctl.ok("config", "check")
    done = site.ctl.run("dkim_sign:second", "flush", "keycache")
    assert done.returncode == 1      # checked, not applied
    assert site.ctl.ok("config", "reload") == \
        f"config reload\nconfiguration reloaded from {site.conf} (3 signing scopes)\n"
    assert "dkim_sign:second: 0 cached entries dropped" in \
        site.ctl.ok("dkim_sign:second", "flush", "keycache")

    broken = SCOPES + 'dkim_sign "third" {\n  key = "k3/%{d}/%{s}.key"\n  bogus = 3\n}\n'
    site.write_config(broken)
    line = (site.control + broken).splitlines().index("  bogus = 3") + 1
    expected = f'signetctl: {site.conf}:{line}:3: unknown keyword "bogus" in dkim_sign'
    for words in (("config", "check"), ("config", "reload")):
        done = site.ctl.run(*words)
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith(expected), done.stderr
        assert done.stderr.count("\n") == 1
    assert site.daemon.running()
    assert "signet-controld 0.1.0" in site.ctl.ok("version")
    # the running configuration is the last good one
    assert site.ctl.run("dkim_sign:second", "flush", "keycache").returncode == 0
    assert site.ctl.run("dkim_sign:third", "flush", "keycache").returncode == 1
    assert "configuration not reloaded, the running one stays" in site.daemon.log_text()


def test_controld_check_and_sighup_reload(site):
    check = subprocess.run([site.daemon.binary, "--check", "-c", str(site.conf)],
                           capture_output=True, text=True, timeout=HANG_GUARD)
    assert (check.returncode, check.stdout) == (0, f"{site.conf}: OK (2 signing scopes)\n")
    broken = SCOPES + 'dk_sign "dk2" {\n  canon = sideways\n}\n'
    site.write_config(broken)
    line = (site.control + broken).splitlines().index("  canon = sideways") + 1
    check = subprocess.run([site.daemon.binary, "--check", "-c", str(site.conf)],
                           capture_output=True, text=True, timeout=HANG_GUARD)
    assert check.returncode == 1 and check.stdout == ""
    assert check.stderr.startswith(f"{site.conf}:{line}:11: "), check.stderr
    site.daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "configuration not reloaded" in site.daemon.log_text(), "the refusal")
    assert site.ctl.run("dk_sign:dk2", "flush", "keycache").returncode == 1
    site.write_config(SCOPES + 'dk_sign "dk2" {\n  canon = simple\n}\n')
    site.daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "(3 signing scopes)" in site.daemon.log_text(), "the reload")
    assert "dk_sign:dk2: 0 cached entries dropped" in \
        site.ctl.ok("dk_sign:dk2", "flush", "keycache")


# ---- the daemon itself ----

def test_workers_version_summary(site):
    assert site.ctl.ok("workers") == \
        "workers\nclient  pid  uid  connected_s  key_requests  stats_pushes\nno signetd connected\n"
    worker = Wire(site.sock)
    worker.greet("signetd worker-7")
    kind, _ = worker.request(frame(MSG_KEY_REQUEST, field_u64(0) + field_str(DOMAIN)))
    assert kind == MSG_KEY_MATERIAL
    workers = site.ctl.json("workers")
    assert workers["message"] == "1 signetd connection"
    assert [(r["client"], r["pid"], r["uid"], r["key_requests"], r["stats_pushes"])
            for r in workers["rows"]] == [("signetd worker-7", os.getpid(), os.getuid(), 1, 0)]
    version = site.ctl.json("version")
    assert version["rows"] == [{"component": "signet-controld", "version": "0.1.0"},
                               {"component": "control protocol", "version": "1"}]
    summary = site.ctl.json("summary")
    counters = {r["counter"]: r["value"] for r in summary["rows"]}
    assert counters["workers"] == 1 and counters["clients"] == 2   # the worker and us
    assert counters["selectors"] == 0
    for name in ("uptime_s", "dkim_signed", "domainkeys_signed", "keycache_hits",
                 "selector_domains_enabled", "stats_pushes"):
        assert name in counters
    assert summary["message"].startswith("signet-controld 0.1.0, up ")
    assert summary["message"].endswith(f"configuration {site.conf}")
    worker.close()


def test_restart_keeps_runtime_selectors_then_shutdown(site):
    create(site, "s2026a")
    enable(site, "s2026a")
    create(site, "dk1", "--type", "domainkeys", "--bits", "1024")
    create(site, "ed1", "--key-type", "ed25519")
    before = site.ctl.json("selector", "list")
    assert len(before["rows"]) == 3
    site.restart()
    assert site.ctl.json("selector", "list") == before
    assert request_key(site.sock)[1] == "s2026a"

    done = site.ctl.run("shutdown")
    assert done.returncode == 0 and done.stdout == \
        "shutdown\nsignet-controld is shutting down\n"
    assert site.daemon.wait() == 0
    assert not site.sock.exists()
    done = site.ctl.run("version")
    assert done.returncode == 2
    assert "cannot connect to" in done.stderr and "is signet-controld running?" in done.stderr


# ---- output forms ----

def test_json_is_one_document_with_pinned_keys(site):
    create(site, "s2026a")
    enable(site, "s2026a")
    pinned = {
        ("selector", "list"): ["selector", "type", "domain", "status", "source", "canon", "key",
                               "delete_after"],
        ("selector", "show", "s2026a"): ["selector", "type", "domain", "status", "dns_name",
                                         "key_file", "key", "delete_after"],
        ("dns", "record", "s2026a"): ["domain", "field", "value"],
        ("dns", "test", "s2026a"): ["selector", "domain", "dns_name", "result", "ok", "detail"],
        ("signing_stats",): ["scope", "kind"] + STATS_COLUMNS,
        ("version",): ["component", "version"],
        ("summary",): ["counter", "value"],
    }
    for words, keys in pinned.items():
        done = site.ctl.run("--json", *words)
        assert done.stdout.count("\n") == 1 and done.stdout.endswith("}\n"), done.stdout
        answer = json.loads(done.stdout)
        assert list(answer) == ["title", "message", "rows"]
        assert answer["rows"], words
        for row in answer["rows"]:
            assert list(row) == keys, words
    assert site.ctl.json("keycache", "list")["rows"] == []


def test_usage_errors_never_reach_the_daemon(site):
    done = site.ctl.run("selector", "frobnicate")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("signetctl: ") and done.stderr.count("\n") == 1
    done = site.ctl.run("selector", "create", "x", "--domain", DOMAIN, "--bits", "512")
    assert done.returncode == 2 and "--bits" in done.stderr
    assert site.ctl.json("selector", "list")["rows"] == []
    assert "selector create" not in site.daemon.log_text()
