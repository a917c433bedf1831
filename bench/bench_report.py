"""
NAME
  bench_report.py - markdown tables and PNG plots from the JSON lines of
                    `signet-bench crypto --json` and `signet-bench engine --json`

SUMMARY
  Used by bench/run_bench.py; no command line of its own.
    markdown(engine, crypto, meta)   the section written into
                                     docs/benchmarks.md: machine, command,
                                     per-core table on the campaign corpus,
                                     size sweep, raw RSA-2048 rates, plots,
                                     and the signetd placeholder
    replace_section(path, text[, begin, end_marker])
                                     puts text between BEGIN and END (or the
                                     given marker comments) in the file at path,
                                     leaving everything else as it was; the
                                     markers and text are appended at the
                                     end when the file has none
    replace_section_after(path, text, begin, end_marker, after)
                                     the same, a missing section placed
                                     right after the marker `after`
    plot_per_core(engine, png)       bars: msgs/s of each signer on one core
                                     (wall clock and per CPU-second)
    plot_vs_size(engine, png)        msgs/s and MB/s per CPU-second against
                                     message size, with the raw bounds
  Plots need matplotlib (Debian python3-matplotlib, in
  scripts/install-deps.sh); without it they are skipped with a note.
  Figures per CPU-second are the ones that stay put on a shared machine;
  wall-clock figures are given next to them.

UNTRUSTED INPUT
  None: the JSON comes from our own benchmark; a line without the expected
  fields raises KeyError (a bug to fix, not data to skip).
"""

BEGIN = ("<!-- run_bench:begin (written by bench/run_bench.py; edits between the markers "
         "are replaced) -->")
END = "<!-- run_bench:end -->"
ORDER = ["raw-openssl", "raw-evp", "raw-ifma", "signet-evp", "signet-ifma", "signet-auto",
         "opendkim"]
SIGNERS = ["signet-evp", "signet-ifma", "signet-auto", "opendkim"]
SIZE_BYTES = {"K": 1024, "M": 1024 * 1024}


def order_key(who):
    return (ORDER.index(who) if who in ORDER else len(ORDER), who)


def size_of(label):
    """Bytes of a sweep label such as 16K; None for corpus and raw."""
    if label in ("corpus", "raw"):
        return None
    unit = SIZE_BYTES.get(label[-1].upper(), 1)
    return int(label.rstrip("KkMm")) * unit


def sweep_labels(engine):
    labels = {line["size_class"] for line in engine if size_of(line["size_class"])}
    return sorted(labels, key=size_of)


def by_key(engine):
    return {(line["who"], line["size_class"]): line for line in engine}


def fmt(value, digits=0):
    return "-" if value is None else "{:,.{}f}".format(value, digits)


def per_core_table(engine):
    rows = [line for line in engine if line["size_class"] in ("corpus", "raw")]
    out = ["| who | backend | msgs/s per CPU-s | x OpenDKIM (CPU) | msgs/s (wall) "
           "| x OpenDKIM (wall) | MB/s (wall) | x raw bound (CPU) | cpu share |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for line in sorted(rows, key=lambda l: (l["size_class"] != "raw", order_key(l["who"]))):
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %.2f |" % (
            line["who"], line["backend"], fmt(line["msgs_per_cpu_s"]),
            fmt(line["ratio_to_opendkim_cpu"], 2), fmt(line["msgs_per_s"]),
            fmt(line["ratio_to_opendkim"], 2), fmt(line["mb_per_s"], 1),
            fmt(line.get("ratio_to_raw_cpu"), 2), line["cpu_share"]))
    return "\n".join(out)


def sweep_table(engine):
    table, labels = by_key(engine), sweep_labels(engine)
    whos = [w for w in SIGNERS if any((w, s) in table for s in labels)]
    out = ["| size | " + " | ".join(whos) +
           " | best signet / OpenDKIM | MB per CPU-s (best signet) |",
           "|---|" + "---:|" * (len(whos) + 2)]
    for size in labels:
        cells, best = [], None
        for who in whos:
            line = table.get((who, size))
            cells.append(fmt(line["msgs_per_cpu_s"]) if line else "-")
            if line and who != "opendkim" and (best is None or
                                               line["msgs_per_cpu_s"] > best["msgs_per_cpu_s"]):
                best = line
        odkim = table.get(("opendkim", size))
        ratio = best["msgs_per_cpu_s"] / odkim["msgs_per_cpu_s"] if best and odkim else None
        mbs = best["bytes"] / 1e6 / best["seconds"] / best["cpu_share"] if best else None
        out.append("| %s | %s | %s | %s |" % (size, " | ".join(cells), fmt(ratio, 2),
                                             fmt(mbs, 1)))
    return "\n".join(out)


def crypto_table(crypto):
    rows = [l for l in crypto if l["alg"] == "rsa-sha256" and l["bits"] == 2048]
    out = ["| backend | RSA-2048 signs per CPU-s | x evp (CPU) | signs/s (wall) | cpu share |",
           "|---|---:|---:|---:|---:|"]
    evp = next((l for l in rows if l["backend"] == "evp"), None)
    for line in rows:
        ratio = line["signs_per_cpu_s"] / evp["signs_per_cpu_s"] if evp else None
        out.append("| %s | %s | %s | %s | %.2f |" % (
            line["backend"], fmt(line["signs_per_cpu_s"]), fmt(ratio, 2),
            fmt(line["signs_per_s"]), line["cpu_share"]))
    return "\n".join(out)


def machine_lines(meta):
    return [
        "Machine: %s, %s CPUs, %s; OpenSSL %s, libopendkim %s, gcc build `%s`." % (
            meta["cpu"], meta["cpus"], meta["os"], meta["openssl"].split()[0], meta["opendkim"],
            meta["buildtype"]),
        "Load average before / after: %s / %s%s." % (
            meta["load_before"], meta["load_after"],
            " — **the machine was shared with other work: read the per-CPU-second columns**"
            if meta["shared"] else ""),
    ]


def markdown(engine, crypto, meta):
    corpus = next((l for l in engine if l["size_class"] == "corpus"), None)
    parts = [BEGIN, "",
             "### Latest `run_bench.py` run: %s (commit %s)%s" % (
                 meta["date"], meta["commit"], ", short mode" if meta["short"] else ""), ""]
    parts += machine_lines(meta)
    parts += ["", "Command (from the repository root):", "", "```", meta["command"], "```", "",
              "Every signer on one pinned core, one RSA-2048 key, relaxed/relaxed, the same "
              "header fields and t=; the first %d messages of every signer on every corpus "
              "verified with signet's verifier before timing; best of %d round(s) of %s s." % (
                  corpus["checked"] if corpus else 0, meta["rounds"], meta["seconds"]), ""]
    if corpus:
        parts += ["**Campaign corpus** (%d messages, `corpus_gen --count %d --seed %d`; mean "
                  "size of the messages signed %s bytes) and the raw RSA-2048 bound:" % (
                      meta["count"], meta["count"], meta["seed"], fmt(corpus["mean_bytes"])),
                  "", per_core_table(engine), ""]
    if sweep_labels(engine):
        parts += ["**Size sweep** (msgs per CPU-second; generated messages of exactly that "
                  "size):", "", sweep_table(engine), ""]
    if crypto:
        parts += ["**`signet-bench crypto`**, RSA-2048 (the other key sizes are in the run's "
                  "`crypto.json`):", "", crypto_table(crypto), ""]
    for png, title in meta.get("plots", []):
        parts += ["![%s](%s)" % (title, png), ""]
    parts += ["signetd spool mode and SMTP relay mode (1..N workers; RSS under idle "
              "connections): their own sections below.", "", END]
    return "\n".join(parts) + "\n"


def replace_section(path, text, begin=BEGIN, end_marker=END):
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    start, end = doc.find(begin), doc.find(end_marker)
    if start >= 0 and end > start:
        doc = doc[:start] + text.rstrip("\n") + doc[end + len(end_marker):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)


def replace_section_after(path, text, begin, end_marker, after):
    """replace_section; a file without the section gets it right after the
    marker `after` (at the end when that is missing too)."""
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    if doc.find(begin) < 0:
        at = doc.find(after)
        at = at + len(after) if at >= 0 else len(doc)
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc[:at] + "\n\n" + begin + "\n" + end_marker + doc[at:])
    replace_section(path, text, begin, end_marker)


def pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("run_bench: no matplotlib (apt-get install python3-matplotlib): plots skipped")
        return None


def plot_per_core(engine, png):
    plt = pyplot()
    if plt is None:
        return False
    rows = sorted((l for l in engine if l["size_class"] in ("corpus", "raw")),
                  key=lambda l: (l["size_class"] != "raw", order_key(l["who"])))
    names = [l["who"] + ("\n(bound)" if l["size_class"] == "raw" else "") for l in rows]
    xs = range(len(rows))
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.bar([x - 0.2 for x in xs], [l["msgs_per_cpu_s"] for l in rows], 0.4,
           label="per CPU-second", color="#2b6cb0")
    ax.bar([x + 0.2 for x in xs], [l["msgs_per_s"] for l in rows], 0.4,
           label="wall clock", color="#a0aec0")
    for x, line in zip(xs, rows):
        if line["ratio_to_opendkim_cpu"] is not None and line["who"] != "opendkim":
            ax.annotate("%.1fx" % line["ratio_to_opendkim_cpu"], (x - 0.2, line["msgs_per_cpu_s"]),
                        ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel("messages (raw: signatures) per second, one core")
    ax.set_title("Campaign corpus, RSA-2048 relaxed/relaxed: signet vs OpenDKIM "
                 "(labels: x OpenDKIM per CPU-s)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)
    return True


def plot_vs_size(engine, png):
    plt = pyplot()
    labels = sweep_labels(engine)
    if plt is None or not labels:
        return False
    table = by_key(engine)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for who in SIGNERS:
        points = [(size_of(s), table[(who, s)]) for s in labels if (who, s) in table]
        if not points:
            continue
        sizes = [p[0] for p in points]
        left.plot(sizes, [p[1]["msgs_per_cpu_s"] for p in points], marker="o", label=who)
        right.plot(sizes, [p[1]["bytes"] / 1e6 / p[1]["seconds"] / p[1]["cpu_share"]
                           for p in points], marker="o", label=who)
    for who, style in (("raw-openssl", ":"), ("raw-ifma", "--")):
        if (who, "raw") in table:
            left.axhline(table[(who, "raw")]["msgs_per_cpu_s"], linestyle=style, color="grey",
                         label=who + " (bound)")
    for ax, what in ((left, "messages per CPU-second"), (right, "MB per CPU-second")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks([size_of(s) for s in labels])
        ax.set_xticklabels(labels)
        ax.set_xlabel("message size")
        ax.set_ylabel(what)
        ax.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle("One core, RSA-2048 relaxed/relaxed: where hashing starts to matter")
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)
    return True
