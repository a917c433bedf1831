"""
NAME
  check_engine_json.py - smoke test of `signet-bench engine --json`

SUMMARY
  check_engine_json.py BENCH ARGS...: runs `BENCH engine ARGS` and fails
  unless it exits 0 and every stdout line is one JSON object of the shape
  bench/engine_report.c promises: who, backend, size_class, simd (str); msgs,
  bytes, key_bits, rounds, checked (int); seconds, msgs_per_s,
  msgs_per_cpu_s, cpu_share (number); mb_per_s and mean_bytes (number,
  null on raw lines only); ratio_to_opendkim, ratio_to_opendkim_cpu,
  ratio_to_raw, ratio_to_raw_cpu (number or null). Also:
    - raw-openssl is measured, and every signet-B line has a raw-B line of
      the kind that signed (ratio_to_raw a number) unless B is auto;
    - signet-evp and signet-auto are measured on "corpus" and on every
      sweep size (2K, 8K, 32K, 128K, 1M unless ARGS give --sizes);
    - opendkim is measured on every corpus, with ratio 1 to itself and a
      number in every other line's ratio_to_opendkim, unless the bench said
      on stderr that it was built without libopendkim;
    - every corpus line was checked (checked > 0) and signed messages.
  Then three refusals: a bad option exits 2; an unknown --simd level and a
  missing corpus folder exit 1 naming them. No figure is judged: benchmarks are not timed tests.
"""
import json
import subprocess
import sys

NUMBER = (int, float)
FIELDS = {"who": str, "backend": str, "size_class": str, "simd": str, "msgs": int, "bytes": int,
          "key_bits": int, "rounds": int, "checked": int, "seconds": NUMBER,
          "msgs_per_s": NUMBER, "msgs_per_cpu_s": NUMBER, "cpu_share": NUMBER}
RATIOS = ("ratio_to_opendkim", "ratio_to_opendkim_cpu", "ratio_to_raw", "ratio_to_raw_cpu")


def run(args, timeout=280):
    proc = subprocess.run(args, capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode("utf-8", "replace")


def sweep_sizes(args):
    if "--sizes" in args:
        given = args[args.index("--sizes") + 1]
        return [] if given == "none" else given.split(",")
    return ["2K", "8K", "32K", "128K", "1M"]


def check_line(number, obj):
    where = "line %d (%r)" % (number, obj.get("who"))
    for field, kind in FIELDS.items():
        assert isinstance(obj.get(field), kind), "%s: bad %s: %r" % (where, field, obj)
    assert obj["bench"] == "engine" and obj["key_bits"] == 2048, where
    assert obj["msgs"] > 0 and obj["msgs_per_s"] > 0 and obj["seconds"] > 0, where
    raw = obj["size_class"] == "raw"
    assert raw == obj["who"].startswith("raw-"), "%s: raw lines are raw-*" % where
    for field in ("mb_per_s", "mean_bytes"):
        value = obj.get(field, "missing")
        assert (value is None) if raw else isinstance(value, NUMBER), "%s: %s" % (where, field)
    for field in RATIOS:
        value = obj.get(field, "missing")
        assert value is None or isinstance(value, NUMBER), "%s: %s %r" % (where, field, value)
    if not raw:
        assert obj["checked"] > 0 and obj["bytes"] > 0, "%s: not checked or no bytes" % where


def check_run(args):
    code, out, err = run(args)
    sys.stderr.write(err)
    assert code == 0, "bench exited %d" % code
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines, "no output"
    seen = {}
    for number, obj in enumerate(lines, 1):
        assert isinstance(obj, dict), "line %d is not an object" % number
        check_line(number, obj)
        seen[(obj["who"], obj["size_class"])] = obj
    with_opendkim = "built without libopendkim" not in err
    classes = ["corpus"] + sweep_sizes(args)
    assert ("raw-openssl", "raw") in seen, "raw-openssl missing"
    for who in ("signet-evp", "signet-auto") + (("opendkim",) if with_opendkim else ()):
        for size in classes:
            assert (who, size) in seen, "%s not measured on %s" % (who, size)
    for (who, size), obj in seen.items():
        if who.startswith("signet-"):
            assert isinstance(obj["ratio_to_raw"], NUMBER), "%s/%s: ratio_to_raw" % (who, size)
            assert ("raw-" + obj["backend"], "raw") in seen, "no raw line for %s" % who
        if with_opendkim:
            assert isinstance(obj["ratio_to_opendkim"], NUMBER), "%s/%s" % (who, size)
        if who == "opendkim":
            assert abs(obj["ratio_to_opendkim"] - 1) < 1e-9, obj
    for who, size in sorted(seen):
        print("%s/%s: %.1f msgs/s" % (who, size, seen[(who, size)]["msgs_per_s"]))
    return len(seen)


def check_refusals(bench):
    code, _, err = run([bench, "engine", "--generate", "0"], timeout=60)
    assert code == 2 and "usage" in err, "--generate 0: exit %d, %r" % (code, err)
    code, _, err = run([bench, "engine", "--simd", "nosuch", "--generate", "1"], timeout=60)
    assert code == 1 and "nosuch" in err, "--simd nosuch: exit %d, %r" % (code, err)
    code, _, err = run([bench, "engine", "--corpus", "/nonexistent-corpus"], timeout=60)
    assert code == 1 and "/nonexistent-corpus" in err, "missing corpus: %d %r" % (code, err)


def main():
    bench = sys.argv[1]
    measured = check_run([bench, "engine"] + sys.argv[2:])
    check_refusals(bench)
    print("%d measurements" % measured)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
