#!/usr/bin/python3
"""
NAME
  check_smtp_tools.py - smoke test of `signet-bench smtp-sink` and
                        `signet-bench smtp-load` run against each other

SUMMARY
  check_smtp_tools.py SIGNET_BENCH CORPUS_GEN
  Asserts behaviour, not speed:
    - a corpus folder with dot-led lines, LF-only files and a folded To:
      200 messages over one connection reach the sink; the sink counts
      200 and their bytes, and each kept file is byte-identical to the
      corpus message it came from (CRLF, dot-unstuffed);
    - 300 generated messages over 8 connections: sink and load both count
      300, every kept file is one of corpus_gen's messages (same seed);
    - a sink with --refuse 550 / 451: load reports permfailed / tempfailed
      for every message and exits 1; the sink counts them as refused;
    - a server that accepts and never greets: load gives up after
      --timeout and reports temporary failures, exit 1; a closed port: 10
      connects in a row fail (plus those in flight), then the load gives
      up with the rest unsent;
    - --idle 50: the ready file says 50 ready, the sink sees 50
      connections, SIGTERM gives open 50 and exit 0;
    - the sink under a client that pipelines 1,000,000 NOOPs before reading
      any reply (its reply queue fills, it stops reading and resumes):
      as many replies, then QUIT answered; a silent client gets
      421 after --timeout;
    - bad options exit 2 with a message.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BENCH, CORPUS_GEN = sys.argv[1], sys.argv[2]
STARTED = []        # every process started, killed on the way out if still running


def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)
    print("ok: " + what)


class Sink:
    def __init__(self, tmp, *extra):
        self.ready = os.path.join(tmp, "sink-ready-%d" % time.monotonic_ns())
        self.proc = subprocess.Popen([BENCH, "smtp-sink", "--listen", "127.0.0.1:0",
                                      "--ready-file", self.ready, "--json"] + list(extra),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        STARTED.append(self.proc)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("FAIL: smtp-sink did not start: " + self.proc.stderr.read())
            time.sleep(0.01)
        with open(self.ready) as f:
            self.addr = f.read().strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        check(self.proc.returncode == 0, "smtp-sink exits 0 on SIGTERM (%s)" % err.strip())
        return json.loads(out)


def load(*args, timeout=120):
    p = subprocess.run([BENCH, "smtp-load", "--json"] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr


def write_corpus(folder):
    """Messages that exercise dot-stuffing, bare LF files and folding."""
    os.makedirs(folder)
    msgs = []
    for i in range(7):
        body = "".join(".line %d\r\n..two dots\r\n.\r\nplain %s\r\n" % (k, "x" * (i * 97 % 300))
                       for k in range(i * 40 + 1))
        text = ("From: \"Sender %d\" <s%d@sender.example>\r\nTo: \"Doe, J\" <r%d@rcpt.example>,"
                "\r\n other%d@rcpt.example\r\nSubject: t%d\r\n\r\n%s" % (i, i, i, i, i, body))
        if i == 3:
            text = text.replace("\r\n", "\n")       # the tool reads LF files as CRLF
        with open(os.path.join(folder, "m%02d.eml" % i), "w", newline="") as f:
            f.write(text)
        msgs.append(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())
    return msgs


def kept_files(folder):
    names = sorted(os.listdir(folder))
    out = []
    for n in names:
        with open(os.path.join(folder, n), "rb") as f:
            out.append(f.read())
    return names, out


def exact_bytes(tmp):
    corpus = os.path.join(tmp, "corpus")
    msgs = write_corpus(corpus)
    keep = os.path.join(tmp, "keep1")
    sink = Sink(tmp, "--keep", keep, "--keep-count", "200")
    rc, res, err = load("--to", sink.addr, "--corpus", corpus, "--messages", "200",
                        "--connections", "1")
    summary = sink.stop()
    check(rc == 0 and res["accepted"] == 200 and res["messages"] == 200,
          "load: 200 of 200 accepted, exit 0 (%s %s)" % (res, err.strip()))
    check(summary["messages"] == 200 and summary["kept"] == 200,
          "sink: 200 messages, 200 kept (%s)" % summary)
    check(summary["bytes"] == sum(len(msgs[i % 7]) for i in range(200)),
          "sink: bytes are the corpus bytes")
    names, kept = kept_files(keep)
    check(names[0] == "000001.eml" and names[-1] == "000200.eml" and len(names) == 200,
          "kept files are named 000001.eml .. 000200.eml")
    check(all(kept[i] == msgs[i % 7] for i in range(200)),
          "every kept file is byte-identical to its corpus message (unstuffed, CRLF)")


def generated(tmp):
    gen = os.path.join(tmp, "gen")
    subprocess.run([CORPUS_GEN, "--count", "40", "--seed", "7", "--out", gen], check=True,
                   capture_output=True)
    corpus = set(kept_files(gen)[1])
    keep = os.path.join(tmp, "keep2")
    sink = Sink(tmp, "--keep", keep, "--keep-count", "60")
    rc, res, err = load("--to", sink.addr, "--generate", "40", "--seed", "7", "--messages",
                        "300", "--connections", "8")
    summary = sink.stop()
    check(rc == 0 and res["accepted"] == 300 and res["connections"] == 8,
          "generated: 300 accepted over 8 connections (%s %s)" % (res, err.strip()))
    check(summary["messages"] == 300 and summary["connections"] == 8,
          "sink counts 300 messages on 8 connections")
    check(all(m in corpus for m in kept_files(keep)[1]),
          "every kept message is one of corpus_gen's (same seed)")


def refusals(tmp):
    for code, field in (("550", "permfailed"), ("451", "tempfailed")):
        sink = Sink(tmp, "--refuse", code)
        rc, res, err = load("--to", sink.addr, "--generate", "5", "--messages", "30",
                            "--connections", "3")
        summary = sink.stop()
        check(rc == 1 and res[field] == 30 and res["accepted"] == 0,
              "sink --refuse %s: load reports %s 30 and exits 1" % (code, field))
        check(code in err, "the first failure names the reply %s (%s)" % (code, err.strip()))
        check(summary["messages"] == 0 and summary["refused"] == 30,
              "sink --refuse %s counts 30 refused, 0 messages" % code)


def stuck_and_closed():
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(16)                 # accepts (kernel backlog), never greets
    port = mute.getsockname()[1]
    start = time.monotonic()
    rc, res, err = load("--to", "127.0.0.1:%d" % port, "--generate", "2", "--messages", "2",
                        "--connections", "2", "--timeout", "1", timeout=30)
    took = time.monotonic() - start
    check(rc == 1 and res["tempfailed"] == 2 and took < 10,
          "a server that never greets: 2 tempfailed after the 1 s timeout (%.1f s, %s)" %
          (took, err.strip()))
    check("no reply within 1 s" in err, "the failure says why")
    mute.close()
    start = time.monotonic()
    rc, res, err = load("--to", "127.0.0.1:%d" % port, "--generate", "2", "--messages",
                        "100000", "--connections", "4")
    # 10 in a row, plus at most the 4 in flight when the 10th failed
    check(rc == 1 and 10 <= res["tempfailed"] <= 14 and res["accepted"] == 0
          and res["tempfailed"] + res["unsent"] == 100000 and time.monotonic() - start < 10,
          "a closed port: 10-14 connects fail (tempfailed), the rest unsent (%s)" % res)
    check("gave up:" in err and "connections in a row failed" in err,
          "the give-up is named (%s)" % err.strip())


def idle(tmp):
    sink = Sink(tmp)
    ready = os.path.join(tmp, "idle-ready")
    proc = subprocess.Popen([BENCH, "smtp-load", "--to", sink.addr, "--idle", "50",
                             "--ready-file", ready, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    STARTED.append(proc)
    deadline = time.monotonic() + 20
    while not os.path.exists(ready) and time.monotonic() < deadline:
        time.sleep(0.02)
    with open(ready) as f:
        early = json.load(f)
    check(early["ready"] == 50 and early["failed"] == 0, "--idle 50: the ready file says 50")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    res = json.loads(out)
    check(proc.returncode == 0 and res["open"] == 50 and res["ready"] == 50,
          "--idle: SIGTERM reports 50 open, exit 0 (%s)" % err.strip())
    summary = sink.stop()
    check(summary["connections"] == 50 and summary["messages"] == 0,
          "the sink saw 50 connections and no message")


def read_all(sock):
    """Everything until the server closes (QUIT or 421 close the session)."""
    data = bytearray()
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return bytes(data)
        data += chunk


def sink_backpressure(tmp):
    sink = Sink(tmp, "--timeout", "5")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # before connect: small window
    sock.settimeout(60)
    host, port = sink.addr.rsplit(":", 1)
    sock.connect((host, int(port)))
    # 15 MB of replies: more than the socket buffers hold, so the sink's
    # reply queue fills, it keeps the unread input and waits for EPOLLOUT
    n = 1000000
    sender = threading.Thread(target=sock.sendall, args=(b"EHLO t\r\n" + b"NOOP\r\n" * n +
                                                         b"QUIT\r\n",))
    sender.start()
    time.sleep(1.0)                 # replies pile up unread meanwhile
    data = read_all(sock)
    sender.join(timeout=30)
    sock.close()
    check(data.count(b"250 2.0.0") == n and data.splitlines()[-1].startswith(b"221 "),
          "1,000,000 pipelined NOOPs, unread at first: as many replies, then 221 (%d)" %
          data.count(b"250 2.0.0"))
    sink.stop()
    sink = Sink(tmp, "--timeout", "1")
    host, port = sink.addr.rsplit(":", 1)
    quiet = socket.create_connection((host, int(port)), timeout=30)
    start = time.monotonic()
    data = read_all(quiet)
    took = time.monotonic() - start
    check(b"421 4.4.2" in data and 0.9 < took < 5,
          "a silent client gets 421 4.4.2 after --timeout 1 and is closed (%.1f s)" % took)
    quiet.close()
    sink.stop()


def bad_options():
    for args in (["smtp-load", "--to", "127.0.0.1:25"],
                 ["smtp-load", "--to", "localhost:25", "--generate", "1"],
                 ["smtp-load", "--to", "127.0.0.1:25", "--generate", "1", "--connections", "0"],
                 ["smtp-sink", "--listen", "127.0.0.1:99999"],
                 ["smtp-sink", "--listen", "127.0.0.1:0", "--refuse", "250"]):
        p = subprocess.run([BENCH] + args, capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and p.stderr.strip(), "refused with exit 2: " + " ".join(args))


def main():
    try:
        with tempfile.TemporaryDirectory(prefix="smtp-tools-") as tmp:
            exact_bytes(tmp)
            generated(tmp)
            refusals(tmp)
            stuck_and_closed()
            idle(tmp)
            sink_backpressure(tmp)
            bad_options()
    finally:
        for proc in STARTED:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
