"""
NAME
  test_backends.py - `signet sign --backend X` writes what `--backend evp` writes

SUMMARY
  RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic, so with a fixed
  --time the signed message must be byte for byte the same whichever
  signing backend made it. For every backend (auto, ifma, cryptodev,
  provider:default, engine:pkcs11) and every key size (RSA 1024, 2048,
  3072, 4096; Ed25519), and for one run with several keys plus a
  DomainKeys signature, the output is compared with --backend evp. A
  backend that is not available here is skipped with signet's reason
  (pytest -rs shows it). Unknown and unavailable backends fail with exit
  status 2 and a message naming them.
"""
import os

import pytest

from interop_helpers import DOMAIN, describe

TIME = "1700000000"
BACKENDS = ["auto", "ifma", "cryptodev", "provider:default", "engine:pkcs11"]
KEY_SIZES = [("rsa", 1024), ("rsa", 2048), ("rsa", 3072), ("rsa", 4096), ("ed25519", None)]
MESSAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "messages",
                       "campaign_multipart.eml")


@pytest.fixture(scope="module")
def keys(signet, tmp_path_factory):
    """(key type, bits) -> (keyfile, selector), made by signet keygen."""
    directory = tmp_path_factory.mktemp("backend-keys")
    made = {}
    for key_type, bits in KEY_SIZES:
        selector = "%s%s" % (key_type, bits or "")
        keyfile, _ = signet.keygen(directory, key_type, selector, bits)
        made[(key_type, bits)] = (str(keyfile), selector)
    return made


def sign(signet, backend, key_args, extra=()):
    args = ["sign", "--time", TIME, "--backend", backend, "-d", DOMAIN] + key_args
    return signet.run(args + list(extra) + [MESSAGE])


def signed_by(signet, backend, key_args, extra=()):
    """The output of --backend backend; skips when the backend is not here."""
    proc = sign(signet, backend, key_args, extra)
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0 and ("not available here" in err or "unknown backend" in err):
        pytest.skip("backend %s: %s" % (backend, err))
    assert proc.returncode == 0, "signet --backend %s failed\n%s" % (backend, describe(proc))
    return proc.stdout


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("key_type,bits", KEY_SIZES,
                         ids=["%s%s" % (t, b or "") for t, b in KEY_SIZES])
def test_same_output_as_evp(signet, keys, backend, key_type, bits):
    keyfile, selector = keys[(key_type, bits)]
    key_args = ["-k", keyfile, "-s", selector]
    reference = signed_by(signet, "evp", key_args)
    assert b"DKIM-Signature:" in reference
    assert signed_by(signet, backend, key_args) == reference


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_keys_and_domainkeys(signet, keys, backend):
    """One run, three DKIM signatures of mixed sizes and types plus DomainKeys:
    a batched backend gets several jobs at once."""
    key_args = []
    for size in [("rsa", 2048), ("ed25519", None), ("rsa", 3072)]:
        key_args += ["-k", keys[size][0], "-s", keys[size][1]]
    reference = signed_by(signet, "evp", key_args, ["--dk"])
    assert reference.count(b"DKIM-Signature:") == 3
    assert b"DomainKey-Signature:" in reference
    assert signed_by(signet, backend, key_args, ["--dk"]) == reference


@pytest.mark.parametrize("backend,fragment", [
    ("nosuch", "unknown backend \"nosuch\""),
    ("engine:nosuch", "engine:nosuch: not available here"),
    ("provider:nosuch", "provider:nosuch: not available here"),
    ("provider:legacy", "offers no RSA signature"),
])
def test_unavailable_backend_is_an_error(signet, keys, backend, fragment):
    keyfile, selector = keys[("rsa", 2048)]
    proc = sign(signet, backend, ["-k", keyfile, "-s", selector])
    assert proc.returncode == 2, describe(proc)
    assert proc.stdout == b""
    assert fragment in proc.stderr.decode(), describe(proc)
