"""
NAME
  bench_relay.py - signetd's SMTP relay mode measured by bench/run_bench.py:
                   1..N workers between smtp-load and smtp-sink on this
                   machine, next to the spool figure and the raw RSA rate
                   of the same run; RSS under many idle connections

SUMMARY
  Used by bench/run_bench.py (no command line of its own):
    run(opts, tools, crypto, spool, results)  returns one JSON-able dict
                                              per measurement (LINE, IDLE)
  opts: seed, count (corpus messages), corpus ("campaign" or a size class
  such as "8K"), workers (list), rounds (best of), messages (pushed per
  round), connections (smtp-load's), idle (connections for the RSS
  measurement; 0 skips it), idle_max_connections (signetd's
  max_connections for it; default 2 x idle + 1000), checked (kept
  messages verified).
  tools: signet, controld, signetd, corpus_gen, bench (signet-bench).
  crypto: `signet-bench crypto --json` lines of the same run (raw rate of
  backend "auto", as bench_signetd.py); spool: bench_signetd.py's lines of
  the same run or [] (then no spool ratio).

  The site (keys per sender domain, signet.conf, signet-controld) is
  bench_signetd.py's. For every worker count and round: `signet-bench
  smtp-sink` on a free loopback port keeping the first `checked` messages,
  signetd -c CONF in relay mode (esmtp_listener listen on another free
  port, next_hop the sink, relay_hosts 127.0.0.0/8), `signet-bench
  smtp-load --corpus DIR --messages M --connections C --json` through it.
  The figure is kept only when every message was accepted, the sink
  counted them all, signetd's own summary says all were signed, and the
  kept messages verify with dkimpy against the keygen records. msgs/s is
  smtp-load's (accepted / seconds from first connect to last reply);
  signetd's and the sink's CPU time during the load come from
  /proc/PID/stat, the load's from its own JSON (all three share the
  machine's cores).
  Every child gets RLIMIT_NOFILE raised to its hard limit (signetd's EAL
  does that too; see docs/benchmarks.md). signetd's log of the last run
  of each worker count stays in RESULTS/signetd-relay-N.log (the idle
  measurement's in RESULTS/signetd-idle-N.log).

  LINE: {"bench":"signetd","who":"signetd-smtp","corpus":C,"workers":N,
  "messages":M,"seconds":S,"msgs_per_s":R,"cpu_s":signetd CPU,
  "msgs_per_cpu_s":M/cpu_s,"load_cpu_s":X,"sink_cpu_s":Y,
  "connections":C,"raw_backend","raw_signs_per_s","ratio_to_raw":
  R/(N*raw),"spool_msgs_per_s","spool_fs","ratio_to_spool": R/spool,
  "spool_msgs_per_cpu_s","raw_signs_per_cpu_s","ratio_to_raw_cpu",
  "ratio_to_spool_cpu","msgs_per_all_cpu_s","ratio_to_spool_all_cpu",
  "signetd_cores","all_cores","machine_busy_cores","machine_idle_cores",
  "worker_run_wait_sleep","mean_bytes","rounds","checked","loadavg"}
  ratio_to_spool is the issue's target figure (SMTP >= 70% of spool);
  the _cpu ratios compare messages per CPU-second of signetd, the
  figures that stay put on a shared machine; the _all_cpu ones count the
  CPU of signetd, smtp-load and smtp-sink together (M / (cpu_s +
  load_cpu_s + sink_cpu_s)): on cores the three share, that is the cost
  the wall-clock ratio pays.
  Where the cores went during the load: signetd_cores and all_cores are
  CPU-seconds per second of the load's wall time (signetd; the three
  together); machine_busy_cores / machine_idle_cores the whole machine's
  (/proc/stat: neighbours and the kernel included) and
  worker_run_wait_sleep the relay workers' mean shares of wall time
  running, runnable but waiting for a CPU, and asleep (schedstat of each
  rte-worker thread), both over the window from the last /proc sample
  (every 20 ms) before the workers began to run to smtp-load's exit -
  a worker short of work sleeps, one short of a CPU waits.

  IDLE (when opts idle > 0, all workers): after a warm-up of 200
  messages, smtp-load --idle N holds N connections past EHLO; signetd's
  VmRSS and VmHWM are read from /proc/PID/status before, while they are
  held and after they are closed: {"bench":"signetd","who":
  "signetd-idle","workers":N,"idle":asked,"ready":R,"failed":F,
  "rss_before_kib","rss_idle_kib","hwm_kib","rss_after_kib",
  "bytes_per_conn": (rss_idle - rss_before) * 1024 / R,
  "max_connections":the configured limit,"refused_busy": signetd's count
  of connections refused as busy,"loadavg"}.

UNTRUSTED INPUT
  None: our own programs' output (JSON summaries, /proc, signetd's log).
"""
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import bench_signetd
from bench_signetd import say

HANG_GUARD = 600
SAMPLE_S = 0.02                 # /proc sampling while smtp-load runs
WORKERS_BUSY_S = 0.002          # worker CPU that marks the load's start
WARMUP = 200
SUMMARY = re.compile(r"relay: (\d+) connection\(s\) \((\d+) refused as busy\), (\d+) "
                     r"message\(s\): (\d+) signed, (\d+) unsigned")


def raise_nofile():
    """preexec_fn: the child's soft open-file limit up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def greeted(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            return s.recv(4).startswith(b"220")
    except OSError:
        return False


def wait_for(what, cond, proc, log, limit=60):
    deadline = time.monotonic() + limit
    while not cond():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("%s did not start: see %s" % (what, log))
        time.sleep(0.02)


def cpu_of(pid):
    """utime + stime of a live process, in seconds (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks():
    """(idle + iowait, all) clock ticks of the whole machine (/proc/stat)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return ticks[3] + ticks[4], sum(ticks[:8])


def workers_sched(pid):
    """Per relay worker thread (rte-worker-N): seconds running and seconds
    runnable but waiting for a CPU (/proc/PID/task/TID/schedstat)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            if not name.startswith("rte-worker"):
                continue
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                run_ns, wait_ns = [int(x) for x in f.read().split()[:2]]
        except OSError:
            continue
        out[tid] = (run_ns / 1e9, wait_ns / 1e9)
    return out


def off_cpu(before, after, seconds):
    """The workers' mean shares of seconds of wall time: running, waiting
    for a CPU, and the rest asleep (waiting for I/O or the signer's
    deadline)."""
    shares = []
    for tid, (run1, wait1) in after.items():
        run0, wait0 = before.get(tid, (0.0, 0.0))
        run, wait = (run1 - run0) / seconds, (wait1 - wait0) / seconds
        shares.append((run, wait, max(0.0, 1.0 - run - wait)))
    if not shares or seconds <= 0:
        return None
    return [round(sum(x[i] for x in shares) / len(shares), 3) for i in range(3)]


def memory_of(pid):
    """VmRSS and VmHWM in KiB (/proc/PID/status)."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Daemons:
    """smtp-sink and signetd (relay mode) for one configuration."""

    def __init__(self, ctx, workers, keep, max_connections, tag="relay"):
        self.log = os.path.join(ctx["results"], "signetd-%s-%d.log" % (tag, workers))
        self.sink = self.signetd = None
        try:
            self.start(ctx, workers, keep, max_connections)
        except BaseException:
            self.kill()         # nothing left running when a start fails
            raise

    def start(self, ctx, workers, keep, max_connections):
        tools, site = ctx["tools"], ctx["site"]
        ready = os.path.join(site, "sink-ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.sink = subprocess.Popen([tools["bench"], "smtp-sink", "--listen", "127.0.0.1:0",
                                      "--ready-file", ready, "--keep", keep, "--keep-count",
                                      str(ctx["opts"]["checked"]), "--json"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=raise_nofile)
        wait_for("smtp-sink", lambda: os.path.exists(ready), self.sink, "its stderr")
        with open(ready) as f:
            sink_addr = f.read().strip()
        self.port = free_port()
        conf = bench_signetd.write_conf(site, workers, esmtp_extra=(
            '  listen = "127.0.0.1:%d"\n  next_hop = "%s"\n  relay_hosts = "127.0.0.0/8"\n'
            "  max_connections = %d\n" % (self.port, sink_addr, max_connections)))
        with open(self.log, "wb") as log:
            self.signetd = subprocess.Popen([tools["signetd"], "-c", conf], stdout=log,
                                            stderr=subprocess.STDOUT, preexec_fn=raise_nofile)
        wait_for("signetd (relay)", lambda: greeted(self.port), self.signetd, self.log)

    def stop(self):
        """SIGTERM both; signetd's relay summary and the sink's JSON."""
        relay, sink = None, None
        if self.signetd is not None:
            self.signetd.send_signal(signal.SIGTERM)
            if self.signetd.wait(timeout=60) != 0:
                raise RuntimeError("signetd exited %d: see %s" % (self.signetd.returncode,
                                                                  self.log))
            with open(self.log, errors="replace") as f:
                found = SUMMARY.findall(f.read())
            relay = [int(x) for x in found[-1]] if found else None
        self.sink.send_signal(signal.SIGTERM)
        out, err = self.sink.communicate(timeout=60)
        if self.sink.returncode != 0:
            raise RuntimeError("smtp-sink failed: %s" % err)
        sink = json.loads(out)
        return relay, sink

    def kill(self):
        for proc in (self.signetd, self.sink):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def load_cmd(ctx, port, messages, connections):
    return [ctx["tools"]["bench"], "smtp-load", "--to", "127.0.0.1:%d" % port, "--corpus",
            ctx["corpus"], "--messages", str(messages), "--connections", str(connections),
            "--json"]


def load_result(returncode, out, err):
    if not out.strip():
        raise RuntimeError("smtp-load failed (%d): %s" % (returncode, err))
    result = json.loads(out)
    if returncode != 0:
        raise RuntimeError("smtp-load: %d of %d accepted: %s" % (
            result["accepted"], result["messages"], err.strip()))
    return result


def push(ctx, port, messages, connections):
    """smtp-load through signetd; its JSON (with its own CPU seconds)."""
    proc = subprocess.run(load_cmd(ctx, port, messages, connections), capture_output=True,
                          text=True, timeout=HANG_GUARD, preexec_fn=raise_nofile)
    return load_result(proc.returncode, proc.stdout, proc.stderr)


def sample(pid):
    """(time, machine ticks, the workers' schedstat) now."""
    return time.monotonic(), machine_ticks(), workers_sched(pid)


def push_watched(ctx, port, messages, connections, pid):
    """push, sampling the machine and signetd's workers (pid) every
    SAMPLE_S while smtp-load runs; the window starts at the last sample
    before the workers began to run (smtp-load reads its corpus first).
    Returns its JSON and the window's (first, last) samples."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(load_cmd(ctx, port, messages, connections), stdout=out,
                                stderr=err, text=True, preexec_fn=raise_nofile)
        first = last = sample(pid)
        deadline = first[0] + HANG_GUARD
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(SAMPLE_S)
            now = sample(pid)
            if sum(r for r, _ in now[2].values()) - sum(r for r, _ in first[2].values()) \
                    < WORKERS_BUSY_S:
                first = now
            last = now
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        last = sample(pid)
        out.seek(0)
        err.seek(0)
        return load_result(proc.returncode, out.read(), err.read()), (first, last)


def window_figures(window):
    """Machine cores busy and idle, and the workers' running / waiting /
    asleep shares, over a push_watched window."""
    (t0, ticks0, sched0), (t1, ticks1, sched1) = window
    wall, tick = t1 - t0, os.sysconf("SC_CLK_TCK")
    idle, total = ticks1[0] - ticks0[0], ticks1[1] - ticks0[1]
    if wall <= 0:
        return {"machine_busy_cores": None, "machine_idle_cores": None,
                "worker_run_wait_sleep": None}
    return {"machine_busy_cores": round((total - idle) / tick / wall, 2),
            "machine_idle_cores": round(idle / tick / wall, 2),
            "worker_run_wait_sleep": off_cpu(sched0, sched1, wall)}


def one_round(ctx, workers, n):
    """One relay run: the load's figures, checked; signetd's CPU time."""
    opts = ctx["opts"]
    keep = os.path.join(ctx["site"], "kept-%d-%d" % (workers, n))
    d = Daemons(ctx, workers, keep, opts["connections"] * 4 + 100)
    try:
        sink_cpu0, cpu0 = cpu_of(d.sink.pid), cpu_of(d.signetd.pid)
        load, window = push_watched(ctx, d.port, opts["messages"], opts["connections"],
                                    d.signetd.pid)
        cpu = cpu_of(d.signetd.pid) - cpu0
        sink_cpu = cpu_of(d.sink.pid) - sink_cpu0
        relay, sink = d.stop()
    finally:
        d.kill()
    if sink["messages"] != load["accepted"]:
        raise RuntimeError("the sink counted %d messages, smtp-load %d accepted" % (
            sink["messages"], load["accepted"]))
    if relay is None or relay[4] != 0 or relay[3] != load["accepted"]:
        raise RuntimeError("signetd's summary does not say all %d were signed: %s (see %s)"
                           % (load["accepted"], relay, d.log))
    bench_signetd.verify_some(keep, sorted(os.listdir(keep)), ctx["records"], opts["checked"])
    shutil.rmtree(keep)
    load.update(load_cpu_s=load["cpu_s"], cpu_s=cpu, sink_cpu_s=sink_cpu, loadavg=loadavg())
    load.update(window_figures(window))
    return load


def per_second(cpu_s, seconds):
    return round(cpu_s / seconds, 2) if seconds else None


def spool_figure(spool, corpus, workers):
    """The spool line of the same corpus and workers: tmpfs preferred (the
    relay touches no disk either), else the disk's."""
    rows = [l for l in spool if l["corpus"] == corpus and l["workers"] == workers]
    rows.sort(key=lambda l: l["fs"] != "tmpfs")
    return rows[0] if rows else None


def measure(ctx, workers):
    opts, raw = ctx["opts"], ctx["raw"]
    best = None
    for n in range(opts["rounds"]):
        r = one_round(ctx, workers, n)
        if best is None or r["msgs_per_s"] > best["msgs_per_s"]:
            best = r
    spool = spool_figure(ctx["spool"], opts["corpus"], workers)
    line = {"bench": "signetd", "who": "signetd-smtp", "corpus": opts["corpus"],
            "workers": workers, "messages": best["messages"], "seconds": best["seconds"],
            "msgs_per_s": best["msgs_per_s"], "cpu_s": round(best["cpu_s"], 3),
            "msgs_per_cpu_s": best["messages"] / best["cpu_s"] if best["cpu_s"] else None,
            "load_cpu_s": round(best["load_cpu_s"], 3),
            "sink_cpu_s": round(best["sink_cpu_s"], 3),
            "connections": opts["connections"],
            "raw_backend": raw["backend"] if raw else None,
            "raw_signs_per_s": raw["signs_per_s"] if raw else None,
            "ratio_to_raw": best["msgs_per_s"] / (workers * raw["signs_per_s"]) if raw else None,
            "spool_msgs_per_s": spool["msgs_per_s"] if spool else None,
            "spool_fs": spool["fs"] if spool else None,
            "ratio_to_spool": best["msgs_per_s"] / spool["msgs_per_s"] if spool else None,
            "spool_msgs_per_cpu_s": spool.get("msgs_per_cpu_s") if spool else None,
            "signetd_cores": per_second(best["cpu_s"], best["seconds"]),
            "all_cores": per_second(best["cpu_s"] + best["load_cpu_s"] + best["sink_cpu_s"],
                                    best["seconds"]),
            "machine_busy_cores": best["machine_busy_cores"],
            "machine_idle_cores": best["machine_idle_cores"],
            "worker_run_wait_sleep": best["worker_run_wait_sleep"],
            "mean_bytes": round(ctx["mean"]), "rounds": opts["rounds"],
            "checked": opts["checked"], "loadavg": best["loadavg"]}
    per_cpu = line["msgs_per_cpu_s"]
    line["raw_signs_per_cpu_s"] = raw["signs_per_cpu_s"] if raw else None
    line["ratio_to_raw_cpu"] = (per_cpu / raw["signs_per_cpu_s"]
                                if raw and per_cpu else None)
    line["ratio_to_spool_cpu"] = (per_cpu / line["spool_msgs_per_cpu_s"]
                                  if per_cpu and line["spool_msgs_per_cpu_s"] else None)
    # the three share the cores: what the relay costs here, injector and
    # next hop included, against the spool (which has neither)
    all_cpu = best["cpu_s"] + best["load_cpu_s"] + best["sink_cpu_s"]
    line["msgs_per_all_cpu_s"] = best["messages"] / all_cpu if all_cpu else None
    line["ratio_to_spool_all_cpu"] = (line["msgs_per_all_cpu_s"] /
                                      line["spool_msgs_per_cpu_s"]
                                      if all_cpu and line["spool_msgs_per_cpu_s"] else None)
    say("signetd smtp %s, %d worker(s): %.0f msgs/s, x%.2f of workers x raw%s (load %s)" % (
        opts["corpus"], workers, line["msgs_per_s"], line["ratio_to_raw"] or 0,
        ", x%.2f of spool on %s" % (line["ratio_to_spool"], line["spool_fs"])
        if spool else "", line["loadavg"]))
    return line


def hold_idle(ctx, port, count):
    """smtp-load --idle: returns (its ready-file JSON, its process)."""
    ready = os.path.join(ctx["site"], "idle-ready")
    if os.path.exists(ready):
        os.unlink(ready)
    proc = subprocess.Popen([ctx["tools"]["bench"], "smtp-load", "--to", "127.0.0.1:%d" % port,
                             "--idle", str(count), "--ready-file", ready, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=raise_nofile)
    wait_for("smtp-load --idle", lambda: os.path.exists(ready), proc, "its stderr",
             limit=HANG_GUARD)
    with open(ready) as f:
        return json.load(f), proc


def measure_idle(ctx, workers):
    """signetd's RSS before, while and after `idle` connections are held."""
    count = ctx["opts"]["idle"]
    # SO_REUSEPORT spreads clients unevenly over the workers, each of which
    # takes its share of max_connections and a quarter more: ample room
    max_conns = ctx["opts"].get("idle_max_connections") or 2 * count + 1000
    keep = os.path.join(ctx["site"], "kept-idle")
    d = Daemons(ctx, workers, keep, max_conns, tag="idle")
    try:
        push(ctx, d.port, WARMUP, 8)
        before = memory_of(d.signetd.pid)
        held, proc = hold_idle(ctx, d.port, count)
        during = memory_of(d.signetd.pid)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=HANG_GUARD)
        time.sleep(0.5)
        after = memory_of(d.signetd.pid)
        relay, _ = d.stop()
    finally:
        d.kill()
    shutil.rmtree(keep, ignore_errors=True)
    final = json.loads(out) if out.strip() else {}
    line = {"bench": "signetd", "who": "signetd-idle", "workers": workers, "idle": count,
            "ready": held["ready"], "failed": held["failed"], "open_at_end": final.get("open"),
            "settle_seconds": held["seconds"], "rss_before_kib": before["VmRSS"],
            "rss_idle_kib": during["VmRSS"], "hwm_kib": during["VmHWM"],
            "rss_after_kib": after["VmRSS"], "max_connections": max_conns,
            "refused_busy": relay[1] if relay else None,
            "bytes_per_conn": ((during["VmRSS"] - before["VmRSS"]) * 1024 / held["ready"]
                               if held["ready"] else None),
            "load_errors": err.strip()[-300:], "loadavg": loadavg()}
    say("signetd idle: %d of %d connections held, RSS %d -> %d KiB (peak %d), %.0f bytes "
        "per connection" % (held["ready"], count, before["VmRSS"], during["VmRSS"],
                            during["VmHWM"], line["bytes_per_conn"] or 0))
    return line


def run(opts, tools, crypto, spool, results):
    site = tempfile.mkdtemp(prefix="signet-bench-relay-")
    where = os.path.join(results, "relay", "corpus-" + opts["corpus"])
    controld = None
    lines = []
    try:
        names, mean = bench_signetd.make_corpus(tools, where, opts["corpus"], opts["count"],
                                                opts["seed"])
        ctx = {"tools": tools, "opts": opts, "site": site, "corpus": where, "mean": mean,
               "results": results,
               "raw": bench_signetd.raw_rate(crypto), "spool": spool or [],
               "records": bench_signetd.make_site(tools, site)}
        controld = bench_signetd.start_controld(tools, site, bench_signetd.write_conf(site, 1))
        for workers in opts["workers"]:
            lines.append(measure(ctx, workers))
        if opts["idle"]:
            lines.append(measure_idle(ctx, max(opts["workers"])))
    finally:
        if controld is not None:
            controld.send_signal(signal.SIGTERM)
            controld.wait(timeout=30)
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(os.path.join(results, "relay"), ignore_errors=True)
    return lines
