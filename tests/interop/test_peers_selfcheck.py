"""
NAME
  test_peers_selfcheck.py - the peers verify each other, without signet

SUMMARY
  Keys come from `openssl genpkey` and the key table is built here, so these
  cases do not depend on signet at all: when they pass, the peers and their
  key-table plumbing work, and a failure elsewhere points at signet. Every
  signing peer x verifying peer x algorithm x canonicalization x test message
  (rsa-sha1: one message) must pass, and a changed copy must not. Known defects of a peer's library
  (interop_helpers.KNOWN_PEER_DEVIATIONS) run as strict xfail: reported,
  never counted as passed, and flagged as soon as the library is fixed.
"""
import base64
import subprocess

import pytest

from interop_helpers import (ALGORITHMS, CANONICALIZATIONS, DOMAIN, PEER_NAMES, canon_id,
                             deviations, expected_failure, find_verdict, load_message,
                             message_names, tamper_body)

MESSAGES = message_names()
# The hash does not interact with message content: rsa-sha1 runs on one message.
SHA1_MESSAGES = ["campaign_multipart"]

OPENSSL_KEYS = {"rsa": ("RSA", ["-pkeyopt", "rsa_keygen_bits:2048"], "peerrsa"),
                "ed25519": ("ED25519", [], "peered")}
ALGORITHM_KEY = {"rsa-sha256": "rsa", "rsa-sha1": "rsa", "ed25519-sha256": "ed25519"}

def openssl(*args):
    return subprocess.run(["openssl"] + list(args), capture_output=True, check=True,
                          timeout=60).stdout


@pytest.fixture(scope="module")
def openssl_keys(tmp_path_factory):
    """{key type: (keyfile, selector)} plus the table, made without signet."""
    directory = tmp_path_factory.mktemp("openssl-keys")
    keys, lines = {}, []
    for key_type, (name, options, selector) in OPENSSL_KEYS.items():
        keyfile = directory / (selector + ".key")
        openssl("genpkey", "-algorithm", name, *options, "-out", str(keyfile))
        spki = openssl("pkey", "-in", str(keyfile), "-pubout", "-outform", "DER")
        public = spki[-32:] if key_type == "ed25519" else spki
        lines.append("%s._domainkey.%s v=DKIM1; k=%s; p=%s" % (
            selector, DOMAIN, key_type, base64.b64encode(public).decode()))
        keys[key_type] = (str(keyfile), selector)
    table = directory / "keys.txt"
    table.write_text("\n".join(lines) + "\n")
    return keys, table


def pair_deviations(signer, verifier, algorithm, canon, message):
    found = (deviations(signer, "sign", algorithm, canon, message) +
             deviations(verifier, "verify", algorithm, canon, message))
    if signer == verifier:
        found = [d for d in found if not d.self_consistent]
    return found


def cases():
    for signer in PEER_NAMES:
        for verifier in PEER_NAMES:
            for algorithm in ALGORITHMS:
                for canon in CANONICALIZATIONS:
                    for message in MESSAGES if algorithm != "rsa-sha1" else SHA1_MESSAGES:
                        marks = expected_failure(pair_deviations(signer, verifier, algorithm,
                                                                 canon, message))
                        yield pytest.param(signer, verifier, algorithm, canon, message,
                                           marks=marks, id="-".join((
                                               signer, verifier, algorithm, canon_id(canon),
                                               message)))


@pytest.fixture(scope="module")
def signed_cache():
    return {}


def sign(peers, openssl_keys, cache, signer, algorithm, canon, message="campaign_multipart"):
    keys, _ = openssl_keys
    keyfile, selector = keys[ALGORITHM_KEY[algorithm]]
    key = (signer, algorithm, canon, message)
    if key not in cache:
        cache[key] = peers[signer].sign(load_message(message), keyfile, selector, algorithm,
                                        canon)
    return cache[key], selector


@pytest.mark.parametrize("signer,verifier,algorithm,canon,message", cases())
def test_peer_verifies_peer(peers, openssl_keys, signed_cache, signer, verifier, algorithm,
                            canon, message):
    peers[verifier].require(algorithm=algorithm, verify_kind="dkim")
    signed, selector = sign(peers, openssl_keys, signed_cache, signer, algorithm, canon,
                            message)
    verdict = find_verdict(peers[verifier].verify(signed, openssl_keys[1]), selector)
    assert verdict.result == "pass", "%s rejects %s's signature: %r" % (verifier, signer,
                                                                          verdict)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("verifier", PEER_NAMES)
def test_peer_rejects_changed_body(peers, openssl_keys, signed_cache, verifier, algorithm):
    peers[verifier].require(algorithm=algorithm, verify_kind="dkim")
    signer = "dkimpy" if peers["dkimpy"].supports("algorithms", algorithm) else verifier
    signed, selector = sign(peers, openssl_keys, signed_cache, signer, algorithm,
                            "relaxed/relaxed")
    verdict = find_verdict(peers[verifier].verify(tamper_body(signed), openssl_keys[1]),
                           selector)
    assert verdict.result != "pass", "%s accepts a changed body: %r" % (verifier, verdict)


@pytest.mark.parametrize("canon", ["simple", "nofws"])
def test_maildkim_domainkeys_round_trip(peers, openssl_keys, canon):
    peer = peers["maildkim"]
    peer.require(sign_option="dk", verify_kind="domainkeys")
    keyfile, selector = openssl_keys[0]["rsa"]
    signed = peer.sign(load_message("folded_headers"), keyfile, selector, "rsa-sha1",
                       options=["--dk-only", "--dk-canon", canon])
    verdicts = peer.verify(signed, openssl_keys[1])
    assert find_verdict(verdicts, selector, "domainkeys").result == "pass", verdicts
    verdicts = peer.verify(tamper_body(signed), openssl_keys[1])
    assert find_verdict(verdicts, selector, "domainkeys").result != "pass", verdicts
