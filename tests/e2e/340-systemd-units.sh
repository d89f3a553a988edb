#!/bin/bash
# contrib/: the systemd units pass `systemd-analyze verify` (man pages
# included, installed by `make install`), keep their hardening, and the
# example config is valid.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed (package systemd)"; exit 77; }
C="$top/contrib"

note "make install puts the binary, man pages and units in place"
make -s -C "$top" install DESTDIR="$T/root" PREFIX=/usr/local BUILD="$(dirname "$HRDEX")" >"$T/install.log" 2>&1 ||
	fail "make install: $(tail -n5 "$T/install.log")"
for f in bin/hrdex share/man/man1/hrdex.1 share/man/man5/hrdex.conf.5 share/doc/hrdex/hrdex.service \
	share/doc/hrdex/hrdex-git-daemon.service share/doc/hrdex/hrdex-serve.service share/doc/hrdex/hrdex.conf; do
	[ -f "$T/root/usr/local/$f" ] || fail "make install: no $f"
done
if command -v man >/dev/null; then
	! man --warnings -l "$C/hrdex.1" 2>&1 >/dev/null | grep . || fail "hrdex.1 has roff warnings"
	! man --warnings -l "$C/hrdex.conf.5" 2>&1 >/dev/null | grep . || fail "hrdex.conf.5 has roff warnings"
fi

note "systemd-analyze verify"
# The units name /usr/local/bin/hrdex; verify checks that it exists, so point
# that one path at the installed copy.  Man pages are found through MANPATH.
mkdir -p "$T/units"
for u in hrdex.service hrdex-git-daemon.service hrdex-serve.service; do
	sed "s|/usr/local/bin/hrdex|$T/root/usr/local/bin/hrdex|" "$C/$u" >"$T/units/$u"
done
export MANPATH="$T/root/usr/local/share/man:"
if ! systemd-analyze verify "$T/units/hrdex.service" "$T/units/hrdex-git-daemon.service" \
	"$T/units/hrdex-serve.service" >"$T/verify.log" 2>&1; then
	if grep -qiE "Failed to (connect|initialize|setup)|System has not been booted|No such file or directory.*(dbus|bus)" "$T/verify.log" &&
		! grep -q "hrdex" "$T/verify.log"; then
		echo "systemd-analyze cannot run here: $(head -n1 "$T/verify.log")"
		exit 77
	fi
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi
[ ! -s "$T/verify.log" ] || fail "systemd-analyze verify warns: $(cat "$T/verify.log")"

note "hardening kept"
for k in 'User=hrdex' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/hrdex' \
	'StateDirectory=hrdex' 'UMask=0077' 'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' \
	'PrivateTmp=yes' 'ProtectHome=yes' 'Type=notify'; do
	grep -qxF "$k" "$C/hrdex.service" || fail "hrdex.service lacks $k"
done
! grep -q -- '--enable=receive-pack' "$C/hrdex-git-daemon.service" || fail "git daemon accepts pushes"
grep -qx 'ReadOnlyPaths=/var/lib/hrdex' "$C/hrdex-git-daemon.service" || fail "git daemon can write the state"
for k in 'ReadOnlyPaths=/var/lib/hrdex' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'CapabilityBoundingSet=' \
	'User=hrdex'; do
	grep -qxF "$k" "$C/hrdex-serve.service" || fail "hrdex-serve.service lacks $k"
done
! grep -q '^ReadWritePaths' "$C/hrdex-serve.service" || fail "hrdex serve can write the state"
if command -v systemd-analyze >/dev/null && systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	systemd-analyze security --offline=yes "$T/units/hrdex.service" >"$T/security.log" 2>&1 || true
	grep -q "Overall exposure level" "$T/security.log" && note "$(grep 'Overall exposure' "$T/security.log")"
fi

note "the example config is valid and names every key hrdex knows"
"$HRDEX" config check -f "$C/hrdex.conf" | grep -qx "configuration OK" || fail "contrib/hrdex.conf is invalid"
for k in sync.interval sync.jitter sync.backoffMax sync.passTimeout outbox.settle outbox.interval outbox.batch \
	status.maxAge status.maxFailures network.staleAfter webhook.timeout webhook.connectTimeout webhook.backoffMax; do
	grep -q "^	${k#*.} = " "$C/hrdex.conf" || fail "contrib/hrdex.conf does not show $k"
	grep -q "^\.B ${k//./\\.}" "$C/hrdex.conf.5" || fail "hrdex.conf.5 does not document $k"
done
echo "systemd units: ok"
