"""
NAME
  relay_report.py - the signetd SMTP relay section of docs/benchmarks.md and
                    its scaling plot, from the lines of bench_relay.run()

SUMMARY
  Used by bench/run_bench.py; no command line of its own.
    markdown(lines, meta)     the section between BEGIN and END: machine,
                              the command, how it is measured, a table per
                              worker count (msgs/s, the spool figure of the
                              same run and the ratio to it - the 70% target
                              -, x workers x raw, CPU of signetd, of the
                              load and of the sink, the ratio to the spool
                              per CPU-second of all three, cores busy, the
                              workers' running / waiting / asleep shares,
                              load average)
                              and the idle-connection RSS table
    plot_scaling(lines, png)  msgs/s against workers: SMTP, the spool of
                              the same run, 70% of it, workers x raw
  The section has markers of its own, placed after the signetd spool
  section when the file has none yet.

UNTRUSTED INPUT
  None: the lines come from our own benchmark.
"""
import bench_report
import signetd_report

BEGIN = ("<!-- run_bench:relay:begin (written by bench/run_bench.py; edits between the "
         "markers are replaced) -->")
END = "<!-- run_bench:relay:end -->"
TARGET = 0.70


def fmt(value, digits=0):
    return bench_report.fmt(value, digits)


def smtp_table(rows):
    out = ["| corpus (mean bytes) | workers | SMTP msgs/s | spool msgs/s (folder) "
           "| x spool | x (workers x raw) | msgs per signetd CPU-s | x spool (CPU) "
           "| x raw (CPU) | CPU-s: signetd / smtp-load / smtp-sink | x spool (CPU of all "
           "three) | cores busy: signetd / all three / machine | workers: running / "
           "waiting for a CPU / asleep | load average |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|"]
    for l in rows:
        spool = ("%s (%s)" % (fmt(l["spool_msgs_per_s"]), l["spool_fs"])
                 if l["spool_msgs_per_s"] else "not run")
        out.append("| %s (%s) | %d | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s "
                   "| %s | %s | %s |" % (
                       l["corpus"], fmt(l["mean_bytes"]), l["workers"], fmt(l["msgs_per_s"]),
                       spool, fmt(l["ratio_to_spool"], 2), fmt(l["ratio_to_raw"], 2),
                       fmt(l["msgs_per_cpu_s"]), fmt(l["ratio_to_spool_cpu"], 2),
                       fmt(l["ratio_to_raw_cpu"], 2), fmt(l["cpu_s"], 2),
                       fmt(l["load_cpu_s"], 2), fmt(l["sink_cpu_s"], 2),
                       fmt(l.get("ratio_to_spool_all_cpu"), 2), cores(l), shares(l),
                       l["loadavg"]))
    return "\n".join(out)


def cores(l):
    """CPU-seconds per second of the load: signetd, the three, the machine."""
    if l.get("signetd_cores") is None:
        return "-"
    return "%s / %s / %s" % (fmt(l["signetd_cores"], 2), fmt(l["all_cores"], 2),
                             fmt(l.get("machine_busy_cores"), 2))


def shares(l):
    """The relay workers' shares of the load's seconds, in percent."""
    s = l.get("worker_run_wait_sleep")
    if not s:
        return "-"
    return " / ".join("%.0f%%" % (100 * x) for x in s)


def idle_table(rows):
    out = ["| workers | idle connections held (asked) | refused busy | RSS before KiB "
           "| RSS held KiB | peak (VmHWM) KiB | RSS after KiB | bytes per idle connection "
           "| load average |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for l in rows:
        out.append("| %d | %d (%d) | %s | %d | %d | %d | %d | %s | %s |" % (
            l["workers"], l["ready"], l["idle"], fmt(l["refused_busy"]), l["rss_before_kib"],
            l["rss_idle_kib"], l["hwm_kib"], l["rss_after_kib"], fmt(l["bytes_per_conn"]),
            l["loadavg"]))
    return "\n".join(out)


def how(smtp):
    first = smtp[0] if smtp else {}
    return ("`signet-bench smtp-sink --listen 127.0.0.1:0 --keep DIR --keep-count %d` as "
            "next hop, `signetd -c CONF` in relay mode (`workers` = 1..N, esmtp_listener on "
            "a free loopback port, relay_hosts 127.0.0.0/8, keys from signet-controld: "
            "RSA-2048 per sender domain, relaxed/relaxed, crypto_backend `auto`) and "
            "`signet-bench smtp-load --corpus DIR --messages %s --connections %s --json` "
            "as the injector, all three on this machine; the corpus is corpus_gen's "
            "(%s, the spool part's seed and count). Best of %s round(s). A figure is kept "
            "only when every message was accepted, the sink counted them all, signetd's "
            "summary says all were signed and the %d kept messages verify with dkimpy. "
            "msgs/s is smtp-load's (accepted / seconds from the first connect to the last "
            "reply). CPU-s: seconds of CPU each process used during the load "
            "(signetd and the sink from /proc/PID/stat, smtp-load its own getrusage; the "
            "three share the cores). The issue's target: SMTP >= %.0f%% of the spool "
            "figure of the same run (the tmpfs spool when it ran: the relay touches no "
            "disk either). On a shared machine the wall-clock figures move with the "
            "neighbours' load; messages per signetd CPU-second, and its ratios to the "
            "spool's and to the raw rate per CPU-second, stay put. x spool (CPU of all "
            "three): messages per CPU-second of signetd, smtp-load and smtp-sink together "
            "against the spool's per CPU-second - what the relay costs on cores the three "
            "share, which is what the wall-clock ratio pays. Cores busy: CPU-seconds per "
            "second of the load for signetd, for the three together and for the whole "
            "machine (/proc/stat, neighbours and kernel included); workers: the relay "
            "workers' mean shares of the load's seconds running, runnable but waiting for "
            "a CPU, and asleep (schedstat of each worker thread) - a worker short of a CPU "
            "waits, one short of work sleeps." % (
                first.get("checked", 0), first.get("messages"),
                first.get("connections"), first.get("corpus"), first.get("rounds"),
                first.get("checked", 0), TARGET * 100))


def markdown(lines, meta):
    smtp = [l for l in lines if l["who"] == "signetd-smtp"]
    idle = [l for l in lines if l["who"] == "signetd-idle"]
    raw = smtp[0] if smtp else {}
    parts = [BEGIN, "",
             "### signetd SMTP relay, `run_bench.py` run: %s (commit %s)%s" % (
                 meta["date"], meta["commit"], ", short mode" if meta["short"] else ""), ""]
    parts += bench_report.machine_lines(meta)
    parts += ["", "Command (from the repository root) that produced every figure below:",
              "", "```", meta.get("relay_command", meta["command"]), "```", "", how(smtp),
              "", "Raw RSA-2048 rate of the backend (`%s`, `signet-bench crypto` in the "
              "same run, one core): %s signs/s." % (raw.get("raw_backend"),
                                                   fmt(raw.get("raw_signs_per_s"))), ""]
    if smtp:
        parts += [smtp_table(smtp), ""]
    if idle:
        parts += ["Idle connections: after a warm-up of 200 messages, `signet-bench "
                  "smtp-load --idle N` opens N connections and completes EHLO on each, "
                  "then holds them; signetd's VmRSS and VmHWM (/proc/PID/status) are read "
                  "before, while they are held and after they are closed. max_connections "
                  "is set to %s (SO_REUSEPORT spreads clients over the workers unevenly; "
                  "each worker takes its share of max_connections and a quarter more); every "
                  "process gets RLIMIT_NOFILE raised to its hard limit by the harness." %
                  fmt(idle[0]["max_connections"]), "", idle_table(idle), ""]
    for png, title in meta.get("relay_plots", []):
        parts += ["![%s](%s)" % (title, png), ""]
    parts += [END]
    return "\n".join(parts) + "\n"


def replace_section(path, text):
    """bench_report.replace_section with this section's markers; a missing
    section goes right after the signetd spool section's end marker."""
    bench_report.replace_section_after(path, text, BEGIN, END, signetd_report.END)


def plot_scaling(lines, png):
    plt = bench_report.pyplot()
    rows = sorted((l for l in lines if l["who"] == "signetd-smtp"), key=lambda l: l["workers"])
    if plt is None or not rows:
        return False
    workers = [l["workers"] for l in rows]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(workers, [l["msgs_per_s"] for l in rows], marker="o", label="signetd SMTP relay")
    spool = [(l["workers"], l["spool_msgs_per_s"]) for l in rows if l["spool_msgs_per_s"]]
    if spool:
        ax.plot([p[0] for p in spool], [p[1] for p in spool], marker="s",
                label="signetd spool (%s), same run" % rows[0]["spool_fs"])
        ax.plot([p[0] for p in spool], [TARGET * p[1] for p in spool], linestyle=":",
                color="grey", label="target: 70% of spool")
    raw = rows[0]["raw_signs_per_s"]
    if raw:
        ax.plot(workers, [w * raw for w in workers], linestyle="--", color="grey",
                label="workers x raw (%s)" % rows[0]["raw_backend"])
    ax.set_xticks(workers)
    ax.set_xlabel("workers")
    ax.set_ylabel("messages per second (wall)")
    ax.set_title("signetd SMTP relay, corpus %s (mean %s bytes)" % (
        rows[0]["corpus"], fmt(rows[0]["mean_bytes"])))
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)
    return True
