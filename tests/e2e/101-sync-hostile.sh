#!/bin/bash
# 101-sync-hostile: peers offering branches that break a rule.  Each hostile
# copy is rejected for its own reason, the ref stays where it was, and in the
# same round the honest peers' branches are still accepted: a new tip of the
# very branch the hostile peers attack, and another publisher's branch.
# A copy breaking only a document rule (no title, id not its path) refuses
# nothing: its documents are held (round 4).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v E=$T/agents/e
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$E" evil
trust "$V" "$A" "$B"
git config -f "$V/hrdex.conf" limits.document 2048
hostile_daemon_config
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"

note "round 0: V takes A's and B's branches"
publish "$A" decision d0
t0=$(tip "$A" achpr)
publish "$A" decision d1
t1=$(tip "$A" achpr)
publish "$B" report b1
hpublish "$V" note own-1
sync_agent "$V" || fail "first sync failed"
expect_tip "$V" achpr "$t1" "round 0"

note "crafting hostile copies of 'achpr' on top of $t1"
AK=$A/keys/id_ed25519 EK=$E/keys/id_ed25519
doc achpr decision x >"$T/x.json"
doc iachr decision x >"$T/ix.json"
doc achpr decision other >"$T/other.json"
jq 'del(.title)' "$T/x.json" >"$T/untitled.json"
head -c 3000 /dev/zero | tr '\0' ' ' >"$T/big.json"
echo '../../../etc/passwd' >"$T/link"
add_peer() { "$HRDEX" -C "$V" peer add "$1" "$(url_of "$T/agents/$1")"; }
set_branch() { GIT_DIR=$1 git update-ref "refs/heads/$2" "$3"; }

h=$(hostile rewrite "$A")
set_branch "$h" achpr "$(mkcommit "$h" "$t0" "$AK" "rewritten" "achpr/decision/x.json=$T/x.json")"
h=$(hostile wrongkey "$A")
set_branch "$h" achpr "$(mkcommit "$h" "$t1" "$EK" "signed by another key" "achpr/decision/x.json=$T/x.json")"
h=$(hostile unsigned "$A")
set_branch "$h" achpr "$(mkcommit "$h" "$t1" none "unsigned" "achpr/decision/x.json=$T/x.json")"
h=$(hostile otherpub "$A")
set_branch "$h" achpr "$(mkcommit "$h" "$t1" "$AK" "writes iachr's folder" "iachr/decision/x.json=$T/ix.json")"
h=$(hostile symlink "$A")
set_branch "$h" achpr "$(MODE=120000 mkcommit "$h" "$t1" "$AK" "a symlink" "achpr/decision/x.json=$T/link")"
h=$(hostile dotgit "$A")
cfg=$(printf '[core]\n\tfsmonitor = touch %s/pwned\n' "$T" | GIT_DIR=$h git hash-object -w --stdin)
cfgtree=$(printf '100644 blob %s\tconfig\n' "$cfg" | GIT_DIR=$h git mktree)
tree=$(printf '40000 %s .GIT\n' "$cfgtree" | graft "$h" "$t1" achpr)
set_branch "$h" achpr "$(commit_tree "$h" "$tree" "$t1" "$AK" ".GIT folder")"
h=$(hostile oversize "$A")
set_branch "$h" achpr "$(mkcommit "$h" "$t1" "$AK" "3000 bytes" "achpr/decision/x.json=$T/big.json")"
h=$(hostile rollback "$A")
set_branch "$h" achpr "$t0"
h=$(hostile own "$V")
doc ohchr note x >"$T/ox.json"
set_branch "$h" ohchr "$(mkcommit "$h" "$(tip "$V" ohchr)" "$EK" "writes our log" "ohchr/note/x.json=$T/ox.json")"
for p in rewrite wrongkey unsigned otherpub symlink dotgit oversize rollback own; do
	add_peer "$p"
done

note "round 1: honest A and B move on; hostile peers offer their copies"
publish "$A" decision d2
t2=$(tip "$A" achpr)
publish "$B" report b2
own_before=$(tip "$V" ohchr)
expect_exit 1 sync_agent "$V" --json
expect_tip "$V" achpr "$t2" "the honest new tip of achpr was accepted despite the hostile copies"
expect_tip "$V" iachr "$(tip "$B" iachr)" "B's branch was accepted in the same round"
expect_tip "$V" ohchr "$own_before" "our own branch"
expect_peer_rule a achpr "accepted"
expect_peer_rule rewrite achpr "rejected fast-forward"
expect_peer_rule wrongkey achpr "rejected signature"
expect_peer_rule unsigned achpr "rejected signature"
expect_peer_rule otherpub achpr "rejected path"
expect_peer_rule symlink achpr "rejected tree"
expect_peer_rule dotgit achpr "rejected tree"
expect_peer_rule oversize achpr "rejected limits"
expect_peer_rule rollback achpr "behind"
expect_peer_rule own ohchr "rejected own-branch"
[ "$(jq '.rejections | length' "$V/rejections.json")" = 8 ] || fail "rejections.json should hold 8 entries"
jq -e '.rejections[] | select(.peer == "wrongkey" and .publisher == "achpr" and .rule == "signature")' \
	"$V/rejections.json" >/dev/null || fail "rejections.json lacks the wrong-key rejection"
[ ! -e "$V/view/achpr/decision/x.json" ] && [ ! -e "$V/view/iachr/decision/x.json" ] &&
	[ -z "$(find "$V/view" -iname '.git*')" ] || fail "a rejected file reached the view"
[ ! -e "$T/pwned" ] || fail "pwned"
for p in rewrite wrongkey unsigned otherpub symlink dotgit oversize; do
	GIT_DIR=$V/repo.git git cat-file -e "$(tip "$T/agents/$p" achpr)" 2>/dev/null &&
		fail "objects from rejected peer '$p' reached repo.git"
done
GIT_DIR=$V/repo.git git fsck --no-dangling 2>&1 || fail "V's repository is not consistent"

note "round 2: the publisher forks its log; two peers offer the two sides"
for p in rewrite wrongkey unsigned otherpub symlink dotgit oversize rollback own; do
	"$HRDEX" -C "$V" peer remove "$p"
done
h=$(hostile forka "$A")
set_branch "$h" achpr "$(mkcommit "$h" "$t2" "$AK" "one side" "achpr/decision/x.json=$T/x.json")"
h=$(hostile forkb "$A")
doc achpr decision y >"$T/y.json"
set_branch "$h" achpr "$(mkcommit "$h" "$t2" "$AK" "other side" "achpr/decision/y.json=$T/y.json")"
add_peer forka
add_peer forkb
expect_exit 1 sync_agent "$V" --json
expect_tip "$V" achpr "$t2" "a fork moves nothing"
expect_peer_rule forka achpr "rejected fork"
expect_peer_rule forkb achpr "rejected fork"
expect_peer_rule a achpr "current"

note "round 3: peers behind us are no rejection"
"$HRDEX" -C "$V" peer remove forka
"$HRDEX" -C "$V" peer remove forkb
sync_agent "$V" || fail "a clean round should exit 0"
[ "$(jq '.rejections | length' "$V/rejections.json")" = 0 ] || fail "rejections.json not cleared"

note "round 4: documents that break a document rule are held, the branch moves"
# Before issue 15 these two copies were refused whole ("rejected document").
h=$(hostile invalid "$A")
c1=$(mkcommit "$h" "$t2" "$AK" "no title" "achpr/decision/x.json=$T/untitled.json")
c2=$(mkcommit "$h" "$c1" "$AK" "id is not the path" "achpr/decision/m.json=$T/other.json")
set_branch "$h" achpr "$c2"
add_peer invalid
sync_agent "$V" || fail "a branch with held documents was refused"
expect_tip "$V" achpr "$c2" "held documents refused their branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held" || fail "query --held failed"
grep -q "^achpr/decision/x	.*title" "$T/held" || fail "x (no title) not held: $(cat "$T/held")"
grep -q "^achpr/decision/m	.*/id" "$T/held" || fail "m (id not its path) not held: $(cat "$T/held")"
[ ! -e "$V/view/achpr/decision/x.json" ] && [ ! -e "$V/view/achpr/decision/m.json" ] ||
	fail "a held document reached the view"
"$HRDEX" -C "$V" query --ref achpr/decision/x --format refs | grep -q . && fail "a held document is in the cache"
"$HRDEX" -C "$V" query --publisher achpr --format refs | grep -qx achpr/decision/d2 || fail "d2 left the cache"
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "verify fails on held documents"
echo ok
