"""
NAME
  corpus_signing.py - signing vectors of the corpus, checked with signet

SUMMARY
  A signing vector is a signature header another implementation made for a
  known message with a known key. For each vector:
    1. the vector itself: signature field + message must verify with
       `signet verify` (expected result given by the caller, usually pass);
    2. signet re-signs the message with the same key, domain, selector,
       algorithm, canonicalization, header list, identity, l=, z= and
       signing time (--time), and its signature must verify too;
    3. bh= (and l=) of signet's signature must equal the vector's: they
       depend only on the body, so they are byte-exact whatever the header
       formatting; b= is compared only when signet wrote the same field
       text (then RSA PKCS#1 v1.5 / Ed25519 signatures must be identical).
  DomainKeys vectors (no t=, the signature field is not signed) compare b=
  whenever the h= lists agree.

UNTRUSTED INPUT
  Corpus files and signet output (parsed with the helpers of corpus_model).
"""
import re

from corpus_model import Observation, report_problems, signature_fields, tags_of

HOUR = 3600


def field_text(data, name):
    """The first field called name in data, unfolded value (str) or None."""
    values = signature_fields(data, name)
    return values[0] if values else None


def normalized(value):
    return re.sub(r"\s+", "", value)


def check_result(report, expected, what):
    problems = report_problems(report)
    if not problems and report.summary != expected:
        problems = ["%s: signet verify says %s, expected %s\n%s" % (
            what, report.summary, expected, report.describe())]
    return problems


def resign_args(tags, keyfile):
    """signet sign options reproducing a DKIM vector's tags."""
    args = ["-k", keyfile, "-s", tags["s"], "-d", tags["d"], "-a", tags["a"],
            "-c", tags.get("c", "simple/simple"), "-H", tags["h"], "--time", tags["t"]]
    if "l" in tags:
        args.append("-l")
    if "z" in tags:
        args.append("-z")
    if "i" in tags:
        args += ["-i", tags["i"]]
    if "x" in tags and (int(tags["x"]) - int(tags["t"])) % HOUR == 0:
        args += ["-x", str((int(tags["x"]) - int(tags["t"])) // HOUR)]
    return args


def dkim_vector(env, message, value, table, keyfile, expect="pass"):
    """Checks one DKIM signing vector; value is the field value (folded
    text after "DKIM-Signature: "), message the CRLF message bytes."""
    tags = tags_of(value)
    now = ["--now", tags["t"]]
    vector = env.verify(b"DKIM-Signature: " + value.encode() + b"\r\n" + message, table, now)
    problems = check_result(vector, expect, "the vector")
    proc, argv = env.sign(message, resign_args(tags, env.key(keyfile)))
    if proc.returncode != 0:
        problems.append("signet sign failed: %s %s" % (" ".join(argv), proc.stderr.decode()))
        return Observation("vector:%s resign:failed" % vector.summary, problems)
    resigned = env.verify(proc.stdout, table, now)
    problems += check_result(resigned, expect, "signet's re-signature")
    mine = field_text(proc.stdout, b"DKIM-Signature") or ""
    problems += compare_tags(tags, tags_of(mine), ("bh", "l", "h"))
    if normalized(mine) == normalized(value.replace("\r\n", "")):
        problems += compare_tags(tags, tags_of(mine), ("b",))
    return Observation("vector:%s resign:%s" % (vector.summary, resigned.summary), problems,
                       resigned.describe())


def compare_tags(theirs, mine, names):
    problems = []
    for name in names:
        if name == "h":
            a = theirs.get("h", "").lower().split(":")
            b = mine.get("h", "").lower().split(":")
        else:
            a, b = theirs.get(name), mine.get(name)
        if a != b:
            problems.append("%s= differs: vector %s, signet %s" % (name, a, b))
    return problems


def dk_vector(env, message, field, table, keyfile):
    """Checks one DomainKeys vector; field is the whole header line."""
    tags = tags_of(field.split(":", 1)[1])
    vector = env.verify(field.encode() + b"\r\n" + message, table)
    problems = check_result(vector, "pass", "the vector")
    args = ["-k", env.key(keyfile), "-s", tags["s"], "-d", tags["d"], "--dk-only",
            "--dk-canon", tags.get("c", "simple")]
    if "h" in tags:
        args.append("--dk-headers")
    proc, argv = env.sign(message, args)
    if proc.returncode != 0:
        problems.append("signet sign failed: %s %s" % (" ".join(argv), proc.stderr.decode()))
        return Observation("vector:%s resign:failed" % vector.summary, problems)
    resigned = env.verify(proc.stdout, table)
    problems += check_result(resigned, "pass", "signet's DomainKeys signature")
    mine = tags_of(field_text(proc.stdout, b"DomainKey-Signature") or "")
    if mine.get("h", "").lower() == tags.get("h", "").lower():
        problems += compare_tags(tags, mine, ("b",))
    return Observation("vector:%s resign:%s" % (vector.summary, resigned.summary), problems,
                       resigned.describe())


def sign_refused(env, message, args, why):
    """signet sign must refuse: exit 2 and an error line starting "signet"
    (a usage error may add the usage text after it)."""
    proc, argv = env.sign(message, args)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == 2:
        if err.startswith("signet") and proc.stdout == b"":
            return Observation("refused", [])
        return Observation("refused", ["refusal without a 'signet...' error line, or with "
                                       "output: %r" % err])
    if proc.returncode < 0:
        return Observation("killed", ["signet sign killed by signal %d" % -proc.returncode])
    return Observation("signed" if proc.returncode == 0 else "exit %d" % proc.returncode,
                       ["signet sign accepted %s (expected a refusal): %s" % (
                           why, " ".join(argv))])


def sign_then_verify(env, message, sign_args, table, expect, tamper=None, verify_opts=()):
    """Signs message with signet, optionally tampers with the result, and
    verifies it; the summary is signet's verify summary."""
    proc, argv = env.sign(message, sign_args)
    if proc.returncode != 0:
        return Observation("sign failed", ["signet sign failed: %s\n%s" % (
            " ".join(argv), proc.stderr.decode("utf-8", "replace"))])
    signed = tamper(proc.stdout) if tamper else proc.stdout
    report = env.verify(signed, table, verify_opts)
    problems = report_problems(report)
    if not problems and report.summary not in expect:
        problems = ["signet verify says %s, expected %s\n%s" % (
            report.summary, " or ".join(expect), report.describe())]
    return Observation(report.summary, problems, report.describe())
