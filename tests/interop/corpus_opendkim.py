"""
NAME
  corpus_opendkim.py - cases from opendkim-libopendkim/expected.tsv

SUMMARY
  OpenDKIM's vocabulary is library status codes (see that folder's README).
  Verify rows map to signet's per-signature results:
    eom=DKIM_STAT_OK        some signature passes
    eom=DKIM_STAT_BADSIG    best result fail
    eom=NOKEY/REVOKED/CANTVRFY  best result permerror (could not verify)
    eom=DKIM_STAT_NOSIG     no signature; permerror each when the library
                            also rejected the field (dkim_header=SYNTAX)
    dkim_header=SYNTAX      that signature field is malformed: permerror
    eoh/eom/dkim_chunk=SYNTAX on the message (not a signature field): signet
                            rejects the message or gives permerror
    sig[i]=DKIM_SIGERROR_x  result of the i-th signature (top-down): OK ->
                            pass, BADSIG -> fail, MBSFAILED -> policy, every
                            other code -> permerror
  Verification runs with --max-signatures 10: OpenDKIM checks every
  signature (t-test115 has 8), signet's default limit is 5.
  Sign rows with signatures/*.sig are signing vectors (corpus_signing);
  t-test131-s1 asserts bh= only; sign rows that must fail map to a refusal
  of `signet sign`. Rows about API calls, resources or code-built messages
  are not applicable.

UNTRUSTED INPUT
  Corpus files only.
"""
import re

from corpus_model import (TESTDATA, Case, Observation, all_in, best_in, fix_bare_cr_lf,
                          judge_all, na_case, no_signature, per_signature, read_tsv,
                          verify_case)
from corpus_signing import dkim_vector, sign_refused

SOURCE = "opendkim-libopendkim"
FOLDER = TESTDATA / SOURCE
TABLE = FOLDER / "keys.txt"
KEY = FOLDER / "opendkim-test-key.pem"
VERIFY_OPTIONS = ("--max-signatures", "10")

PERMERROR = frozenset(["permerror"])
SIG_RESULT = {"DKIM_SIGERROR_OK": {"pass"}, "DKIM_SIGERROR_BADSIG": {"fail"},
              "DKIM_SIGERROR_MBSFAILED": {"policy"}}

# Sign rows that must fail and the signet options reproducing them. t-test148's
# i= value is set in the test program (dkim_set_signer "@" DOMAIN = @example.com).
SIGN_REFUSALS = {
    "t-test150": (["-k", FOLDER / "opendkim-small-key.pem", "-s", "test", "-d", "example.com",
                   "-a", "rsa-sha1", "-c", "relaxed/relaxed", "--time", "1172620939"],
                  "a 512-bit RSA key"),
    "t-test148": (["-k", KEY, "-s", "test", "-d", "sendmail.com", "-a", "rsa-sha256",
                   "-c", "relaxed/simple", "-i", "@example.com", "--time", "1172620939"],
                  "i=@example.com with d=sendmail.com"),
}
# Vectors whose verification legitimately fails: the key "test" has t=s, so
# an i= in a subdomain of d= is a permerror (what t-test82 asserts).
VECTOR_RESULT = {"t-test81": "permerror"}


def statuses(expected):
    """{"eom": "DKIM_STAT_OK", "sig[0]": ("DKIM_SIGERROR_..",), ...}."""
    found = {}
    for part in expected.split("; "):
        m = re.match(r"(?:earlier )?([a-z_]+(?:\[\d+\])?)=(DKIM_\w+)", part)
        if m:
            codes = tuple(re.findall(r"DKIM_[A-Z0-9_]+", part))
            found.setdefault(m.group(1), codes if m.group(1).startswith("sig[") else codes[0])
    return found


def sig_judge(found):
    expected = {}
    for key, codes in found.items():
        if key.startswith("sig["):
            allowed = set()
            for code in codes:
                allowed |= SIG_RESULT.get(code, PERMERROR)
            expected[int(key[4:-1])] = allowed
    return per_signature(expected) if expected else None


def message_rejected(report):
    """A message-level syntax error: signet rejects the message or no
    signature of it verifies (each a permerror)."""
    if report.status == 2:
        return []
    return all_in(PERMERROR)(report)


def verify_judge(found, note):
    """The judge for a verify row, or None when the row asserts nothing
    signet can be compared with."""
    eom, eoh = found.get("eom"), found.get("eoh")
    header, chunk = found.get("dkim_header"), found.get("dkim_chunk")
    judges = [j for j in (sig_judge(found),) if j]
    if eom == "DKIM_STAT_OK":
        judges.append(best_in({"pass"}))
    elif eom == "DKIM_STAT_BADSIG":
        judges.append(best_in({"fail"}))
    elif eom in ("DKIM_STAT_NOKEY", "DKIM_STAT_REVOKED", "DKIM_STAT_CANTVRFY") \
            or eoh == "DKIM_STAT_CANTVRFY":
        judges.append(best_in(PERMERROR))
    elif eom == "DKIM_STAT_NOSIG":
        judges.append(all_in(PERMERROR) if header == "DKIM_STAT_SYNTAX" else no_signature)
    elif header == "DKIM_STAT_SYNTAX":
        if not judges:          # no sig[i]: the one signature field is malformed
            judges.append(all_in(PERMERROR))
    elif "DKIM_STAT_SYNTAX" in (eom, eoh, chunk):
        judges.append(message_rejected)
    elif eoh == "DKIM_STAT_NORESOURCE" and "oversized domain" in note:
        judges.append(best_in(PERMERROR))
    return judge_all(*judges) if judges else None


def sign_case(name, expected, note, message, found):
    vector = re.search(r"signatures/(\S+\.sig)", expected)
    if vector:
        sig = (FOLDER / "signatures" / vector.group(1)).read_text(encoding="utf-8")
        value = sig.rstrip("\n").replace("\n", "\r\n")
        transform = fix_bare_cr_lf if "FIXCRLF" in note else (lambda d: d)

        def run(env):
            return dkim_vector(env, transform(message.read_bytes()), value, TABLE, KEY,
                               VECTOR_RESULT.get(name, "pass"))
        return Case(SOURCE, name, expected, note, run=run)
    bh = re.search(r'exactly "bh=([^"]+)"', expected)
    if bh:
        def run(env):
            args = ["-k", env.key(KEY), "-s", "test", "-d", "example.com", "-a", "rsa-sha256",
                    "-c", "relaxed/relaxed", "--time", "1172620939"]
            proc, argv = env.sign(message.read_bytes(), args)
            got = re.search(rb"bh=([^;]+);", re.sub(rb"\r\n[ \t]", b"", proc.stdout))
            got = got.group(1).decode() if got else "(none)"
            if proc.returncode != 0 or got != bh.group(1):
                return Observation("bh=" + got, ["signet's bh= is %s, expected %s (%s)" % (
                    got, bh.group(1), " ".join(argv))])
            return Observation("bh=" + got, [])
        return Case(SOURCE, name, expected, note, run=run)
    if name in SIGN_REFUSALS:
        args, why = SIGN_REFUSALS[name]

        def run(env):
            keyed = [env.key(a) if a in (KEY, FOLDER / "opendkim-small-key.pem") else a
                     for a in args]
            return sign_refused(env, message.read_bytes(), keyed, why)
        return Case(SOURCE, name, expected, note, run=run)
    if found.get("eoh") == "DKIM_STAT_SYNTAX":
        def run(env):
            return sign_refused(env, message.read_bytes(),
                                ["-k", env.key(KEY), "-s", "test", "-d", "example.com"],
                                "a message OpenDKIM finds malformed")
        return Case(SOURCE, name, expected, note, run=run)
    return na_case(SOURCE, name, expected, note,
                   "signing with a key that is not in the corpus (BADKEY)")


def case_for(file, expected, note):
    name = file.rsplit("/", 1)[-1].replace(".eml", "")
    if expected.startswith("n/a"):
        return na_case(SOURCE, name, expected, note, "not transcribed: " + note.split(";")[0])
    message = FOLDER / file
    if expected.startswith("no outcome asserted"):
        return na_case(SOURCE, name, expected, note,
                       "the test asserts API results only", message, TABLE, VERIFY_OPTIONS)
    found = statuses(expected)
    if "mode: sign" in note:
        return sign_case(name, expected, note, message, found)
    if found.get("eoh") == "DKIM_STAT_NORESOURCE" and "DKIM_OPTS_TMPDIR" in note:
        return na_case(SOURCE, name, expected, note,
                       "resource error from a bad temp directory option, not the message",
                       message, TABLE, VERIFY_OPTIONS)
    judge = verify_judge(found, note)
    assert judge is not None, "unclassified OpenDKIM row %s: %s" % (file, expected)
    transform = fix_bare_cr_lf if "FIXCRLF" in note else None
    return verify_case(SOURCE, name, expected, note, message, judge, TABLE, VERIFY_OPTIONS,
                       transform)


def cases():
    return [case_for(*row) for row in read_tsv(FOLDER / "expected.tsv")]

