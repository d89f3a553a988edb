#!/bin/sh
# deps.sh - install the Debian packages hrdex needs to build and test.
# As root, missing packages are installed with apt-get; otherwise the exact
# command is printed and the script fails.  chromium (large, but the site's
# tests need a real browser) and a CJK font for its screenshots are test-only,
# and so is openssh-server (an sshd on 127.0.0.1 serves the ssh:// peer test;
# it is started by the test, never as a service).
set -eu
PKGS="build-essential pkg-config git openssh-client libgit2-dev libcjson-dev
libcurl4-openssl-dev libsqlite3-dev sqlite3 libsodium-dev libpcre2-dev
libcmocka-dev zlib1g-dev libssl-dev libutf8proc-dev iso-codes json-schema-test-suite jq valgrind curl procps time
systemd clang libclang-rt-14-dev openssh-server chromium fonts-noto-cjk
libmicrohttpd-dev libical-dev libhttp-oai-perl python3-feedparser python3-icalendar"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: missing packages; run: sudo apt-get install$missing" >&2
	exit 1
fi
