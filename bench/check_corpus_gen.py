"""
NAME
  check_corpus_gen.py - test of bench/corpus_gen (the benchmark corpus)

SUMMARY
  check_corpus_gen.py CORPUS_GEN: fails unless
    - the same arguments give byte-identical output, another seed another
      one, and --out DIR files equal the messages of the --mbox stream;
    - every message has CRLF line ends only, the personalised headers
      (From, To, Subject with the first name of To, Date, Message-ID,
      List-Unsubscribe, List-Unsubscribe-Post One-Click, MIME-Version,
      Content-Type multipart/alternative) once each, a text/plain and a
      text/html part closed by the final boundary, and no body line that
      starts with "From ";
    - messages of one size class with --jitter 0 land within 100 bytes of
      it (2K, 16K, 1M), and the default mix spans more than one sender
      domain and covers 2 KB to 1 MB classes;
    - bad arguments exit 2 with a message naming them.
  Prints "1 passed, 0 failed" or the failures and "0 passed, 1 failed".

UNTRUSTED INPUT
  None.
"""
import os
import re
import subprocess
import sys
import tempfile

HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
           "List-Unsubscribe", "List-Unsubscribe-Post")
MBOX_FROM = b"From corpus_gen@bench.invalid "


def generate(gen, *args):
    proc = subprocess.run([gen] + list(args) + ["--mbox", "-"], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def split_mbox(stream):
    parts = stream.split(b"\r\n" + MBOX_FROM)
    assert parts[0].startswith(MBOX_FROM), "stream does not start with a From line"
    messages = []
    for part in parts:
        message = part.split(b"\r\n", 1)[1]
        messages.append(message)
    messages[-1] = messages[-1][:-2]    # the empty line after the last message
    return messages


def header_fields(message):
    head = message.split(b"\r\n\r\n", 1)[0].decode()
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    return [line.split(":", 1) for line in unfolded.split("\r\n")]


def check_message(message):
    assert b"\n" not in message.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in message.replace(b"\r\n", b""), "bare CR"
    fields = header_fields(message)
    names = [name for name, _ in fields]
    for name in HEADERS:
        assert names.count(name) == 1, "%s appears %d times" % (name, names.count(name))
    value = dict((n, v.strip()) for n, v in fields)
    first = value["To"].split('"')[1].split()[0]
    assert first in value["Subject"], "Subject without the first name: %r" % value["Subject"]
    assert value["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:" in value["List-Unsubscribe"] and "<https://" in value["List-Unsubscribe"]
    boundary = re.search(r'boundary="([^"]+)"', value["Content-Type"]).group(1)
    assert value["Content-Type"].startswith("multipart/alternative;")
    body = message.split(b"\r\n\r\n", 1)[1]
    for part in (b"text/plain", b"text/html"):
        assert b"Content-Type: " + part in body, "no %s part" % part.decode()
    assert (b"--" + boundary.encode() + b"--\r\n") in body, "no closing boundary"
    assert not any(line.startswith(b"From ") for line in body.split(b"\r\n"))
    return value["From"].split("@")[1].rstrip(">")


def check_determinism(gen, failures):
    a, b = generate(gen, "--count", "30", "--seed", "7"), generate(gen, "--count", "30",
                                                                     "--seed", "7")
    c = generate(gen, "--count", "30", "--seed", "8")
    if a != b or a == c:
        failures.append("same seed differs or another seed gives the same corpus")
    with tempfile.TemporaryDirectory() as folder:
        run = subprocess.run([gen, "--count", "30", "--seed", "7", "--out", folder],
                             capture_output=True, timeout=60)
        files = sorted(os.listdir(folder))
        on_disk = [open(os.path.join(folder, name), "rb").read() for name in files]
    if run.returncode != 0 or files[0] != "msg-000000.eml" or on_disk != split_mbox(a):
        failures.append("--out files are not the messages of the --mbox stream")
    return split_mbox(a)


def check_sizes(gen, failures):
    for label, size in (("2K", 2048), ("16K", 16384), ("1M", 1 << 20)):
        for message in split_mbox(generate(gen, "--count", "5", "--sizes", label,
                                           "--jitter", "0")):
            if abs(len(message) - size) > 100:
                failures.append("%s message of %d bytes" % (label, len(message)))


def check_refusals(gen, failures):
    for args, word in ((["--sizes", "1K"], "1K"), (["--sizes", "2K:0"], "2K:0"),
                       (["--count", "0"], "count"), (["--jitter", "51"], "jitter"),
                       ([], "--out")):
        run = subprocess.run([gen] + args, capture_output=True, timeout=60)
        if run.returncode != 2 or b"usage" not in run.stderr:
            failures.append("%r: exit %d, %r" % (args, run.returncode, run.stderr))
        elif word not in args and word.encode() not in run.stderr:
            failures.append("%r: message does not name %s" % (args, word))


def main():
    gen, failures = sys.argv[1], []
    messages = check_determinism(gen, failures)
    mix = split_mbox(generate(gen, "--count", "400"))
    senders = set()
    for message in messages + mix:
        try:
            senders.add(check_message(message))
        except AssertionError as e:
            failures.append("message check: %s" % e)
    sizes = sorted(len(m) for m in mix)
    if len(senders) < 2 or sizes[0] > 2600 or sizes[-1] < 900 * 1024:
        failures.append("mix: %d senders, sizes %d..%d" % (len(senders), sizes[0], sizes[-1]))
    check_sizes(gen, failures)
    check_refusals(gen, failures)
    for failure in failures:
        print("FAIL: " + failure)
    print("%d messages checked" % (len(messages) + len(mix)))
    print("0 passed, 1 failed" if failures else "1 passed, 0 failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
