#!/usr/bin/python3
"""
NAME
  run_bench.py - the benchmark in one command: build, generate a corpus, run
                 the crypto and engine benchmarks, write JSON, a markdown
                 section of docs/benchmarks.md and PNG plots

SUMMARY
  bench/run_bench.py [--short] [--builddir DIR] [--results DIR] [--count N]
                     [--seed X] [--backends LIST] [--no-docs] [--no-build]
                     [--parts engine,signetd,relay] [--spool-count N]
                     [--workers LIST] [--spool-corpora LIST] [--tmpfs DIR|none]
                     [--batch-timeout-us N] [--relay-messages N]
                     [--relay-connections C] [--idle-connections N]
  bench/run_bench.py --report-only RESULTS

  From the repository root (or anywhere: paths are taken from this file):
    1. build: `meson setup DIR` when DIR (default build) does not exist,
       then `ninja -C DIR bench/signet-bench bench/corpus_gen` (a no-op when
       up to date; --no-build skips it);
    2. corpus: `corpus_gen --count N --seed X --out RESULTS/corpus`
       (default 2000 messages, --short 200; seed 1), removed after the run;
    3. `signet-bench crypto --json` (RSA 1024..4096 and Ed25519 per backend)
       and `signet-bench engine --json --corpus RESULTS/corpus` (signet
       through each backend, OpenDKIM, raw bounds, size sweep);
    4. RESULTS (default DIR/bench-results/UTC-STAMP) receives crypto.json,
       engine.json (one JSON object a line), meta.json (machine, load,
       commit, command) and the plots engine_per_core.png and
       engine_vs_size.png;
    5. unless --no-docs: the plots are copied to docs/bench/ and the section
       between the run_bench markers of docs/benchmarks.md is replaced
       (bench_report.py), nothing else in that file is touched.
  --short: 0.4 s per measurement, one round: the whole run (after the build)
  takes well under two minutes on a 2-core machine. Otherwise 2 s, best of
  2 rounds (engine) / 3 rounds (crypto), plus the signetd spool and relay
  parts: about 12 minutes on a 2-core machine.
  A failed step stops the run with its exit status; the engine benchmark
  itself refuses to time signers whose signatures do not verify.
  --report-only RESULTS redraws the plots and rewrites the docs section from
  the JSON files of an earlier run, measuring nothing.

  signetd spool mode (bench_signetd.py, the part "signetd"): after the
  crypto benchmark, signet-controld and signetd --spool on corpora of
  --spool-count messages (default 4000, --short 1000) of each of
  --spool-corpora (default "campaign,8K": corpus_gen's mix and 8 KB mail),
  with each worker count of --workers (default 1..CPUs), once with the
  spool in RESULTS/signetd (the disk) and once in a folder under --tmpfs
  (default /dev/shm when it is a tmpfs; "none" skips it), best of 2 rounds
  (--short: 1), against the RSA-2048 rate of crypto backend auto from this
  run (--batch-timeout-us N: signetd's dataplane batch_timeout_us for
  these runs instead of the default). Writes signetd.json, signetd_scaling.png and its own marked section
  of docs/benchmarks.md. --parts signetd measures only crypto and signetd
  (the engine section of the docs stays as it was); --parts engine skips
  signetd.

  signetd SMTP relay mode (bench_relay.py, the part "relay"): signetd
  relays between `signet-bench smtp-load` and `signet-bench smtp-sink` on
  this machine, with each worker count of --workers, the campaign corpus
  of the spool part (--spool-count messages, the same seed), --relay-messages
  pushed per round (default 10000, cycling through it; --short: 1000) over
  --relay-connections (default 32); best of 2 rounds (--short: 1); the
  ratio to the spool figure of the same run (when the part "signetd" ran)
  and to workers x raw. Then signetd's RSS under --idle-connections idle
  connections (default 10000, --short 2000; 0 skips it). Writes relay.json,
  relay_scaling.png and its own marked section of docs/benchmarks.md.

UNTRUSTED INPUT
  None: command-line options of our own user; the JSON read back is our
  benchmark's.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import bench_relay
import bench_report
import bench_signetd
import relay_report
import signetd_report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def say(text):
    print("run_bench: " + text, flush=True)


def run(cmd, **kw):
    say("$ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


def output_of(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_args(argv):
    p = argparse.ArgumentParser(description="build, run signet's benchmarks, report")
    p.add_argument("--short", action="store_true", help="quick run (< 2 minutes)")
    p.add_argument("--builddir", default=os.path.join(ROOT, "build"))
    p.add_argument("--results", help="results folder (default BUILDDIR/bench-results/STAMP)")
    p.add_argument("--count", type=int, help="corpus messages (default 2000, --short 200)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--backends", default="evp,ifma,auto")
    p.add_argument("--no-docs", action="store_true", help="leave docs/ alone")
    p.add_argument("--no-build", action="store_true", help="use the build as it is")
    p.add_argument("--report-only", metavar="RESULTS",
                   help="only plots and docs from an earlier run's folder")
    p.add_argument("--parts", default="engine,signetd,relay",
                   help="what to measure besides crypto: engine, signetd, relay")
    p.add_argument("--spool-count", type=int, help="messages per signetd corpus "
                   "(default 4000, --short 1000)")
    p.add_argument("--workers", help="signetd worker counts (default 1..CPUs)")
    p.add_argument("--spool-corpora", default="campaign,8K",
                   help="signetd corpora: campaign and/or size classes")
    p.add_argument("--tmpfs", default="/dev/shm",
                   help="tmpfs folder for the second signetd spool, or none")
    p.add_argument("--batch-timeout-us", type=int,
                   help="signetd's dataplane batch_timeout_us (default: the config's)")
    p.add_argument("--relay-messages", type=int,
                   help="messages pushed through the relay per round (default 10000, "
                   "--short 1000)")
    p.add_argument("--relay-connections", type=int, default=32,
                   help="smtp-load connections into the relay")
    p.add_argument("--idle-connections", type=int,
                   help="idle connections for the RSS figure (default 10000, --short 2000; "
                   "0: none)")
    args = p.parse_args(argv)
    args.parts = [x for x in args.parts.split(",") if x]
    if not args.parts or set(args.parts) - {"engine", "signetd", "relay"}:
        p.error("--parts: engine, signetd and/or relay")
    args.spool_count = args.spool_count or (1000 if args.short else 4000)
    try:
        args.workers = ([int(x) for x in args.workers.split(",")] if args.workers
                        else list(range(1, (os.cpu_count() or 1) + 1)))
    except ValueError:
        p.error("--workers: a list of numbers such as 1,2")
    if args.spool_count < 1 or min(args.workers) < 1:
        p.error("--spool-count and --workers must be at least 1")
    args.count = args.count or (200 if args.short else 2000)
    args.relay_messages = args.relay_messages or (1000 if args.short else 10000)
    if args.idle_connections is None:
        args.idle_connections = 2000 if args.short else 10000
    if args.relay_messages < 1 or args.relay_connections < 1 or args.idle_connections < 0:
        p.error("--relay-messages and --relay-connections must be at least 1, "
                "--idle-connections at least 0")
    args.seconds = 0.4 if args.short else 2.0
    args.rounds = 1 if args.short else 2
    args.crypto_rounds = 1 if args.short else 3
    if args.count < 1:
        p.error("--count must be at least 1")
    return args


def build(args):
    if not os.path.isdir(args.builddir):
        run(["meson", "setup", args.builddir], cwd=ROOT)
    targets = ["bench/signet-bench", "bench/corpus_gen"]
    if "signetd" in args.parts or "relay" in args.parts:
        targets += ["tools/signet", "control/signet-controld", "dataplane/signetd/signetd"]
    run(["ninja", "-C", args.builddir] + targets, cwd=ROOT)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def machine(args):
    commit = output_of(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = output_of(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--",
                       "bench", "crypto", "dataplane/dkim", "dataplane/simd", "meson.build"]
                        + (["dataplane/core", "dataplane/signetd", "dataplane/smtp", "control"]
                           if "signetd" in args.parts or "relay" in args.parts else []))
    buildtype = output_of(["meson", "introspect", "--buildoptions", args.builddir])
    try:
        buildtype = next(o["value"] for o in json.loads(buildtype) if o["name"] == "buildtype")
    except (ValueError, StopIteration, KeyError, TypeError):
        buildtype = "unknown"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" + uncommitted changes to the measured code"
                            if dirty not in ("", "unknown") else ""),
        "cpu": cpu_model(), "cpus": os.cpu_count(), "os": platform.platform(terse=True),
        "openssl": output_of(["openssl", "version"]).replace("OpenSSL ", ""),
        "opendkim": output_of(["pkg-config", "--modversion", "opendkim"]),
        "buildtype": buildtype, "load_before": loadavg(), "short": args.short,
        "seconds": args.seconds, "rounds": args.rounds, "count": args.count, "seed": args.seed,
    }


def bench_json(cmd, path):
    """Runs a benchmark that prints JSON lines into path; returns the objects."""
    with open(path, "w") as out:
        run(cmd, stdout=out)
    return read_lines(path)


def run_benches(args, results, tools):
    bench, corpus_gen = tools
    corpus = os.path.join(results, "corpus")
    run([corpus_gen, "--count", str(args.count), "--seed", str(args.seed), "--out", corpus])
    crypto = bench_json([bench, "crypto", "--json", "--seconds", str(args.seconds),
                         "--rounds", str(args.crypto_rounds), "--backends", args.backends],
                        os.path.join(results, "crypto.json"))
    engine = []
    if "engine" in args.parts:
        engine = bench_json([bench, "engine", "--json", "--seconds", str(args.seconds),
                             "--rounds", str(args.rounds), "--backends", args.backends,
                             "--corpus", corpus], os.path.join(results, "engine.json"))
    shutil.rmtree(corpus)
    return crypto, engine


def tmpfs_folder(args):
    if args.tmpfs == "none":
        return None
    if bench_signetd.fs_type(args.tmpfs) != "tmpfs":
        say("%s is not a tmpfs: the tmpfs spool is left out" % args.tmpfs)
        return None
    return args.tmpfs


def signetd_tools(args):
    b = args.builddir
    return {"signet": os.path.join(b, "tools", "signet"),
            "controld": os.path.join(b, "control", "signet-controld"),
            "signetd": os.path.join(b, "dataplane", "signetd", "signetd"),
            "corpus_gen": os.path.join(b, "bench", "corpus_gen"),
            "bench": os.path.join(b, "bench", "signet-bench")}


def write_lines(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


# SIGNETD: the spool mode is measured by bench_signetd.py, the SMTP relay
# mode by bench_relay.py (run_relay).
def run_signetd(args, results, crypto):
    if "signetd" not in args.parts:
        return []
    tools = signetd_tools(args)
    opts = {"seed": args.seed, "count": args.spool_count, "workers": args.workers,
            "rounds": 1 if args.short else 2, "tmpfs": tmpfs_folder(args),
            "corpora": [x for x in args.spool_corpora.split(",") if x],
            "batch_timeout_us": args.batch_timeout_us}
    lines = bench_signetd.run(opts, tools, crypto, results)
    write_lines(os.path.join(results, "signetd.json"), lines)
    return lines


def run_relay(args, results, crypto, spool):
    if "relay" not in args.parts:
        return []
    opts = {"seed": args.seed, "count": args.spool_count, "corpus": "campaign",
            "workers": args.workers, "rounds": 1 if args.short else 2,
            "messages": args.relay_messages, "connections": args.relay_connections,
            "idle": args.idle_connections, "checked": 8}
    lines = bench_relay.run(opts, signetd_tools(args), crypto, spool, results)
    write_lines(os.path.join(results, "relay.json"), lines)
    return lines


def plots(engine, results):
    made = []
    if not engine:
        return made
    for name, title, draw in (("engine_per_core.png", "msgs/s per core by signer",
                               bench_report.plot_per_core),
                              ("engine_vs_size.png", "msgs/s against message size",
                               bench_report.plot_vs_size)):
        if draw(engine, os.path.join(results, name)):
            made.append((name, title))
    return made


def signetd_plots(lines, results):
    png = "signetd_scaling.png"
    if lines and signetd_report.plot_scaling(lines, os.path.join(results, png)):
        return [(png, "signetd spool msgs/s against workers")]
    return []


def relay_plots(lines, results):
    png = "relay_scaling.png"
    if lines and relay_report.plot_scaling(lines, os.path.join(results, png)):
        return [(png, "signetd SMTP relay msgs/s against workers")]
    return []


def write_docs(engine, crypto, meta, results, made, signetd=None, made_sd=(), relay=None,
               made_relay=()):
    shown = os.path.join(ROOT, "docs", "bench")
    doc = os.path.join(ROOT, "docs", "benchmarks.md")
    os.makedirs(shown, exist_ok=True)
    for name, _ in list(made) + list(made_sd) + list(made_relay):
        shutil.copy(os.path.join(results, name), os.path.join(shown, name))
    if engine:
        meta = dict(meta, plots=[("bench/" + name, title) for name, title in made])
        bench_report.replace_section(doc, bench_report.markdown(engine, crypto, meta))
    if signetd:
        meta = dict(meta, signetd_plots=[("bench/" + n, t) for n, t in made_sd])
        signetd_report.replace_section(doc, signetd_report.markdown(signetd, meta))
    if relay:
        meta = dict(meta, relay_plots=[("bench/" + n, t) for n, t in made_relay])
        relay_report.replace_section(doc, relay_report.markdown(relay, meta))
    say("docs/benchmarks.md section(s) and docs/bench/*.png updated")


def reproduce_command(args):
    """The command that measures the same (build and results folders aside)."""
    words = ["bench/run_bench.py"] + (["--short"] if args.short else [])
    if args.count != (200 if args.short else 2000):
        words += ["--count", str(args.count)]
    if args.seed != 1:
        words += ["--seed", str(args.seed)]
    if args.backends != "evp,ifma,auto":
        words += ["--backends", args.backends]
    if args.parts != ["engine", "signetd", "relay"]:
        words += ["--parts", ",".join(args.parts)]
    if args.spool_count != (1000 if args.short else 4000):
        words += ["--spool-count", str(args.spool_count)]
    if args.workers != list(range(1, (os.cpu_count() or 1) + 1)):
        words += ["--workers", ",".join(map(str, args.workers))]
    if args.spool_corpora != "campaign,8K":
        words += ["--spool-corpora", args.spool_corpora]
    if args.tmpfs != "/dev/shm":
        words += ["--tmpfs", args.tmpfs]
    if args.batch_timeout_us:
        words += ["--batch-timeout-us", str(args.batch_timeout_us)]
    if args.relay_messages != (1000 if args.short else 10000):
        words += ["--relay-messages", str(args.relay_messages)]
    if args.relay_connections != 32:
        words += ["--relay-connections", str(args.relay_connections)]
    if args.idle_connections != (2000 if args.short else 10000):
        words += ["--idle-connections", str(args.idle_connections)]
    return " ".join(words)


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def report_only(results):
    with open(os.path.join(results, "meta.json")) as f:
        meta = json.load(f)
    crypto = read_lines(os.path.join(results, "crypto.json"))
    engine, signetd, relay = [], [], []
    if os.path.exists(os.path.join(results, "engine.json")):
        engine = read_lines(os.path.join(results, "engine.json"))
    if os.path.exists(os.path.join(results, "signetd.json")):
        signetd = read_lines(os.path.join(results, "signetd.json"))
    if os.path.exists(os.path.join(results, "relay.json")):
        relay = read_lines(os.path.join(results, "relay.json"))
    write_docs(engine, crypto, meta, results, plots(engine, results), signetd,
               signetd_plots(signetd, results), relay, relay_plots(relay, results))
    return 0


def main(argv):
    args = parse_args(argv)
    started = time.monotonic()
    if args.report_only:
        return report_only(args.report_only)
    if not args.no_build:
        build(args)
    tools = (os.path.join(args.builddir, "bench", "signet-bench"),
             os.path.join(args.builddir, "bench", "corpus_gen"))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results = args.results or os.path.join(args.builddir, "bench-results", stamp)
    os.makedirs(results, exist_ok=True)
    meta = machine(args)
    meta["command"] = reproduce_command(args)
    crypto, engine = run_benches(args, results, tools)
    signetd = run_signetd(args, results, crypto)
    relay = run_relay(args, results, crypto, signetd)
    meta["load_after"] = loadavg()
    meta["shared"] = float(meta["load_before"].split()[0]) > 1.5 or any(
        l["cpu_share"] < 0.9 for l in engine + crypto)
    with open(os.path.join(results, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    made = plots(engine, results)
    made_sd = signetd_plots(signetd, results)
    made_relay = relay_plots(relay, results)
    if not args.no_docs:
        write_docs(engine, crypto, meta, results, made, signetd, made_sd, relay, made_relay)
    say("results in %s (%.0f s)" % (results, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as e:
        say("failed: %s (exit %d)" % (" ".join(e.cmd), e.returncode))
        sys.exit(e.returncode or 1)
    except RuntimeError as e:
        say("failed: %s" % e)
        sys.exit(1)
