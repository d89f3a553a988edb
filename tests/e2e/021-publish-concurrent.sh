#!/bin/bash
# Two publishes at once on one state directory: both succeed one after the
# other (the lock waits) or one fails with 75; nothing is corrupted.
. "$(dirname "$0")/lib.sh"
S="$T/s"
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null
ex="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
for i in $(seq 1 40); do jq ".id = \"a-$i\"" "$ex" >"$T/a-$i.json"; jq ".id = \"b-$i\"" "$ex" >"$T/b-$i.json"; done
rc1=0 rc2=0
"$HRDEX" -C "$S" publish "$T"/a-*.json >/dev/null 2>"$T/e1" & p1=$!
"$HRDEX" -C "$S" publish "$T"/b-*.json >/dev/null 2>"$T/e2" & p2=$!
wait $p1 || rc1=$?
wait $p2 || rc2=$?
for rc in $rc1 $rc2; do
	[ "$rc" -eq 0 ] || [ "$rc" -eq 75 ] || fail "exit $rc: $(cat "$T/e1" "$T/e2")"
done
n=$(git --git-dir "$S/repo.git" ls-tree -r --name-only refs/heads/ohchr | wc -l)
want=$(( (rc1 == 0 ? 40 : 0) + (rc2 == 0 ? 40 : 0) ))
[ "$n" -eq "$want" ] || fail "$n documents on the branch, expected $want"
git --git-dir "$S/repo.git" fsck --strict --no-dangling >/dev/null 2>&1 || fail "fsck"
echo "concurrent: ok"
