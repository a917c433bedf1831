"""
NAME
  test_corpus.py - signet against the third-party corpus (../shared/testdata)

SUMMARY
  Every row of every <source>/expected.tsv becomes one pytest case, named
  "<source>/<message>[variant]" (see corpus_<source>.py for how each source's
  vocabulary maps to signet's per-signature results pass / fail / neutral /
  policy / permerror / temperror / none). A case either
    matches       signet does what the source expects;
    differs deliberately   it is listed in DELIBERATE below (and in
                  docs/interop.md, checked by test_differences_documented):
                  signet must then give exactly the listed result, so a
                  silent change in either direction fails;
    is a known bug    listed in BUGS: xfail(strict=True) with the bug;
    is not applicable  API-only, not transcribed, uncertain upstream, or a
                  feature signet does not have: skipped with the reason
                  (a message that exists is still run once as a crash check).
  At the end the per-source tally (matched / mismatched / deliberate /
  not applicable) is printed.

UNTRUSTED INPUT
  The corpus files; see corpus_model.py.
"""
import re
import tempfile

import pytest

import corpus_dkimpy
import corpus_maildkim
import corpus_opendkim
import corpus_others
from corpus_model import SRCDIR, CorpusEnv

# case id -> (expected by the source, signet's result, reason). The same rows,
# in the same order, are the table "Deliberate differences" of docs/interop.md.
PRE_RFC_NO_V = ("pre-RFC 6376 draft signature (no v= tag): RFC 6376 3.5 requires v=1 and "
                "6.1.1 makes any other signature a PERMFAIL; Mail::DKIM still accepts the "
                "drafts")
PRE_RFC_V05 = PRE_RFC_NO_V.replace("(no v= tag)", "(v=0.5)")
PRE_RFC_FAIL = PRE_RFC_NO_V + "; it is refused before any hash is checked"
DELIBERATE = {
    "mail-dkim/mine_ietf01_1": ("pass", "permerror", PRE_RFC_NO_V),
    "mail-dkim/mine_ietf01_2": ("pass", "permerror", PRE_RFC_NO_V),
    "mail-dkim/mine_ietf01_3": ("pass", "permerror", PRE_RFC_NO_V),
    "mail-dkim/mine_ietf01_4": ("pass", "permerror", PRE_RFC_NO_V),
    "mail-dkim/good_ietf01_1": ("pass", "permerror", PRE_RFC_NO_V),
    "mail-dkim/good_ietf01_2": ("pass", "permerror", PRE_RFC_NO_V),
    "mail-dkim/mine_ietf05_1": ("pass", "permerror", PRE_RFC_V05),
    "mail-dkim/no_body_1": ("pass", "permerror", PRE_RFC_V05),
    "mail-dkim/no_body_2": ("pass", "permerror", PRE_RFC_V05),
    "mail-dkim/no_body_3": ("pass", "permerror", PRE_RFC_V05),
    "mail-dkim/multiple_1": (
        "pass", "permerror,permerror,permerror,permerror",
        "pre-RFC 6376 draft signature (all four signatures lack v=): RFC 6376 3.5 requires v=1 "
        "and 6.1.1 makes any other signature a PERMFAIL; Mail::DKIM still accepts the drafts"),
    "mail-dkim/bad_ietf01_1": ("fail", "permerror", PRE_RFC_FAIL),
    "mail-dkim/bad_ietf01_2": ("fail", "permerror", PRE_RFC_FAIL),
    "mail-dkim/bad_ietf01_3": ("fail", "permerror", PRE_RFC_FAIL),
    "mail-dkim/bad_1": ("fail", "permerror", PRE_RFC_FAIL),
    "mail-dkim/badkey_8": (
        "invalid", "pass",
        "the key record's g= tag (RFC 4871) was removed by RFC 6376, whose key records ignore "
        "unknown tags; Mail::DKIM still applies g= (g=*poe does not match i=)"),
    "mail-dkim/badkey_9": (
        "invalid", "pass",
        "the key record's g= tag (RFC 4871) was removed by RFC 6376, whose key records ignore "
        "unknown tags; Mail::DKIM still applies g= (empty g=)"),
    "mail-dkim/badkey_12": (
        "invalid", "pass",
        "the key record's g= tag (RFC 4871) was removed by RFC 6376, whose key records ignore "
        "unknown tags; Mail::DKIM still applies g= (g=jl*g vs i=JLONG@...)"),
    "mail-dkim/badkey_13": (
        "invalid", "pass",
        "the key record's g= tag (RFC 4871) was removed by RFC 6376, whose key records ignore "
        "unknown tags; Mail::DKIM still applies g= (g=jl*g vs i=foo@...)"),
    "mail-dkim/good_ietf01_1[strict]": ("strict-mode: fail", "permerror", PRE_RFC_NO_V),
    "mail-dkim/mine_ietf01_3[strict]": ("strict-mode: pass", "permerror", PRE_RFC_NO_V),
    "opendkim-libopendkim/t-test58": (
        "eoh=DKIM_STAT_SYNTAX", "none",
        "unsigned message whose From has no address; OpenDKIM checks From syntax at end of "
        "header, signet verifies signatures only (there are none)"),
    "opendkim-libopendkim/t-test63": (
        "eoh=DKIM_STAT_SYNTAX (no From)", "fail",
        "OpenDKIM refuses to verify a message without From; RFC 6376 has no such rule, so signet "
        "verifies it, and the transcribed body (first chunk only) does not match bh="),
    "opendkim-libopendkim/t-test66": (
        "eoh=DKIM_STAT_SYNTAX (bogus From)", "fail",
        "as t-test63: OpenDKIM's From syntax check; signet verifies, the partial body does not "
        "match bh="),
    "opendkim-libopendkim/t-test86": (
        "eoh=DKIM_STAT_SYNTAX (sign)", "signed",
        "OpenDKIM library flag STRICTHDRS (From syntax); signet signs messages as they are"),
    "opendkim-libopendkim/t-test98": (
        "sig[0]=DKIM_SIGERROR_TOOLARGE_L (CANTVRFY)", "fail",
        "body shorter than l=: RFC 6376 3.5 forbids such an l= but names no verifier result; "
        "signet reports the body the signature covers as missing (fail), OpenDKIM as an unusable "
        "signature"),
    "opendkim-libopendkim/t-test102": (
        "sig[0]=DKIM_SIGERROR_MBSFAILED", "pass",
        "OpenDKIM library option MUSTBESIGNED (a local list of fields that must be signed); "
        "signet has no such list"),
    "opendkim-libopendkim/t-test104": (
        "sig[0]=DKIM_SIGERROR_FUTURE", "fail",
        "t= in the future: RFC 6376 3.5 says verifiers MAY ignore such signatures; signet checks "
        "them, and this test's altered t= breaks the signature"),
    "opendkim-libopendkim/t-test119": (
        "eoh=DKIM_STAT_CANTVRFY (EOHCHECK)", "fail",
        "OpenDKIM library flag EOHCHECK reports at end of header that no signature can verify; "
        "signet reports the signature's own result (header hash and body hash do not match)"),
    "opendkim-libopendkim/t-test135": (
        "dkim_chunk=DKIM_STAT_SYNTAX", "none",
        "the input starts with an empty line: a message with no header fields, all body; signet "
        "reports no signature, OpenDKIM's chunk API calls it a syntax error"),
    "opendkim-libopendkim/t-test149-s1": (
        "eom=DKIM_STAT_SYNTAX", "pass",
        "same bytes as t-test149-s2 (DKIM_STAT_OK); only OpenDKIM per-message flags make session "
        "1 a syntax error"),
    "opendkim-libopendkim/t-test154": (
        "eoh=DKIM_STAT_SYNTAX (sign)", "signed",
        "OpenDKIM library flag STRICTHDRS (a second, malformed 'From :' field); signet signs "
        "messages as they are"),
    "dkim_verifier/added_header-from": (
        "policy fail", "pass",
        "the add-on's policy rejects an unsigned From added above the signature; RFC 6376 5.4.2 "
        "selects the signed bottom-most instance, so the signature verifies"),
    "dkim_verifier/added_header-subject": (
        "policy fail", "pass",
        "the add-on's policy rejects an unsigned Subject added above the signature; RFC 6376 "
        "5.4.2 selects the signed bottom-most instance, so the signature verifies"),
    "dkim_verifier/added_header-date": (
        "policy fail", "pass",
        "the add-on's policy rejects an unsigned Date added above the signature; RFC 6376 5.4.2 "
        "selects the signed bottom-most instance, so the signature verifies"),
    "dkim_verifier/added_header-to": (
        "policy fail", "pass",
        "the add-on's policy rejects an unsigned To added above the signature; RFC 6376 5.4.2 "
        "selects the signed bottom-most instance, so the signature verifies"),
    "dkim_verifier/ill_formed-from": (
        "permerror (From ill-formed)", "none",
        "an application check of the add-on on the From address of an unsigned message; signet "
        "reports DKIM results only (no signature)"),
}

# case id -> bug description (signet wrong per RFC 6376/4870/8463), xfail(strict).
BUGS = {}

CASES = (corpus_maildkim.cases() + corpus_opendkim.cases() + corpus_dkimpy.cases()
         + corpus_others.cases())
TALLY_COLUMNS = ("matched", "mismatched", "deliberate", "not applicable")


def params():
    out = []
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=BUGS[case.id])] if case.id in BUGS else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


@pytest.fixture(scope="module")
def env(signet):
    corpus_env = CorpusEnv(signet.path, tempfile.mkdtemp(prefix="signet-corpus-"))
    yield corpus_env
    corpus_env.close()


@pytest.fixture(scope="module")
def tally(request):
    counts = {}
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not counts:
        return
    with capture.global_and_fixture_disabled():
        for line in tally_lines(counts):
            reporter.write_line(line)


def tally_lines(counts):
    """The per-source table printed at the end of the module."""
    width = max(len(s) for s in list(counts) + ["source"])
    lines = ["", "corpus tally:",
             "  %-*s %s" % (width, "source", " ".join("%14s" % c for c in TALLY_COLUMNS))]
    totals = [0] * len(TALLY_COLUMNS)
    for source in sorted(counts):
        row = [counts[source].get(c, 0) for c in TALLY_COLUMNS]
        totals = [a + b for a, b in zip(totals, row)]
        lines.append("  %-*s %s" % (width, source, " ".join("%14d" % n for n in row)))
    lines.append("  %-*s %s" % (width, "total", " ".join("%14d" % n for n in totals)))
    return lines


def count(tally, case, column):
    tally.setdefault(case.source, {}).setdefault(column, 0)
    tally[case.source][column] += 1


def test_case_ids_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("case", params())
def test_corpus(case, env, tally):
    if case.na:
        count(tally, case, "not applicable")
        problems = case.smoke(env) if case.smoke else []
        assert not problems, "\n".join(problems)
        pytest.skip("not applicable: " + case.na)
    obs = case.run(env)
    if case.id in DELIBERATE:
        expected, documented, reason = DELIBERATE[case.id]
        count(tally, case, "deliberate")
        assert obs.summary == documented, (
            "deliberate difference changed: signet now gives %r, documented %r (%s)\n%s\n%s"
            % (obs.summary, documented, reason, "\n".join(obs.problems), obs.detail))
        assert obs.problems, ("%s now matches the source (%s): remove it from DELIBERATE "
                              "and docs/interop.md" % (case.id, case.expected))
        return
    count(tally, case, "mismatched" if obs.problems else "matched")
    assert not obs.problems, "%s\nsource expects: %s\nsignet: %s\n%s" % (
        case.id, case.expected, obs.summary, "\n".join(obs.problems))


def test_tables_name_real_cases():
    ids = {c.id for c in CASES}
    assert not (set(DELIBERATE) | set(BUGS)) - ids
    assert not set(DELIBERATE) & set(BUGS)


def documented_differences():
    """Rows (case, expected, signet, reason) of the docs/interop.md table."""
    text = (SRCDIR / "docs" / "interop.md").read_text(encoding="utf-8")
    section = text.split("## Deliberate differences", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[1], cells[2].strip("`"), cells[3]))
    return rows


def test_differences_documented():
    """docs/interop.md lists exactly DELIBERATE, in the same order, with the
    same expectation, result and reason."""
    listed = [(case, exp, got, why) for case, (exp, got, why) in DELIBERATE.items()]
    assert documented_differences() == listed
