#!/usr/bin/python3
"""
NAME
  dkimpy_peer.py - DKIM signer/verifier peer built on dkimpy (python3-dkim)

SUMMARY
  dkimpy_peer.py features
  dkimpy_peer.py sign --key KEYFILE --domain D --selector S [--alg A]
                 [--canon HDR/BODY] [--headers H1:H2:...] [--length]
                 [--identity I] < message > signed-message
  dkimpy_peer.py verify --keys TABLE < message

CONTRACT
  One of the three interoperability peers (see tests/interop/conftest.py);
  all of them share this command line and these exit codes:
    0  sign: signed message written; verify: at least one signature passed
    1  verify: no signature passed (or none present)
    2  usage, I/O or key-file error (message on stderr)
    3  the request needs a feature this peer's library does not have
       (message "unsupported: ..." on stderr); callers skip, never pass.
  "features" prints what the library supports, one "name: values" line each.
  sign prepends the new DKIM-Signature header to the message on stdout.
  --headers gives the exact h= list (a name repeated or absent from the
  message is oversigned). dkimpy has no x=, z= or fixed-t= signing, so
  --expire, --ztags and --time exit 3; it does not do DomainKeys (--dk exits 3).
  Ed25519 keys are read from PKCS#8 PEM (RFC 8410) and handed to dkimpy as
  the base64 seed it expects.
  verify prints one line per DKIM-Signature, top to bottom:
    dkim RESULT d=DOMAIN s=SELECTOR a=ALG [(DETAIL)]
  RESULT is pass, fail (dkimpy returned False or raised ValidationError) or
  permerror (any other dkimpy exception); DETAIL is dkimpy's own message.
  A message dkimpy's parser refuses (e.g. "Subject : x", obsolete syntax)
  exits 3: the peer cannot judge it.
  Keys come from TABLE ("NAME TXT-VALUE" lines), never from DNS.

UNTRUSTED INPUT
  The message and the key table; both are only passed to dkimpy.
"""
import argparse
import base64
import re
import sys

try:
    import dkim
except ImportError:  # reported as "unsupported" so tests skip with a reason
    dkim = None

ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
EXIT_OK, EXIT_NOPASS, EXIT_USAGE, EXIT_UNSUPPORTED = 0, 1, 2, 3


class PeerError(Exception):
    """A failure with an exit status and a one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def algorithms():
    if dkim is None:
        return []
    algs = ["rsa-sha256", "rsa-sha1"]
    if hasattr(dkim, "nacl"):
        algs.append("ed25519-sha256")
    return algs


def cmd_features(_args):
    print("algorithms: " + " ".join(algorithms()))
    print("canonicalizations: simple relaxed")
    print("sign-options: headers length identity")
    print("verify: dkim")
    return EXIT_OK


def ed25519_seed_b64(pem):
    """Returns dkimpy's ed25519 private key form: base64 of the 32-byte seed."""
    m = re.search(rb"-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----",
                  pem, re.DOTALL)
    if m is None:
        raise PeerError(EXIT_USAGE, "ed25519 key is not a PKCS#8 PEM private key")
    der = base64.b64decode(b"".join(m.group(1).split()))
    if len(der) != 48 or not der.startswith(ED25519_PKCS8_PREFIX):
        raise PeerError(EXIT_USAGE, "ed25519 key is not an RFC 8410 PKCS#8 key")
    return base64.b64encode(der[16:])


def parse_message(message, **options):
    """dkim.DKIM(message); a message dkimpy cannot parse is a limit of this peer."""
    try:
        return dkim.DKIM(message, **options)
    except dkim.MessageFormatError as e:
        raise PeerError(EXIT_UNSUPPORTED, "unsupported: dkimpy cannot parse the message: %s"
                        % e)


def cmd_sign(args):
    for flag, name in ((args.expire, "x= (--expire)"), (args.ztags, "z= (--ztags)"),
                       (args.time, "fixed t= (--time)"), (args.dk, "DomainKeys (--dk)")):
        if flag is not None and flag is not False:
            raise PeerError(EXIT_UNSUPPORTED, "unsupported: dkimpy cannot sign with " + name)
    if args.alg not in algorithms():
        raise PeerError(EXIT_UNSUPPORTED, "unsupported: dkimpy lacks " + args.alg)
    with open(args.key, "rb") as f:
        key = f.read()
    if args.alg.startswith("ed25519"):
        key = ed25519_seed_b64(key)
    hcanon, _, bcanon = args.canon.partition("/")
    message = sys.stdin.buffer.read()
    headers = None
    if args.headers:
        headers = [h.encode() for h in args.headers.split(":")]
    signer = parse_message(message, signature_algorithm=args.alg.encode())
    try:
        sig = signer.sign(args.selector.encode(), args.domain.encode(), key,
                          identity=args.identity.encode() if args.identity else None,
                          canonicalize=(hcanon.encode(), (bcanon or "simple").encode()),
                          include_headers=headers, length=args.length)
    except dkim.DKIMException as e:
        raise PeerError(EXIT_USAGE, "dkimpy refused to sign: %s" % e)
    sys.stdout.buffer.write(sig + message)
    return EXIT_OK


def load_key_table(path):
    """Reads "NAME TXT-VALUE" lines into {lowercase name: value bytes}."""
    table = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            name, _, value = line.partition(b" ")
            table[name.rstrip(b".").lower()] = value.strip()
    return table


def signature_tags(value):
    """Best-effort d=/s=/a= of a signature header, for labelling output only."""
    tags = {}
    for part in value.split(b";"):
        name, eq, val = part.partition(b"=")
        if eq:
            tags[name.strip().decode("ascii", "replace")] = \
                b"".join(val.split()).decode("ascii", "replace")
    return tags


def verify_one(verifier, index, dnsfunc):
    try:
        ok = verifier.verify(idx=index, dnsfunc=dnsfunc)
        return ("pass", "") if ok else ("fail", "dkimpy returned False")
    except dkim.ValidationError as e:
        return "fail", str(e)
    except dkim.DKIMException as e:
        return "permerror", "%s: %s" % (type(e).__name__, e)


def cmd_verify(args):
    table = load_key_table(args.keys)

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        return table.get(name.rstrip(".").lower().encode())

    message = sys.stdin.buffer.read()
    verifier = parse_message(message)
    sigs = [v for n, v in verifier.headers if n.lower() == b"dkim-signature"]
    passed = False
    for index, value in enumerate(sigs):
        result, detail = verify_one(dkim.DKIM(message), index, dnsfunc)
        tags = signature_tags(value)
        line = "dkim %s d=%s s=%s a=%s" % (result, tags.get("d", "?"),
                                          tags.get("s", "?"), tags.get("a", "?"))
        print(line + (" (%s)" % detail if detail else ""))
        passed = passed or result == "pass"
    if not sigs:
        print("none")
    return EXIT_OK if passed else EXIT_NOPASS


def parse_args(argv):
    p = argparse.ArgumentParser(prog="dkimpy_peer.py")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("features")
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    s.add_argument("--domain", required=True)
    s.add_argument("--selector", required=True)
    s.add_argument("--alg", default="rsa-sha256")
    s.add_argument("--canon", default="relaxed/relaxed")
    s.add_argument("--headers")
    s.add_argument("--length", action="store_true")
    s.add_argument("--identity")
    s.add_argument("--expire", type=int)
    s.add_argument("--ztags", action="store_true", default=None)
    s.add_argument("--time", type=int)
    s.add_argument("--dk", action="store_true", default=None)
    s.add_argument("--dk-canon")
    v = sub.add_parser("verify")
    v.add_argument("--keys", required=True)
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    commands = {"features": cmd_features, "sign": cmd_sign, "verify": cmd_verify}
    try:
        if dkim is None and args.command != "features":
            raise PeerError(EXIT_UNSUPPORTED, "unsupported: python3-dkim is not installed")
        return commands[args.command](args)
    except PeerError as e:
        print("dkimpy_peer: %s" % e, file=sys.stderr)
        return e.status
    except OSError as e:
        print("dkimpy_peer: %s" % e, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
