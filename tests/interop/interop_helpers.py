"""
NAME
  interop_helpers.py - drive signet and the peer DKIM implementations

SUMMARY
  Messages (load_message, tamper_*), the signet command line (Signet), the
  peers (Peer: dkimpy, Mail::DKIM, OpenDKIM behind one command line, see
  peers/*) and the parsers for their answers. Used by conftest.py and the
  test_*.py files of tests/interop.

CONTRACT
  Every helper runs a real program and reports what it said; nothing here
  invents a verification result. A peer that is missing, or whose library
  lacks what a test needs, makes the test skip with the peer's own reason
  (pytest.skip); a program that breaks its contract makes the test fail with
  the command, exit status and stderr.
  Environment: SIGNET (signet binary), OPENDKIM_PEER (built opendkim_peer,
  absent when libopendkim was not found).

UNTRUSTED INPUT
  None: messages come from tests/interop/messages, keys from signet keygen.
"""
import os
import pathlib
import random
import re
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent
PEERS_DIR = HERE / "peers"
MESSAGES_DIR = HERE / "messages"
PYTHON = "/usr/bin/python3"
TIMEOUT = 120

DOMAIN = "example.com"
ALGORITHMS = ("rsa-sha256", "rsa-sha1", "ed25519-sha256")
CANONICALIZATIONS = ("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")
PEER_NAMES = ("dkimpy", "maildkim", "opendkim")
PEER_EXIT_UNSUPPORTED = 3


class Deviation:
    """A way a peer's library departs from RFC 6376, found by the self-check.
    roles: "sign" (its signatures are wrong) and/or "verify" (its verdicts
    are); self_consistent: it still verifies its own signatures."""

    def __init__(self, peer, roles, applies, reason, self_consistent=False):
        self.peer, self.roles, self.applies = peer, roles, applies
        self.reason, self.self_consistent = reason, self_consistent


KNOWN_PEER_DEVIATIONS = (
    Deviation("opendkim", ("sign",),
              lambda alg, canon, msg: alg == "ed25519-sha256" and canon.startswith("simple/"),
              "libopendkim 2.11.0~beta2 makes Ed25519 signatures with simple header "
              "canonicalization that neither it nor dkimpy verifies"),
    Deviation("maildkim", ("sign", "verify"),
              lambda alg, canon, msg: canon.endswith("/simple") and msg == "no_final_crlf",
              "Mail::DKIM 1.20230212 hashes a simple body whose last line lacks CRLF without "
              "the CRLF RFC 6376 3.4.3 adds", self_consistent=True),
    Deviation("opendkim", ("sign", "verify"),
              lambda alg, canon, msg: canon.endswith("/relaxed") and msg == "no_final_crlf",
              "libopendkim 2.11.0~beta2 refuses to sign ('CRLF at end of body missing') and "
              "gives permerror for a relaxed body whose last line lacks CRLF (RFC 6376 3.4.4 "
              "adds one)"),
)


def deviations(peer, role, algorithm, canon, message):
    return [d for d in KNOWN_PEER_DEVIATIONS
            if d.peer == peer and role in d.roles and d.applies(algorithm, canon, message)]


def expected_failure(deviation_list):
    """pytest marks for a case that a known peer deviation makes fail: strict
    xfail, so the case is reported, never passes, and flags a fixed library."""
    if not deviation_list:
        return []
    reason = "; ".join(sorted({d.reason for d in deviation_list}))
    return [pytest.mark.xfail(strict=True, reason="known peer deviation: " + reason)]


def message_names():
    return sorted(p.stem for p in MESSAGES_DIR.glob("*.eml"))


def load_message(name):
    """Returns the message as bytes with CRLF line ends (files are LF)."""
    data = (MESSAGES_DIR / (name + ".eml")).read_bytes()
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def large_message(size=1536 * 1024, seed=20240514):
    """A deterministic campaign-like message of about size bytes whose body has
    lines of 0..998 bytes, trailing spaces and tabs, runs of WSP and of empty
    lines, so buffer and chunk boundaries fall everywhere."""
    rng = random.Random(seed)
    words = [b"spring", b"sale", b"30%", b"off", b"\xc3\xa9t\xc3\xa9", b"caf\xc3\xa9", b"=3D"]
    lines = []
    total = 0
    while total < size:
        kind = rng.random()
        if kind < 0.1:
            line = b""
        elif kind < 0.2:
            line = rng.choice([b" ", b"\t", b"  \t "]) * rng.randint(1, 5)
        else:
            parts = []
            limit = rng.choice([60, 76, 200, 998])
            while sum(len(p) + 1 for p in parts) < limit - 20:
                parts.append(rng.choice(words))
            sep = rng.choice([b" ", b"  ", b"\t", b" \t "])
            line = sep.join(parts)[:limit - 4] + rng.choice([b"", b" ", b"\t", b"  "])
        lines.append(line)
        total += len(line) + 2
    headers = (b"From: Example Deals <deals@example.com>\r\nTo: carol@example.org\r\n"
               b"Subject: large campaign message\r\nDate: Tue, 14 May 2024 09:12:02 +0000\r\n"
               b"Message-ID: <large.20240514@news.example.com>\r\n")
    return headers + b"\r\n" + b"\r\n".join(lines) + b"\r\n\r\n\r\n"


def canon_id(canon):
    return canon.replace("/", "-")


def split_message(message):
    """Returns (header block including its final CRLF, body)."""
    end = message.find(b"\r\n\r\n")
    if end < 0:
        return message, b""
    return message[:end + 2], message[end + 4:]


def join_message(headers, body):
    return headers + b"\r\n" + body


def tamper_body(message):
    """Inserts a line at the start of the body (inside any l= limit)."""
    headers, body = split_message(message)
    return join_message(headers, b"Tampered line.\r\n" + body)


def append_to_body(message, text):
    headers, body = split_message(message)
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    return join_message(headers, body + text)


FIELD = re.compile(rb"(?m)^([^\s:]+)[ \t]*:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)\r\n")


def header_fields(message):
    """Returns [(name, raw value match)] of the header block, top to bottom."""
    headers, _ = split_message(message)
    return [(m.group(1).decode("utf-8", "replace"), m) for m in FIELD.finditer(headers)]


def header_values(message, name):
    """Returns the unfolded values of every field called name, top to bottom."""
    return [m.group(2).replace(b"\r\n", b"").decode("utf-8", "replace")
            for n, m in header_fields(message) if n.lower() == name.lower()]


def header_value(message, name):
    """Returns the unfolded value of the first field called name, or None."""
    values = header_values(message, name)
    return values[0] if values else None


def tamper_header(message, name):
    """Replaces the value of the last (bottom-most) field called name."""
    matches = [m for n, m in header_fields(message) if n.lower() == name.lower()]
    assert matches, "message has no %s field to tamper with" % name
    m = matches[-1]
    return message[:m.start(2)] + b" tampered value" + message[m.end(2):]


def add_header_on_top(message, field):
    return field.encode() + b"\r\n" + message


def tag_list(value):
    """Parses a DKIM tag list into {tag: value with whitespace removed}."""
    tags = {}
    for part in value.split(";"):
        name, eq, val = part.partition("=")
        if eq:
            tags[name.strip()] = "".join(val.split())
    return tags


def run(argv, stdin=b""):
    return subprocess.run([str(a) for a in argv], input=stdin, capture_output=True,
                          timeout=TIMEOUT, check=False)


def describe(proc):
    return "command: %s\nexit status: %d\nstdout: %s\nstderr: %s" % (
        " ".join(proc.args), proc.returncode,
        proc.stdout.decode("utf-8", "replace")[-2000:],
        proc.stderr.decode("utf-8", "replace")[-2000:])


class Verdict:
    """One signature's result as a verifier reported it."""

    def __init__(self, kind, result, selector, domain, algorithm, detail):
        self.kind, self.result, self.detail = kind, result, detail
        self.selector, self.domain, self.algorithm = selector, domain, algorithm

    def __repr__(self):
        return "%s=%s s=%s a=%s%s" % (self.kind, self.result, self.selector, self.algorithm,
                                       " (%s)" % self.detail if self.detail else "")


PEER_LINE = re.compile(r"^(dkim|domainkeys) (\S+) d=(\S*) s=(\S*) a=(\S*)(?: \((.*)\))?$")


class Peer:
    """One peer program; see the CONTRACT of peers/dkimpy_peer.py."""

    def __init__(self, name, argv):
        self.name, self.argv = name, argv
        self._features = None
        self.missing = None if argv else "peer program not built"
        if self.missing is None:
            proc = run(argv + ["features"])
            if proc.returncode != 0:
                self.missing = "peer does not start: " + describe(proc)
            else:
                self._features = self._parse_features(proc.stdout.decode())

    @staticmethod
    def _parse_features(text):
        features = {}
        for line in text.splitlines():
            key, _, values = line.partition(":")
            features[key.strip()] = values.split()
        return features

    def skip_if_missing(self):
        if self.missing:
            pytest.skip("%s unavailable: %s" % (self.name, self.missing))

    def supports(self, feature, value):
        return self.missing is None and value in self._features.get(feature, [])

    def require(self, algorithm=None, sign_option=None, verify_kind=None):
        """Skips the test when this peer cannot do what it needs."""
        self.skip_if_missing()
        checks = (("algorithms", algorithm), ("sign-options", sign_option),
                  ("verify", verify_kind))
        for feature, wanted in checks:
            if wanted and wanted not in self._features.get(feature, []):
                pytest.skip("%s does not support %s %s (it reports %s: %s)" % (
                    self.name, feature, wanted, feature,
                    " ".join(self._features.get(feature, [])) or "none"))

    def sign(self, message, key, selector, algorithm="rsa-sha256",
             canon="relaxed/relaxed", options=(), domain=DOMAIN):
        self.require(algorithm=algorithm)
        argv = self.argv + ["sign", "--key", key, "--domain", domain, "--selector", selector,
                            "--alg", algorithm, "--canon", canon] + list(options)
        proc = run(argv, message)
        if proc.returncode == PEER_EXIT_UNSUPPORTED:
            pytest.skip("%s: %s" % (self.name, proc.stderr.decode().strip()))
        assert proc.returncode == 0, "%s could not sign\n%s" % (self.name, describe(proc))
        return proc.stdout

    def verify(self, message, table):
        """Returns the list of Verdicts, one per signature, in header order."""
        self.skip_if_missing()
        proc = run(self.argv + ["verify", "--keys", table], message)
        if proc.returncode == PEER_EXIT_UNSUPPORTED:
            pytest.skip("%s: %s" % (self.name, proc.stderr.decode().strip()))
        assert proc.returncode in (0, 1), "%s verify broke\n%s" % (self.name, describe(proc))
        verdicts = []
        for line in proc.stdout.decode("utf-8", "replace").splitlines():
            if line == "none":
                continue
            m = PEER_LINE.match(line)
            assert m, "%s printed an unexpected line: %r" % (self.name, line)
            kind, result, domain, selector, algorithm, detail = m.groups()
            verdicts.append(Verdict(kind, result, selector, domain, algorithm, detail))
        passed = any(v.result == "pass" for v in verdicts)
        assert (proc.returncode == 0) == passed, \
            "%s exit status disagrees with its output\n%s" % (self.name, describe(proc))
        return verdicts


def make_peers():
    opendkim = os.environ.get("OPENDKIM_PEER")
    return {
        "dkimpy": Peer("dkimpy", [PYTHON, str(PEERS_DIR / "dkimpy_peer.py")]),
        "maildkim": Peer("maildkim", ["perl", str(PEERS_DIR / "maildkim_peer.pl")]),
        "opendkim": Peer("opendkim", [opendkim] if opendkim else None),
    }


def find_verdict(verdicts, selector, kind="dkim"):
    found = [v for v in verdicts if v.selector == selector and v.kind == kind]
    assert len(found) == 1, "expected one %s signature s=%s, verifier said %r" % (
        kind, selector, verdicts)
    return found[0]


AUTHRES_RESULT = re.compile(
    r"\b(dkim|domainkeys)=(\w+)((?: \([^)]*\))?)((?: header\.[a-z]+=[^\s;]+)*)")


class SignetReport:
    """What `signet verify` printed for one message."""

    def __init__(self, proc):
        self.proc = proc
        self.status = proc.returncode
        self.line = proc.stdout.decode("utf-8", "replace").strip()
        self.results = []
        for m in AUTHRES_RESULT.finditer(self.line):
            props = {k: v.strip('"') for k, v in
                     (p.split("=", 1) for p in m.group(4).split())}
            self.results.append(Verdict(m.group(1), m.group(2), props.get("header.s"),
                                        props.get("header.d"), props.get("header.a"),
                                        m.group(3).strip(" ()")))

    def __repr__(self):
        return describe(self.proc)

    def result_for(self, selector, kind="dkim"):
        """The result of the one signature of this kind by selector (a result
        without header.s, as a DomainKeys one may be, matches any selector)."""
        found = [v for v in self.results
                 if v.kind == kind and v.selector in (selector, None)]
        assert len(found) == 1, "expected one %s result for s=%s in %r\n%r" % (
            kind, selector, self.results, self)
        return found[0].result


class Signet:
    """The signet binary under test (env SIGNET)."""

    def __init__(self, path):
        self.path = path

    def run(self, args, stdin=b""):
        return run([self.path] + list(args), stdin)

    def checked(self, args, stdin=b""):
        proc = self.run(args, stdin)
        assert proc.returncode == 0, "signet failed\n" + describe(proc)
        return proc.stdout

    def keygen(self, directory, key_type, selector, bits=None, domain=DOMAIN):
        keyfile = pathlib.Path(directory) / (selector + ".key")
        args = ["keygen", "-t", key_type, "-d", domain, "-s", selector, "-o", keyfile]
        if bits:
            args += ["-b", str(bits)]
        line = self.checked(args).decode().strip()
        assert "\n" not in line, "keygen printed more than one line: %r" % line
        return keyfile, line

    def sign(self, message, keys, options=(), domain=DOMAIN):
        """keys: list of (keyfile, selector[, algorithm]); returns the signed message."""
        args = ["sign", "-d", domain]
        for key in keys:
            args += ["-k", key[0], "-s", key[1]] + (["-a", key[2]] if len(key) > 2 else [])
        return self.checked(args + list(options) + ["-"], message)

    def verify(self, message, table, options=()):
        proc = self.run(["verify", "--dns-file", table] + list(options) + ["-"], message)
        assert proc.returncode in (0, 1), "signet verify broke\n" + describe(proc)
        return SignetReport(proc)
