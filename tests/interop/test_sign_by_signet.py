"""
NAME
  test_sign_by_signet.py - messages signed by `signet sign` verify with
  dkimpy, Mail::DKIM and OpenDKIM

SUMMARY
  Every algorithm x canonicalization x test message x peer; the l=, x=, z=,
  i=, q= and t= tags; two signatures in one pass (RSA + Ed25519); Momentum
  headerlists with oversigning, judged by what real verifiers accept after a
  field is added; DomainKeys (simple, nofws, with and without h=) verified by
  Mail::DKIM. Each control case (tampered copy) must not pass, so a peer that
  accepted everything would be caught. A peer lacking an algorithm or
  DomainKeys makes its cases skip with the reason.
"""
import base64
import re
import time

import pytest

from interop_helpers import (ALGORITHMS, CANONICALIZATIONS, PEER_NAMES, add_header_on_top,
                             append_to_body, canon_id, deviations, expected_failure,
                             find_verdict, header_fields, header_value, header_values,
                             large_message, load_message, message_names, tag_list,
                             tamper_body, tamper_header)

MESSAGES = message_names()
HOUR = 3600


@pytest.fixture(scope="module")
def signed_cache():
    return {}


def sign_dkim(signet, keyring, cache, message, algorithm, canon="relaxed/relaxed", options=()):
    """Signs a test message once per parameter set; returns (signed, selector)."""
    keyfile, selector = keyring.for_algorithm(algorithm)
    key = (message, algorithm, canon, tuple(options))
    if key not in cache:
        cache[key] = signet.sign(load_message(message), [(keyfile, selector, algorithm)],
                                 ["-c", canon] + list(options))
    return cache[key], selector


def dkim_tags(signed, index=0):
    values = header_values(signed, "DKIM-Signature")
    assert len(values) > index, "signet output has no DKIM-Signature #%d" % index
    return tag_list(values[index])


def assert_peer_result(peer, message, table, selector, expect_pass, kind="dkim"):
    verdict = find_verdict(peer.verify(message, table), selector, kind)
    if expect_pass:
        assert verdict.result == "pass", "%s rejected signet's signature: %r" % (
            peer.name, verdict)
    else:
        assert verdict.result != "pass", "%s accepted a message it must reject: %r" % (
            peer.name, verdict)
    return verdict


def verify_cases():
    """peer x algorithm x canonicalization x message; a case a known deviation of
    the verifying peer's library breaks is a strict xfail."""
    for peer in PEER_NAMES:
        for algorithm in ALGORITHMS:
            for canon in CANONICALIZATIONS:
                for message in MESSAGES:
                    marks = expected_failure(deviations(peer, "verify", algorithm, canon,
                                                        message))
                    yield pytest.param(peer, algorithm, canon, message, marks=marks,
                                       id="-".join((peer, algorithm, canon_id(canon), message)))


@pytest.mark.parametrize("peer_name,algorithm,canon,message", verify_cases())
def test_signature_verifies(signet, keyring, peers, signed_cache, peer_name, algorithm,
                           canon, message):
    peer = peers[peer_name]
    peer.require(algorithm=algorithm, verify_kind="dkim")
    signed, selector = sign_dkim(signet, keyring, signed_cache, message, algorithm, canon)
    tags = dkim_tags(signed)
    assert (tags.get("a"), tags.get("c", "simple/simple")) == (algorithm, canon)
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


ODD_FIELDS = "From:Subject:Date:To:X-Empty:X-Blank:X-Tabs:X-Long"


@pytest.mark.parametrize("canon", CANONICALIZATIONS, ids=canon_id)
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_odd_fields_signed(signet, keyring, peers, signed_cache, peer_name, canon):
    """Empty, blank, tabbed and long folded fields, all in h=."""
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    signed, selector = sign_dkim(signet, keyring, signed_cache, "odd_fields", "rsa-sha256",
                                 canon, ["-H", ODD_FIELDS])
    signed_names = dkim_tags(signed)["h"].lower().split(":")
    assert set(ODD_FIELDS.lower().split(":")) <= set(signed_names), signed_names
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


@pytest.mark.parametrize("key", ["rsa1024", "rsa4096"])
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_key_size(signet, keyring, peers, peer_name, key):
    """4096-bit keys give a 683-byte b= and a key record longer than one
    255-byte TXT string."""
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    keyfile, selector = keyring.keys[key]
    signed = signet.sign(load_message("folded_headers"), [(keyfile, selector)])
    bits = int(key[3:])
    assert len(base64.b64decode(dkim_tags(signed)["b"], validate=True)) == bits // 8
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


@pytest.mark.parametrize("lf_output", [False, True], ids=["crlf-out", "lf-out"])
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_lf_input(signet, keyring, peers, peer_name, lf_output):
    """LF-only input is signed as CRLF; --lf writes LF (turned back to CRLF
    here, as an MTA would on the wire)."""
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    keyfile, selector = keyring.for_algorithm("rsa-sha256")
    lf_message = load_message("campaign_multipart").replace(b"\r\n", b"\n")
    signed = signet.sign(lf_message, [(keyfile, selector)], ["--lf"] if lf_output else [])
    if lf_output:
        assert b"\r" not in signed, "--lf output has CR bytes"
        signed = signed.replace(b"\n", b"\r\n")
    else:
        assert signed.count(b"\n") == signed.count(b"\r\n"), "output has bare LF"
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


@pytest.fixture(scope="module")
def large():
    return large_message()


@pytest.mark.parametrize("canon", CANONICALIZATIONS, ids=canon_id)
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_large_message(signet, keyring, peers, large, peer_name, canon):
    """1.5 MB body: every streaming buffer boundary lands somewhere odd."""
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    keyfile, selector = keyring.for_algorithm("rsa-sha256")
    signed = signet.sign(large, [(keyfile, selector)], ["-c", canon])
    assert signed.endswith(large), "signet changed the message it signed"
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


@pytest.mark.parametrize("tamper", ["body", "subject", "from"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_tampered_copy_fails(signet, keyring, peers, signed_cache, peer_name, algorithm, tamper):
    peer = peers[peer_name]
    peer.require(algorithm=algorithm, verify_kind="dkim")
    signed, selector = sign_dkim(signet, keyring, signed_cache, "campaign_multipart", algorithm)
    changed = tamper_body(signed) if tamper == "body" else tamper_header(signed, tamper)
    assert_peer_result(peer, changed, keyring.table, selector, expect_pass=False)


def check_length(tags, signed):
    assert "l" in tags and int(tags["l"]) > 0, "no l= tag: %r" % tags


def check_expire(tags, signed):
    assert int(tags["x"]) == int(tags["t"]) + 2 * HOUR, "x= is not t= + 2h: %r" % tags


def check_copied_headers(tags, signed):
    """z= holds copies of fields present at signing (compared without whitespace)."""
    assert "z" in tags, "no z= tag: %r" % tags
    fields = {re.sub(rb"\s", b"", m.group(0)) for _, m in header_fields(signed)}
    for copy in tags["z"].split("|"):
        decoded = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                         copy.encode())
        assert re.sub(rb"\s", b"", decoded) in fields, "z= entry %r is no field" % copy


def check_identity(expected):
    def check(tags, signed):
        assert tags.get("i") == expected, "i= is %r" % tags.get("i")
    return check


def check_query(tags, signed):
    assert tags.get("q") == "dns/txt", "q= is %r" % tags.get("q")


FIXED_TIME = int(time.time()) - 120


def check_time(tags, signed):
    assert int(tags["t"]) == FIXED_TIME, "t= is %r, wanted %d" % (tags.get("t"), FIXED_TIME)


TAG_CASES = {
    "l": (["-l"], check_length),
    "x": (["-x", "2"], check_expire),
    "z": (["-z"], check_copied_headers),
    "i-user": (["-i", "news@example.com"], check_identity("news@example.com")),
    "i-subdomain": (["-i", "@mail.example.com"], check_identity("@mail.example.com")),
    "q": (["-q"], check_query),
    "t": (["--time", str(FIXED_TIME)], check_time),
}


@pytest.mark.parametrize("case", sorted(TAG_CASES))
@pytest.mark.parametrize("algorithm", ["rsa-sha256", "ed25519-sha256"])
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_tag(signet, keyring, peers, signed_cache, peer_name, algorithm, case):
    peer = peers[peer_name]
    peer.require(algorithm=algorithm, verify_kind="dkim")
    options, check = TAG_CASES[case]
    signed, selector = sign_dkim(signet, keyring, signed_cache, "campaign_multipart",
                                 algorithm, options=options)
    check(dkim_tags(signed), signed)
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


# An empty body's canonical form (CRLF) is no prefix of any appended text.
# The verified copies all end in CRLF, so no known peer deviation applies.
@pytest.mark.parametrize("message", [m for m in MESSAGES if m != "empty_body"])
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_length_tag_lets_text_be_appended(signet, keyring, peers, signed_cache, peer_name,
                                          message):
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    signed, selector = sign_dkim(signet, keyring, signed_cache, message, "rsa-sha256",
                                 "relaxed/simple", ["-l"])
    footer = b"--\r\nList footer added by a mailing list.\r\n"
    assert_peer_result(peer, append_to_body(signed, footer), keyring.table, selector,
                       expect_pass=True)


@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_expired_signature_does_not_pass(signet, keyring, peers, peer_name):
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    keyfile, selector = keyring.for_algorithm("rsa-sha256")
    signed_at = int(time.time()) - 3 * 24 * HOUR
    signed = signet.sign(load_message("campaign_multipart"), [(keyfile, selector)],
                         ["--time", str(signed_at), "-x", "1"])
    tags = dkim_tags(signed)
    assert (int(tags["t"]), int(tags["x"])) == (signed_at, signed_at + HOUR)
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=False)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_two_signatures_in_one_pass(signet, keyring, peers, peer_name, algorithm):
    """RSA and Ed25519 signatures made together; each is checked on its own."""
    peer = peers[peer_name]
    peer.require(algorithm=algorithm, verify_kind="dkim")
    rsa_key, ed_key = keyring.for_algorithm("rsa-sha256"), keyring.for_algorithm("ed25519-sha256")
    rsa_alg = "rsa-sha1" if algorithm == "rsa-sha1" else "rsa-sha256"
    signed = signet.sign(load_message("campaign_multipart"),
                         [rsa_key + (rsa_alg,), ed_key + ("ed25519-sha256",)])
    algs = sorted(dkim_tags(signed, i)["a"] for i in range(2))
    assert algs == sorted([rsa_alg, "ed25519-sha256"]), "signatures made: %r" % algs
    selector = keyring.for_algorithm(algorithm)[1]
    assert_peer_result(peer, signed, keyring.table, selector, expect_pass=True)


@pytest.mark.parametrize("verifier", PEER_NAMES)
@pytest.mark.parametrize("first_signer", PEER_NAMES)
def test_signature_added_to_peer_signed(signet, keyring, peers, first_signer, verifier):
    """A peer signs with RSA, then signet adds an Ed25519 signature on top;
    the verifier checks both (the Ed25519 one where it supports Ed25519)."""
    peers[verifier].require(algorithm="rsa-sha256", verify_kind="dkim")
    rsa_key, rsa_selector = keyring.for_algorithm("rsa-sha256")
    once = peers[first_signer].sign(load_message("utf8_subject"), rsa_key, rsa_selector,
                                    canon="simple/simple")
    ed_key = keyring.for_algorithm("ed25519-sha256")
    twice = signet.sign(once, [ed_key], ["-c", "simple/relaxed"])
    assert twice.endswith(once), "signet changed the message it signed"
    verdicts = peers[verifier].verify(twice, keyring.table)
    assert find_verdict(verdicts, rsa_selector).result == "pass", verdicts
    if peers[verifier].supports("algorithms", "ed25519-sha256"):
        assert find_verdict(verdicts, ed_key[1]).result == "pass", verdicts


HEADERLIST = ("From:Subject:Date:To+:Message-ID?:X-Campaign*:Received+:"
              "Reply-To*:In-Reply-To:List-Id?:Cc?")
# Fields of duplicate_headers.eml: how many copies exist, and the h= count the
# Momentum suffix demands at least ("name*" and plain "name" assert absence).
HEADERLIST_EXPECT = {"from": (1, 1), "subject": (1, 1), "to": (2, 2), "x-campaign": (2, 2),
                     "received": (2, 2), "reply-to": (0, 1), "in-reply-to": (0, 1),
                     "list-id": (0, 0), "cc": (0, 0)}


def signed_with_headerlist(signet, keyring, cache):
    return sign_dkim(signet, keyring, cache, "duplicate_headers", "rsa-sha256",
                     options=["-H", HEADERLIST])


def test_headerlist_suffixes(signet, keyring, signed_cache):
    signed, _ = signed_with_headerlist(signet, keyring, signed_cache)
    h = [name.strip().lower() for name in dkim_tags(signed)["h"].split(":")]
    for name, (present, minimum) in HEADERLIST_EXPECT.items():
        count = h.count(name)
        if minimum == 0:
            assert count == 0, "h= signs absent optional field %s: %r" % (name, h)
        else:
            assert count >= minimum, "h= lists %s %d times, wanted >= %d: %r" % (
                name, count, minimum, h)
        if present:
            assert count >= present, "h= misses copies of %s: %r" % (name, h)


@pytest.mark.parametrize("added", sorted(HEADERLIST_EXPECT) + ["x-unsigned"])
@pytest.mark.parametrize("peer_name", PEER_NAMES)
def test_field_added_after_signing(signet, keyring, peers, signed_cache, peer_name, added):
    """A field added on top breaks the signature exactly when h= oversigned it
    (lists it more often than the message had copies), as RFC 6376 5.4.2 says."""
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    if added == "from" and peer_name == "dkimpy":
        pytest.skip("dkimpy always rejects a second From field (its bug #644046 guard)")
    signed, selector = signed_with_headerlist(signet, keyring, signed_cache)
    h = [name.strip().lower() for name in dkim_tags(signed)["h"].split(":")]
    present = HEADERLIST_EXPECT.get(added, (0, 0))[0]
    oversigned = h.count(added) > present
    changed = add_header_on_top(signed, "%s: added after signing <x@example.net>" % added)
    assert_peer_result(peer, changed, keyring.table, selector, expect_pass=not oversigned)


DK_CANONS = ["simple", "nofws"]


def sign_domainkeys(signet, keyring, cache, message, canon, with_h, dkim_too=False):
    keyfile, selector = keyring.for_algorithm("rsa-sha1")
    options = ["--dk" if dkim_too else "--dk-only", "--dk-canon", canon]
    options += ["--dk-headers"] if with_h else []
    key = (message, "domainkeys", canon, tuple(options))
    if key not in cache:
        cache[key] = signet.sign(load_message(message), [(keyfile, selector)], options)
    return cache[key], selector


def domainkey_tags(signed):
    value = header_value(signed, "DomainKey-Signature")
    assert value is not None, "signet wrote no DomainKey-Signature"
    return tag_list(value)


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("with_h", [False, True], ids=["no-h", "h"])
@pytest.mark.parametrize("canon", DK_CANONS)
def test_domainkeys_verifies(signet, keyring, peers, signed_cache, canon, with_h, message):
    peer = peers["maildkim"]
    peer.require(verify_kind="domainkeys")
    signed, selector = sign_domainkeys(signet, keyring, signed_cache, message, canon, with_h)
    tags = domainkey_tags(signed)
    assert (tags.get("a"), tags.get("c"), tags.get("q")) == ("rsa-sha1", canon, "dns")
    assert ("h" in tags) == with_h, "h= presence wrong: %r" % tags
    assert header_value(signed, "DKIM-Signature") is None, "--dk-only made a DKIM signature"
    assert_peer_result(peer, signed, keyring.table, selector, True, kind="domainkeys")


@pytest.mark.parametrize("tamper", ["body", "subject"])
@pytest.mark.parametrize("with_h", [False, True], ids=["no-h", "h"])
@pytest.mark.parametrize("canon", DK_CANONS)
def test_domainkeys_tampered_copy_fails(signet, keyring, peers, signed_cache, canon, with_h,
                                        tamper):
    peer = peers["maildkim"]
    peer.require(verify_kind="domainkeys")
    signed, selector = sign_domainkeys(signet, keyring, signed_cache, "campaign_multipart",
                                       canon, with_h)
    changed = tamper_body(signed) if tamper == "body" else tamper_header(signed, "Subject")
    assert_peer_result(peer, changed, keyring.table, selector, False, kind="domainkeys")


@pytest.mark.parametrize("peer_name", PEER_NAMES)
@pytest.mark.parametrize("canon", DK_CANONS)
def test_dkim_and_domainkeys_together(signet, keyring, peers, signed_cache, canon, peer_name):
    """--dk: DKIM-Signature first, then DomainKey-Signature; both verify."""
    peer = peers[peer_name]
    peer.require(algorithm="rsa-sha256", verify_kind="dkim")
    signed, selector = sign_domainkeys(signet, keyring, signed_cache, "folded_headers", canon,
                                       True, dkim_too=True)
    names = re.findall(rb"(?im)^(DKIM-Signature|DomainKey-Signature):", signed)
    assert [n.lower() for n in names] == [b"dkim-signature", b"domainkey-signature"]
    verdicts = peer.verify(signed, keyring.table)
    assert find_verdict(verdicts, selector).result == "pass", verdicts
    if peer.supports("verify", "domainkeys"):
        assert find_verdict(verdicts, selector, "domainkeys").result == "pass", verdicts


def test_signature_value_is_valid_base64(signet, keyring, signed_cache):
    signed, _ = sign_dkim(signet, keyring, signed_cache, "campaign_multipart", "rsa-sha256")
    tags = dkim_tags(signed)
    assert len(base64.b64decode(tags["b"], validate=True)) == 256  # RSA 2048
    assert len(base64.b64decode(tags["bh"], validate=True)) == 32  # SHA-256
