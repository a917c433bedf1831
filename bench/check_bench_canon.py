"""
NAME
  check_bench_canon.py - smoke test of `signet-bench canon --json`

SUMMARY
  check_bench_canon.py BENCH ARGS...: runs BENCH ARGS and fails unless it
  exits 0 and every stdout line is one JSON object with canon, kernel and
  mode (str), gb_per_s (number > 0), ratio_to_scalar and ratio_to_builtin
  (numbers > 0), out_bytes (int); builtin and scalar are measured for
  every canonicalization (simple, relaxed, dk_simple, dk_nofws) and mode
  (canon, canon+hash), their own ratios are 1, and every kernel of a
  canonicalization reports the same out_bytes. No figure is judged: this
  is a benchmark, not a timed test.
"""
import json
import subprocess
import sys

CANONS = {"simple", "relaxed", "dk_simple", "dk_nofws"}
MODES = {"canon", "canon+hash"}
FIELDS = {"canon": str, "kernel": str, "mode": str, "gb_per_s": (int, float),
          "ratio_to_scalar": (int, float), "ratio_to_builtin": (int, float),
          "out_bytes": int}


def main():
    proc = subprocess.run(sys.argv[1:], capture_output=True, timeout=280)
    sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    assert proc.returncode == 0, "bench exited %d" % proc.returncode
    seen, out_bytes = {}, {}
    for number, line in enumerate(proc.stdout.decode().splitlines(), 1):
        obj = json.loads(line)
        assert isinstance(obj, dict), "line %d is not an object: %r" % (number, line)
        for field, kind in FIELDS.items():
            assert isinstance(obj.get(field), kind), "line %d: bad %s: %r" % (number, field, line)
        assert obj["gb_per_s"] > 0 and obj["ratio_to_scalar"] > 0, "line %d: %r" % (number, line)
        assert obj["canon"] in CANONS and obj["mode"] in MODES, "line %d: %r" % (number, line)
        key = (obj["canon"], obj["mode"])
        seen.setdefault(obj["kernel"], {})[key] = obj
        assert out_bytes.setdefault(obj["canon"], obj["out_bytes"]) == obj["out_bytes"], \
            "line %d: out_bytes differs between kernels: %r" % (number, line)
    want = {(c, m) for c in CANONS for m in MODES}
    for kernel, field in (("builtin", "ratio_to_builtin"), ("scalar", "ratio_to_scalar")):
        assert set(seen.get(kernel, {})) == want, "%s measured for %r" % (
            kernel, sorted(seen.get(kernel, {})))
        assert all(abs(o[field] - 1) < 1e-9 for o in seen[kernel].values()), seen[kernel]
    for kernel, rows in sorted(seen.items()):
        print("%s: %d measurements" % (kernel, len(rows)))
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
