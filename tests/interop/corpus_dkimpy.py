"""
NAME
  corpus_dkimpy.py - cases from dkimpy/expected.tsv

SUMMARY
  dkimpy's verify() returns a boolean for the FIRST signature, so "pass" is
  signature #1 passing and "fail" is signature #1 not passing (any other
  result). Files are LF: converted to CRLF as the README says.
  Round-trip rows are sign-then-verify tests of dkimpy's own signer; here
  signet signs with the same key, selector, domain and canonicalization and
  signet verifies, with the key records the dkimpy tests publish. dkimpy's
  signer oversigns From (its FROZEN list), so the "extra From in front"
  variant signs with From listed twice (-H From:From:...). Rows about
  dkimpy-only features (RFC 8460 tlsrpt mode) or files no test uses are
  not applicable.

UNTRUSTED INPUT
  Corpus files only.
"""
from corpus_model import (TESTDATA, UNCHECKED, Case, Observation, na_case, no_signature,
                          per_signature, read_tsv, split_message, to_crlf, verify_case)
from corpus_signing import sign_refused, sign_then_verify

SOURCE = "dkimpy"
FOLDER = TESTDATA / SOURCE
DATA = FOLDER / "data"
TABLE = FOLDER / "keys.txt"
NOT_PASS = {"fail"} | set(UNCHECKED)
CANONS = ("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")
EXTRA_FROM = b'From: "Resident Evil" <sales@spammer.com>'
OVERSIGN_FROM = "From:From:To?:Subject?:Date?:Message-ID?"
RSA_VARIANTS = (  # (private key, selector, public record file) of test_dkim_rsavariants.py
    ("1024_testkey.key", "test", "1024_testkey_wo_markers.pub.txt"),
    ("1024_testkey.key", "test2", "1024_testkey_wo_markers.pub.rsa.txt"),
    ("2048_testkey.key", "test3", "2048_testkey_wo_markers.pub.txt"),
    ("2048_testkey.key", "test4", "2048_testkey_wo_markers.pub.rsa.txt"),
    ("2048_testkey_PKCS8.key", "test5", "2048_testkey_PKCS8.key.pub.txt"),
)


def record(name):
    return (DATA / name).read_text(encoding="ascii").strip()


def with_header(extra, at_end):
    """A tamper function adding the field extra (no line end) at the end of
    the header block, or in front of the original fields (right below the
    signature signet prepended)."""
    def tamper(signed):
        headers, body = split_message(signed)
        if at_end:
            at = len(headers)
        else:
            at = headers.find(b"\r\n", headers.find(b"DKIM-Signature:")) + 2
            while headers[at:at + 1] in (b" ", b"\t"):
                at = headers.find(b"\r\n", at) + 2
        return headers[:at] + extra + b"\r\n" + headers[at:] + b"\r\n" + body
    return tamper


def append_body(text):
    def tamper(signed):
        return signed + text
    return tamper


def round_trip(name, expected, note, message, key, selector, domain, record_value,
               expect, extra_args=(), tamper=None):
    """signet signs message; the table publishes record_value for the key."""
    def run(env):
        table = env.table(replace={"%s._domainkey.%s" % (selector, domain): record_value})
        args = ["-k", env.key(DATA / key), "-s", selector, "-d", domain] + list(extra_args)
        return sign_then_verify(env, to_crlf((DATA / message).read_bytes()), args, table,
                                expect, tamper)
    return Case(SOURCE, name, expected, note, run=run)


def sign_refused_or_not_pass(name, expected, note, domain):
    """dkimpy signs a bad d= and then fails to verify; signet may refuse to
    sign instead. Either way no passing signature may come out."""
    def run(env):
        message = to_crlf((DATA / "test.message").read_bytes())
        args = ["-k", env.key(DATA / "test.private"), "-s", "test", "-d", domain]
        proc, argv = env.sign(message, args)
        if proc.returncode == 2:
            return Observation("refused", [])
        table = env.table(TABLE)
        report = env.verify(proc.stdout, table)
        problems = [] if report.summary in NOT_PASS else [
            "a signature for d=%r verified: %s" % (domain, report.describe())]
        return Observation("signed, then " + report.summary, problems)
    return Case(SOURCE, name, expected, note, run=run)


def no_from_case(key, expected, note):
    def run(env):
        message = to_crlf((DATA / "test_nofrom.message").read_bytes())
        return sign_refused(env, message, ["-k", env.key(DATA / key), "-s", "test",
                                           "-d", "example.com"], "a message without From")
    return Case(SOURCE, "test_nofrom.message[%s]" % key, expected, note, run=run)


def round_trip_cases(expected, note):
    cases = []
    for canon in CANONS:
        for txt in ("test.txt", "test2.txt"):
            cases.append(round_trip(
                "test.message[%s,%s]" % (canon.replace("/", "-"), txt), expected, note,
                "test.message", "test.private", "test", "example.com", record(txt),
                ["pass"], ["-c", canon]))
    return cases


def must_fail_cases(expected, note):
    base = ("test.message", "test.private", "test", "example.com")
    ok = record("test.txt")
    return [
        round_trip("test.message[key-bad-version]", expected, note, *base,
                   record("badversion.txt"), NOT_PASS),
        round_trip("test.message[key-unknown-k]", expected, note, *base, record("badk.txt"),
                   NOT_PASS),
        round_trip("test.message[altered-body]", expected, note, *base, ok, NOT_PASS,
                   tamper=append_body(b"foo")),
        round_trip("test.message[extra-from-at-end]", expected, note, *base, ok, NOT_PASS,
                   tamper=with_header(EXTRA_FROM, True)),
        round_trip("test.message[extra-from-in-front]", expected, note, *base, ok, NOT_PASS,
                   ["-H", OVERSIGN_FROM], tamper=with_header(EXTRA_FROM, False)),
        round_trip("test.message[unrelated-header-added]", expected, note, *base, ok,
                   ["pass"], tamper=with_header(b"X-Foo: bar", True)),
        sign_refused_or_not_pass("test.message[d-badly-encoded]", expected, note,
                                 "example.com\udce9"),
        sign_refused_or_not_pass("test.message[d-invalid]", expected, note,
                                 "legitimate.com(.attacker.com"),
    ]


def ed25519_cases(expected, note):
    base = ("ed25519test.msg", "ed25519test.key", "test", "example.net")
    key = record("ed25519test.dns")
    return [
        round_trip("ed25519test.msg", expected, note, *base, key, ["pass"]),
        round_trip("ed25519test.msg[altered-body]", expected, note, *base, key, NOT_PASS,
                   tamper=append_body(b"foo")),
        round_trip("ed25519test.msg[extra-from-at-end]", expected, note, *base, key, NOT_PASS,
                   tamper=with_header(EXTRA_FROM, True)),
    ]


def fixed(file, name, expected, note, judge, table=TABLE):
    return verify_case(SOURCE, name, expected, note, FOLDER / file, judge, table,
                       transform=to_crlf)


def rows_to_cases(file, expected, note):
    stem = file.rsplit("/", 1)[-1]
    first_pass = per_signature({0: {"pass"}})
    first_not_pass = per_signature({0: NOT_PASS})
    if expected.startswith("pass"):
        return [fixed(file, stem, expected, note, first_pass)]
    if file.endswith("rfc6376.signed.rsa.msg"):
        override = FOLDER / "keys-override" / "rfc6376.signed.rsa.msg.txt"
        return [fixed(file, stem, expected, note, first_not_pass, override)]
    if expected.startswith("fail"):
        return [fixed(file, stem, expected, note, first_not_pass)]
    if expected.startswith("no signature"):
        return [fixed(file, stem + "[unsigned]", expected, note, no_signature)]
    if expected.startswith("signing must fail"):
        return [no_from_case(key, expected, note) for key in ("test.private", "ed25519test.key")]
    if expected == "round-trip sign+verify must pass" and stem == "test.message":
        return round_trip_cases(expected, note)
    if expected == "round-trip must fail":
        return must_fail_cases(expected, note)
    if expected.startswith("round-trip with l="):
        return [round_trip("test.message[l=,appended]", expected, note, "test.message",
                           "test.private", "test", "example.com", record("test.txt"), ["pass"],
                           ["-l"], append_body(b"added more text\r\n"))]
    if expected.startswith("round-trip must pass with RSA key variants"):
        return [round_trip("test.message[%s,%s]" % (key, sel), expected, note, "test.message",
                           key, sel, "example.com", record(pub), ["pass"])
                for key, sel, pub in RSA_VARIANTS]
    if expected.startswith("round-trip sign+verify must pass (ed25519)"):
        return ed25519_cases(expected, note)
    if stem == "rfc6376.msg":
        keys = TABLE.read_text().splitlines()
        published = {line.split(None, 1)[0]: line.split(None, 1)[1] for line in keys}
        return [round_trip("rfc6376.msg[%s]" % sel, expected, note, "rfc6376.msg", key, sel,
                           "football.example.com",
                           published[sel + "._domainkey.football.example.com"], ["pass"])
                for key, sel in (("rfc8032_7_1.key", "brisbane"), ("test.private", "test"))]
    if expected.startswith("tlsrpt"):
        return [round_trip("test.message[key-s=tlsrpt]", expected, note, "test.message",
                           "test.private", "test", "example.com", record("test_tlsrpt.txt"),
                           NOT_PASS),
                na_case(SOURCE, "test.message[tlsrpt-mode]", expected, note,
                        "dkimpy's RFC 8460 tlsrpt verification mode (no signet equivalent)")]
    if expected in ("not asserted as-is", "not used"):
        return [na_case(SOURCE, stem, expected, note, expected)]
    raise AssertionError("unclassified dkimpy row %s: %s" % (file, expected))


def cases():
    found = []
    for row in read_tsv(FOLDER / "expected.tsv"):
        found += rows_to_cases(*row)
    return found
