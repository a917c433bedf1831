"""
NAME
  bench_signetd.py - signetd's spool mode measured by bench/run_bench.py:
                     1..N workers, a disk folder and a tmpfs folder, next
                     to the crypto backend's raw RSA-2048 rate of the run

SUMMARY
  Used by bench/run_bench.py (no command line of its own):
    run(opts, tools, crypto, results)  returns one JSON-able dict per
                                       measurement (see LINE below)
  opts: builddir, seed, count (messages per corpus), workers (list of
  worker counts), rounds (best of), corpora (list of "campaign" and/or a
  size class such as "8K"), tmpfs (a folder on a tmpfs, or None to skip),
  batch_timeout_us (None: the configuration's default; else written into
  the dataplane block).
  tools: paths of signet, signet-controld, signetd, corpus_gen and
  signet-bench ("bench").
  crypto: the `signet-bench crypto --json` lines of the same run; the raw
  rate is the RSA-2048 line of the backend signetd uses (crypto_backend
  "auto", the configuration's default).

  A site is made once in a temporary folder: an RSA-2048 key per sender
  domain of corpus_gen (`signet keygen`, selector "bench", under the key
  template of a dkim_sign block), a signet.conf, and signet-controld
  started on it. For every corpus, folder, worker count and round,
  signetd -c CONF --spool IN --out OUT --json runs on IN freshly filled
  with hard links to the corpus (made on the same file system, written
  before the round and synced: the inputs are in the page cache and no
  earlier dirty data is pending; each run has folders of its own, removed
  only after the last run); its JSON summary gives msgs_per_s (the
  figure the issue names), wait4 gives the CPU time of the whole process
  (workers, control thread and the io_uring kernel workers it owns). The
  first CHECKED outputs of every run are verified with dkimpy against the
  keygen records before the figure is kept; a failure stops the bench.
  Best of the rounds by msgs_per_s.

  LINE: {"bench":"signetd","who":"signetd-spool","fs":"ext4"|"tmpfs"|...,
  "folder":PATH,"corpus":"campaign"|"8K","workers":N,"messages":M,
  "seconds":S,"msgs_per_s":R,"cpu_s":C,"msgs_per_cpu_s":M/C,
  "run_cpu_s":U,"msgs_per_run_cpu_s":M/U,
  "raw_backend":"auto","raw_signs_per_s":X,"raw_signs_per_cpu_s":Y,
  "ratio_to_raw": R / (N * Y), "ratio_to_raw_cpu": (M / C) / Y,
  "ratio_to_raw_run_cpu": (M / U) / Y,
  "unsigned_msgs_per_s":R0,"unsigned_cpu_us_per_msg":F,
  "ceiling_ratio_cpu": (1e6 / Y) / (1e6 / Y + F),
  "floor_cpu_us_per_msg":K0,"floor_wall_us_per_msg":W0,
  "floor_ceiling_ratio_cpu": (1e6 / Y) / (1e6 / Y + K0),
  "mean_bytes":B,"rounds":K,"checked":CHECKED}
  ratio_to_raw is the issue's target figure (spool >= 90% of workers x raw).
  Its raw is the backend's rate per CPU-second (Y), what one whole core
  signs: X is lower whenever the crypto benchmark did not get a whole core
  (a shared machine), and would flatter the ratio. ratio_to_raw_cpu is the
  same per second of CPU the process received (C, from wait4: start-up
  included), the figure that stays put on a shared machine;
  ratio_to_raw_run_cpu leaves start-up out: U is signetd's own cpu_seconds,
  the process's CPU time from the start of its workers to the summary (the
  EAL's driver scan, configuration and the control connection before it
  are fixed costs that a 4,000-message run would otherwise spread over
  every message).
  After the signed rounds, one run of the same corpus, folder and workers
  against a second signet-controld (unsigned.conf: its key template finds
  no key) writes every message unsigned: reading, parsing, writing,
  renaming and retiring without hashing or signing. Its CPU per message
  (F, run only) is the spool's file handling, and ceiling_ratio_cpu what
  it alone leaves of the target: the best ratio_to_raw_run_cpu any engine
  could reach on this machine and file system if hashing and signing the
  message cost nothing beyond the raw signature.
  The floor (once per corpus and folder) is `signet-bench fsops` on the
  same folder with M messages of the corpus's mean size: the same file
  steps done by one thread with plain blocking system calls, nothing
  parsed, hashed or signed (bench_fsops.c). Its CPU per message (K0) is
  what the kernel and the file system alone take, and
  floor_ceiling_ratio_cpu the best ratio any spool could reach on this
  machine and folder with one file per message. On a memory file system
  that is a true floor; on a disk the one-at-a-time durable writes wait
  for the device in turn (W0), which signetd's pipeline overlaps, so
  there the floor's CPU figure is only indicative.

UNTRUSTED INPUT
  None: our own programs' output (signetd's JSON summary, keygen records).
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time

SENDERS = ["news.example.com", "mail.example.net", "offers.example.org",
           "letters.example.com", "deals.example.net"]   # bench/corpus.c sender_domains
SELECTOR = "bench"
CHECKED = 4
HANG_GUARD = 300


def say(text):
    print("run_bench: " + text, flush=True)


def fs_type(path):
    """File system type of the mount holding path (/proc/mounts)."""
    path, best, kind = os.path.realpath(path), "", "unknown"
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            mnt = fields[1].replace("\\040", " ")
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) > len(best):
                best, kind = mnt, fields[2]
    return kind


def make_site(tools, folder):
    """Keys, signet.conf (workers placeholder), records for dkimpy."""
    records = {}
    for domain in SENDERS:
        keydir = os.path.join(folder, "keys", domain)
        os.makedirs(keydir)
        out = subprocess.run([tools["signet"], "keygen", "-d", domain, "-s", SELECTOR,
                              "-o", os.path.join(keydir, SELECTOR + ".key")],
                             capture_output=True, text=True, check=True)
        name, value = out.stdout.strip().split(None, 1)
        records[name.rstrip(".").lower()] = value.encode()
    return records


def write_conf(folder, workers, batch_timeout_us=None, esmtp_extra="", unsigned=False):
    """signet.conf of the site; esmtp_extra: more esmtp_listener lines
    (bench_relay.py: listen, next_hop, relay_hosts, max_connections).
    unsigned: unsigned.conf instead, for a signet-controld of its own (its
    own socket and state) whose key template finds no key, so every
    message is written unsigned (skipped)."""
    name, sock, state, keys = (("unsigned.conf", "ctl-unsigned.sock", "state-unsigned",
                                "no-keys") if unsigned else
                               ("signet.conf", "ctl.sock", "state", "keys"))
    conf = os.path.join(folder, name)
    os.makedirs(os.path.join(folder, state), exist_ok=True)
    extra = ("  batch_timeout_us = %d\n" % batch_timeout_us) if batch_timeout_us else ""
    with open(conf, "w") as f:
        f.write('control {\n  socket = "%s"\n  state_dir = "%s"\n'
                '  metrics_listen = ""\n}\n'
                "dataplane {\n  workers = %d\n%s}\n"
                "esmtp_listener {\n  max_message_size = 52428800\n%s}\n"
                'dkim_sign "bench" {\n  key = "%s/%%{d}/%%{s}.key"\n'
                '  selector = "%s"\n}\n' % (sock, state, workers, extra, esmtp_extra, keys,
                                              SELECTOR))
    return conf


def start_controld(tools, folder, conf, sock="ctl.sock"):
    log = open(os.path.join(folder, "controld.log"), "ab")
    proc = subprocess.Popen([tools["controld"], "-c", conf], stdout=log,
                            stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while not os.path.exists(os.path.join(folder, sock)):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("signet-controld did not start: see %s/controld.log" % folder)
        time.sleep(0.01)
    return proc


def make_corpus(tools, where, label, count, seed):
    os.makedirs(os.path.dirname(where), exist_ok=True)
    cmd = [tools["corpus_gen"], "--count", str(count), "--seed", str(seed), "--out", where]
    if label != "campaign":
        cmd += ["--sizes", label]
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    names = sorted(os.listdir(where))
    total = sum(os.path.getsize(os.path.join(where, n)) for n in names)
    return names, total / max(len(names), 1)


def fill_inbox(corpus, names, inbox):
    if os.path.exists(inbox):
        shutil.rmtree(inbox)
    os.makedirs(inbox)
    for name in names:
        os.link(os.path.join(corpus, name), os.path.join(inbox, name))


def verify_some(out, names, records, count=CHECKED):
    try:
        import dkim     # Debian python3-dkim: only needed when signetd is measured
    except ImportError:
        raise RuntimeError("signetd's outputs are checked with dkimpy: apt-get install "
                           "python3-dkim (and run with /usr/bin/python3)") from None

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return records.get(key.rstrip(".").lower())
    for name in names[:count]:
        with open(os.path.join(out, name), "rb") as f:
            if not dkim.verify(f.read(), dnsfunc=dnsfunc):
                raise RuntimeError("signetd output %s does not verify with dkimpy" % name)


def spool_once(tools, conf, base, corpus, names, records):
    """One signetd run on a fresh IN; its JSON summary (checked: every
    message signed, the first CHECKED verified; records None: every message
    written unsigned)."""
    inbox, out = os.path.join(base, "in"), os.path.join(base, "out")
    fill_inbox(corpus, names, inbox)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.sync()
    proc = subprocess.Popen([tools["signetd"], "-c", conf, "--spool", inbox, "--out", out,
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = proc.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    # reaped by communicate(): the caller takes its CPU time from the
    # children's rusage before and after
    if proc.returncode != 0:
        raise RuntimeError("signetd failed (%d): %s" % (proc.returncode, stderr.decode()))
    summary = json.loads(stdout)
    want = "signed" if records is not None else "skipped"
    if summary[want] != len(names) or summary["failed"] != 0:
        raise RuntimeError("signetd: %d of %d %s: %s" % (summary[want], len(names), want,
                                                          stderr.decode()))
    if records is not None:
        verify_some(out, names, records)
    return summary


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def raw_rate(crypto, backend="auto"):
    for line in crypto:
        if (line["backend"] == backend and line["alg"] == "rsa-sha256" and
                line["bits"] == 2048):
            return line
    return None


def best_run(ctx, label, fs_base, workers, unsigned=False):
    """Best of the rounds (one round when unsigned) for one corpus, folder
    and worker count: signetd's summary plus cpu_s from wait4."""
    tools, opts, site = ctx["tools"], ctx["opts"], ctx["site"]
    corpus, names, _ = ctx["corpora"][(fs_base, label)]
    conf = write_conf(site, workers, opts.get("batch_timeout_us"), unsigned=unsigned)
    best = None
    for n in range(1 if unsigned else opts["rounds"]):
        before = children_cpu()
        # a folder of its own per run, all removed at the end: deleting the
        # last run's thousands of files right before this one would make
        # ext4 without a journal skip those inodes (recently deleted) at
        # every create of this run
        spool = os.path.join(fs_base, "spool-%s-%d-%d%s" % (label, workers, n,
                                                              "-unsigned" if unsigned else ""))
        summary = spool_once(tools, conf, spool, corpus, names,
                             None if unsigned else ctx["records"])
        summary["cpu_s"] = children_cpu() - before
        if best is None or summary["msgs_per_s"] > best["msgs_per_s"]:
            best = summary
    return best


def file_handling(line, unsigned):
    """The unsigned run's figures into line: its CPU per message and the
    ceiling it puts on the ratio to raw per CPU-second."""
    run_cpu = unsigned.get("cpu_seconds")
    line["unsigned_msgs_per_s"] = unsigned["msgs_per_s"]
    line["unsigned_cpu_us_per_msg"] = (run_cpu / unsigned["messages"] * 1e6
                                       if run_cpu and unsigned["messages"] else None)
    raw_us = 1e6 / line["raw_signs_per_cpu_s"] if line["raw_signs_per_cpu_s"] else None
    line["ceiling_ratio_cpu"] = (raw_us / (raw_us + line["unsigned_cpu_us_per_msg"])
                                 if raw_us and line["unsigned_cpu_us_per_msg"] else None)


def fs_floor(ctx, label, fs_base):
    """signet-bench fsops on fs_base with the corpus's count and mean size
    (measured once per corpus and folder)."""
    key = (fs_base, label)
    if key not in ctx["floors"]:
        _, names, mean = ctx["corpora"][key]
        out = subprocess.run([ctx["tools"]["bench"], "fsops", "--dir", fs_base, "--json",
                              "--count", str(len(names)), "--bytes", str(round(mean)),
                              "--rounds", "2"], capture_output=True, text=True,
                             timeout=HANG_GUARD * 4)
        if out.returncode != 0:
            raise RuntimeError("signet-bench fsops failed: %s" % out.stderr)
        ctx["floors"][key] = json.loads(out.stdout)
    return ctx["floors"][key]


def floor_figures(line, floor):
    raw_us = 1e6 / line["raw_signs_per_cpu_s"] if line["raw_signs_per_cpu_s"] else None
    line["floor_cpu_us_per_msg"] = floor["cpu_us_per_msg"]
    line["floor_wall_us_per_msg"] = floor["wall_us_per_msg"]
    line["floor_ceiling_ratio_cpu"] = (raw_us / (raw_us + floor["cpu_us_per_msg"])
                                       if raw_us else None)


def measure(ctx, label, fs_base, workers):
    """One LINE: the signed runs, then one unsigned run of the same corpus,
    and the folder's floor."""
    opts = ctx["opts"]
    _, _, mean = ctx["corpora"][(fs_base, label)]
    best = best_run(ctx, label, fs_base, workers)
    raw = ctx["raw"]
    line = {"bench": "signetd", "who": "signetd-spool", "fs": fs_type(fs_base),
            "folder": ctx["shown"][fs_base], "corpus": label, "workers": workers,
            "messages": best["messages"], "seconds": best["seconds"],
            "msgs_per_s": best["msgs_per_s"], "cpu_s": round(best["cpu_s"], 4),
            "msgs_per_cpu_s": best["messages"] / best["cpu_s"] if best["cpu_s"] else None,
            "run_cpu_s": best.get("cpu_seconds"),
            "msgs_per_run_cpu_s": (best["messages"] / best["cpu_seconds"]
                                   if best.get("cpu_seconds") else None),
            "raw_backend": raw["backend"] if raw else None,
            "raw_signs_per_s": raw["signs_per_s"] if raw else None,
            "raw_signs_per_cpu_s": raw["signs_per_cpu_s"] if raw else None,
            "mean_bytes": round(mean), "rounds": opts["rounds"], "checked": CHECKED,
            "batch_timeout_us": opts.get("batch_timeout_us")}
    line["ratio_to_raw"] = (line["msgs_per_s"] / (workers * raw["signs_per_cpu_s"])
                            if raw else None)
    line["ratio_to_raw_cpu"] = (line["msgs_per_cpu_s"] / raw["signs_per_cpu_s"]
                                if raw and line["msgs_per_cpu_s"] else None)
    line["ratio_to_raw_run_cpu"] = (line["msgs_per_run_cpu_s"] / raw["signs_per_cpu_s"]
                                    if raw and line["msgs_per_run_cpu_s"] else None)
    file_handling(line, best_run(ctx, label, fs_base, workers, unsigned=True))
    floor_figures(line, fs_floor(ctx, label, fs_base))
    say("signetd spool %s on %s (%s), %d worker(s): %.0f msgs/s, x%.2f of workers x raw" % (
        label, line["fs"], fs_base, workers, line["msgs_per_s"], line["ratio_to_raw"] or 0))
    return line


def run(opts, tools, crypto, results):
    site = tempfile.mkdtemp(prefix="signet-bench-site-")
    bases = [os.path.join(results, "signetd")]
    shown = {bases[0]: bases[0]}
    if opts.get("tmpfs"):
        bases.append(tempfile.mkdtemp(prefix="signet-bench-", dir=opts["tmpfs"]))
        shown[bases[1]] = os.path.join(opts["tmpfs"], "signet-bench-*")
    controld = unsigned = None
    lines = []
    try:
        ctx = {"tools": tools, "opts": opts, "site": site, "raw": raw_rate(crypto),
               "records": make_site(tools, site), "corpora": {}, "shown": shown,
               "floors": {}}
        for base in bases:
            for label in opts["corpora"]:
                where = os.path.join(base, "corpus-" + label)
                names, mean = make_corpus(tools, where, label, opts["count"], opts["seed"])
                ctx["corpora"][(base, label)] = (where, names, mean)
        controld = start_controld(tools, site, write_conf(site, 1))
        unsigned = start_controld(tools, site, write_conf(site, 1, unsigned=True),
                                  "ctl-unsigned.sock")
        for label in opts["corpora"]:
            for base in bases:
                for workers in opts["workers"]:
                    lines.append(measure(ctx, label, base, workers))
    finally:
        for proc in (controld, unsigned):
            if proc is not None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
        for path in [site] + bases:
            shutil.rmtree(path, ignore_errors=True)
    return lines
