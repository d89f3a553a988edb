#!/bin/bash
# 140-key-rotate: achpr runs `hrdex key rotate`: a new key pair, achpr/key/2.json
# published in a commit signed by the old key, the old private key moved to
# keys/retired/ (folder 0700, file 0600), and every later commit signed by
# the new key (`key show` prints it).  V (a peer) and R (a relay of V) accept
# everything with no step of their own, their allowed_signers list both keys
# and stock `git verify-commit` passes on every commit of the branch on every
# agent, across the rotation; `hrdex verify` passes everywhere.  A second
# rotation (key 3) follows the same way.  `key rotate` while `hrdex run`
# serves achpr's outbox is safe: it waits for the same lock, and the
# service's next publish is signed by the new key.  `hrdex publish` of a key
# document by hand is refused.  A rotation killed between its commit and
# the key swap is finished by the next command (and a staged key no commit
# names is dropped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/service.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v R=$T/agents/r
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$R" coe
trust "$V" "$A" "$B"
trust "$R" "$A" "$B"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
"$HRDEX" -C "$R" peer add v "$(url_of "$V")"
hpublish "$A" decision d1
publish "$B" report r1
sync_agent "$V" 2>/dev/null || fail "first sync failed"
sync_agent "$R" 2>/dev/null || fail "the relay's first sync failed"

verify_all() { # DIR WHAT: stock git verify-commit on every commit of every publisher branch
	local c n=0
	for c in $(g "$1" rev-list $(g "$1" for-each-ref --format='%(refname)' refs/heads/achpr refs/heads/iachr)); do
		GIT_DIR=$1/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$1/allowed_signers" \
			verify-commit "$c" 2>/dev/null || fail "$2: stock git verify-commit fails on $c"
		n=$((n + 1))
	done
	"$HRDEX" -C "$1" verify >/dev/null 2>"$T/verify.err" || fail "$2: hrdex verify fails: $(cat "$T/verify.err")"
	echo "$n"
}

note "key rotate: a new key, published by a commit signed by the old one"
old=$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")
oldfp=$(ssh-keygen -lf "$A/keys/id_ed25519.pub" | cut -d' ' -f2)
before=$(tip "$A" achpr)
"$HRDEX" -C "$A" key rotate --json >"$T/rot.json" 2>"$T/rot.err" || fail "key rotate failed: $(cat "$T/rot.err")"
new=$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")
newfp=$(ssh-keygen -lf "$A/keys/id_ed25519.pub" | cut -d' ' -f2)
[ "$new" != "$old" ] || fail "keys/id_ed25519.pub did not change"
[ "$(jq -r .fingerprint "$T/rot.json")" = "$newfp" ] || fail "--json names another fingerprint: $(cat "$T/rot.json")"
[ "$(jq -r .previous "$T/rot.json")" = "$oldfp" ] || fail "--json names another previous key: $(cat "$T/rot.json")"
[ "$(jq -r .document "$T/rot.json")" = achpr/key/2 ] || fail "not key 2: $(cat "$T/rot.json")"
rot=$(tip "$A" achpr)
[ "$(g "$A" rev-parse "$rot^")" = "$before" ] || fail "the rotation is not one commit on the old tip"
[ "$(jq -r .commit "$T/rot.json")" = "$rot" ] || fail "--json names another commit"
g "$A" show "$rot:achpr/key/2.json" >"$T/k2.json" || fail "no achpr/key/2.json in the rotation commit"
[ "$(jq -r .key "$T/k2.json")" = "$new" ] || fail "the document names another key: $(cat "$T/k2.json")"
[ "$(jq -r .previous "$T/k2.json")" = "$oldfp" ] || fail "previous is not the old key's fingerprint"
[ "$("$HRDEX" -C "$A" key show --json | jq -r .fingerprint)" = "$newfp" ] || fail "key show does not print the new key"
[ "$(stat -c %a "$A/keys/retired")" = 700 ] || fail "keys/retired is not 0700"
[ "$(stat -c %a "$A/keys/retired/id_ed25519.1")" = 600 ] || fail "the retired key is not 0600"
[ "$(cut -d' ' -f1,2 "$A/keys/retired/id_ed25519.1.pub")" = "$old" ] || fail "the retired key is not the old one"
grep -q "^achpr namespaces=\"git\" $new" "$A/allowed_signers" || fail "A's allowed_signers lacks the new key"
# the rotation commit itself is signed by the old key
printf 'achpr namespaces="git" %s\n' "$old" >"$T/only-old"
GIT_DIR=$A/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/only-old" verify-commit "$rot" 2>/dev/null ||
	fail "the rotation commit is not signed by the old key"

note "later commits are signed by the new key; a hand-made key document is refused"
hpublish "$A" decision d2
after=$(tip "$A" achpr)
printf 'achpr namespaces="git" %s\n' "$new" >"$T/only-new"
GIT_DIR=$A/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/only-new" verify-commit "$after" 2>/dev/null ||
	fail "the commit after the rotation is not signed by the new key"
jq '.id = "3" | .key = "'"$old"'"' "$T/k2.json" >"$T/k3.json"
expect_exit 65 "$HRDEX" -C "$A" publish "$T/k3.json" 2>"$T/k3.err"
grep -q "written by 'hrdex key rotate' only" "$T/k3.err" || fail "the refusal does not say why: $(cat "$T/k3.err")"
expect_tip "$A" achpr "$after" "a hand-made key document was published"
verify_all "$A" "A" >/dev/null

note "a rotation killed after its commit is finished by the next command; one killed before it, undone"
"$HRDEX" -C "$A" key rotate >/dev/null 2>&1 || fail "the rotation to key 3 failed"
k3=$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")
# as if killed between the commit and the key swap (keyring.h)
mv "$A/keys/id_ed25519" "$A/keys/id_ed25519.next"
mv "$A/keys/id_ed25519.pub" "$A/keys/id_ed25519.next.pub"
mv "$A/keys/retired/id_ed25519.2" "$A/keys/id_ed25519"
mv "$A/keys/retired/id_ed25519.2.pub" "$A/keys/id_ed25519.pub"
grep -v "$k3" "$A/allowed_signers" | grep -v '^# rotation achpr/key/3' >"$T/as" && cp "$T/as" "$A/allowed_signers"
hpublish "$A" decision d2b
[ "$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")" = "$k3" ] || fail "the interrupted rotation was not finished"
[ -f "$A/keys/retired/id_ed25519.2" ] && [ ! -e "$A/keys/id_ed25519.next" ] || fail "key 2 is not retired after the recovery"
printf 'achpr namespaces="git" %s\n' "$k3" >"$T/only-k3"
GIT_DIR=$A/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/only-k3" verify-commit "$(tip "$A" achpr)" 2>/dev/null ||
	fail "the commit after the recovery is not signed by key 3"
grep -q "^achpr namespaces=\"git\" $k3" "$A/allowed_signers" || fail "the recovery did not list key 3"
# as if killed before the commit: a staged key no commit names
ssh-keygen -q -t ed25519 -N '' -f "$A/keys/id_ed25519.next"
hpublish "$A" decision d2c
[ ! -e "$A/keys/id_ed25519.next" ] || fail "the staged key of a rotation that never committed is still there"
[ "$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")" = "$k3" ] || fail "the key changed"
after=$(tip "$A" achpr)
new=$k3

note "the peer and the relay of the peer follow with no step of their own"
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" 2>/dev/null || fail "V's sync failed"
expect_tip "$V" achpr "$after" "V did not follow the rotation"
expect_tip "$V" iachr "$b2" "V: iachr did not move"
sync_agent "$R" 2>/dev/null || fail "R's sync failed"
expect_tip "$R" achpr "$after" "the relay did not follow the rotation"
for d in "$V" "$R"; do
	grep -q "^achpr namespaces=\"git\" $old" "$d/allowed_signers" || fail "$(basename "$d") lost the old key"
	grep -q "^achpr namespaces=\"git\" $new" "$d/allowed_signers" || fail "$(basename "$d")'s allowed_signers lacks the new key: $(cat "$d/allowed_signers")"
	grep -q "^achpr namespaces=\"git\" $(cut -d' ' -f1,2 "$A/keys/retired/id_ed25519.2.pub")" "$d/allowed_signers" || fail "$(basename "$d") lacks key 2"
	n=$(verify_all "$d" "$(basename "$d")")
	[ "$n" -ge 5 ] || fail "only $n commits verified on $(basename "$d")"
	"$HRDEX" -C "$d" query --publisher achpr --format refs | grep -q achpr/decision/d2 || fail "d2 is not in $(basename "$d")'s cache"
done

note "key rotate while the service serves the outbox"
git config -f "$A/hrdex.conf" outbox.settle 0
git config -f "$A/hrdex.conf" outbox.interval 1
start_run "$A" "$T/run.log"
doc achpr decision d3 >"$A/outbox/d3.json"
wait_for 30 test -f "$A/outbox/done/d3.json" || fail "the service did not publish d3"
"$HRDEX" -C "$A" key rotate >/dev/null 2>"$T/rot3.err" || fail "key rotate beside the service failed: $(cat "$T/rot3.err")"
k4=$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")
doc achpr decision d4 >"$A/outbox/d4.json"
wait_for 30 test -f "$A/outbox/done/d4.json" -o -f "$A/outbox/rejected/d4.json" || fail "the service did not take d4"
[ -f "$A/outbox/done/d4.json" ] || fail "the service refused d4 after the rotation: $(cat "$A/outbox/rejected/d4.json.error" 2>/dev/null)"
stop_run "$RUN_PID" 20
last=$(tip "$A" achpr)
printf 'achpr namespaces="git" %s\n' "$k4" >"$T/only-k4"
GIT_DIR=$A/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$T/only-k4" verify-commit "$last" 2>/dev/null ||
	fail "the service's commit after the rotation is not signed by key 4"
sync_agent "$V" 2>/dev/null || fail "V's last sync failed"
sync_agent "$R" 2>/dev/null || fail "R's last sync failed"
for d in "$A" "$V" "$R"; do
	expect_tip "$d" achpr "$last" "$(basename "$d") did not follow keys 3 and 4"
	for k in "$k3" "$k4"; do
		grep -q "^achpr namespaces=\"git\" $k" "$d/allowed_signers" || fail "$(basename "$d") lacks a key"
	done
	verify_all "$d" "$(basename "$d") after four keys" >/dev/null
done
echo "ok"
