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
#
#   Postfix is installed only as a program for tests/interop (which run
#   private instances in temp folders), never as the system's mail server:
#   when it is missing, debconf is preseeded with "No configuration" first,
#   so the package writes no /etc/postfix/main.cf and neither its init
#   script nor its systemd unit can start it (nothing listens on port 25,
#   with or without systemd). If another mail server (a package providing
#   mail-transport-agent, e.g. exim4) is installed, postfix is left out
#   with a note instead of letting apt remove that server; the tests that
#   need it then skip.

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
	postfix				# next hop in test_signetd_postfix.py (never configured; see above)
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

# The installed packages that provide mail-transport-agent, one a line.
installed_mail_servers() {
	dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Provides}\n' 2>/dev/null |
		awk -F '\t' '$2 == "installed" && $3 ~ /(^|[ ,])mail-transport-agent([ ,(]|$)/ { print $1 }'
}

# Drops postfix from the missing packages when another mail server is
# installed (apt would remove it to make room).
keep_other_mail_server() {
	local others pkg
	local -a kept=()

	others=$(installed_mail_servers | tr '\n' ' ')
	others=${others% }
	[ -n "$others" ] || return 0
	for pkg in "${missing[@]}"; do
		if [ "$pkg" = postfix ]; then
			echo "install-deps: not installing postfix: it would replace the" \
			     "installed mail server ($others); tests that need postfix will skip"
		else
			kept+=("$pkg")
		fi
	done
	missing=("${kept[@]}")
}

# Before postfix is installed: answer its debconf question with "No
# configuration" so it is installed as programs only, not set up and not
# started as a system mail server. A main.cf left by an earlier postfix
# (removed, not purged) would still be used: say so.
POSTFIX_PRESEED="postfix postfix/main_mailer_type select No configuration"
preseed_postfix() {
	echo "$POSTFIX_PRESEED" | "${as_root[@]}" debconf-set-selections
	if [ -e /etc/postfix/main.cf ]; then
		echo "install-deps: note: /etc/postfix/main.cf exists (left by an" \
		     "earlier postfix); the package will use it and may start postfix"
	fi
}

main() {
	local -a missing
	local -a as_root=()
	local preseed=""

	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		echo "install-deps: all ${#PACKAGES[@]} packages installed"
		return 0
	fi
	echo "install-deps: missing: ${missing[*]}"
	if [ "${1:-}" = "--check" ]; then
		return 1
	fi
	keep_other_mail_server
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
		preseed="echo '$POSTFIX_PRESEED' | debconf-set-selections && "
	fi
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "install-deps: not root and no sudo; run as root:" >&2
			echo "  ${preseed}apt-get update && DEBIAN_FRONTEND=noninteractive" \
			     "apt-get install -y --no-install-recommends ${missing[*]}" >&2
			return 1
		fi
		as_root=(sudo --preserve-env=DEBIAN_FRONTEND)
	fi
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$preseed" ]; then
		preseed_postfix
	fi
	"${as_root[@]}" apt-get update -q
	"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

main "$@"
