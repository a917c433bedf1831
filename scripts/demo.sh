#!/usr/bin/env bash
# NAME
#   demo.sh - signet's main job: set up, build, and run the signing appliance
#
# SUMMARY
#   scripts/demo.sh [--out DIR] [--messages N] [--workers N]
#
#   1. Installs what is missing (scripts/install-deps.sh; skipped with
#      SIGNET_SKIP_DEPS=1) and builds build/ (meson setup when needed, then
#      ninja for the four programs the demo runs). SIGNET_BUILD_DIR=DIR
#      uses an already built meson tree instead and builds nothing.
#   2. In DIR (default demo-out/; removed and made again, unless it holds
#      files that an earlier demo did not make): writes signet.conf from
#      the shipped dist/demo/signet-demo.conf with free loopback ports;
#      starts signet-controld; makes an RSA-2048 key for each of
#      example.com, example.net and example.org with `signetctl selector
#      create`, writes their DNS records to keys.txt (the demo's DNS
#      table), and enables them; starts a sink (signet-bench smtp-sink,
#      keeping the first 50 messages) and signetd as an SMTP signing relay
#      in front of it (N workers, default 0 = one per core).
#   3. Sends a campaign of N messages (default 20000; generated,
#      personalised, 2 KB to 1 MB) through signetd with signet-bench
#      smtp-load (progress bar on a terminal), stops signetd and the sink
#      (SIGTERM, exit status checked), verifies the kept sample with dkimpy
#      against keys.txt, prints `signetctl signing_stats`, and stops
#      signet-controld.
#   4. Measures libopendkim and signet's engine on one core on the same
#      kind of messages (signet-bench engine, a few seconds) and prints
#      those rates under signetd's end-to-end rate, each labelled.
#   The last line is "summary: messages=N accepted=A at_sink=S
#   verified=V/K"; the line before it names the daemons' pids.
#   Works as root and as an ordinary user (install-deps.sh uses sudo then,
#   and only when something is missing). Every daemon listens on
#   127.0.0.1 only; its sockets, state and logs stay in DIR.
#
# DIAGNOSTICS
#   Exit 0 when every message was accepted and reached the sink, the whole
#   sample verified and every daemon exited 0; 1 otherwise (the log of the
#   step that failed is shown); 2 on a usage error; 130 after Ctrl-C. On
#   any failure or Ctrl-C the daemons still running get SIGTERM (SIGKILL
#   after 10 s).
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."
top=$PWD

usage() {
	echo "usage: scripts/demo.sh [--out DIR] [--messages N] [--workers N]" >&2
	exit 2
}

out=$top/demo-out
messages=20000
workers=0
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--messages) [[ ${2:-} =~ ^[1-9][0-9]{0,6}$ ]] || usage; messages=$2; shift 2 ;;
	--workers) [[ ${2:-} =~ ^[0-9]{1,3}$ ]] || usage; workers=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done
case $out in /*) ;; *) out=$caller/$out ;; esac
helper=(/usr/bin/python3 "$top/dist/demo/demo_helper.py")
sample_size=50
corpus=(--generate 500 --seed 1)	# the same messages for smtp-load and engine

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() {
	printf 'demo: %s\n' "$1" >&2
	[ -z "${2:-}" ] || { echo "--- last lines of $2:" >&2; tail -n 15 "$2" >&2 || true; }
	exit 1
}

# --- daemons: started in the background, stopped with SIGTERM ----------------
declare -A pids=()	# the daemons running now, by name
started=()		# "NAME PID" of every daemon started
start_time=$SECONDS

# stop NAME: SIGTERM, wait up to 10 s (then SIGKILL); its exit status
stop() {
	local name=$1 pid=${pids[$1]} status=0 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "demo: $name (pid $pid) did not stop in 10 s: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || status=$?
	unset "pids[$name]"
	return "$status"
}

cleanup() {
	local name
	rm -f "${build_log:-}"
	for name in signetd sink controld; do
		[ -z "${pids[$name]:-}" ] || stop "$name" || true
	done
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted; stopping the daemons" >&2; exit 130' INT TERM

# --- 1. packages and build ---------------------------------------------------
step "installing missing packages"
if [ "${SIGNET_SKIP_DEPS:-}" = 1 ]; then
	echo "skipped (SIGNET_SKIP_DEPS=1)"
else
	scripts/install-deps.sh
fi

step "building"
programs=(control/signet-controld control/ctl/signetctl dataplane/signetd/signetd
	  bench/signet-bench)
if [ -n "${SIGNET_BUILD_DIR:-}" ]; then
	build=$(cd "$SIGNET_BUILD_DIR" && pwd)
	echo "using the built tree $build (SIGNET_BUILD_DIR)"
else
	build=$top/build
	build_log=$(mktemp)
	quietly() {	# run a build command; its last line, or its end and exit 1
		"$@" > "$build_log" 2>&1 || { tail -n 40 "$build_log"; fail "failed: $*"; }
		tail -n 1 "$build_log"
	}
	[ -f build/build.ninja ] || quietly meson setup build
	quietly ninja -C build "${programs[@]}"
	rm -f "$build_log"
fi
for p in "${programs[@]}"; do
	[ -x "$build/$p" ] || fail "$build/$p is not built"
done
controld=$build/control/signet-controld
signetctl=$build/control/ctl/signetctl
signetd=$build/dataplane/signetd/signetd
bench=$build/bench/signet-bench

# --- 2. configuration, control plane, keys -----------------------------------
step "configuration: $out/signet.conf (from dist/demo/signet-demo.conf)"
# a folder of something else is never removed: only an earlier demo's
if [ -e "$out" ] && [ ! -e "$out/.signet-demo" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
	fail "$out exists and is not an earlier demo's folder: choose another --out"
fi
rm -rf "$out"
mkdir -p "$out/run" "$out/sample"
cd "$out"
echo "made by scripts/demo.sh: removed and made again at each run" > .signet-demo
read -r listen_port sink_port metrics_port < <("${helper[@]}" ports 3)
sed -e "s/@LISTEN_PORT@/$listen_port/; s/@SINK_PORT@/$sink_port/" \
    -e "s/@METRICS_PORT@/$metrics_port/; s/@WORKERS@/$workers/" \
    "$top/dist/demo/signet-demo.conf" > signet.conf
"$controld" -c signet.conf --check
echo "signetd listens on 127.0.0.1:$listen_port and relays to the sink on" \
     "127.0.0.1:$sink_port; metrics on 127.0.0.1:$metrics_port"

# Both daemons lock key memory (half of RLIMIT_MEMLOCK, at least 1 MiB) and
# signetd's io_uring needs some too; 8 MiB (Debian's default) is plenty.
memlock=$(ulimit -l)
if [ "$memlock" != unlimited ] && [ "$memlock" -lt 2048 ]; then
	echo "note: ulimit -l is $memlock KiB: keys will stay in ordinary memory (the daemons"
	echo "      log a warning), and with a few hundred KiB or less signetd cannot set up"
	echo "      io_uring; raise it with ulimit -l (LimitMEMLOCK= under systemd)"
fi

step "starting signet-controld (keys, selectors, statistics)"
"$controld" -c signet.conf > controld.log 2>&1 &
pids[controld]=$!
started+=("signet-controld ${pids[controld]}")
ctl() { "$signetctl" -c signet.conf "$@"; }
for ((i = 0; i < 100; i++)); do
	ctl version > /dev/null 2>&1 && break
	kill -0 "${pids[controld]}" 2>/dev/null || fail "signet-controld did not start" controld.log
	sleep 0.1
done
ctl version > /dev/null || fail "signet-controld does not answer" controld.log
grep -m1 listening controld.log

step "keys: a selector for each sender domain, made by signet-controld"
for tld in com net org; do
	ctl selector create "${tld}2026" --domain "example.$tld" | tail -n 1
	ctl --json dns record "${tld}2026" "example.$tld" >> records.json
	echo >> records.json
	ctl selector enable "${tld}2026" "example.$tld" | tail -n 1
done
"${helper[@]}" dns-table < records.json > keys.txt
echo "DNS records to publish (the demo's DNS table keys.txt; cut here at 100 characters):"
cut -c 1-100 keys.txt | sed 's/$/.../'
echo "(no DNS here: the selectors are enabled at once and dkimpy reads keys.txt; for a real"
echo " domain, publish the record and check it with \`signetctl dns test\` before enabling)"

# --- 3. the appliance and the campaign ---------------------------------------
step "starting the sink and signetd (SMTP signing relay)"
"$bench" smtp-sink --listen "127.0.0.1:$sink_port" --keep sample \
	--keep-count "$sample_size" --ready-file run/sink.ready --json > sink.json 2> sink.log &
pids[sink]=$!
started+=("sink ${pids[sink]}")
for ((i = 0; i < 100; i++)); do
	[ ! -e run/sink.ready ] || break
	kill -0 "${pids[sink]}" 2>/dev/null || fail "the sink did not start" sink.log
	sleep 0.1
done
[ -e run/sink.ready ] || fail "the sink is not listening after 10 s" sink.log
# DPDK's EAL keeps its runtime folder under XDG_RUNTIME_DIR when not root
XDG_RUNTIME_DIR=$out/run "$signetd" -c signet.conf > signetd.log 2>&1 &
pids[signetd]=$!
started+=("signetd ${pids[signetd]}")
if ! "${helper[@]}" wait-smtp "$listen_port" 30 "${pids[signetd]}"; then
	kill -0 "${pids[signetd]}" 2>/dev/null || fail "signetd stopped while starting" signetd.log
	fail "signetd does not answer on 127.0.0.1:$listen_port after 30 s" signetd.log
fi
grep -m1 "SMTP relay on" signetd.log

step "sending a campaign of $messages messages through signetd"
load_status=0
"$bench" smtp-load --to "127.0.0.1:$listen_port" "${corpus[@]}" --messages "$messages" \
	--connections 16 --progress --json > load.json || load_status=$?
echo "smtp-load: $(cat load.json)"

step "stopping signetd and the sink (SIGTERM)"
stop signetd || fail "signetd exited with status $?" signetd.log
tail -n 1 signetd.log
stop sink || fail "the sink exited with status $?" sink.log
echo "sink: $(cat sink.json)"

step "verifying the first $sample_size messages the sink received with dkimpy (keys.txt)"
verify_status=0
"${helper[@]}" verify sample keys.txt > verify.txt || verify_status=$?
if [ "$(wc -l < verify.txt)" -le 6 ]; then
	cat verify.txt
else
	head -n 5 verify.txt
	echo "  ... (every message in $out/verify.txt)"
	tail -n 1 verify.txt
fi

step "signetctl signing_stats"
ctl signing_stats
stop controld || fail "signet-controld exited with status $?" controld.log
echo "signet-controld stopped"

# --- 4. the same kind of messages through libopendkim, on one core ----------
step "OpenDKIM on this machine: signet-bench engine (a few seconds)"
"$bench" engine --json --seconds 2 --rounds 1 "${corpus[@]}" --sizes none \
	--backends auto > engine.json 2> engine.log || echo "signet-bench engine failed (engine.log)"

step "results (also in $out)"
report_status=0
"${helper[@]}" report load.json sink.json engine.json "$messages" > report.txt ||
	report_status=$?
sed '$d' report.txt
echo "daemons (name pid): ${started[*]/%/,} all stopped with exit status 0; run time $((SECONDS - start_time)) s"
verified=$(sed -n 's/^verified: \([0-9]*\) of \([0-9]*\) .*/\1\/\2/p' verify.txt)
echo "$(tail -n 1 report.txt) verified=${verified:-0/0}"
[ "$load_status" = 0 ] || fail "smtp-load: not every message was accepted (exit $load_status)"
[ "$report_status" = 0 ] || fail "the sink did not receive every message"
[ "$verify_status" = 0 ] || fail "the sample did not verify ($out/verify.txt)"
