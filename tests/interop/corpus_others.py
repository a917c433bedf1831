"""
NAME
  corpus_others.py - cases from dkim_verifier, go-msgauth, mailauth and
                     rfc-examples (their expected.tsv files)

SUMMARY
  dkim_verifier (Thunderbird add-on): SUCCESS = pass; PERMFAIL with a
    signature/body mismatch code = fail, any other PERMFAIL code =
    permerror; "policy fail" rows are the add-on's rules on top of RFC 6376
    (any non-pass result matches them). Rows naming other key records
    become one case per record (brisbane._domainkey.example.com replaced).
    The add-on judges t=/x= against the top Received header's date, so that
    date is the verification time (--now). Files are LF: -> CRLF.
  go-msgauth: Err nil = pass; MaxVerifications 2 = --max-signatures 2
    (signature #3 is then not checked: neutral); the 'asdf' input must be
    rejected; byte-exact signing vectors via corpus_signing.dkim_vector;
    invalid signing options must make `signet sign` refuse.
  mailauth: RFC 8463 A.3 both pass at t=1528637909; signing with both keys
    in one pass must give two passing signatures.
  rfc-examples: the consolidated RFC 6376 / RFC 8463 messages.

UNTRUSTED INPUT
  Corpus files only.
"""
import email.utils
import re

from corpus_model import (TESTDATA, UNCHECKED, Case, Observation, all_in, judge_all,
                          no_signature, per_signature, read_tsv, results_unordered,
                          signature_fields, to_crlf, verify_case)
from corpus_signing import dkim_vector, sign_refused, sign_then_verify

NOT_PASS = {"fail"} | set(UNCHECKED)
MISMATCH = re.compile(r"body hash mismatch|signature mismatch")


def count_is(n):
    def judge(report):
        return [] if len(report.results) == n else [
            "%d signatures reported, expected %d" % (len(report.results), n)]
    return judge


def received_time(data):
    """The date of the top Received field as a Unix time string, or None."""
    fields = signature_fields(data, b"Received")
    if not fields or ";" not in fields[0]:
        return None
    try:
        return str(int(email.utils.parsedate_to_datetime(
            fields[0].rsplit(";", 1)[1].strip()).timestamp()))
    except (TypeError, ValueError):
        return None


# dkim_verifier

DV = TESTDATA / "dkim_verifier"


def dv_judge(expected):
    if expected.startswith("no signature"):
        return no_signature
    if expected.startswith("policy fail"):
        return all_in(NOT_PASS)
    m = re.match(r"(\d) signatures?, (?:first )?SUCCESS", expected)
    if m:
        return judge_all(count_is(int(m.group(1))), per_signature({0: {"pass"}}))
    if expected.startswith("pass, pass"):
        return results_unordered(["pass", "pass"])
    if expected.startswith("pass"):
        return all_in({"pass"})
    m = re.match(r"((?:fail|permerror)(?:, (?:fail|permerror))*): (.*)", expected)
    if m:
        result = "fail" if MISMATCH.search(m.group(2)) else "permerror"
        return results_unordered([result] * len(m.group(1).split(", ")))
    raise AssertionError("unclassified dkim_verifier row: " + expected)


def dv_cases(file, expected, note):
    message = DV / file
    stem = file.rsplit("/", 1)[-1].replace(".eml", "")
    now = received_time(to_crlf(message.read_bytes()))
    options = ("--now", now) if now else ()
    judge = dv_judge(expected)
    records = re.findall(r"'(v=DKIM1[^']*)'", note)
    if not records:
        return [verify_case("dkim_verifier", stem, expected, note, message, judge,
                            DV / "keys.txt", options, to_crlf)]
    key = re.search(r"^brisbane\._domainkey\.example\.com .*?p=(\S+)",
                    (DV / "keys.txt").read_text(), re.M).group(1)
    cases = []
    for rec in records:
        value = rec.replace("<key>", key)

        def run(env, value=value):
            table = env.table(DV / "keys.txt", {"brisbane._domainkey.example.com": value})
            case = verify_case("dkim_verifier", stem, expected, note, message, judge, table,
                               options, to_crlf)
            return case.run(env)
        cases.append(Case("dkim_verifier", "%s[key %s]" % (stem, rec.replace("<key>", "KEY")),
                          expected, note, run=run))
    return cases


# go-msgauth

GO = TESTDATA / "go-msgauth"
GO_TABLE = GO / "keys.txt"
GO_BAD_OPTIONS = {  # TestSign_invalidOptions: (option to drop, options to add, what)
    "no-domain": ("-d", [], "no domain"),
    "no-selector": ("-s", [], "no selector"),
    "no-signer": ("-k", [], "no key"),
    "header-canon-pasta": (None, ["-c", "pasta/simple"], "header canonicalization 'pasta'"),
    "body-canon-potatoe": (None, ["-c", "simple/potatoe"], "body canonicalization 'potatoe'"),
    "invalid-hash": (None, ["-a", "rsa-md5"], "an unknown algorithm"),
    "headers-without-from": (None, ["-H", "To:Subject"], "a header list without From"),
}


def go_bad_option(name, expected, note):
    drop, add, why = GO_BAD_OPTIONS[name]

    def run(env):
        base = {"-k": env.key(GO / "test-rsa-private.pem"), "-d": "example.org",
                "-s": "brisbane"}
        args = [a for opt, value in base.items() if opt != drop for a in (opt, value)]
        return sign_refused(env, (GO / "messages/mailString.eml").read_bytes(), args + add, why)
    return Case("go-msgauth", "mailString[sign %s]" % name, expected, note, run=run)


def go_vector(name, expected, note, signed, keyfile):
    def run(env):
        value = re.search(rb"^DKIM-Signature: (.*?)\r\n(?![ \t])", signed.read_bytes(),
                          re.S | re.M).group(1).decode()
        return dkim_vector(env, (GO / "messages/mailString.eml").read_bytes(), value,
                           GO_TABLE, keyfile)
    return Case("go-msgauth", name, expected, note, run=run)


def go_invalid_input(expected, note):
    def run(env):
        report = env.verify(b"asdf", GO_TABLE)
        lines = report.stderr.strip().splitlines()
        if report.status == 2 and len(lines) == 1 and lines[0].startswith("signet: "):
            return Observation("rejected", [])
        return Observation(report.summary, ["'asdf' was not rejected with one error line\n"
                                            + report.describe()])
    return Case("go-msgauth", "asdf", expected, note, run=run)


def go_cases(file, expected, note):
    stem = file.rsplit("/", 1)[-1].replace(".eml", "")
    if file.startswith("(literal"):
        return [go_invalid_input(expected, note)]
    if "must fail" in expected:
        return [go_bad_option(n, expected, note) for n in GO_BAD_OPTIONS]
    if expected.startswith("sign ->"):
        out = GO / expected.split("-> ", 1)[1].split(" ")[0]
        key = GO / ("test-ed25519-seed.b64" if "Ed25519" in out.name else "test-rsa-private.pem")
        return [go_vector("mailString[sign->%s]" % out.stem, expected, note, out, key)]
    options = ()
    if expected.startswith("no signature"):
        judge = no_signature
    elif expected.startswith("error ErrTooManySignatures"):
        options = ("--max-signatures", "2")
        judge = per_signature({0: {"pass"}, 1: {"pass"}, 2: {"neutral"}})
    elif expected.startswith("first signature pass"):
        judge = judge_all(count_is(2), per_signature({0: {"pass"}}))
    elif expected == "pass":
        judge = all_in({"pass"})
    else:
        raise AssertionError("unclassified go-msgauth row %s: %s" % (file, expected))
    return [verify_case("go-msgauth", stem, expected, note, GO / file, judge, GO_TABLE,
                        options)]


# mailauth

MA = TESTDATA / "mailauth"


def ma_cases(file, expected, note):
    if expected == "pass, pass":
        return [verify_case("mailauth", "signed", expected, note, MA / file,
                            results_unordered(["pass", "pass"]), MA / "keys.txt",
                            ("--now", "1528637909"), to_crlf)]
    if expected.startswith("signing must succeed"):
        def run(env):
            args = ["-d", "football.example.com", "-c", "relaxed/relaxed",
                    "--time", "1528637909",
                    "-k", env.key(MA / "private-rsa.key"), "-s", "test", "-a", "rsa-sha256",
                    "-k", env.key(MA / "private-ec.key"), "-s", "brisbane",
                    "-a", "ed25519-sha256"]
            return sign_then_verify(env, to_crlf((MA / file).read_bytes()), args,
                                    MA / "keys.txt", ["pass,pass,pass,pass"])
        return [Case("mailauth", "signed[sign rsa+ed25519]", expected, note, run=run)]
    raise AssertionError("unclassified mailauth row: " + expected)


# rfc-examples

RFC = TESTDATA / "rfc-examples"


def rfc_cases(file, expected, note):
    judge = {"no signature": no_signature, "pass": all_in({"pass"}),
             "pass, pass": results_unordered(["pass", "pass"])}.get(expected)
    assert judge is not None, "unclassified rfc-examples row: " + expected
    return [verify_case("rfc-examples", file.replace(".eml", ""), expected, note, RFC / file,
                        judge, RFC / "keys.txt")]


def cases():
    found = []
    for folder, make in ((DV, dv_cases), (GO, go_cases), (MA, ma_cases), (RFC, rfc_cases)):
        for row in read_tsv(folder / "expected.tsv"):
            found += make(*row)
    return found

