#!/bin/bash
# 120-key-retired: a key retired in allowed_signers (valid-before) stays
# retired whatever date its holder writes in a commit.  Whoever still holds
# achpr's retired key appends a commit on today's tip of achpr and dates it
# 2019 (before valid-before): refused, while iachr's honest branch moves in
# the same sync.  What was accepted before the retirement still passes verify
# and stock `git verify-commit`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

two_publishers
publish "$A" decision d1
publish "$B" report r1
sync_agent "$V" 2>/dev/null || fail "first sync failed"
a1=$(tip "$A" achpr)
expect_tip "$V" achpr "$a1" "first sync"

note "the operator retires achpr's key: valid-before one second after its last commit"
ctime=$(g "$A" log -1 --format=%ct "$a1")
until_=$(date -u -d "@$((ctime + 1))" +%Y%m%d%H%M%SZ)
key=$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")
grep -v '^achpr ' "$V/allowed_signers" >"$T/as"
printf 'achpr namespaces="git",valid-before="%s" %s\n' "$until_" "$key" >>"$T/as"
cp "$T/as" "$V/allowed_signers"
while [ "$(date +%s)" -le $((ctime + 1)) ]; do sleep 0.2; done

note "the retired key signs a commit on today's tip, dated 2019"
doc achpr decision late >"$T/late.json"
late=$(GIT_COMMITTER_DATE="2019-03-01T12:00:00Z" GIT_AUTHOR_DATE="2019-03-01T12:00:00Z" \
	commit_files "$A" "backdated" "achpr/decision/late.json=$T/late.json")
[ "$(g "$A" log -1 --format=%ct "$late")" = "$(date -u -d 2019-03-01T12:00:00Z +%s)" ] || fail "the commit is not backdated"
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" achpr "$a1" "a commit signed by a retired key, backdated before valid-before, was accepted"
expect_tip "$V" iachr "$b2" "the honest branch did not move in the same sync"
expect_peer_rule a achpr "rejected signature"
jq -r '.peers[] | select(.name == "a") | .branches[] | .reason' "$T/last-sync.out" | grep -q "retired" ||
	fail "the reason does not say the key is retired: $(cat "$T/last-sync.out")"
[ -z "$("$HRDEX" -C "$V" query --publisher achpr --format refs | grep late || true)" ] || fail "the late document is in the cache"

note "what was accepted before still passes verify and stock git verify-commit"
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "verify fails on history accepted before the retirement"
for c in $(g "$V" rev-list refs/heads/achpr refs/heads/iachr); do
	GIT_DIR=$V/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
		verify-commit "$c" 2>/dev/null || fail "stock git verify-commit fails on accepted $c"
done
echo "ok"
