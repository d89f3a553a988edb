#!/bin/bash
# 109-sync-ssh: a peer over ssh://, served by a real sshd on 127.0.0.1 (key
# authentication, git-upload-pack on the far side); a key the server does not
# know, an unknown host key and a wrong path are refused with a clear
# message each and exit 69.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

SSHD=/usr/sbin/sshd
if [ ! -x "$SSHD" ]; then
	echo "no $SSHD (make deps installs openssh-server)"
	exit 77
fi

A=$T/agents/a V=$T/agents/v
mkagent "$A" achpr
mkagent "$V" ohchr
trust "$V" "$A"
publish "$A" decision d1

S=$T/ssh
mkdir -m 700 "$S"
ssh-keygen -q -t ed25519 -N '' -C host -f "$S/host"
ssh-keygen -q -t ed25519 -N '' -C peer -f "$S/client"
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$S/stranger"
cp "$S/client.pub" "$S/authorized_keys"
port=$(free_port)
cat >"$S/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $S/host
AuthorizedKeysFile $S/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile $S/sshd.pid
EOF
# As root, sshd wants its privilege separation folder.
[ "$(id -u)" != 0 ] || [ -d /run/sshd ] || mkdir -p -m 755 /run/sshd
"$SSHD" -D -e -f "$S/sshd_config" 2>"$S/log" &
PIDS+=($!)
wait_listening "$!" "$port" 20 || fail "sshd did not start on $port: $(cat "$S/log")"

url="ssh://$(id -un)@127.0.0.1:$port$A/repo.git"
note "an unknown host key is refused (libgit2 checks ~/.ssh/known_hosts)"
export HOME=$T/home
mkdir -p "$HOME/.ssh"
"$HRDEX" -C "$V" peer add a "$url" --ssh-key "$S/client" >/dev/null
rc=0; sync_agent "$V" 2>/dev/null || rc=$?
[ "$rc" = 69 ] || fail "an unknown host key: exit $rc, expected 69"
grep -qF "peer 'a' unreachable: host key unknown for 127.0.0.1:$port: add it to ~/.ssh/known_hosts" \
	"$T/last-sync.err" || fail "no host key message: $(cat "$T/last-sync.err")"
[ "$(tip "$V" achpr)" = none ] || fail "synced from an unknown host"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$S/host.pub")" >"$HOME/.ssh/known_hosts"

note "a path with no repository over ssh"
git config -f "$V/hrdex.conf" peer.a.url "ssh://$(id -un)@127.0.0.1:$port$T/nope/repo.git"
rc=0; sync_agent "$V" 2>/dev/null || rc=$?
[ "$rc" = 69 ] || fail "a wrong path: exit $rc, expected 69"
grep -qF "peer 'a' unreachable: no git repository at 'ssh://$(id -un)@127.0.0.1:$port$T/nope/repo.git'" \
	"$T/last-sync.err" || fail "wrong path over ssh: $(cat "$T/last-sync.err")"
git config -f "$V/hrdex.conf" peer.a.url "$url"

note "sync over ssh:// with the peer's key"
sync_agent "$V" || fail "sync over ssh failed: $(tail -n3 "$S/log")"
expect_tip "$V" achpr "$(tip "$A" achpr)" "over ssh"
[ "$("$HRDEX" -C "$V" query --publisher achpr --format refs)" = "achpr/decision/d1" ] || fail "not in the cache"

note "a new document, then a key the server does not know"
publish "$A" decision d2
sync_agent "$V" || fail "second sync over ssh failed"
expect_tip "$V" achpr "$(tip "$A" achpr)" "second sync"
git config -f "$V/hrdex.conf" peer.a.sshKey "$S/stranger"
publish "$A" decision d3
before=$(tip "$V" achpr)
rc=0; sync_agent "$V" 2>/dev/null || rc=$?
[ "$rc" = 69 ] || fail "a refused key: exit $rc, expected 69"
grep -q "peer 'a' unreachable: the ssh server at 127.0.0.1:$port " "$T/last-sync.err" ||
	fail "the failure names no peer: $(cat "$T/last-sync.err")"
expect_tip "$V" achpr "$before" "after a refused key"
echo "ok"
