"""
NAME
  test_malformed.py - signet verify and sign on malformed input

SUMMARY
  The corpus of tests/data/malformed (layout in tests/data/README.md):
    messages/ + messages.tsv     malformed messages, each run through
                                 `signet verify` and `signet sign`
    signatures.tsv               malformed DKIM-Signature / DomainKey-Signature
                                 values, each put on top of a message signet
                                 signed correctly (DKIM + DomainKeys)
    keys.tsv                     malformed key records, each published for a
                                 message signed with that selector, read from
                                 a key table (--dns-file) and through the DNS
                                 test server (--resolver)
  plus inputs too big to commit, generated here (huge fields, 1200 fields,
  endless folding, a 10 MiB body line, a message over 64 MiB, 10000 and 990
  signatures, random bytes).
  Every run has a 20 s timeout, RLIMIT_AS 1 GiB and a peak-RSS bound of
  512 MiB (corpus_malformed.py). Each case states the outcome: a one-line
  "signet: ..." error naming the line (exit 2), or the result the malformed
  signature or key must get (permerror, or as listed), while the correct
  signatures of the same message still pass; a message signet signs must
  verify afterwards.

UNTRUSTED INPUT
  The corpus of this repository and signet's output.
"""
import base64
import random
import re
import subprocess

import pytest

from corpus_malformed import (MALFORMED, expand, is_asan_build, limited_run, outcome_problems,
                              read_rows, safety_problems)
from corpus_model import DNSSERVER, PYTHON, Report, tags_of

SIGN_TIME = "1700000000"
DOMAIN = "example.com"
BASE = (MALFORMED / "base.eml").read_bytes()
MESSAGE_ROWS = read_rows(MALFORMED / "messages.tsv")
SIGNATURE_ROWS = read_rows(MALFORMED / "signatures.tsv")
KEY_ROWS = read_rows(MALFORMED / "keys.tsv")

# messages.tsv rows whose expectation signet does not meet, with the bug.
BUGS = {}


class Tools:
    """signet, two keys made by `signet keygen`, their table, signed base."""

    def __init__(self, signet, directory):
        self.signet = signet
        self.dir = directory
        self.limit_as = not is_asan_build(signet)
        self.check_rss = self.limit_as
        lines = []
        self.keys, self.records = {}, {}
        for kind, selector, extra in (("rsa", "good", ["-b", "1024"]), ("ed25519", "ed", [])):
            keyfile = directory / (selector + ".key")
            run = self.run(["keygen", "-t", kind, "-d", DOMAIN, "-s", selector, "-o", keyfile]
                           + extra)
            assert run.status == 0, run.describe()
            line = run.stdout.decode().strip()
            lines.append(line)
            self.keys[kind] = keyfile
            self.records[kind] = line.split(" ", 1)[1]
        self.table = directory / "keys.txt"
        self.table.write_text("\n".join(lines) + "\n")

    def run(self, args, stdin=b""):
        return limited_run([self.signet] + list(args), stdin, self.limit_as)

    def verify(self, message, table=None, extra=()):
        return self.run(["verify", "--dns-file", table or self.table] + list(extra) + ["-"],
                        message)

    def sign(self, message, selector="good", kind="rsa", extra=()):
        return self.run(["sign", "-k", self.keys[kind], "-s", selector, "-d", DOMAIN,
                         "--time", SIGN_TIME] + list(extra) + ["-"], message)

    def safety(self, run):
        return safety_problems(run, self.check_rss)


@pytest.fixture(scope="module")
def tools(signet, tmp_path_factory):
    return Tools(signet.path, tmp_path_factory.mktemp("malformed"))


def results_of(run):
    """Per-signature results of a verify run (asserting the line parses)."""
    report = Report(subprocess.CompletedProcess(run.argv, run.status, run.stdout, run.stderr),
                    run.argv)
    assert report.parse_error is None, report.parse_error + "\n" + run.describe()
    return report.results


def check_signed_output(tools, run):
    """A message signet signed must verify with signet, top signature pass."""
    verified = tools.verify(run.stdout)
    problems = tools.safety(verified)
    if problems:
        return problems
    results = results_of(verified)
    return [] if results[:1] == ["pass"] else [
        "signet's own signature does not verify: %s\n%s" % (results, verified.describe())]


def check_message_run(tools, run, expected):
    problems = tools.safety(run) or outcome_problems(run, expected)
    if not problems and expected == "signed":
        problems = check_signed_output(tools, run)
    return problems


def message_params():
    out = []
    for row in MESSAGE_ROWS:
        for mode in ("verify", "sign"):
            case_id = "message/%s[%s]" % (row["file"], mode)
            marks = [pytest.mark.xfail(strict=True, reason=BUGS[case_id])] \
                if case_id in BUGS else []
            out.append(pytest.param(row, mode, id=case_id, marks=marks))
    return out


@pytest.mark.parametrize("row,mode", message_params())
def test_message(tools, row, mode):
    data = (MALFORMED / "messages" / row["file"]).read_bytes()
    run = tools.verify(data) if mode == "verify" else tools.sign(data)
    problems = check_message_run(tools, run, row[mode])
    assert not problems, "%s (%s)\n%s" % (row["file"], row["what"], "\n".join(problems))


# Generated inputs: name -> (factory, verify expectation, sign expectation)

def fields(count, width=1):
    return b"".join(b"X-Field-%d: %s\r\n" % (i, b"v" * width) for i in range(count))


def headers_and_body(extra_headers, body=b"body\r\n"):
    head, _, rest = BASE.partition(b"\r\n\r\n")
    return head + b"\r\n" + extra_headers + b"\r\n" + body


def random_bytes():
    data = bytearray(random.Random(6376).randbytes(4096))
    data[0] = 0xFF              # not a field-name byte: line 1 is the bad one
    return bytes(data)


GENERATED = {
    "random-bytes": (random_bytes, "reject@1", "reject@1"),
    "field-of-200KiB": (lambda: headers_and_body(b"X-Big: " + b"a" * (200 << 10) + b"\r\n"),
                        "reject@*", "reject@*"),
    "1200-fields": (lambda: headers_and_body(fields(1200)), "reject@1001", "reject@1001"),
    "header-section-over-1MiB": (lambda: headers_and_body(fields(900, 1500)),
                                 "reject@*", "reject@*"),
    "endless-folding": (lambda: headers_and_body(b"X-Fold: start\r\n" + b"\t x\r\n" * 100000),
                        "reject@*", "reject@*"),
    "body-line-of-10MiB": (lambda: headers_and_body(b"", b"y" * (10 << 20) + b"\r\n"),
                           "none", "signed"),
    "million-empty-lines": (lambda: headers_and_body(b"", b"text\r\n" + b"\r\n" * 1000000),
                            "none", "signed"),
    "message-over-64MiB": (lambda: headers_and_body(b"", (b"z" * 1022 + b"\r\n") * (65 << 10)),
                           "reject", "reject"),
}


@pytest.mark.parametrize("name,mode", [(n, m) for n in GENERATED for m in ("verify", "sign")],
                         ids=["generated/%s[%s]" % (n, m) for n in GENERATED
                              for m in ("verify", "sign")])
def test_generated(tools, name, mode):
    factory, verify_expect, sign_expect = GENERATED[name]
    data = factory()
    run = tools.verify(data) if mode == "verify" else tools.sign(data)
    problems = check_message_run(tools, run, verify_expect if mode == "verify" else sign_expect)
    assert not problems, "%s\n%s" % (name, "\n".join(problems))


@pytest.fixture(scope="module")
def signed_base(tools):
    """(signed message, placeholder values) for the signature templates."""
    run = tools.sign(BASE, extra=["--dk"])
    assert run.status == 0, run.describe()
    values = {}
    for field, prefix in ((b"DKIM-Signature", ""), (b"DomainKey-Signature", "dk_")):
        m = re.search(rb"(?im)^%s:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)" % field, run.stdout)
        assert m, "no %s in signet's output" % field.decode()
        for tag, value in tags_of(m.group(1).decode()).items():
            values[prefix + tag] = value
    assert results_of(tools.verify(run.stdout)) == ["pass", "pass"]
    return run.stdout, values


@pytest.mark.parametrize("row", SIGNATURE_ROWS, ids=["signature/" + r["name"]
                                                     for r in SIGNATURE_ROWS])
def test_signature(tools, signed_base, row):
    signed, values = signed_base
    value = expand(row["template"], values)
    field = row["field"].encode() + b":" + (b" " + value if value else b"")
    message = field + b"\r\n" + signed
    run = tools.verify(message)
    problems = tools.safety(run)
    assert not problems, "\n".join(problems)
    results = results_of(run)
    allowed = row["expected"].split("|")
    assert results[:1] and results[0] in allowed, (
        "%s (%s): the malformed signature got %s, expected %s\n%s" % (
            row["name"], row["what"], results[:1], " or ".join(allowed), run.describe()))
    assert results[1:] == ["pass", "pass"], (
        "the correct signatures below the malformed one: %s\n%s" % (results[1:], run.describe()))
    resigned = tools.sign(message)
    problems = tools.safety(resigned) or outcome_problems(resigned, "signed") \
        or check_signed_output(tools, resigned)
    assert not problems, "signing the message with the malformed signature\n" + \
        "\n".join(problems)


def repeated_signatures(count):
    def make(signed):
        field = re.match(rb"DKIM-Signature:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*\r\n", signed).group(0)
        return field * count + BASE
    return make


def test_10000_signatures(tools, signed_base):
    """Over the 1000-field limit: rejected, naming the line where the first
    field too many starts."""
    message = repeated_signatures(10000)(signed_base[0])
    lines_per_field = message.partition(b"\r\nDKIM-Signature:")[0].count(b"\r\n") + 1
    for run in (tools.verify(message), tools.sign(message)):
        problems = tools.safety(run) or outcome_problems(
            run, "reject@%d" % (1000 * lines_per_field + 1))
        assert not problems, "\n".join(problems)


def test_990_signatures(tools, signed_base):
    """Within the field limits: 5 signatures are checked (the default
    --max-signatures), later ones are reported neutral, and the report stays
    bounded (signet lists at most 32 signature fields, SG_VERIFY_MAX_RESULTS)."""
    message = repeated_signatures(990)(signed_base[0])
    run = tools.verify(message)
    problems = tools.safety(run)
    assert not problems, "\n".join(problems)
    results = results_of(run)
    assert results[:5] == ["pass"] * 5, run.describe()
    assert 5 < len(results) <= 64 and set(results[5:]) == {"neutral"}, run.describe()


def key_values(tools, kind):
    """Placeholders of keys.tsv: the key's p= and variants of it."""
    p = re.search(r"\bp=([A-Za-z0-9+/=]+)", tools.records[kind]).group(1)
    raw = base64.b64decode(p)
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return {"p": p, "p_half": p[:len(p) // 2],
            "p_spaced": " ".join(p[i:i + 40] for i in range(0, len(p), 40)),
            "p31": b64(raw[:31]), "p33": b64(raw + b"\0"),
            "p_spki": b64(bytes.fromhex("302a300506032b6570032100") + raw)}


def key_case_message(tools, row):
    selector = "m-" + row["name"]
    kind = row["key"]
    run = tools.sign(BASE, selector, kind)
    assert run.status == 0, run.describe()
    name = "%s._domainkey.%s" % (selector, DOMAIN)
    record = expand(row["record"], key_values(tools, kind))
    return run.stdout, name, record


@pytest.fixture(scope="module")
def key_server(tools):
    """The DNS test server publishing every keys.tsv record a table line can
    hold (all but the empty one), each at its own selector."""
    table = tools.dir / "malformed-keys.txt"
    lines = []
    for row in KEY_ROWS:
        _, name, record = key_case_message(tools, row)
        if record:
            lines.append(name.encode() + b" " + record)
    table.write_bytes(b"\n".join(lines) + b"\n")
    proc = subprocess.Popen([PYTHON, str(DNSSERVER), "--table", str(table)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port = proc.stdout.readline().decode().strip()
    assert port.isdigit(), proc.stderr.read().decode()
    yield "127.0.0.1:" + port
    proc.terminate()
    proc.wait(timeout=10)


def check_key_run(run, row):
    allowed = row["expected"].split("|")
    if run.status == 2:
        rejections = [a for a in allowed if a.startswith("reject")]
        assert rejections, "%s: rejected, expected %s\n%s" % (row["name"], allowed,
                                                               run.describe())
        problems = outcome_problems(run, rejections[0])
        assert not problems, "\n".join(problems)
        return
    results = results_of(run)
    assert results and results[0] in allowed, "%s (%s): %s, expected %s\n%s" % (
        row["name"], row["what"], results, " or ".join(allowed), run.describe())


@pytest.mark.parametrize("row", KEY_ROWS, ids=["key/%s[table]" % r["name"] for r in KEY_ROWS])
def test_key_record_in_table(tools, row):
    message, name, record = key_case_message(tools, row)
    table = tools.dir / ("table-%s.txt" % row["name"])
    table.write_bytes(name.encode() + b" " + record + b"\n")
    run = tools.verify(message, table)
    problems = tools.safety(run)
    assert not problems, "\n".join(problems)
    check_key_run(run, row)


@pytest.mark.parametrize("row", KEY_ROWS, ids=["key/%s[dns]" % r["name"] for r in KEY_ROWS])
def test_key_record_over_dns(tools, key_server, row):
    message, name, record = key_case_message(tools, row)
    if not record:
        pytest.skip("not applicable: the DNS test server reads its records from a table, "
                    "whose lines cannot hold an empty value")
    run = tools.run(["verify", "--resolver", key_server, "-"], message)
    problems = tools.safety(run)
    assert not problems, "\n".join(problems)
    check_key_run(run, row)
