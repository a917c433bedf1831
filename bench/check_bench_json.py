"""
NAME
  check_bench_json.py - smoke test of `signet-bench crypto --json`

SUMMARY
  check_bench_json.py BENCH ARGS...: runs BENCH ARGS, and fails unless it
  exits 0 and every stdout line is one JSON object with backend (str), alg
  (str), bits (int), signs_per_s (number > 0) and ratio_to_evp (number or
  null), with openssl_raw and evp measured for every key size (RSA 1024,
  2048, 3072, 4096 and Ed25519) and evp's own ratio 1. No figure is judged:
  this is a benchmark, not a timed test. Backends the bench skipped are
  shown from its stderr.
"""
import json
import subprocess
import sys

SIZES = {("rsa-sha256", 1024), ("rsa-sha256", 2048), ("rsa-sha256", 3072),
         ("rsa-sha256", 4096), ("ed25519-sha256", 256)}
FIELDS = {"backend": str, "alg": str, "bits": int, "signs_per_s": (int, float)}


def main():
    proc = subprocess.run(sys.argv[1:], capture_output=True, timeout=280)
    sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    assert proc.returncode == 0, "bench exited %d" % proc.returncode
    seen = {}
    for number, line in enumerate(proc.stdout.decode().splitlines(), 1):
        obj = json.loads(line)
        assert isinstance(obj, dict), "line %d is not an object: %r" % (number, line)
        for field, kind in FIELDS.items():
            assert isinstance(obj.get(field), kind), "line %d: bad %s: %r" % (number, field, line)
        assert obj["signs_per_s"] > 0, "line %d: no signatures: %r" % (number, line)
        ratio = obj.get("ratio_to_evp", "missing")
        assert ratio is None or isinstance(ratio, (int, float)), "line %d: %r" % (number, line)
        seen.setdefault(obj["backend"], {})[(obj["alg"], obj["bits"])] = ratio
    for backend in ("openssl_raw", "evp"):
        assert set(seen.get(backend, {})) == SIZES, "%s measured for %r" % (
            backend, sorted(seen.get(backend, {})))
    assert all(abs(r - 1) < 1e-9 for r in seen["evp"].values()), seen["evp"]
    for backend, sizes in sorted(seen.items()):
        print("%s: %d measurements" % (backend, len(sizes)))
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
