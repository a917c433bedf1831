"""
NAME
  test_keygen_record.py - the key table line `signet keygen` prints matches
  the private key it wrote, as OpenSSL reads that key

SUMMARY
  Every other interop test publishes keys through these lines, so a wrong
  p= value would make them all fail for one reason; this test names it.
  RSA: p= must be the SubjectPublicKeyInfo DER OpenSSL derives (or the
  RSAPublicKey inside it, which RFC 6376 3.6.1 literally names). Ed25519:
  p= must be the raw 32-byte public key (RFC 8463 4.2).
"""
import base64
import subprocess

from interop_helpers import DOMAIN, tag_list


def public_key_der(keyfile):
    return subprocess.run(["openssl", "pkey", "-in", keyfile, "-pubout", "-outform", "DER"],
                          capture_output=True, check=True, timeout=60).stdout


def record_of(keyring, key_type):
    keyfile, selector = keyring.keys[key_type]
    name, _, value = keyring.records[selector].partition(" ")
    assert name == "%s._domainkey.%s" % (selector, DOMAIN), keyring.records[selector]
    return keyfile, tag_list(value)


def test_rsa_record_matches_private_key(keyring):
    keyfile, tags = record_of(keyring, "rsa")
    assert tags.get("v") == "DKIM1" and tags.get("k", "rsa") == "rsa", tags
    spki = public_key_der(keyfile)
    published = base64.b64decode(tags["p"], validate=True)
    assert published == spki or (spki.endswith(published) and len(published) > 256), \
        "p= is neither the SPKI nor the RSAPublicKey of %s" % keyfile


def test_ed25519_record_matches_private_key(keyring):
    keyfile, tags = record_of(keyring, "ed25519")
    assert tags.get("v") == "DKIM1" and tags.get("k") == "ed25519", tags
    published = base64.b64decode(tags["p"], validate=True)
    assert published == public_key_der(keyfile)[-32:], "p= is not the key's Ed25519 point"
