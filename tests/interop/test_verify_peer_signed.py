"""
NAME
  test_verify_peer_signed.py - messages signed by dkimpy, Mail::DKIM and
  OpenDKIM verify with `signet verify --dns-file TABLE`

SUMMARY
  Every signing peer x algorithm x canonicalization x test message must give
  dkim=pass; copies with the body or a signed field changed must give
  dkim=fail, a copy with an unsigned field added must still pass. Peer tag
  options (l=, x=, z=, i=, t=, oversigned h=), signatures from two peers on
  one message, and Mail::DKIM's DomainKeys signatures (simple, nofws, with
  and without h=) are covered the same way.
  When signet does not pass a peer's signature the test fails, and the peers
  are asked as a control so the message says whether some of them accept it
  (signet is wrong) or none does (the signing library is: known cases are in
  interop_helpers.KNOWN_PEER_DEVIATIONS and run as strict xfail).
"""
import time

import pytest

from interop_helpers import (ALGORITHMS, CANONICALIZATIONS, PEER_NAMES, add_header_on_top,
                             append_to_body, canon_id, deviations, expected_failure,
                             find_verdict, header_value, large_message, load_message,
                             message_names, tag_list, tamper_body, tamper_header)

MESSAGES = message_names()
HOUR = 3600


@pytest.fixture(scope="module")
def signed_cache():
    return {}


def peer_signed(peers, keyring, cache, signer, message, algorithm="rsa-sha256",
                canon="relaxed/relaxed", options=()):
    """Has peer `signer` sign a test message (once per parameter set)."""
    keyfile, selector = keyring.for_algorithm(algorithm)
    key = (signer, message, algorithm, canon, tuple(options))
    if key not in cache:
        cache[key] = peers[signer].sign(load_message(message), keyfile, selector, algorithm,
                                        canon, options)
    return cache[key], selector


def control_verdicts(peers, signed, table, selector, algorithm, kind):
    """Verdicts of every peer able to check this signature, by peer name."""
    verdicts = {}
    for name, peer in peers.items():
        if peer.supports("verify", kind) and (kind == "domainkeys" or
                                              peer.supports("algorithms", algorithm)):
            verdicts[name] = find_verdict(peer.verify(signed, table), selector, kind)
    return verdicts


def assert_signet_passes(signet, peers, keyring, signer, signed, selector, algorithm,
                         kind="dkim"):
    report = signet.verify(signed, keyring.table)
    if report.results and report.result_for(selector, kind) == "pass":
        assert report.status == 0, "pass but exit status %d\n%r" % (report.status, report)
        return report
    controls = control_verdicts(peers, signed, keyring.table, selector, algorithm, kind)
    accepted = sorted(n for n, v in controls.items() if v.result == "pass")
    if accepted:
        pytest.fail("signet does not pass a %s signature made by %s that %s accept(s)\n"
                    "signet: %r" % (kind, signer, ", ".join(accepted), report))
    pytest.fail("signet does not pass a %s signature made by %s, and no peer does either "
                "(%r): if the peer's library is at fault, list it in "
                "interop_helpers.KNOWN_PEER_DEVIATIONS\nsignet: %r" % (
                    kind, signer, controls, report))


def assert_signet_result(signet, keyring, message, selector, expected, kind="dkim"):
    report = signet.verify(message, keyring.table)
    assert report.result_for(selector, kind) == expected, \
        "signet gave %r, wanted %s=%s\n%r" % (report.results, kind, expected, report)
    assert report.status == (0 if expected == "pass" else 1), report
    return report


def signing_cases():
    """signer x algorithm x canonicalization x message; a case a known deviation
    of the signing peer's library breaks is a strict xfail (signet must reject)."""
    for signer in PEER_NAMES:
        for algorithm in ALGORITHMS:
            for canon in CANONICALIZATIONS:
                for message in MESSAGES:
                    marks = expected_failure(deviations(signer, "sign", algorithm, canon,
                                                        message))
                    yield pytest.param(signer, algorithm, canon, message, marks=marks,
                                       id="-".join((signer, algorithm, canon_id(canon),
                                                    message)))


@pytest.mark.parametrize("signer,algorithm,canon,message", signing_cases())
def test_peer_signature_verifies(signet, keyring, peers, signed_cache, signer, algorithm,
                                 canon, message):
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, message, algorithm,
                                   canon)
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, algorithm)


TAMPERS = {
    "body-changed": (tamper_body, "fail"),
    "subject-changed": (lambda m: tamper_header(m, "Subject"), "fail"),
    "from-changed": (lambda m: tamper_header(m, "From"), "fail"),
    "unsigned-field-added": (lambda m: add_header_on_top(m, "X-Added-Later: yes"), "pass"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("signer", PEER_NAMES)
def test_changed_copy(signet, keyring, peers, signed_cache, signer, algorithm, tamper):
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, "campaign_multipart",
                                   algorithm)
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, algorithm)
    change, expected = TAMPERS[tamper]
    assert_signet_result(signet, keyring, change(signed), selector, expected)


ODD_FIELDS = "From:Subject:Date:To:X-Empty:X-Blank:X-Tabs:X-Long"
SIGNED_AT = int(time.time()) - 60
PEER_TAG_CASES = {
    "l": ["--length"],
    "x": ["--time", str(SIGNED_AT), "--expire", str(2 * HOUR)],
    "z": ["--ztags"],
    "i-user": ["--identity", "news@example.com"],
    "i-subdomain": ["--identity", "@mail.example.com"],
    "t": ["--time", str(SIGNED_AT)],
    "oversigned-h": ["--headers", "From:Subject:Date:To:Message-ID:From:Subject:Reply-To"],
}


@pytest.mark.parametrize("case", sorted(PEER_TAG_CASES))
@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_tag(signet, keyring, peers, signed_cache, signer, case):
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, "campaign_multipart",
                                   options=PEER_TAG_CASES[case])
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")


@pytest.mark.parametrize("canon", CANONICALIZATIONS, ids=canon_id)
@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_signed_odd_fields(signet, keyring, peers, signed_cache, signer, canon):
    """Empty, blank, tabbed and long folded fields, all in h=."""
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, "odd_fields",
                                   canon=canon, options=["--headers", ODD_FIELDS])
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")


@pytest.mark.parametrize("canon", CANONICALIZATIONS, ids=canon_id)
@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_signed_large_message(signet, keyring, peers, signer, canon):
    """1.5 MB body: every streaming buffer boundary lands somewhere odd."""
    keyfile, selector = keyring.for_algorithm("rsa-sha256")
    signed = peers[signer].sign(large_message(), keyfile, selector, canon=canon)
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")
    assert_signet_result(signet, keyring, tamper_body(signed), selector, "fail")


@pytest.mark.parametrize("key", ["rsa1024", "rsa4096"])
@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_signed_key_size(signet, keyring, peers, signer, key):
    keyfile, selector = keyring.keys[key]
    signed = peers[signer].sign(load_message("folded_headers"), keyfile, selector)
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")


@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_signed_lf_copy(signet, keyring, peers, signed_cache, signer):
    """signet verify turns LF line ends into CRLF before verifying."""
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, "campaign_multipart",
                                   canon="simple/simple")
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")
    assert_signet_result(signet, keyring, signed.replace(b"\r\n", b"\n"), selector, "pass")


@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_length_tag_lets_text_be_appended(signet, keyring, peers, signed_cache, signer):
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, "campaign_multipart",
                                   options=["--length"])
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")
    footer = b"--\r\nList footer added by a mailing list.\r\n"
    assert_signet_result(signet, keyring, append_to_body(signed, footer), selector, "pass")


@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_oversigned_field_added(signet, keyring, peers, signed_cache, signer):
    signed, selector = peer_signed(peers, keyring, signed_cache, signer, "campaign_multipart",
                                   options=PEER_TAG_CASES["oversigned-h"])
    signed_names = tag_list(header_value(signed, "DKIM-Signature"))["h"].lower().split(":")
    if signed_names.count("subject") < 2:
        pytest.skip("%s did not oversign Subject (h=%s)" % (signer, ":".join(signed_names)))
    assert_signet_passes(signet, peers, keyring, signer, signed, selector, "rsa-sha256")
    changed = add_header_on_top(signed, "Subject: added after signing")
    assert_signet_result(signet, keyring, changed, selector, "fail")


@pytest.mark.parametrize("signer", PEER_NAMES)
def test_peer_expired_signature_does_not_pass(signet, keyring, peers, signer):
    keyfile, selector = keyring.for_algorithm("rsa-sha256")
    signed_at = int(time.time()) - 3 * 24 * HOUR
    signed = peers[signer].sign(load_message("campaign_multipart"), keyfile, selector,
                                options=["--time", str(signed_at), "--expire", str(HOUR)])
    report = signet.verify(signed, keyring.table)
    assert report.result_for(selector) != "pass", report
    assert report.status == 1, report


@pytest.mark.parametrize("second", PEER_NAMES)
@pytest.mark.parametrize("first", PEER_NAMES)
def test_signatures_from_two_peers(signet, keyring, peers, first, second):
    """first signs with RSA, then second adds an Ed25519 (or, lacking it, RSA) signature."""
    if first == second:
        pytest.skip("same peer twice adds nothing")
    rsa_key, rsa_selector = keyring.for_algorithm("rsa-sha256")
    once = peers[first].sign(load_message("folded_headers"), rsa_key, rsa_selector,
                             canon="simple/simple")
    algorithm = ("ed25519-sha256" if peers[second].supports("algorithms", "ed25519-sha256")
                 else "rsa-sha1")
    key, selector = keyring.for_algorithm(algorithm)
    twice = peers[second].sign(once, key, selector, algorithm, "relaxed/simple")
    report = signet.verify(twice, keyring.table)
    assert [(r.kind, r.result) for r in report.results] == [("dkim", "pass")] * 2, report
    assert report.status == 0, report


DK_CANONS = ["simple", "nofws"]


def maildkim_domainkeys(peers, keyring, cache, message, canon, with_h, dkim_too=False):
    options = ["--dk" if dkim_too else "--dk-only", "--dk-canon", canon]
    options += ["--dk-headers"] if with_h else []
    return peer_signed(peers, keyring, cache, "maildkim", message,
                       "rsa-sha256" if dkim_too else "rsa-sha1", "relaxed/relaxed", options)


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("with_h", [False, True], ids=["no-h", "h"])
@pytest.mark.parametrize("canon", DK_CANONS)
def test_domainkeys_signature_verifies(signet, keyring, peers, signed_cache, canon, with_h,
                                       message):
    peers["maildkim"].require(sign_option="dk")
    signed, selector = maildkim_domainkeys(peers, keyring, signed_cache, message, canon, with_h)
    assert_signet_passes(signet, peers, keyring, "maildkim", signed, selector, "rsa-sha1",
                         kind="domainkeys")


@pytest.mark.parametrize("tamper", ["body-changed", "subject-changed", "unsigned-field-added"])
@pytest.mark.parametrize("with_h", [False, True], ids=["no-h", "h"])
@pytest.mark.parametrize("canon", DK_CANONS)
def test_domainkeys_changed_copy(signet, keyring, peers, signed_cache, canon, with_h, tamper):
    """A field added above the DomainKey-Signature is outside what it signs."""
    peers["maildkim"].require(sign_option="dk")
    signed, selector = maildkim_domainkeys(peers, keyring, signed_cache, "campaign_multipart",
                                           canon, with_h)
    assert_signet_passes(signet, peers, keyring, "maildkim", signed, selector, "rsa-sha1",
                         kind="domainkeys")
    change, expected = TAMPERS[tamper]
    assert_signet_result(signet, keyring, change(signed), selector, expected, kind="domainkeys")


# RFC 4870 3.3 / 3.4.1: the DomainKeys signer is the Sender (else From) address,
# whose domain must be d= or a subdomain of it.
DK_IDENTITY_CASES = {
    "from-matches": (b"From: Alice <alice@example.com>\r\n", True),
    "from-subdomain": (b"From: Alice <alice@mail.example.com>\r\n", True),
    "sender-subdomain": (b"Sender: list@lists.example.com\r\n"
                         b"From: Alice <alice@other.example>\r\n", True),
    "from-foreign": (b"From: Alice <alice@other.example>\r\n", False),
    "sender-foreign": (b"Sender: bounce@other.example\r\n"
                       b"From: Alice <alice@example.com>\r\n", False),
}


@pytest.mark.parametrize("case", sorted(DK_IDENTITY_CASES))
def test_domainkeys_signer_identity(signet, keyring, peers, case):
    """signet and Mail::DKIM agree on whose domain a DomainKeys signature covers."""
    peer = peers["maildkim"]
    peer.require(sign_option="dk", verify_kind="domainkeys")
    originator, valid = DK_IDENTITY_CASES[case]
    message = originator + b"To: bob@example.org\r\nSubject: identity\r\n\r\nbody\r\n"
    keyfile, selector = keyring.for_algorithm("rsa-sha1")
    signed = peer.sign(message, keyfile, selector, "rsa-sha1", options=["--dk-only"])
    verdict = find_verdict(peer.verify(signed, keyring.table), selector, "domainkeys")
    assert (verdict.result == "pass") == valid, "Mail::DKIM: %r" % verdict
    report = signet.verify(signed, keyring.table)
    assert (report.result_for(selector, "domainkeys") == "pass") == valid, report


@pytest.mark.parametrize("canon", DK_CANONS)
def test_dkim_and_domainkeys_from_maildkim(signet, keyring, peers, signed_cache, canon):
    peers["maildkim"].require(sign_option="dk")
    signed, selector = maildkim_domainkeys(peers, keyring, signed_cache, "utf8_subject", canon,
                                           True, dkim_too=True)
    report = assert_signet_result(signet, keyring, signed, selector, "pass")
    assert report.result_for(selector, "domainkeys") == "pass", report
