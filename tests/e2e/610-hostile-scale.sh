#!/bin/bash
# 610-hostile-scale: peers serving repositories built to exhaust an agent:
# a long run of tiny commits, an attachment far over the size limit, a tree
# with more entries than limits.treeEntries, a folder nested deeper than any
# valid path, a document nested 10,000 levels deep, a 10 MiB string and a
# document over limits.document.  Every commit that needs a signature has a
# valid one (the publisher's key), so each copy gets as far as the limit it
# is meant to hit.  In the same round honest peers move two branches, which
# must be accepted.  The deep and long JSON documents break document rules,
# not branch rules (issue 15): a second round offers them on top of the
# honest tip, and the branch moves with the two held.  The peak RSS of `hrdex sync` (the largest of it and its
# fetch children: /usr/bin/time -f %M) stays under a bound.
#
# HRDEX_SCALE=small (default, make check): the same shapes at a scale that
# runs in seconds, against lowered limits.  HRDEX_SCALE=large (make stress):
# the real sizes against the default limits: 100,001 commits (limits.commits
# 100000), a 256 MiB attachment (limits.attachment 64m), a tree of 1,000,001
# entries (limits.treeEntries 1000000), folders 1,000 deep.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

SCALE=${HRDEX_SCALE:-small}
case "$SCALE" in
small)
	NCOMMITS=2001 LIM_COMMITS=2000
	BLOB=8M LIM_ATTACH=4m
	NENTRIES=20001 LIM_ENTRIES=20000
	DEPTH=200
	RSS_MAX_MB=400
	;;
large)
	NCOMMITS=100001 LIM_COMMITS=
	BLOB=256M LIM_ATTACH=
	NENTRIES=1000001 LIM_ENTRIES=
	DEPTH=1000
	RSS_MAX_MB=512
	;;
*) fail "HRDEX_SCALE is small or large, not '$SCALE'" ;;
esac
[ -x /usr/bin/time ] || { echo "skip: no /usr/bin/time (Debian package time)"; exit 77; }

A=$T/agents/a B=$T/agents/b V=$T/agents/v
mkagent "$A" achpr 2>/dev/null
mkagent "$B" iachr 2>/dev/null
mkagent "$V" ohchr 2>/dev/null
trust "$V" "$A" "$B" 2>/dev/null
cfg() { git config -f "$V/hrdex.conf" "$@"; }
cfg sync.timeout 300
[ -n "$LIM_COMMITS" ] && cfg limits.commits "$LIM_COMMITS"
[ -n "$LIM_ATTACH" ] && cfg limits.attachment "$LIM_ATTACH"
[ -n "$LIM_ENTRIES" ] && cfg limits.treeEntries "$LIM_ENTRIES"
# room for the 10 MiB string to meet limits.string (256k) rather than the
# document size limit, which the 'bigdoc' peer meets instead
cfg limits.document 16m
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
publish "$A" decision d0
publish "$B" report b0
t1=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "first sync"
AK=$A/keys/id_ed25519
cases=()

# under_decision GITDIR LINES... : A's tip tree with mktree LINES ("MODE
# TYPE OID<TAB>NAME") added to achpr/decision/; prints the root tree.
under_decision() {
	local gd=$1 dec sub
	shift
	dec=$({ GIT_DIR=$gd git ls-tree "$t1:achpr/decision"; printf '%s\n' "$@"; } | GIT_DIR=$gd git mktree)
	sub=$(printf '040000 tree %s\tdecision\n' "$dec" | GIT_DIR=$gd git mktree)
	printf '040000 tree %s\tachpr\n' "$sub" | GIT_DIR=$gd git mktree
}
# offer NAME RULE TREE : peer NAME offers t1 + one commit of TREE signed by A.
offer() {
	local gd=$T/agents/$1/repo.git
	GIT_DIR=$gd git update-ref refs/heads/achpr "$(commit_tree "$gd" "$3" "$t1" "$AK" "$1")"
	cases+=("$1:$2")
}
t0=$(date +%s)

note "commits: $NCOMMITS tiny commits on top of achpr (git fast-import)"
h=$(hostile commits "$A")
awk -v n="$NCOMMITS" -v from="$t1" 'BEGIN {
	for (i = 0; i < n; i++) {
		printf "commit refs/heads/achpr\ncommitter x <x@example.org> %d +0000\ndata 0\n", 1500000000 + i
		if (i == 0) printf "from %s\n", from
		printf "\n"
	}
}' | GIT_DIR=$h git fast-import --quiet
cases+=("commits:limits")

note "hugeblob: a $BLOB attachment (zeros, so it packs small and is made quickly)"
h=$(hostile hugeblob "$A")
blob=$(head -c "$BLOB" /dev/zero | GIT_DIR=$h git hash-object -w --stdin)
files=$(printf '100644 blob %s\thuge.pdf\n' "$blob" | GIT_DIR=$h git mktree)
offer hugeblob limits "$(under_decision "$h" "040000 tree $files	d0.files")"

note "widetree: achpr/decision/ with $NENTRIES entries"
h=$(hostile widetree "$A")
one=$(doc achpr decision x | GIT_DIR=$h git hash-object -w --stdin)
perl -e '$b = pack("H40", shift); for ($i = 0; $i < $ARGV[0]; $i++) { printf "100644 x%07d.json\0%s", $i, $b }' \
	"$one" "$NENTRIES" >"$T/wide.tree"
dec=$(GIT_DIR=$h git hash-object -t tree -w "$T/wide.tree")
rm -f "$T/wide.tree"
sub=$(printf '040000 tree %s\tdecision\n' "$dec" | GIT_DIR=$h git mktree)
offer widetree tree "$(printf '040000 tree %s\tachpr\n' "$sub" | GIT_DIR=$h git mktree)"

note "deeptree: achpr/decision/d0.files/ nested $DEPTH folders deep"
h=$(hostile deeptree "$A")
one=$(doc achpr decision x | GIT_DIR=$h git hash-object -w --stdin)
t=$(printf '100644 blob %s\tx.pdf\n' "$one" | GIT_DIR=$h git mktree)
for ((i = 0; i < DEPTH; i++)); do t=$(printf '040000 tree %s\ta\n' "$t" | GIT_DIR=$h git mktree); done
offer deeptree path "$(under_decision "$h" "040000 tree $t	d0.files")"

note "deepjson: a document nested 10,000 levels deep (offered in round 2)"
{
	printf '{"date":"2016-05-04","id":"deep","kind":"resolution","publisher":"achpr","title":{"en":"x"},"type":"decision","x":'
	head -c 10000 /dev/zero | tr '\0' '['
	head -c 10000 /dev/zero | tr '\0' ']'
	printf '}\n'
} >"$T/deep.json"

note "longstring: a 10 MiB string (limits.string 256k; offered in round 2)"
{
	printf '{\n  "date": "2016-05-04",\n  "id": "long",\n  "kind": "resolution",\n  "publisher": "achpr",\n  "summary": {\n    "en": "'
	head -c 10485760 /dev/zero | tr '\0' 'a'
	printf '"\n  },\n  "title": {\n    "en": "x"\n  },\n  "type": "decision"\n}\n'
} >"$T/long.json"

note "bigdoc: a 20 MiB document (limits.document 16m here)"
h=$(hostile bigdoc "$A")
{
	printf '{\n  "date": "2016-05-04",\n  "id": "big",\n  "kind": "resolution",\n  "publisher": "achpr",\n  "summary": {\n'
	for i in $(seq 1 80); do
		printf '    "x-%03d": "' "$i"
		head -c 262000 /dev/zero | tr '\0' 'b'
		printf '",\n'
	done
	printf '    "en": "x"\n  },\n  "title": {\n    "en": "x"\n  },\n  "type": "decision"\n}\n'
} >"$T/big.json"
b=$(GIT_DIR=$h git hash-object -w "$T/big.json")
offer bigdoc limits "$(under_decision "$h" "100644 blob $b	big.json")"
rm -f "$T/big.json"
note "built the hostile repositories in $(($(date +%s) - t0)) s"

for cr in "${cases[@]}"; do "$HRDEX" -C "$V" peer add "${cr%%:*}" "$(url_of "$T/agents/${cr%%:*}")"; done
note "honest peers move on"
publish "$A" decision d1
publish "$B" report b1

note "one round: ${#cases[@]} hostile peers and two honest ones"
start=$(date +%s%N)
rc=0
/usr/bin/time -f %M -o "$T/rss" "$HRDEX" -C "$V" sync --json >"$T/last-sync.out" 2>"$T/last-sync.err" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
rss=$(tail -n1 "$T/rss")
note "exit $rc in $ms ms, peak RSS $((rss / 1024)) MiB (bound $RSS_MAX_MB MiB)"
[ "$rc" = 1 ] || { cat "$T/last-sync.err" >&2; fail "expected exit 1 (branches rejected), got $rc"; }
expect_tip "$V" achpr "$(tip "$A" achpr)" "the honest achpr was accepted in the same round"
expect_tip "$V" iachr "$(tip "$B" iachr)" "the honest iachr was accepted in the same round"
for cr in "${cases[@]}"; do
	name=${cr%%:*}
	note "$name: $(jq -r --arg p "$name" '.peers[] | select(.name == $p) | .branches[0] | .status + " " + (.rule // "") + ": " + (.reason // "")' "$T/last-sync.out" | cut -c1-200)"
	expect_peer_rule "$name" achpr "rejected ${cr#*:}"
done
[ $((rss / 1024)) -lt "$RSS_MAX_MB" ] || fail "peak RSS $((rss / 1024)) MiB is over $RSS_MAX_MB MiB"
for cr in "${cases[@]}"; do
	GIT_DIR=$V/repo.git git cat-file -e "$(tip "$T/agents/${cr%%:*}" achpr)" 2>/dev/null &&
		fail "objects from rejected peer '${cr%%:*}' reached repo.git"
done
du_kb=$(du -sk "$V/repo.git" | cut -f1)
note "repo.git is $((du_kb / 1024)) MiB after the round"
[ ! -e "$V/quarantine" ] || fail "quarantine left behind"
GIT_DIR=$V/repo.git git fsck --no-dangling 2>&1 || fail "V's repository is not consistent"

note "round 2: the deep and the long JSON documents on top of the honest tip: held, the branch moves"
for cr in "${cases[@]}"; do "$HRDEX" -C "$V" peer remove "${cr%%:*}"; done
h=$(hostile heldjson "$A")
c1=$(mkcommit "$h" "$(tip "$A" achpr)" "$AK" "deep" "achpr/decision/deep.json=$T/deep.json")
c2=$(mkcommit "$h" "$c1" "$AK" "long" "achpr/decision/long.json=$T/long.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$c2"
rm -f "$T/deep.json" "$T/long.json"
"$HRDEX" -C "$V" peer add heldjson "$(url_of "$T/agents/heldjson")"
/usr/bin/time -f %M -o "$T/rss" "$HRDEX" -C "$V" sync --json >"$T/last-sync.out" 2>"$T/last-sync.err" ||
	{ cat "$T/last-sync.err" >&2; fail "round 2 failed"; }
rss=$(tail -n1 "$T/rss")
note "round 2: peak RSS $((rss / 1024)) MiB"
[ $((rss / 1024)) -lt "$RSS_MAX_MB" ] || fail "peak RSS $((rss / 1024)) MiB is over $RSS_MAX_MB MiB"
expect_tip "$V" achpr "$c2" "held JSON documents refused their branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
grep -q '^achpr/decision/deep	' "$T/held" && grep -q '^achpr/decision/long	' "$T/held" ||
	fail "the deep and long documents are not held: $(cat "$T/held")"
[ ! -e "$V/view/achpr/decision/deep.json" ] && [ ! -e "$V/view/achpr/decision/long.json" ] ||
	fail "a held document reached the view"
echo ok
