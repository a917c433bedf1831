"""
NAME
  corpus_model.py - cases of the third-party corpus, signet runs and verdicts

SUMMARY
  The corpus is ../shared/testdata (env SIGNET_TESTDATA): one folder per
  source, each with expected.tsv in the source's own vocabulary. The
  corpus_<source>.py modules turn every row into Case objects; this module
  holds what they share:
    Case         one pytest case: run(env) -> Observation, or not applicable
    Observation  what signet did (summary: a short stable text such as
                 "permerror,pass" or "refused") and how that differs from
                 the source's expectation (problems; empty = matched)
    Report       one `signet verify` run parsed into per-signature results
    judges       functions Report -> list of problems (best_in, per_signature,
                 no_signature, ...), combined with judge_all
    CorpusEnv    signet path, scratch directory, key copies (mode 0600,
                 Ed25519 seeds wrapped as PKCS#8 PEM), key tables with
                 replaced records, the DNS test server for simulated failures
  Every signet run has a 20 s timeout; a run killed by a signal is reported
  as a problem, never as a result.

UNTRUSTED INPUT
  The corpus files (read-only, third-party) and signet's output, which is
  parsed defensively: an unparsable Authentication-Results line is a problem.
"""
import base64
import os
import pathlib
import re
import shutil
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
SRCDIR = pathlib.Path(os.environ.get("SIGNET_SRCDIR") or HERE.parent.parent)
TESTDATA = pathlib.Path(os.environ.get("SIGNET_TESTDATA") or SRCDIR.parent / "shared" / "testdata")
DNSSERVER = SRCDIR / "tests" / "dnsserver.py"
PYTHON = "/usr/bin/python3"
RUN_TIMEOUT = 20

RESULTS = ("pass", "fail", "neutral", "policy", "permerror", "temperror")
# Results that mean "the signature could not be checked" (no crypto verdict).
UNCHECKED = frozenset(("neutral", "policy", "permerror", "temperror"))
RANK = {"pass": 0, "fail": 1, "neutral": 2, "policy": 2, "permerror": 2, "temperror": 2}


def read_tsv(path):
    """Rows of an expected.tsv (header skipped) as (file, expected, note)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        cells += [""] * (3 - len(cells))
        rows.append((cells[0], cells[1], "\t".join(cells[2:])))
    return rows


def to_crlf(data):
    """LF -> CRLF for files stored with LF (the READMEs say to do so)."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def fix_bare_cr_lf(data):
    """Every bare CR and bare LF becomes CRLF (OpenDKIM's FIXCRLF)."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


def split_message(data):
    end = data.find(b"\r\n\r\n")
    return (data, b"") if end < 0 else (data[:end + 2], data[end + 4:])


def signature_fields(data, name=b"DKIM-Signature"):
    """Unfolded values of every field called name, top-down, as str."""
    headers, _ = split_message(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    pattern = rb"(?im)^%s[ \t]*:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)" % re.escape(name)
    return [re.sub(rb"\r\n", b"", m).decode("utf-8", "replace")
            for m in re.findall(pattern, headers)]


def tags_of(value):
    """A tag list as {name: value with all whitespace removed}."""
    tags = {}
    for part in value.split(";"):
        name, eq, val = part.partition("=")
        if eq:
            tags.setdefault(name.strip(), "".join(val.split()))
    return tags


def key_names(data):
    """The key record names ("sel._domainkey.dom") the message's signatures use."""
    names = []
    for field in (b"DKIM-Signature", b"DomainKey-Signature"):
        for value in signature_fields(data, field):
            tags = tags_of(value)
            if "s" in tags and "d" in tags:
                names.append(("%s._domainkey.%s" % (tags["s"], tags["d"])).lower())
    return names


class Report:
    """One `signet verify` run: exit status, per-signature results, stderr."""

    def __init__(self, proc, argv):
        self.argv = argv
        self.status = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.results, self.kinds, self.reasons, self.selectors = [], [], [], []
        self.parse_error = None
        if self.status in (0, 1):
            self._parse(self.stdout.strip())

    def _parse(self, line):
        prefix = "Authentication-Results: "
        if "\n" in line or not line.startswith(prefix):
            self.parse_error = "not one Authentication-Results line: %r" % line
            return
        for item in split_methods(line[len(prefix):])[1:]:
            m = re.match(r"(dkim|domainkeys)=(\w+)(.*)$", item)
            if m is None:
                self.parse_error = "unparsable result %r" % item
                return
            if m.group(2) == "none":
                continue
            if m.group(2) not in RESULTS:
                self.parse_error = "unknown result %r" % m.group(2)
                return
            self.kinds.append(m.group(1))
            self.results.append(m.group(2))
            reason = re.match(r"\s*\(((?:\\.|[^)])*)\)", m.group(3))
            self.reasons.append(reason.group(1) if reason else "")
            sel = re.search(r"header\.s=(\S+)", m.group(3))
            self.selectors.append(sel.group(1) if sel else None)
        if self.status != (0 if "pass" in self.results else 1):
            self.parse_error = "exit status %d disagrees with the results %s" % (
                self.status, self.results)

    @property
    def summary(self):
        if self.status < 0:
            return "killed by signal %d" % -self.status
        if self.status == 2:
            return "rejected"
        if self.status not in (0, 1) or self.parse_error:
            return "broken"
        return ",".join(self.results) or "none"

    def describe(self):
        return "command: %s\nexit status: %d\nstdout: %s\nstderr: %s" % (
            " ".join(str(a) for a in self.argv), self.status, self.stdout[-1500:],
            self.stderr[-1500:])


def split_methods(text):
    """Splits an Authentication-Results value at ';' outside comments."""
    parts, depth, current, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        if c == ";" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += c
        i += 1
    parts.append(current.strip())
    return parts


def run_signet(signet, args, stdin=b"", timeout=RUN_TIMEOUT):
    argv = [str(signet)] + [str(a) for a in args]
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout,
                              check=False), argv
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(argv, -9, e.stdout or b"",
                                           (e.stderr or b"") + b"[timed out]"), argv


def report_problems(report):
    """Problems every verify run has regardless of the expectation."""
    if report.status < 0:
        return ["signet was killed by signal %d\n%s" % (-report.status, report.describe())]
    if report.status == 2:
        return ["signet verify rejected the input\n" + report.describe()]
    if report.status != 1 and report.status != 0:
        return ["signet verify exit status %d\n%s" % (report.status, report.describe())]
    if report.parse_error:
        return [report.parse_error + "\n" + report.describe()]
    return []


# Judges: Report -> list of problems (empty when signet agrees).

def best_of(results):
    return min(results, key=lambda r: RANK[r]) if results else "none"


def best_in(allowed):
    """The best result (pass > fail > could-not-check > none) is in allowed."""
    def judge(report):
        best = best_of(report.results)
        if best in allowed:
            return []
        return ["best result %s, expected one of %s" % (best, "/".join(sorted(allowed)))]
    return judge


def per_signature(expected):
    """expected: {index: allowed results} for the signatures top-down."""
    def judge(report):
        problems = []
        for index, allowed in sorted(expected.items()):
            got = report.results[index] if index < len(report.results) else "missing"
            if got not in allowed:
                problems.append("signature #%d: %s, expected %s" % (
                    index + 1, got, "/".join(sorted(allowed))))
        return problems
    return judge


def results_unordered(expected):
    """The results, as a multiset, are exactly expected (a list)."""
    def judge(report):
        if sorted(report.results) == sorted(expected):
            return []
        return ["results %s, expected %s (any order)" % (report.results, expected)]
    return judge


def no_signature(report):
    return [] if not report.results else ["results %s, expected none" % report.results]


def all_in(allowed):
    """Every signature's result is in allowed (and there is at least one)."""
    def judge(report):
        if report.results and all(r in allowed for r in report.results):
            return []
        return ["results %s, expected every one in %s" % (
            report.results or "none", "/".join(sorted(allowed)))]
    return judge


def judge_all(*judges):
    def judge(report):
        return [p for j in judges for p in j(report)]
    return judge


class Observation:
    """What signet did in one case and how it differs from the source."""

    def __init__(self, summary, problems, detail=""):
        self.summary, self.problems, self.detail = summary, list(problems), detail


class Case:
    """One corpus case. run(env) returns an Observation; na is a reason."""

    def __init__(self, source, name, expected, note="", run=None, na=None, smoke=None):
        self.source, self.name, self.expected, self.note = source, name, expected, note
        self.run, self.na, self.smoke = run, na, smoke

    @property
    def id(self):
        return "%s/%s" % (self.source, self.name)


def verify_case(source, name, expected, note, message, judge, table=None,
                options=(), transform=None, dns_failures=None):
    """A Case that verifies one message file and applies judge."""
    def run(env):
        data = message.read_bytes()
        if transform:
            data = transform(data)
        report = env.verify(data, table, options, dns_failures)
        problems = report_problems(report) or judge(report)
        return Observation(report.summary, problems, report.describe())
    return Case(source, name, expected, note, run=run)


def na_case(source, name, expected, note, reason, message=None, table=None, options=()):
    """A Case reported as not applicable; with a message it still must not
    crash signet (smoke run: a result line, or a one-line rejection)."""
    smoke = None
    if message is not None:
        def smoke(env):
            report = env.verify(message.read_bytes(), table, options)
            if report.status == 2 and re.fullmatch(r"signet: [^\n]+\n", report.stderr):
                return []
            return report_problems(report)
    return Case(source, name, expected, note, na=reason, smoke=smoke)


ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


class CorpusEnv:
    """Per-module scratch state: signet, key copies, tables, DNS servers."""

    def __init__(self, signet, scratch):
        self.signet = signet
        self.scratch = pathlib.Path(scratch)
        self._keys, self._servers, self._count = {}, {}, 0

    def key(self, path):
        """A private key usable by signet sign: a 0600 copy; a file holding
        a base64 32-byte Ed25519 seed is wrapped as PKCS#8 PEM."""
        path = pathlib.Path(path)
        if path not in self._keys:
            target = self.scratch / ("key%d.pem" % len(self._keys))
            raw = path.read_bytes()
            if b"-----BEGIN" in raw:
                target.write_bytes(raw)
            else:
                seed = base64.b64decode(raw.strip(), validate=True)
                assert len(seed) == 32, "%s is not a 32-byte Ed25519 seed" % path
                der = base64.encodebytes(ED25519_PKCS8_PREFIX + seed).decode()
                target.write_text("-----BEGIN PRIVATE KEY-----\n%s-----END PRIVATE KEY-----\n"
                                  % der)
            target.chmod(0o600)
            self._keys[path] = target
        return self._keys[path]

    def table(self, base=None, replace=None):
        """A key table: base's lines with replace {name: value} applied
        (a value of None removes the name; new names are added)."""
        replace = dict(replace or {})
        lines = []
        if base is not None:
            for line in pathlib.Path(base).read_text(encoding="utf-8").splitlines():
                name = line.split(None, 1)[0].lower() if line.strip() else ""
                if name in replace:
                    value = replace.pop(name)
                    if value is not None:
                        lines.append("%s %s" % (name, value))
                else:
                    lines.append(line)
        lines += ["%s %s" % (n, v) for n, v in replace.items() if v is not None]
        self._count += 1
        path = self.scratch / ("table%d.txt" % self._count)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def scratch_file(self, suffix, data):
        self._count += 1
        path = self.scratch / ("file%d%s" % (self._count, suffix))
        path.write_bytes(data)
        return path

    def verify(self, data, table, options=(), dns_failures=None):
        """Runs signet verify on data; keys from table, or from the DNS test
        server serving table with dns_failures {name: "timeout"|"servfail"}."""
        args = ["verify"]
        if dns_failures:
            args += ["--resolver", "127.0.0.1:%d" % self.dns_port(table, dns_failures)]
        elif table is not None:
            args += ["--dns-file", table]
        proc, argv = run_signet(self.signet, args + list(options) + ["-"], data)
        return Report(proc, argv)

    def sign(self, data, args):
        proc, argv = run_signet(self.signet, ["sign"] + list(args) + ["-"], data)
        return proc, argv

    def dns_port(self, table, failures):
        key = (str(table), tuple(sorted(failures.items())))
        if key not in self._servers:
            argv = [PYTHON, str(DNSSERVER), "--table", str(table)]
            for name, mode in sorted(failures.items()):
                argv += ["--" + mode, name]
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            line = proc.stdout.readline().decode().strip()
            if not line.isdigit():
                proc.kill()
                raise RuntimeError("dnsserver.py did not start: %r %s" % (
                    line, proc.stderr.read().decode()))
            self._servers[key] = (proc, int(line))
        return self._servers[key][1]

    def close(self):
        for proc, _ in self._servers.values():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._servers.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)
