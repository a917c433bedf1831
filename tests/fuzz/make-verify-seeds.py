#!/usr/bin/python3
"""
NAME
  make-verify-seeds.py - write the seed messages of the fuzz_verify target

SUMMARY
  tests/fuzz/make-verify-seeds.py [OUTDIR]   (default tests/fuzz/corpus/fuzz_verify)

  Signs one small message in the ways the verifier must handle, with the
  test-only keys in tests/fuzz/keys/ whose public halves are the records in
  fuzz_verify.c: DKIM with dkimpy (python3-dkim), DomainKeys with Mail::DKIM
  (libmail-dkim-perl). t= is pinned to 1700000000, so the output is the same
  on every run (RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic).
  Seeds are written only by hand when the keys or the records change; the
  build never runs this.
"""
import base64
import os
import subprocess
import sys
import time

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
RSA_KEY = os.path.join(HERE, 'keys', 'fuzz-rsa.pem')
ED_KEY = os.path.join(HERE, 'keys', 'fuzz-ed25519.pem')
SIGN_TIME = 1700000000
DOMAIN = b'example.com'
HEADERS = [b'from', b'to', b'subject', b'date', b'message-id', b'mime-version',
           b'content-type']

MESSAGE = (b'From: Fuzz Tester <fuzz@example.com>\r\n'
           b'To: Someone <someone@example.net>\r\n'
           b'Subject: seed message\r\n'
           b'  for fuzz_verify\r\n'
           b'Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n'
           b'Message-ID: <seed-1@example.com>\r\n'
           b'MIME-Version: 1.0\r\n'
           b'Content-Type: text/plain; charset=us-ascii\r\n'
           b'\r\n'
           b'Hello,\r\n'
           b'\r\n'
           b'This body has  two spaces, a tab\there and a trailing space \r\n'
           b'and trailing empty lines.\r\n'
           b'\r\n'
           b'\r\n')

DK_SIGNER = r'''
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::DkSignature;
use Mail::DKIM::Signature;
my ($keyfile, $method, $with_dkim) = @ARGV;
my $policy = sub {
	my $s = shift;
	$s->add_signature(Mail::DKIM::Signature->new(
		Algorithm => 'rsa-sha256', Method => 'relaxed/relaxed',
		Headers => 'from:to:subject:date', Domain => 'example.com',
		Selector => 'rsa', Timestamp => 1700000000)) if $with_dkim;
	$s->add_signature(Mail::DKIM::DkSignature->new(
		Algorithm => 'rsa-sha1', Method => $method, Headers => $s->headers,
		Domain => 'example.com', Selector => 'dk'));
	return;
};
my $signer = Mail::DKIM::Signer->new(Policy => $policy, KeyFile => $keyfile);
binmode STDIN;
while (<STDIN>) { $signer->PRINT($_); }
$signer->CLOSE;
print $_->as_string, "\r\n" for $signer->signatures;
'''


def ed25519_seed():
    der = subprocess.run(['openssl', 'pkey', '-in', ED_KEY, '-outform', 'DER'],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der[-32:])


def sign_dkim(msg, selector, key, algo=b'rsa-sha256', canon=(b'relaxed', b'relaxed'),
              identity=None, length=False):
    real_time = time.time
    time.time = lambda: SIGN_TIME
    try:
        sig = dkim.sign(msg, selector, DOMAIN, key, identity=identity,
                        canonicalize=canon, include_headers=HEADERS, length=length,
                        signature_algorithm=algo)
    finally:
        time.time = real_time
    return sig + msg


def sign_dk(msg, method, with_dkim=False):
    out = subprocess.run(['perl', '-e', DK_SIGNER, RSA_KEY, method, '1' if with_dkim else ''],
                         input=msg, check=True, capture_output=True).stdout
    return out + msg


def seeds():
    rsa = open(RSA_KEY, 'rb').read()
    ed = ed25519_seed()
    rsa_relaxed = sign_dkim(MESSAGE, b'rsa', rsa)
    yield 'unsigned.eml', MESSAGE
    yield 'rsa-relaxed.eml', rsa_relaxed
    yield 'rsa-simple-l.eml', sign_dkim(MESSAGE, b'rsa', rsa, canon=(b'simple', b'simple'),
                                        identity=b'fuzz@example.com', length=True)
    yield 'rsa-sha1.eml', sign_dkim(MESSAGE, b'sha1', rsa, algo=b'rsa-sha1')
    yield 'ed25519.eml', sign_dkim(MESSAGE, b'ed', ed, algo=b'ed25519-sha256')
    yield 'two-signatures.eml', sign_dkim(sign_dkim(MESSAGE, b'rsa', rsa), b'ed', ed,
                                          algo=b'ed25519-sha256')
    yield 'strict-subdomain.eml', sign_dkim(MESSAGE, b'strict', rsa,
                                            identity=b'@sub.example.com')
    yield 'body-changed.eml', rsa_relaxed.replace(b'Hello,', b'Hallo,')
    yield 'lf-line-ends.eml', rsa_relaxed.replace(b'\r\n', b'\n')
    for selector in ('tempfail', 'invalid', 'revoked', 'dsa', 'mismatch', 'garbage',
                     'email', 'notdkim', 'absent'):
        yield 'selector-%s.eml' % selector, sign_dkim(MESSAGE, selector.encode(), rsa)
    yield 'dk-nofws.eml', sign_dk(MESSAGE, 'nofws')
    yield 'dk-simple-and-dkim.eml', sign_dk(MESSAGE, 'simple', with_dkim=True)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus', 'fuzz_verify')
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)
        print('wrote', os.path.join(outdir, name))


if __name__ == '__main__':
    main()
