#!/bin/bash
# 130-sync-bundle: offices with no network between them carry git bundles.
# No agent here has a peer URL, no daemon runs: only files move.  A full
# bundle syncs and stock git verify-commit passes on what was accepted; an
# incremental one (--since) carries only what the reader lacks; one whose
# prerequisites the reader lacks is refused with one clear line; and the
# hostile branches of the sync tests, packed into bundles by stock git (thin
# packs), are refused for the same rules as over the network, while the
# honest branch in the same bundle is accepted.  `git bundle verify` accepts
# every bundle `hrdex bundle create` writes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v E=$T/agents/e W=$T/agents/w
C=$T/carry # the USB stick
mkdir -p "$C"
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$E" evil
mkagent "$W" wrn
trust "$V" "$A" "$B"
trust "$A" "$V"
trust "$W" "$A"
git init -q --bare "$T/empty.git"

# gverify DIR FILE : stock git bundle verify, in DIR's repository.
gverify() { git -C "$1" bundle verify -q "$2" >/dev/null 2>"$T/verify.err" || fail "git bundle verify refused $2: $(cat "$T/verify.err")"; }

note "a full bundle from A, carried to V"
publish "$A" decision d0
t0=$(tip "$A" achpr)
publish "$A" decision d1
t1=$(tip "$A" achpr)
publish "$B" report b1
b1=$(tip "$B" iachr)
"$HRDEX" -C "$A" bundle create "$C/achpr.bundle" >"$T/out" || fail "bundle create failed"
grep -q "1 branch" "$T/out" || fail "bundle create said: $(cat "$T/out")"
"$HRDEX" -C "$B" bundle create --all --json "$C/iachr.bundle" >"$T/out" || fail "bundle create --all failed"
jq -e '.branches | length == 1' "$T/out" >/dev/null || fail "--json: $(cat "$T/out")"
gverify "$T/empty.git" "$C/achpr.bundle"
gverify "$T/empty.git" "$C/iachr.bundle"
[ -z "$("$HRDEX" -C "$V" peer list)" ] || fail "V should have no peers"
sync_agent "$V" "$C/achpr.bundle" "$C/iachr.bundle" || fail "syncing the bundles failed"
expect_tip "$V" achpr "$t1" "the full bundle"
expect_tip "$V" iachr "$b1" "the second bundle of the round"
[ -f "$V/view/achpr/decision/d1.json" ] || fail "the bundle's document is not in the view"
git -C "$V/repo.git" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
	verify-commit "$t1" 2>/dev/null || fail "stock git verify-commit fails on the accepted tip"
[ "$(git -C "$V/repo.git" rev-parse refs/peers/achpr/achpr)" = "$t1" ] ||
	fail "refs/peers/achpr/achpr should record what the bundle's maker has"

note "V answers with its own bundle; A learns what V has"
hpublish "$V" note own-1
"$HRDEX" -C "$V" bundle create "$C/ohchr.bundle" >/dev/null || fail "V's bundle"
gverify "$T/empty.git" "$C/ohchr.bundle"
sync_agent "$A" "$C/ohchr.bundle" --json || fail "A syncing V's bundle" # iachr: not asked for, A does not trust it
[ "$(peer_rule "" ohchr achpr)" = current ] || fail "A's own branch in V's bundle: $(peer_rule "" ohchr achpr)"
[ "$(peer_rule "" ohchr ohchr)" = accepted ] || fail "V's branch: $(peer_rule "" ohchr ohchr)"

note "an incremental bundle: only what V lacks, V's tips as prerequisites"
publish "$A" decision d2
t2=$(tip "$A" achpr)
"$HRDEX" -C "$A" bundle create "$C/inc.bundle" --since ohchr --json >"$T/out" || fail "incremental bundle"
jq -e --arg t1 "$t1" '.branches | length == 1 and .[0].publisher == "achpr" and .[0].since == $t1' "$T/out" >/dev/null ||
	fail "the incremental bundle should carry achpr since $t1: $(cat "$T/out")"
grep -qx -- "-$t1" <(sed '/^$/q' "$C/inc.bundle") || fail "no prerequisite line for $t1"
full=$(jq .objects <("$HRDEX" -C "$A" bundle create "$C/all.bundle" --all --json))
[ "$(jq .objects "$T/out")" -lt "$full" ] || fail "the incremental bundle is not smaller than a full one"
if git -C "$T/empty.git" bundle verify -q "$C/inc.bundle" 2>/dev/null; then
	fail "stock git should see the incremental bundle's prerequisites"
fi
gverify "$V/repo.git" "$C/inc.bundle"
# The same file as a configured peer (relative path made absolute).
(cd "$C" && "$HRDEX" -C "$V" peer add a-usb inc.bundle) || fail "peer add with a bundle path"
[ "$("$HRDEX" -C "$V" peer list | cut -f2)" = "$C/inc.bundle" ] || fail "peer list: $("$HRDEX" -C "$V" peer list)"
"$HRDEX" -C "$V" config check >/dev/null || fail "hrdex.conf with a bundle peer does not load"
sync_agent "$V" a-usb || fail "syncing the configured bundle peer failed"
expect_tip "$V" achpr "$t2" "the incremental bundle"
git -C "$V/repo.git" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
	verify-commit "$t2" 2>/dev/null || fail "verify-commit on the incremental tip"
sync_agent "$V" a-usb || fail "the same bundle again should be a quiet round"
# Once V's next bundle tells A that V has t2, A has nothing new for V:
# nothing to bundle, no file written.
"$HRDEX" -C "$V" bundle create "$C/ohchr.bundle" --since achpr >/dev/null || fail "V's second bundle"
sync_agent "$A" "$C/ohchr.bundle" || fail "A syncing V's second bundle"
expect_exit 1 "$HRDEX" -C "$A" bundle create "$C/none.bundle" --since ohchr 2>"$T/err"
[ ! -e "$C/none.bundle" ] && grep -q "nothing to bundle" "$T/err" || fail "empty bundle: $(cat "$T/err")"
expect_exit 64 "$HRDEX" -C "$A" bundle create "$C/x.bundle" --since nobody 2>/dev/null
expect_exit 64 "$HRDEX" -C "$A" bundle create "$C/x.tar" 2>/dev/null

note "a bundle whose prerequisites the reader lacks"
expect_exit 69 sync_agent "$W" "$C/inc.bundle"
grep -q "the bundle needs commit $t1, which this agent does not have; ask for a bundle made with --all" \
	"$T/last-sync.err" || fail "prerequisites: $(cat "$T/last-sync.err")"
expect_tip "$W" achpr none "a bundle with missing prerequisites"

note "hostile branches packed into bundles by stock git, each beside an honest one"
publish "$B" report b2
b2=$(tip "$B" iachr)
AK=$A/keys/id_ed25519 EK=$E/keys/id_ed25519
doc achpr decision x >"$T/x.json"
set_branch() { GIT_DIR=$1 git update-ref "refs/heads/$2" "$3"; }
# hb NAME : a hostile copy of A's and B's branches
hb() {
	local h
	h=$(hostile "$1" "$A")
	git -C "$h" fetch -q "$B/repo.git" "+refs/heads/iachr:refs/heads/iachr"
	echo "$h"
}
# pack NAME : the bundle of NAME's achpr and iachr, on what V has (stock git: a thin pack)
pack() { git -C "$T/agents/$1/repo.git" bundle create -q "$C/$1.bundle" refs/heads/achpr refs/heads/iachr "^$t0" "^$b1"; }
h=$(hb wrongkey)
set_branch "$h" achpr "$(mkcommit "$h" "$t2" "$EK" "signed by another key" "achpr/decision/x.json=$T/x.json")"
pack wrongkey
h=$(hb rewrite)
set_branch "$h" achpr "$(mkcommit "$h" "$t1" "$AK" "rewritten" "achpr/decision/x.json=$T/x.json")"
pack rewrite
h=$(hb dotgit)
cfg=$(printf '[core]\n\tfsmonitor = touch %s/pwned\n' "$T" | GIT_DIR=$h git hash-object -w --stdin)
cfgtree=$(printf '100644 blob %s\tconfig\n' "$cfg" | GIT_DIR=$h git mktree)
tree=$(printf '40000 %s .git\n' "$cfgtree" | graft "$h" "$t2" achpr)
set_branch "$h" achpr "$(commit_tree "$h" "$tree" "$t2" "$AK" ".git folder")"
pack dotgit
# missing: the pack lacks the new document's blob (written by hand: git
# bundle create would refuse)
h=$(hb missing)
m=$(mkcommit "$h" "$t2" "$AK" "its blob is not sent" "achpr/decision/x.json=$T/x.json")
blob=$(git -C "$h" rev-parse "$m:achpr/decision/x.json")
{
	printf '# v2 git bundle\n-%s\n%s refs/heads/achpr\n\n' "$t2" "$m"
	git -C "$h" rev-list --objects "$m" "^$t2" | cut -d' ' -f1 | grep -v "$blob" | git -C "$h" pack-objects -q --stdout
} >"$C/missing.bundle"
# truncated: a good bundle cut short
h=$(hb truncated)
set_branch "$h" achpr "$(mkcommit "$h" "$t2" "$AK" "honest but cut" "achpr/decision/x.json=$T/x.json")"
pack truncated
size=$(stat -c %s "$C/truncated.bundle")
truncate -s $((size - 30)) "$C/truncated.bundle"
printf 'not a bundle\n' >"$C/garbage.bundle"
expect_exit 69 sync_agent "$V" --json "$C/wrongkey.bundle" "$C/rewrite.bundle" "$C/dotgit.bundle" \
	"$C/missing.bundle" "$C/truncated.bundle" "$C/garbage.bundle"
expect_peer_rule wrongkey achpr "rejected signature"
expect_peer_rule rewrite achpr "rejected fast-forward"
expect_peer_rule dotgit achpr "rejected tree"
expect_peer_rule missing achpr "rejected missing-object"
for p in truncated garbage; do
	[ "$(jq -r --arg p $p '.peers[] | select(.name == $p) | .status' "$T/last-sync.out")" = error ] ||
		fail "$p.bundle should fail as a peer: $(jq -c --arg p $p '.peers[] | select(.name == $p)' "$T/last-sync.out")"
done
grep -q "truncated.bundle' is truncated or damaged" "$T/last-sync.err" || fail "truncated: $(cat "$T/last-sync.err")"
grep -q "garbage.bundle' is not a git bundle" "$T/last-sync.err" || fail "garbage: $(cat "$T/last-sync.err")"
expect_tip "$V" achpr "$t2" "every hostile achpr was refused"
expect_tip "$V" iachr "$b2" "the honest branch beside the hostile ones was accepted"
[ "$(jq '[.peers[].branches[] | select(.publisher == "iachr" and .status == "accepted")] | length' "$T/last-sync.out")" = 1 ] ||
	fail "iachr should be accepted once: $(cat "$T/last-sync.out")"
for p in wrongkey rewrite dotgit; do
	GIT_DIR=$V/repo.git git cat-file -e "$(tip "$T/agents/$p" achpr)" 2>/dev/null &&
		fail "objects from rejected bundle '$p' reached repo.git"
done
[ ! -e "$T/pwned" ] && [ -z "$(find "$V/view" -iname '.git*')" ] || fail "a .git entry reached the view"
GIT_DIR=$V/repo.git git fsck --no-dangling 2>&1 || fail "V's repository is not consistent"

note "a bundle larger than limits.fetch is refused like a fetch that sends too much"
head -c 1500000 /dev/urandom >"$T/big.pdf"
hpublish "$A" report big "$T/big.pdf"
"$HRDEX" -C "$A" bundle create "$C/achpr.bundle" >/dev/null || fail "the big bundle"
git config -f "$W/hrdex.conf" limits.fetch 1m
expect_exit 69 sync_agent "$W" "$C/achpr.bundle"
grep -q "achpr.bundle' holds more than 1048576 bytes (limits.fetch)" "$T/last-sync.err" ||
	fail "limits.fetch: $(cat "$T/last-sync.err")"
expect_tip "$W" achpr none "a bundle over limits.fetch"
git config -f "$W/hrdex.conf" limits.fetch 1g
sync_agent "$W" "$C/achpr.bundle" || fail "the same bundle within limits.fetch"
expect_tip "$W" achpr "$(tip "$A" achpr)" "the full bundle within limits.fetch"
echo ok
