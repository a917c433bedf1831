"""
NAME
  corpus_maildkim.py - cases from mail-dkim/expected.tsv and mail-dkim/signing

SUMMARY
  Mail::DKIM's vocabulary (see that folder's README) is the best result of
  a message: pass > fail > invalid (could not be checked). signet's
  per-signature results map to it as pass -> pass, fail -> fail, and
  permerror / temperror / policy / neutral -> invalid. The two rows whose
  note asserts per-signature results (multiple_2, dk_multiple_1) check
  those too.
  Options: Mail::DKIM accepts 512-bit keys, so the ordinary rows run with
  `--min-key-bits 512`; the "strict-mode" rows (Mail::DKIM Strict => 1:
  no sha1, keys of 1024 bits or more) run with `--no-sha1` and signet's
  default key minimum (1024).
  Keys come from keys.txt; a message whose key name dns-errors.txt lists
  with an ERROR is verified through the DNS test server (tests/dnsserver.py)
  simulating that failure, and must give temperror.
  signing/: the four DomainKeys vectors (corpus_signing.dk_vector) with the
  public key of signing/keys-derived.txt; the source asserts only a b=
  prefix, which the full .sig value must start with.

UNTRUSTED INPUT
  Corpus files only.
"""
from corpus_model import (TESTDATA, UNCHECKED, Case, best_in, judge_all, key_names, na_case,
                          per_signature, read_tsv, verify_case)
from corpus_signing import dk_vector

SOURCE = "mail-dkim"
FOLDER = TESTDATA / SOURCE
TABLE = FOLDER / "keys.txt"
VOCABULARY = {"pass": {"pass"}, "fail": {"fail"}, "invalid": set(UNCHECKED)}

# Per-signature results the source asserts (from the notes of expected.tsv).
PER_SIGNATURE = {
    "multiple_2": {0: set(UNCHECKED), 1: {"pass"}, 2: {"fail"}},
    "dk_multiple_1": {0: {"pass"}, 1: {"pass"}},
}
# b= prefixes asserted by t/signer_dk.t (signing/README text in the folder README).
DK_PREFIX = {"simple": "TL93PzPvedAijHChCAt", "simple-h-star": "n+qfVkhQPch80atOC7",
             "nofws": "JWzIzvCZBIYnoMebzKU", "nofws-h-star": "fkDC8iF"}


def dns_errors():
    """{name: "timeout" | "servfail"} from dns-errors.txt (NXDOMAIN rows are
    the same as an absent name and need no server)."""
    modes = {}
    for line in (FOLDER / "dns-errors.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, result = line.split(None, 1)
        if "timed out" in result:
            modes[name.lower()] = "timeout"
        elif "SERVFAIL" in result:
            modes[name.lower()] = "servfail"
    return modes


def case_for(file, expected, note, errors):
    name = file.rsplit("/", 1)[-1].replace(".txt", "")
    message = FOLDER / file
    if expected.startswith("uncertain"):
        return na_case(SOURCE, name, expected, note,
                       "uncertain: the source skips this test", message, TABLE,
                       ("--min-key-bits", "512"))
    if expected == "no fixed expectation":
        return na_case(SOURCE, name, expected, note, "the source asserts no result", message,
                       TABLE, ("--min-key-bits", "512"))
    options = ("--min-key-bits", "512")
    outcome = expected
    if expected.startswith("strict-mode: "):
        outcome = expected.split(": ", 1)[1]
        name += "[strict]"
        options = ("--no-sha1",)
    assert outcome in VOCABULARY, "unclassified Mail::DKIM row %s: %s" % (file, expected)
    judges = [best_in(VOCABULARY[outcome])]
    if name in PER_SIGNATURE:
        judges.append(per_signature(PER_SIGNATURE[name]))
    failures = {n: errors[n] for n in key_names(message.read_bytes()) if n in errors}
    if failures:
        judges.append(best_in({"temperror"}))
    return verify_case(SOURCE, name, expected, note, message, judge_all(*judges), TABLE,
                       options, dns_failures=failures or None)


def signing_cases():
    folder = FOLDER / "signing"
    message = (folder / "dk_sample.eml").read_bytes()
    table = folder / "keys-derived.txt"
    cases = []
    for variant, prefix in sorted(DK_PREFIX.items()):
        sig = folder / ("dk_sample.%s.sig" % variant)
        field = sig.read_text(encoding="ascii").strip()

        def run(env, field=field, prefix=prefix):
            obs = dk_vector(env, message, field, table, FOLDER / "test.key")
            if "b=" + prefix not in field.replace(" ", ""):
                obs.problems.append("the vector does not start with the asserted prefix %s"
                                    % prefix)
            return obs
        cases.append(Case(SOURCE, "signing/" + variant, "b= starts with " + prefix,
                          "t/signer_dk.t, a=rsa-sha1 s=test8 d=messiah.edu", run=run))
    return cases


def cases():
    errors = dns_errors()
    rows = [case_for(f, e, n, errors) for f, e, n in read_tsv(FOLDER / "expected.tsv")]
    return rows + signing_cases()
