#!/usr/bin/python3
"""
NAME
  demo_helper.py - the parts of scripts/demo.sh that are clearer in Python

SUMMARY
  demo_helper.py ports N
      N free TCP ports on 127.0.0.1, one line (bound once with port 0 and
      closed again: another program could still take one before the demo
      does; the daemons then fail to start and say which address is busy).
  demo_helper.py wait-smtp PORT SECONDS [PID]
      Waits until 127.0.0.1:PORT greets with 220 (then says QUIT); exit 1
      after SECONDS, or at once when process PID is gone.
  demo_helper.py dns-table
      Reads `signetctl --json dns record NAME DOMAIN` answers (one JSON
      document a line) on stdin and writes the DNS table ("NAME TXT-VALUE"
      lines, as `signet verify --dns-file` and the interop peers read it).
  demo_helper.py verify DIR TABLE
      Verifies every DIR/*.eml with dkimpy (Debian python3-dkim), keys from
      TABLE, never from DNS; one line a message, then
      "verified: V of N messages in DIR pass". Exit 0 only when N > 0 and
      every message has a passing DKIM-Signature.
  demo_helper.py report LOAD_JSON SINK_JSON ENGINE_JSON MESSAGES
      The figures: what smtp-load sent and got accepted, what reached the
      sink, signetd's msgs/s end to end, and from `signet-bench engine
      --json` signet's engine and libopendkim, each signing alone on one
      core. Each figure is labelled with what it measures; no ratio is made
      between unlike measurements. Prints a last line
      "summary: messages=M accepted=A at_sink=S" and exits 1 unless
      A == S == MESSAGES.

UNTRUSTED INPUT
  The sampled messages (only handed to dkimpy) and the JSON written by
  signetctl and signet-bench (fields are looked up, missing ones reported).
"""
import json
import os
import pathlib
import re
import socket
import sys
import time

try:
    import dkim
except ImportError:
    dkim = None


def cmd_ports(count):
    held = []
    try:
        for _ in range(int(count)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in held))
    finally:
        for s in held:
            s.close()
    return 0


def greets(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            ok = s.recv(512).startswith(b"220")
            if ok:
                s.sendall(b"QUIT\r\n")
                s.recv(512)
            return ok
    except OSError:
        return False


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    # a zombie is gone for our purpose
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmd_wait_smtp(port, seconds, pid=None):
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        if greets(int(port)):
            return 0
        if pid is not None and not alive(int(pid)):
            return 1
        time.sleep(0.05)
    return 1


def cmd_dns_table():
    for line in sys.stdin:
        if not line.strip():
            continue
        rows = {r["field"]: r["value"] for r in json.loads(line)["rows"]}
        print(rows["dns_name"], rows["txt"])
    return 0


def load_table(path):
    table = {}
    for line in pathlib.Path(path).read_text().splitlines():
        name, _, value = line.strip().partition(" ")
        if name and not name.startswith("#"):
            table[name.rstrip(".").lower()] = value.strip().encode()
    return table


def cmd_verify(folder, table_path):
    if dkim is None:
        print("verify: dkimpy (python3-dkim) is not installed", file=sys.stderr)
        return 1
    table = load_table(table_path)

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return table.get(key.rstrip(".").lower())

    files = sorted(pathlib.Path(folder).glob("*.eml"))
    passed = 0
    for path in files:
        data = path.read_bytes()
        sigs = data.count(b"DKIM-Signature:")
        try:
            ok = sigs > 0 and dkim.verify(data, dnsfunc=dnsfunc)
            detail = "pass" if ok else "FAIL" if sigs else "FAIL (not signed)"
        except dkim.DKIMException as e:
            ok, detail = False, f"FAIL ({e})"
        tags = re.search(rb"^DKIM-Signature:.*?\bd=([^;\s]+);.*?\bs=([^;\s]+);", data,
                         re.DOTALL | re.MULTILINE)
        named = f" d={tags[1].decode()} s={tags[2].decode()}" if tags else ""
        print(f"  {path.name}  {len(data):8d} bytes  dkim={detail}{named}")
        passed += ok
    print(f"verified: {passed} of {len(files)} messages in {folder} pass")
    return 0 if files and passed == len(files) else 1


def read_json(path, what):
    try:
        return json.loads(pathlib.Path(path).read_text().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError) as e:
        print(f"report: no {what} figures in {path}: {e}", file=sys.stderr)
        return {}


def engine_lines(path):
    found = {}
    try:
        for line in pathlib.Path(path).read_text().splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                if r.get("size_class") == "corpus":
                    found[r["who"]] = r
    except (OSError, ValueError) as e:
        print(f"report: cannot read {path}: {e}", file=sys.stderr)
    return found


def cmd_report(load_path, sink_path, engine_path, messages):
    messages = int(messages)
    load = read_json(load_path, "smtp-load")
    sink = read_json(sink_path, "smtp-sink")
    engine = engine_lines(engine_path)
    accepted, at_sink = load.get("accepted", 0), sink.get("messages", 0)
    cores = os.cpu_count()
    print("   msgs/s  what was measured")
    print(f"  {load.get('msgs_per_s', 0):7,.0f}  signetd end to end: SMTP in, signed, SMTP out to"
          f" the sink ({accepted:,} of {load.get('messages', 0):,} accepted in"
          f" {load.get('seconds', 0):.1f} s;")
    print(f"           signetd, the load client and the sink shared this machine's {cores} CPUs)")
    for who, label in (("signet-auto", "signet's engine alone on one core"),
                       ("opendkim", "libopendkim alone on one core")):
        r = engine.get(who)
        if r is None:
            print(f"        -  {label}: not measured (see engine.log)")
            continue
        print(f"  {r['msgs_per_s']:7,.0f}  {label} (backend {r['backend']}; messages in"
              f" memory, no SMTP)")
    print("  The last two sign the campaign's messages with one RSA-2048 key and the same"
          " settings:\n  compare those with each other. The first is the whole appliance on"
          " every core, with\n  its client and sink beside it.")
    print(f"  Load average {os.getloadavg()[0]:.2f}: other work on the machine lowers every"
          " figure\n  (bench/run_bench.py and docs/benchmarks.md measure with more care).")
    print(f"summary: messages={messages} accepted={accepted} at_sink={at_sink}")
    return 0 if accepted == messages == at_sink else 1


COMMANDS = {"ports": (cmd_ports, 1, 1), "wait-smtp": (cmd_wait_smtp, 2, 3),
            "dns-table": (cmd_dns_table, 0, 0), "verify": (cmd_verify, 2, 2),
            "report": (cmd_report, 4, 4)}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print("usage: demo_helper.py ports N | wait-smtp PORT SECONDS [PID] | dns-table |"
              " verify DIR TABLE | report LOAD SINK ENGINE MESSAGES", file=sys.stderr)
        return 2
    func, least, most = COMMANDS[argv[1]]
    args = argv[2:]
    if not least <= len(args) <= most:
        print(f"demo_helper.py {argv[1]}: wrong number of arguments", file=sys.stderr)
        return 2
    return func(*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
