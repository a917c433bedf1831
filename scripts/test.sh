#!/usr/bin/env bash
#
# NAME
#   test.sh - build signet three ways and run its tests: THE test command
#
# SUMMARY
#   scripts/test.sh [normal] [asan] [fuzz]      (default: all three)
#
#   1. scripts/install-deps.sh installs whatever Debian packages are missing.
#   2. Each build tree is configured once (later runs only reconfigure, to
#      find new test files, and rebuild; a tree with another compiler or
#      other options than below is wiped and configured again), built, and
#      tested:
#        normal  build/       gcc    default options     meson test (every test)
#        asan    build-asan/  gcc    -Dsanitize=true     meson test --suite unit
#        fuzz    build-fuzz/  clang  -Dfuzz=true         meson test --suite fuzz
#                                    (ASan+UBSan+libFuzzer, no unit tests)
#   3. A summary line per tree, then as the last line
#      "N passed, N failed" (", N skipped" when any test exited 77), summed
#      over the trees from each tree's meson-logs/testlog.json.
#
#   Environment: FUZZ_SECONDS (default 20) per fuzz target;
#   SIGNET_BUILD_PREFIX (default "build") names the trees PREFIX,
#   PREFIX-asan, PREFIX-fuzz; SIGNET_SKIP_DEPS=1 skips step 1;
#   MESON_TEST_ARGS adds arguments to every meson test call.
#
# DIAGNOSTICS
#   Exit 0 when nothing failed, 1 otherwise. A tree that cannot be
#   configured or built, or whose meson test fails without a failed test in
#   its log, counts as one failed test. Exit 2 on usage errors or when the
#   dependencies cannot be installed.

set -u
cd "$(dirname "$0")/.." || exit 2

prefix=${SIGNET_BUILD_PREFIX:-build}
read -r -a extra_test_args <<<"${MESON_TEST_ARGS:-}"

# name -> build dir, C compiler, meson options, meson test arguments
tree_dir() {
	case "$1" in
	normal) echo "$prefix" ;;
	*) echo "$prefix-$1" ;;
	esac
}
tree_cc() {
	case "$1" in
	fuzz) echo clang ;;
	*) echo gcc ;;
	esac
}
tree_options() {
	case "$1" in
	normal) echo "-Dsanitize=false -Dfuzz=false -Dtests=true" ;;
	asan) echo "-Dsanitize=true -Dfuzz=false -Dtests=true" ;;
	fuzz) echo "-Dsanitize=true -Dfuzz=true -Dtests=false" ;;
	esac
}
tree_test_args() {
	case "$1" in
	normal) echo "" ;;
	asan) echo "--suite unit" ;;
	fuzz) echo "--suite fuzz" ;;
	esac
}

# True when DIR is configured with compiler CC and every -Dname=value given.
tree_matches() {
	local dir=$1 cc=$2
	shift 2
	[ -f "$dir/build.ninja" ] && [ -f "$dir/meson-info/intro-buildoptions.json" ] || return 1
	/usr/bin/python3 - "$dir" "$cc" "$@" <<'EOF'
import json, os, sys
d, cc, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
info = os.path.join(d, 'meson-info')
have = {o['name']: o['value'] for o in json.load(open(os.path.join(info, 'intro-buildoptions.json')))}
for opt in opts:
    name, value = opt[2:].split('=', 1)
    if str(have.get(name)).lower() != value:
        sys.exit(1)
compilers = {os.path.basename(src['compiler'][0])
             for t in json.load(open(os.path.join(info, 'intro-targets.json')))
             for src in t.get('target_sources', []) if src.get('language') == 'c'}
aliases = {'gcc': {'gcc', 'cc', 'gcc-12'}, 'clang': {'clang', 'clang-14'}}
sys.exit(0 if compilers and compilers <= aliases.get(cc, {cc}) else 1)
EOF
}

configure_tree() {
	local name=$1 dir cc out
	local -a opts

	dir=$(tree_dir "$name")
	cc=$(tree_cc "$name")
	read -r -a opts <<<"$(tree_options "$name")"
	if tree_matches "$dir" "$cc" "${opts[@]}"; then
		# Cheap, and picks up test files added since (tests are found by glob).
		out=$(meson setup --reconfigure "$dir" 2>&1) && return 0
		printf '%s\n' "$out"
		return 1
	fi
	if [ -d "$dir/meson-private" ]; then
		echo "test.sh: $dir: reconfiguring with CC=$cc ${opts[*]}"
		CC=$cc meson setup --wipe "$dir" "${opts[@]}"
	else
		echo "test.sh: $dir: configuring with CC=$cc ${opts[*]}"
		CC=$cc meson setup "$dir" "${opts[@]}"
	fi
}

# Prints "PASSED FAILED SKIPPED failed-test-names..." from a testlog.json.
count_results() {
	/usr/bin/python3 - "$1" <<'EOF'
import json, sys
passed = failed = skipped = 0
names = []
with open(sys.argv[1]) as f:
    for line in f:
        if not line.strip():
            continue
        t = json.loads(line)
        r = t.get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
        else:
            failed += 1
            names.append('%s(%s)' % (t.get('name'), r))
print(passed, failed, skipped, *names)
EOF
}

total_passed=0
total_failed=0
total_skipped=0
tree_start=0
summary=()

# Adds one tree's counts to the totals and its line to the summary.
record() {
	local name=$1 passed=$2 failed=$3 skipped=$4 note=$5
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	total_skipped=$((total_skipped + skipped))
	summary+=("$(printf '%-7s %-16s %3d passed, %3d failed, %3d skipped %5ds%s' \
		"$name" "$(tree_dir "$name")/" "$passed" "$failed" "$skipped" \
		$((SECONDS - tree_start)) "$note")")
}

run_tree() {
	local name=$1 dir log rc counts
	local -a test_args names

	dir=$(tree_dir "$name")
	tree_start=$SECONDS
	echo
	echo "=== test.sh: $name tree ($dir/) ==="
	if ! configure_tree "$name"; then
		record "$name" 0 1 0 "  (configure failed)"
		return
	fi
	if ! ninja -C "$dir"; then
		record "$name" 0 1 0 "  (build failed)"
		return
	fi
	read -r -a test_args <<<"$(tree_test_args "$name")"
	log="$dir/meson-logs/testlog.json"
	rm -f "$log"
	meson test -C "$dir" --print-errorlogs "${test_args[@]}" "${extra_test_args[@]}"
	rc=$?
	if [ ! -f "$log" ]; then
		if [ "$rc" -eq 0 ]; then
			record "$name" 0 0 0 "  (no tests)"
		else
			record "$name" 0 1 0 "  (meson test exited $rc)"
		fi
		return
	fi
	read -r -a counts <<<"$(count_results "$log")"
	names=("${counts[@]:3}")
	if [ "$rc" -ne 0 ] && [ "${counts[1]}" -eq 0 ]; then
		counts[1]=1
		names=("meson test exited $rc")
	fi
	record "$name" "${counts[0]}" "${counts[1]}" "${counts[2]}" \
		"${names[0]:+  failed: ${names[*]}}"
}

main() {
	local -a trees=("$@")
	local tree

	[ "${#trees[@]}" -gt 0 ] || trees=(normal asan fuzz)
	for tree in "${trees[@]}"; do
		case "$tree" in
		normal | asan | fuzz) ;;
		*) echo "usage: $0 [normal] [asan] [fuzz]" >&2; exit 2 ;;
		esac
	done
	if [ "${SIGNET_SKIP_DEPS:-0}" != 1 ]; then
		scripts/install-deps.sh || exit 2
	fi
	for tree in "${trees[@]}"; do
		run_tree "$tree"
	done
	echo
	echo "=== test.sh: summary ==="
	printf '%s\n' "${summary[@]}"
	if [ "$total_skipped" -gt 0 ]; then
		echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
	else
		echo "$total_passed passed, $total_failed failed"
	fi
	[ "$total_failed" -eq 0 ]
}

main "$@"
