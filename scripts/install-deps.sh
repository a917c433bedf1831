#!/usr/bin/env bash
#
# NAME
#   install-deps.sh - install the Debian 12 packages signet needs to build and test
#
# SUMMARY
#   scripts/install-deps.sh [--check]
#
#   Asks dpkg-query which of the packages below are missing and installs only
#   those, with a non-interactive apt-get (running `apt-get update` first,
#   and only when something is missing). Runs apt-get directly as root,
#   through sudo otherwise; without sudo it prints the exact command to run
#   and exits 1. --check only lists what is missing (exit 1 if anything).
#   Exit 0 when everything is installed.
#
#   To add a dependency, add its Debian package name to the right group in
#   PACKAGES below, with a comment when the reason is not obvious.

set -eu

PACKAGES=(
	# Build: compilers, build system, libraries the code links with.
	meson ninja-build pkg-config
	gcc
	clang libclang-rt-14-dev	# fuzz build: libFuzzer + clang sanitizer runtimes
	llvm				# llvm-symbolizer: readable sanitizer stack traces
	libssl-dev			# crypto/ (OpenSSL 3)
	libcmocka-dev			# tests/unit
	dpdk-dev			# crypto/cryptodev (DPDK 22.11 EAL, cryptodev, crypto_openssl PMD)
	libedit-dev			# control/ctl: signetctl line editing, history, completion
	liburing-dev			# dataplane/signetd: io_uring front-ends
	libjemalloc-dev			# dataplane/signetd: per-worker arenas
	libcrypt-dev			# dataplane/signetd: AUTH PLAIN password hashes (crypt_rn)

	# Test tools for the crypto backends.
	valgrind			# constant-time tests of the IFMA code (memcheck)
	libengine-pkcs11-openssl	# an OpenSSL ENGINE to exercise --backend engine:ID
	dnsmasq-base			# a real DNS server for the control plane's dns test

	# Test runners and peers (tests/interop, seed generators).
	python3				# /usr/bin/python3: pytest, testlog parsing
	openssl				# openssl CLI: reference keys in interop tests
	python3-pytest
	python3-dkim			# dkimpy
	python3-dnspython		# dkimpy's DNS backend
	libmail-dkim-perl		# Mail::DKIM (DKIM and DomainKeys)
	libopendkim-dev opendkim-tools	# OpenDKIM
	swaks				# SMTP client for signetd's end-to-end tests
	python3-matplotlib		# bench/run_bench.py: PNG plots
)

missing_packages() {
	local pkg status
	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		if [ "$status" != "installed" ]; then
			printf '%s\n' "$pkg"
		fi
	done
}

main() {
	local -a missing
	local -a as_root=()

	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "install-deps: all ${#PACKAGES[@]} packages installed"
		return 0
	fi
	echo "install-deps: missing: ${missing[*]}"
	if [ "${1:-}" = "--check" ]; then
		return 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "install-deps: not root and no sudo; run as root:" >&2
			echo "  apt-get update && DEBIAN_FRONTEND=noninteractive" \
			     "apt-get install -y --no-install-recommends ${missing[*]}" >&2
			return 1
		fi
		as_root=(sudo --preserve-env=DEBIAN_FRONTEND)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${as_root[@]}" apt-get update -q
	"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

main "$@"
