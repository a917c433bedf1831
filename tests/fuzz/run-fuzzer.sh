#!/usr/bin/env bash
#
# NAME
#   run-fuzzer.sh - run one libFuzzer target for a bounded time (meson suite 'fuzz')
#
# SUMMARY
#   tests/fuzz/run-fuzzer.sh TARGET_BIN SEED_DIR...
#
#   Runs TARGET_BIN on a fresh writable corpus directory (removed at the
#   end) plus the SEED_DIRs, which libFuzzer only reads; seed directories
#   that do not exist (third-party data absent) are skipped with a note.
#   Environment:
#     FUZZ_SECONDS    fuzzing time, default 20
#     FUZZ_MAX_LEN    largest input, default 4096
#     FUZZ_ARTIFACTS  where failing inputs are kept, default ./fuzz-artifacts;
#                     each target gets its own subdirectory
#     FUZZ_CORPUS     keep the grown corpus in this directory instead of a
#                     temporary one (for long runs by hand)
#   While stderr is a terminal the fuzzer's output streams through; under
#   meson it goes to a log of which only the tail is shown.
#
# DIAGNOSTICS
#   Exit 0 when the time ran out without a finding. Exit 1 on a crash,
#   sanitizer report, leak, timeout (-timeout=10 s per input) or memory
#   blow-up (-rss_limit_mb=2048): the input is moved to
#   $FUZZ_ARTIFACTS/TARGET/ and the command to reproduce it is printed.
#   Exit 2 on usage errors. Never 77 (meson would call that a skip).

set -u

usage() {
	echo "usage: $0 TARGET_BIN SEED_DIR..." >&2
	exit 2
}

[ $# -ge 1 ] || usage
target=$1
shift
[ -x "$target" ] || { echo "run-fuzzer: $target is not an executable" >&2; exit 2; }
target=$(realpath "$target")
seconds=${FUZZ_SECONDS:-20}
max_len=${FUZZ_MAX_LEN:-4096}
case "$seconds$max_len" in
*[!0-9]*) echo "run-fuzzer: FUZZ_SECONDS and FUZZ_MAX_LEN must be numbers" >&2; exit 2 ;;
esac
name=$(basename "$target")
keep_dir=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}/$name

work=$(mktemp -d "${TMPDIR:-/tmp}/signet-$name.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
corpus=${FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus" "$work/found" || exit 2

seeds=()
for dir in "$@"; do
	if [ -d "$dir" ]; then
		seeds+=("$dir")
	else
		echo "run-fuzzer: seed directory $dir not present, skipped"
	fi
done

# Readable stacks in sanitizer reports; sane options when run by hand.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null 2>&1; then
	export ASAN_SYMBOLIZER_PATH
	ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

cmd=("$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
     -max_len="$max_len" -error_exitcode=1 -timeout_exitcode=1
     -artifact_prefix="$work/found/" -print_final_stats=1
     "$corpus" "${seeds[@]}")
echo "run-fuzzer: ${cmd[*]}"

# libFuzzer stops itself after max_total_time; this only catches a hang
# outside any one input (e.g. while loading the corpus).
guard=$((seconds + 600))
if [ -t 2 ]; then
	timeout -k 10 "$guard" "${cmd[@]}"
	rc=$?
else
	timeout -k 10 "$guard" "${cmd[@]}" >"$work/log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		grep -E '^INFO: Seed:|^INFO: seed corpus|^stat::|^Done ' "$work/log"
	else
		tail -n 200 "$work/log"
	fi
fi

shopt -s nullglob
findings=("$work"/found/crash-* "$work"/found/leak-* "$work"/found/timeout-* \
	  "$work"/found/oom-*)
if [ "$rc" -eq 0 ] && [ "${#findings[@]}" -eq 0 ]; then
	echo "run-fuzzer: $name: no finding in ${seconds}s" \
	     "($(find "$corpus" -type f | wc -l) inputs in the grown corpus)"
	exit 0
fi

echo "run-fuzzer: $name: FAILED (exit status $rc)"
if [ "${#findings[@]}" -gt 0 ]; then
	mkdir -p "$keep_dir"
	for f in "${findings[@]}"; do
		mv "$f" "$keep_dir/"
		echo "run-fuzzer: failing input kept: $keep_dir/$(basename "$f")"
		echo "run-fuzzer: reproduce with:" \
		     "${SIGNET_FUZZ_KEYS:+SIGNET_FUZZ_KEYS=$SIGNET_FUZZ_KEYS }$target" \
		     "$keep_dir/$(basename "$f")"
	done
fi
exit 1
