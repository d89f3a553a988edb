#!/bin/bash
# A large batch goes into one pack: everything or nothing, no stray files,
# and the result is what stock git expects.
. "$(dirname "$0")/lib.sh"
S="$T/s"
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
ex="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
mkdir "$T/docs"
for i in $(seq -w 1 150); do jq ".id = \"r-$i\" | .date = \"2016-01-01\"" "$ex" >"$T/docs/r-$i.json"; done

note "one invalid document among 150: nothing written, no pack left behind"
jq '.date = "2016-02-30"' "$T/docs/r-075.json" >"$T/bad.json" && cp "$T/bad.json" "$T/docs/r-075.json"
packs_before=$(ls "$S/repo.git/objects/pack" | wc -l)
expect_exit 65 "$HRDEX" -C "$S" publish "$T/docs" 2>"$T/err"
grep -q "r-075.json: /date: " "$T/err" || fail "problem not named: $(cat "$T/err")"
[ "$(ls "$S/repo.git/objects/pack" | wc -l)" -eq "$packs_before" ] || fail "a pack was left: $(ls "$S/repo.git/objects/pack")"
git --git-dir "$S/repo.git" rev-parse -q --verify refs/heads/ohchr >/dev/null && fail "branch created"

note "fixed: 150 documents in one commit, one pack"
jq '.id = "r-075" | .date = "2016-01-01"' "$ex" >"$T/docs/r-075.json"
"$HRDEX" -C "$S" publish "$T/docs" >"$T/out"
grep -q "150 added" "$T/out" || fail "$(tail -n1 "$T/out")"
[ "$(git --git-dir "$S/repo.git" ls-tree -r --name-only refs/heads/ohchr | wc -l)" -eq 150 ] || fail "not 150 files"
ls "$S/repo.git/objects/pack/"*.pack >/dev/null 2>&1 || fail "no pack written"
git --git-dir "$S/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"
git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$S/allowed_signers" --git-dir "$S/repo.git" \
	verify-commit refs/heads/ohchr 2>/dev/null || fail "verify-commit"
cmp <(git --git-dir "$S/repo.git" show refs/heads/ohchr:ohchr/report/r-001.json) "$S/view/ohchr/report/r-001.json" ||
	fail "view differs from the branch"
jq -S . "$T/docs/r-001.json" | diff -q - <(jq -S . "$S/view/ohchr/report/r-001.json") >/dev/null || fail "content changed"

note "publishing the same folder again changes nothing"
"$HRDEX" -C "$S" publish "$T/docs" >"$T/out"
grep -q "nothing to publish: 150 documents unchanged" "$T/out" || fail "$(tail -n1 "$T/out")"
note "a large batch with attachments, one file shared by several documents"
mkdir "$T/docs2"
printf 'shared annex\n' >"$T/shared.txt"
for i in $(seq -w 1 80); do
	jq ".id = \"a-$i\" | .date = \"2016-01-01\"" "$ex" >"$T/docs2/a-$i.json"
	mkdir "$T/docs2/a-$i.files"
	printf 'annex of %s\n' "$i" >"$T/docs2/a-$i.files/own.txt"
	cp "$T/shared.txt" "$T/docs2/a-$i.files/shared.txt"
done
"$HRDEX" -C "$S" publish "$T/docs2" >"$T/out" 2>"$T/err" || fail "publish with attachments: $(cat "$T/err")"
grep -q "80 added" "$T/out" || fail "$(tail -n1 "$T/out")"
git --git-dir "$S/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"
for i in 01 40 80; do
	cmp <(git --git-dir "$S/repo.git" show "refs/heads/ohchr:ohchr/report/a-$i.files/own.txt") \
		"$T/docs2/a-$i.files/own.txt" || fail "attachment of a-$i differs"
	cmp "$S/view/ohchr/report/a-$i.files/shared.txt" "$T/shared.txt" || fail "shared attachment of a-$i not in view"
done
[ "$(git --git-dir "$S/repo.git" ls-tree -r refs/heads/ohchr | grep -c '/shared.txt$')" = 80 ] ||
	fail "the shared attachment is not at 80 paths"
"$HRDEX" -C "$S" show ohchr/report/a-07 | jq -e '[.attachments[].name] == ["own.txt", "shared.txt"]' >/dev/null ||
	fail "attachments[] not filled"
echo "batch: ok"
