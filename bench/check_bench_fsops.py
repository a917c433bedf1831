"""
NAME
  check_bench_fsops.py - smoke test of `signet-bench fsops`

SUMMARY
  check_bench_fsops.py BENCH: runs `BENCH fsops --dir TMP --json` on a
  temporary folder with a few small messages and fails unless it exits 0
  with one JSON object naming the count, size and group it was given, a
  CPU and wall time per message above zero, every step (read, probe,
  write, rename, dirsync, retire) and nothing left behind in the folder;
  a run with --group 1 syncs the folder after every rename (its dirsync
  step is measured, not zero). Bad command lines (no --dir, a --dir that
  is a file, --count 0, --bytes below 64, a stray argument) exit 2 with
  the usage or the reason. No figure is judged: this is a benchmark,
  not a timed test.
"""
import json
import os
import subprocess
import sys
import tempfile

STEPS = {"read", "probe", "write", "rename", "dirsync", "retire"}


def run(bench, *args):
    return subprocess.run([bench, "fsops", *args], capture_output=True, text=True, timeout=120)


def check_run(bench, folder, group):
    done = run(bench, "--dir", folder, "--json", "--count", "40", "--bytes", "3000",
               "--rounds", "2", "--group", str(group))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    obj = json.loads(lines[0])
    assert obj["bench"] == "fsops" and obj["folder"] == folder, obj
    assert (obj["messages"], obj["bytes"], obj["group"], obj["rounds"]) == (40, 3000, group, 2)
    assert obj["cpu_us_per_msg"] > 0 and obj["wall_us_per_msg"] > 0, obj
    assert set(obj["steps_us"]) == STEPS, obj
    assert all(v >= 0 for v in obj["steps_us"].values()), obj
    assert obj["steps_us"]["write"] > 0 and obj["steps_us"]["read"] > 0, obj
    assert os.listdir(folder) == [], "left behind: %r" % os.listdir(folder)
    return obj


def main():
    bench = sys.argv[1]
    passed = 0
    with tempfile.TemporaryDirectory() as folder:
        check_run(bench, folder, 8)
        passed += 1
        every = check_run(bench, folder, 1)
        assert every["steps_us"]["dirsync"] > 0, every
        passed += 1
        a_file = os.path.join(folder, "plain")
        open(a_file, "w").close()
        bad = [((), "usage: signet-bench fsops"),
               (("--dir", a_file), "not a folder"),
               (("--dir", folder, "--count", "0"), "usage"),
               (("--dir", folder, "--bytes", "63"), "usage"),
               (("--dir", folder, "stray"), "usage")]
        for args, said in bad:
            done = run(bench, *args)
            assert done.returncode == 2 and said in done.stderr, (args, done.returncode,
                                                                  done.stderr)
            passed += 1
        os.unlink(a_file)
    print("%d passed, 0 failed" % passed)


if __name__ == "__main__":
    main()
