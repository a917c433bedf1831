"""
NAME
  signetd_report.py - the signetd section of docs/benchmarks.md and the
                      scaling plot, from the lines of bench_signetd.run()

SUMMARY
  Used by bench/run_bench.py; no command line of its own.
    markdown(lines, meta)     the section between BEGIN and END: machine,
                              command, what each folder measures, a table
                              (corpus, file system, workers, msgs/s, x
                              workers x raw, msgs per CPU-s, x raw per
                              CPU-s, the same run only, the unsigned run's
                              CPU per message and the ceiling it sets,
                              the folder's floor from signet-bench fsops
                              and the ceiling that sets),
                              the plot
    plot_scaling(lines, png)  msgs/s against workers, one panel per corpus,
                              a line per file system, with workers x raw
                              and the 90% target drawn
  The section has markers of its own, so a run of the signetd part alone
  (run_bench.py --parts signetd) leaves the engine section as it was.

UNTRUSTED INPUT
  None: the lines come from our own benchmark.
"""
import bench_report

BEGIN = ("<!-- run_bench:signetd:begin (written by bench/run_bench.py; edits between the "
         "markers are replaced) -->")
END = "<!-- run_bench:signetd:end -->"

WHAT = {
    "tmpfs": "tmpfs: no disk, fsync costs nothing; this measures signetd (reading, "
             "signing, writing, its io_uring chain, the kernel's file operations), not a "
             "disk",
}


def fs_note(fs):
    return WHAT.get(fs, "%s: the disk the spool normally lives on; every output written "
                        "with RWF_DSYNC (durable before its rename, as with fdatasync) and "
                        "one OUT_DIR fsync per group, so this measures signetd plus the "
                        "file system's and the device's commit cost" % fs)


def fmt(value, digits=0):
    return bench_report.fmt(value, digits)


def table(lines):
    out = ["| corpus (mean bytes) | folder | workers | msgs/s | x (workers x raw) "
           "| msgs per CPU-s | x raw (CPU) | x raw (CPU, run only) | CPU-s used / s "
           "| unsigned: CPU-us per msg | ceiling (CPU) | floor: CPU-us per msg "
           "| ceiling (floor) |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for l in lines:
        out.append("| %s (%s) | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            l["corpus"], fmt(l["mean_bytes"]), l["fs"], l["workers"], fmt(l["msgs_per_s"]),
            fmt(l["ratio_to_raw"], 2), fmt(l["msgs_per_cpu_s"]), fmt(l["ratio_to_raw_cpu"], 2),
            fmt(l.get("ratio_to_raw_run_cpu"), 2),
            fmt(l["cpu_s"] / l["seconds"] if l["seconds"] else None, 2),
            fmt(l.get("unsigned_cpu_us_per_msg"), 1), fmt(l.get("ceiling_ratio_cpu"), 2),
            fmt(l.get("floor_cpu_us_per_msg"), 1), fmt(l.get("floor_ceiling_ratio_cpu"), 2)))
    return "\n".join(out)


def markdown(lines, meta):
    raw = lines[0] if lines else {}
    parts = [BEGIN, "",
             "### signetd spool mode, `run_bench.py` run: %s (commit %s)%s" % (
                 meta["date"], meta["commit"], ", short mode" if meta["short"] else ""), ""]
    parts += bench_report.machine_lines(meta)
    parts += ["", "Command (from the repository root):", "", "```",
              meta.get("signetd_command", meta["command"]), "```", "",
              "`signetd -c CONF --spool IN --out OUT --json` with `workers` = 1..N, keys from "
              "signet-controld (RSA-2048, one key per sender domain of the corpus, "
              "relaxed/relaxed), crypto_backend `auto`, %s; IN filled with hard links to a "
              "corpus written on the same file system just before (so the inputs are in "
              "the page cache), fresh folders for every run and `sync` before it; %d messages per corpus; best "
              "of %d round(s); the first %d outputs of every run verified with dkimpy. "
              "msgs/s is signetd's own `msgs_per_s`; CPU-s is the whole process "
              "(workers, control thread, its io_uring kernel workers), from wait4; "
              "\"run only\" is the same with signetd's own `cpu_seconds`, the process's "
              "CPU from the start of its workers (the start-up before it, the EAL, the "
              "configuration and the control connection, left out). The raw rate in every ratio is "
              "the backend's signs per CPU-second, what one whole core signs. \"unsigned\" is "
              "one more run of the same corpus against a second signet-controld that has "
              "no keys, so every message is written unsigned: its CPU per message (run "
              "only) is the spool's file handling (read, parse, write, rename, retire), "
              "and \"ceiling\" = raw signature time / (raw signature time + that), the "
              "best run-only ratio reachable on this machine and file system even if "
              "hashing and signing cost nothing beyond the raw signature. \"floor\" is "
              "`signet-bench fsops` on the same folder (once per corpus, same count and "
              "mean size): the same file steps done by one thread with plain blocking "
              "system calls, nothing parsed, hashed or signed, so its CPU per message is "
              "what the kernel and the file system alone take, and \"ceiling (floor)\" the "
              "best ratio any spool with one file per message could reach here. On a "
              "disk its one-at-a-time durable writes wait for the device in turn (signetd "
              "overlaps them), so there the floor is only indicative." % (
                  "batch_timeout_us = %d" % raw["batch_timeout_us"]
                  if raw.get("batch_timeout_us") else "the default batch settings",
                  raw.get("messages", 0), raw.get("rounds", 0), raw.get("checked", 0)), "",
              "Raw RSA-2048 rate of the backend (`%s`, `signet-bench crypto` in the same "
              "run, one core): %s signs/s wall, %s per CPU-second. The issue's target is "
              "msgs/s >= 0.90 x workers x raw." % (
                  raw.get("raw_backend"), fmt(raw.get("raw_signs_per_s")),
                  fmt(raw.get("raw_signs_per_cpu_s"))), ""]
    for fs in sorted({l["fs"] for l in lines}):
        folder = next(l["folder"] for l in lines if l["fs"] == fs)
        parts.append("- %s (`%s`)" % (fs_note(fs), folder))
    parts += ["", table(lines), ""]
    for png, title in meta.get("signetd_plots", []):
        parts += ["![%s](%s)" % (title, png), ""]
    parts += [END]
    return "\n".join(parts) + "\n"


def replace_section(path, text):
    """bench_report.replace_section with this section's markers; a missing
    section is placed right after the engine section's end marker."""
    bench_report.replace_section_after(path, text, BEGIN, END, bench_report.END)


def plot_scaling(lines, png):
    plt = bench_report.pyplot()
    corpora = sorted({l["corpus"] for l in lines})
    if plt is None or not lines:
        return False
    fig, axes = plt.subplots(1, len(corpora), figsize=(5.5 * len(corpora), 4.5), squeeze=False)
    for ax, corpus in zip(axes[0], corpora):
        rows = [l for l in lines if l["corpus"] == corpus]
        workers = sorted({l["workers"] for l in rows})
        for fs in sorted({l["fs"] for l in rows}):
            pts = sorted((l["workers"], l["msgs_per_s"]) for l in rows if l["fs"] == fs)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                    label="signetd spool on %s" % fs)
        raw = rows[0]["raw_signs_per_cpu_s"]  # one whole core, as in ratio_to_raw
        if raw:
            ax.plot(workers, [w * raw for w in workers], linestyle="--", color="grey",
                    label="workers x raw (%s)" % rows[0]["raw_backend"])
            ax.plot(workers, [0.9 * w * raw for w in workers], linestyle=":", color="grey",
                    label="target 90%")
        ax.set_xticks(workers)
        ax.set_xlabel("workers")
        ax.set_ylabel("messages per second (wall)")
        ax.set_title("corpus %s (mean %s bytes)" % (corpus, fmt(rows[0]["mean_bytes"])))
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("signetd --spool, RSA-2048: scaling with workers")
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)
    return True
