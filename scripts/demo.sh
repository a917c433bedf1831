#!/usr/bin/env bash
# NAME
#   demo.sh - signet's main job: set up, build, and show signing end to end
#
# SUMMARY
#   Installs what is missing (scripts/install-deps.sh), builds build/, then
#   in demo-out/: generates an RSA-2048 key for example.com, signs the sample
#   campaign message docs/examples/campaign.eml (DKIM rsa-sha256 + Ed25519 +
#   DomainKeys in one pass), verifies the result with signet, dkimpy and
#   Mail::DKIM,
#   and prints the DNS records to publish. Re-running starts demo-out/ afresh.
#   Works as root and as an ordinary user (install-deps.sh uses sudo then).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "installing missing packages"
scripts/install-deps.sh

step "building"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build tools/signet >/dev/null
signet=$top/build/tools/signet

out=$top/demo-out
rm -rf "$out"
mkdir -p "$out"
cd "$out"
domain=example.com

step "generating keys for $domain (selectors s2026 rsa-2048, e2026 ed25519)"
"$signet" keygen -d "$domain" -s s2026 -o s2026.key > keys.txt
"$signet" keygen -t ed25519 -d "$domain" -s e2026 -o e2026.key >> keys.txt
ls -l s2026.key e2026.key

step "signing docs/examples/campaign.eml"
"$signet" sign -d "$domain" -k s2026.key -s s2026 -k e2026.key -s e2026 \
	--dk --dk-canon nofws -o campaign.signed.eml "$top/docs/examples/campaign.eml"
sed -n '1,/^From:/p' campaign.signed.eml | sed '$d' | tr -d '\r'

step "verifying with signet (keys from keys.txt, the DNS table of this demo)"
"$signet" verify --dns-file keys.txt campaign.signed.eml

step "verifying with dkimpy (Debian python3-dkim)"
/usr/bin/python3 "$top/tests/interop/peers/dkimpy_peer.py" verify --keys keys.txt \
	< campaign.signed.eml

step "verifying with Mail::DKIM (Debian libmail-dkim-perl; DKIM and DomainKeys)"
perl "$top/tests/interop/peers/maildkim_peer.pl" verify --keys keys.txt < campaign.signed.eml

step "DNS records to publish (zone-file form; DomainKeys verifiers accept the DKIM1 record)"
"$signet" dns-record -k s2026.key -d "$domain" -s s2026 --zone
"$signet" dns-record -k e2026.key -d "$domain" -s e2026 --zone

printf '\nAll done. Files are in %s\n' "$out"
