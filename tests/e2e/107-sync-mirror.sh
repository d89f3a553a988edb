#!/bin/bash
# 107-sync-mirror: after a sync, our own branch (mirror.NAME.branches = own)
# or every accepted branch (= all) is pushed to the mirrors, never forced: a
# mirror that diverged is reported and left alone, and a mirror that is down
# does not change the sync's outcome.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a V=$T/agents/v
mkagent "$A" achpr
mkagent "$V" ohchr
trust "$V" "$A"
serve
git init -q --bare "$T/own.git"
git init -q --bare "$T/all.git"
git init -q --bare "$T/diverged.git"
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
git config -f "$V/hrdex.conf" mirror.own.url "file://$T/own.git"
git config -f "$V/hrdex.conf" mirror.all.url "file://$T/all.git"
git config -f "$V/hrdex.conf" mirror.all.branches all
git config -f "$V/hrdex.conf" mirror.down.url "git://127.0.0.1:$(free_port)/x.git"
hpublish "$A" decision d1
hpublish "$V" note n1

note "first sync: own goes to 'own', everything to 'all'"
sync_agent "$V" || fail "sync failed (a mirror that is down must not change the exit status)"
grep -q "mirror 'down'" "$T/last-sync.err" || fail "the failing mirror was not reported"
[ "$(git -C "$T/own.git" for-each-ref --format='%(refname)' | tr '\n' ' ')" = "refs/heads/ohchr " ] ||
	fail "own mirror: $(git -C "$T/own.git" for-each-ref)"
[ "$(git -C "$T/all.git" rev-parse refs/heads/achpr)" = "$(tip "$V" achpr)" ] || fail "all mirror lacks achpr"
[ "$(git -C "$T/all.git" rev-parse refs/heads/ohchr)" = "$(tip "$V" ohchr)" ] || fail "all mirror lacks ohchr"
git -C "$T/all.git" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
	verify-commit refs/heads/achpr 2>/dev/null || fail "signatures did not survive the push"

note "a mirror that diverged is not overwritten"
git config -f "$V/hrdex.conf" mirror.diverged.url "file://$T/diverged.git"
git -C "$T/diverged.git" fetch -q "$T/own.git" refs/heads/ohchr:refs/heads/ohchr
git clone -q "$T/diverged.git" "$T/w" 2>/dev/null
git -C "$T/w" checkout -q ohchr
git -C "$T/w" -c user.name=x -c user.email=x@x commit -q --allow-empty -m "someone else"
git -C "$T/w" push -q origin ohchr
theirs=$(git -C "$T/diverged.git" rev-parse refs/heads/ohchr)
hpublish "$V" note n2
sync_agent "$V" || fail "second sync failed"
grep -q "mirror 'diverged'" "$T/last-sync.err" || fail "the diverged mirror was not reported"
[ "$(git -C "$T/diverged.git" rev-parse refs/heads/ohchr)" = "$theirs" ] || fail "the diverged mirror was overwritten"
[ "$(git -C "$T/own.git" rev-parse refs/heads/ohchr)" = "$(tip "$V" ohchr)" ] || fail "own mirror not updated"
echo ok
