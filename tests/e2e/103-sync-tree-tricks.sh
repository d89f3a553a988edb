#!/bin/bash
# 103-sync-tree-tricks: commits correctly signed by the publisher whose trees
# git itself would refuse to check out, or which arrive without some of their
# objects.  libgit2 has no fsck on fetch: hrdex must catch each one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
trust "$V" "$A" "$B"
hostile_daemon_config
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
publish "$A" decision d0
publish "$A" decision d1
t1=$(tip "$A" achpr)
publish "$B" report b1
sync_agent "$V" || fail "first sync failed"
expect_tip "$V" achpr "$t1" "round 0"

AK=$A/keys/id_ed25519
doc achpr decision x >"$T/x.json"
doc achpr decision y >"$T/y.json"
doc achpr decision n1 >"$T/n1.json"
doc achpr decision n2 >"$T/n2.json"
cases=()
# trick NAME RULE LINES : a peer offering t1 + one commit whose achpr/decision
# folder gets LINES ("MODE OID NAME", raw, in order) appended.
trick() {
	local name=$1 rule=$2 h tree
	h=$(hostile "$name" "$A")
	seed "$h"
	tree=$(printf '%b\n' "$3" | graft "$h" "$t1" achpr)
	GIT_DIR=$h git update-ref refs/heads/achpr "$(commit_tree "$h" "$tree" "$t1" "$AK" "$name")"
	cases+=("$name:$rule")
}
h0=$(hostile scratch "$A")
xblob=$(GIT_DIR=$h0 git hash-object -w "$T/x.json")
cfgtree=$(printf '100644 blob %s\tconfig\n' "$xblob" | GIT_DIR=$h0 git mktree)
# every hostile repository holds these objects, so its daemon can send them
seed() {
	GIT_DIR=$1 git hash-object -w "$T/x.json" >/dev/null
	printf '100644 blob %s\tconfig\n' "$xblob" | GIT_DIR=$1 git mktree >/dev/null
	GIT_DIR=$1 git mktree </dev/null >/dev/null
}

trick upper tree "40000 $cfgtree .GIT"
trick short tree "40000 $cfgtree git~1"
trick gitdot tree "40000 $cfgtree .git."
trick ntfs tree "40000 $cfgtree .git::\$INDEX_ALLOCATION"
trick unicode tree "40000 $cfgtree .g\xe2\x80\x8cit"
trick dotdot tree "40000 $cfgtree .."
trick backslash tree "100644 $xblob x\\\\y.json"
trick exec tree "100755 $xblob x.json"
trick gitlink tree "160000 1111111111111111111111111111111111111111 x.files"
trick gitmodules tree "100644 $xblob .gitmodules"
trick zeropad tree "040000 $cfgtree x.files"
trick space tree "100644 $xblob x.json "
emptytree=$(printf '' | GIT_DIR=$h0 git mktree)
trick emptydir tree "40000 $emptytree x.files"
trick dup tree "100644 $xblob x.json\n100644 $xblob x.json"
trick notype path "100644 $xblob readme"
# file "x.files" and folder "x.files" in one tree, sorted the way git sorts
trick fileanddir tree "100644 $xblob x.files\n40000 $cfgtree x.files"
# out of order: d1.json before d0.json
h=$(hostile unsorted "$A")
dec=$(GIT_DIR=$h git ls-tree "$t1:achpr/decision" | sed 's/ blob / /; s/\t/ /' | sort -r | rawtree "$h")
sub=$(printf '040000 tree %s\tdecision\n' "$dec" | GIT_DIR=$h git mktree)
root=$(printf '040000 tree %s\tachpr\n' "$sub" | GIT_DIR=$h git mktree)
GIT_DIR=$h git update-ref refs/heads/achpr "$(commit_tree "$h" "$root" "$t1" "$AK" unsorted)"
cases+=("unsorted:tree")
# .git at the top, beside achpr/
h=$(hostile topgit "$A")
seed "$h"
top=$({ GIT_DIR=$h git ls-tree "$t1"; printf '040000 tree %s\t.git\n' "$cfgtree"; } | sed 's/^040000 tree /40000 /; s/\t/ /' | rawtree "$h")
GIT_DIR=$h git update-ref refs/heads/achpr "$(commit_tree "$h" "$top" "$t1" "$AK" topgit)"
cases+=("topgit:tree")

note "objects missing from the pack (served as a crafted pack)"
h=$(hostile notree "$A")
c=$(mkcommit "$h" "$t1" "$AK" "tree not sent" "achpr/decision/n1.json=$T/n1.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$c"
serve_pack "$h" "$c"
cases+=("notree:missing-object")
h=$(hostile noblob "$A")
c=$(mkcommit "$h" "$t1" "$AK" "blob not sent" "achpr/decision/n2.json=$T/n2.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$c"
serve_pack "$h" "$c" "$(GIT_DIR=$h git rev-parse "$c^{tree}")" $(GIT_DIR=$h git ls-tree -r -t "$c" | awk '$2 == "tree" {print $3}') \
	"$(GIT_DIR=$h git rev-parse "$c:achpr/decision/d0.json")" "$(GIT_DIR=$h git rev-parse "$c:achpr/decision/d1.json")"
cases+=("noblob:missing-object")
h=$(hostile noparent "$A")
y=$(mkcommit "$h" "$t1" "$AK" "parent not sent" "achpr/decision/y.json=$T/y.json")
c=$(mkcommit "$h" "$y" "$AK" "child" "achpr/decision/x.json=$T/x.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$c"
serve_pack "$h" "$c" "$(GIT_DIR=$h git rev-parse "$c^{tree}")" $(GIT_DIR=$h git ls-tree -r -t "$c" | awk '{print $3}')
cases+=("noparent:missing-object")

for cr in "${cases[@]}"; do "$HRDEX" -C "$V" peer add "${cr%%:*}" "$(url_of "$T/agents/${cr%%:*}")"; done
publish "$B" report b2
note "one round: ${#cases[@]} tricks and an honest peer"
expect_exit 1 sync_agent "$V" --json
expect_tip "$V" achpr "$t1" "no trick moved achpr"
expect_tip "$V" iachr "$(tip "$B" iachr)" "B's branch moved in the same round"
for cr in "${cases[@]}"; do
	expect_peer_rule "${cr%%:*}" achpr "rejected ${cr#*:}"
done
[ -z "$(find "$V/view" -name '.*' -o -name '*~*' -o -name '*\\*' -o -type l)" ] || fail "a trick reached the view"
GIT_DIR=$V/repo.git git fsck --no-dangling 2>&1 || fail "V's repository is not consistent"

note "the next round tries again (and rejects again)"
expect_exit 1 sync_agent "$V" --json
expect_peer_rule notree achpr "rejected missing-object"
expect_peer_rule upper achpr "rejected tree"
echo ok
