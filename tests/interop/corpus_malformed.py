"""
NAME
  corpus_malformed.py - run signet on hostile input under time and memory
                        limits; load the malformed corpus of tests/data

SUMMARY
  limited_run(argv, stdin)  runs one command with RLIMIT_AS 1 GiB (skipped
      for an AddressSanitizer build, which reserves far more address space),
      no core files and a 20 s watchdog; returns a Run with the exit status
      (negative = killed by that signal), output, whether the watchdog fired
      and the peak resident size (from wait4).
  outcome_problems(run, expected)  checks a run against an expectation of
      tests/data/malformed/*.tsv:
        reject@N   exit 2, nothing on stdout, one stderr line "signet: ..."
                   naming line N as "line N:" (message) or "FILE:N:" (key
                   table); N = * accepts any line number
        reject     exit 2, nothing on stdout, one stderr line "signet: ..."
        none       verify: exit 1, the line "...; dkim=none"
        signed     sign: exit 0 and a DKIM-Signature on top (the caller then
                   verifies the output)
  expand(template, values)  fills a signature/key template: {name} from
      values, {rep:TEXT:N} = TEXT repeated N times, then \\xNN, \\r, \\n, \\t
      escapes; returns bytes.
  read_rows(path)  the rows of a .tsv as dicts keyed by its header line.

UNTRUSTED INPUT
  The corpus files (this repository) and signet's output.
"""
import os
import pathlib
import re
import resource
import subprocess
import tempfile
import threading

HERE = pathlib.Path(__file__).resolve().parent
MALFORMED = HERE.parent / "data" / "malformed"
TIMEOUT = 20
ADDRESS_SPACE = 1 << 30
MAX_RSS_KB = 512 * 1024


class Run:
    def __init__(self, argv, status, stdout, stderr, timed_out, max_rss_kb):
        self.argv, self.status, self.stdout, self.stderr = argv, status, stdout, stderr
        self.timed_out, self.max_rss_kb = timed_out, max_rss_kb

    def describe(self):
        return "command: %s\nexit status: %d%s, peak RSS %d KiB\nstdout: %r\nstderr: %r" % (
            " ".join(str(a) for a in self.argv), self.status,
            " (timed out)" if self.timed_out else "", self.max_rss_kb,
            self.stdout[:600], self.stderr[:600])


def is_asan_build(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def _limits(limit_as):
    def apply():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    return apply


def limited_run(argv, stdin=b"", limit_as=True, timeout=TIMEOUT):
    """Runs argv with stdin under the limits; never raises on its status."""
    argv = [str(a) for a in argv]
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        fin.write(stdin)
        fin.seek(0)
        proc = subprocess.Popen(argv, stdin=fin, stdout=out, stderr=err,
                                preexec_fn=_limits(limit_as))
        fired = threading.Event()

        def kill():
            fired.set()
            proc.kill()
        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            _, wait_status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        return Run(argv, proc.returncode, out.read(), err.read(), fired.is_set(),
                   usage.ru_maxrss)


def safety_problems(run, check_rss=True):
    """Problems any run has regardless of the expectation."""
    if run.timed_out:
        return ["signet did not finish within %d s\n%s" % (TIMEOUT, run.describe())]
    if run.status < 0:
        return ["signet was killed by signal %d\n%s" % (-run.status, run.describe())]
    if check_rss and run.max_rss_kb > MAX_RSS_KB:
        return ["signet used %d KiB (limit %d KiB)\n%s" % (run.max_rss_kb, MAX_RSS_KB,
                                                          run.describe())]
    return []


def outcome_problems(run, expected):
    """How run differs from one expectation word (see SUMMARY)."""
    err = run.stderr.decode("utf-8", "replace")
    out = run.stdout.decode("utf-8", "replace")
    if expected.startswith("reject"):
        line = expected.partition("@")[2]
        if run.status != 2 or run.stdout:
            return ["expected a rejection (exit 2, no output)\n" + run.describe()]
        if not re.fullmatch(r"signet: [^\n]+\n", err):
            return ["the rejection is not one 'signet: ' line\n" + run.describe()]
        number = r"\d+" if line == "*" else re.escape(line)
        if line and not re.search(r"(\bline |:)%s:" % number, err):
            return ["the error does not name line %s\n%s" % (line, run.describe())]
        return []
    if expected == "none":
        if run.status == 1 and out == "Authentication-Results: signet; dkim=none\n":
            return []
        return ["expected 'dkim=none'\n" + run.describe()]
    if expected == "signed":
        if run.status == 0 and run.stdout.startswith(b"DKIM-Signature:"):
            return []
        return ["expected a signed message\n" + run.describe()]
    raise ValueError("unknown expectation %r" % expected)


def read_rows(path):
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]


ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t"}


def expand(template, values):
    """Fills {name} and {rep:TEXT:N}, then decodes the backslash escapes."""
    def fill(m):
        if m.group(1) is not None:
            return m.group(1) * int(m.group(2))
        return values[m.group(3)]
    text = re.sub(r"\{rep:([^:}]*):(\d+)\}|\{(\w+)\}", fill, template)
    out = bytearray()
    for piece in re.split(r"(\\x[0-9a-fA-F]{2}|\\[rnt])", text):
        if piece.startswith("\\x") and len(piece) == 4:
            out.append(int(piece[2:], 16))
        elif piece[:1] == "\\" and piece[1:] in ESCAPES:
            out += ESCAPES[piece[1:]]
        else:
            out += piece.encode("utf-8")
    return bytes(out)
