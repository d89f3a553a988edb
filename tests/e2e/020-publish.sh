#!/bin/bash
# init + publish: signed commits that stock git verifies, canonical files on
# main, history per document, no commit when nothing changed.
. "$(dirname "$0")/lib.sh"
S="$T/ohchr"
verify() { # verify every commit of a branch with stock git
	local c
	for c in $(git --git-dir "$S/repo.git" rev-list "$1"); do
		git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$S/allowed_signers" \
			--git-dir "$S/repo.git" verify-commit "$c" 2>"$T/verify.log" ||
			fail "verify-commit $c on $1: $(cat "$T/verify.log")"
	done
}

note "init lays out the state directory"
"$HRDEX" -C "$S" init --publisher ohchr --name "Office of the High Commissioner" >"$T/line"
grep -q '^ohchr namespaces="git" ssh-ed25519 AAAA' "$T/line" || fail "bad signer line: $(cat "$T/line")"
for p in hrdex.conf repo.git keys/id_ed25519 keys/id_ed25519.pub allowed_signers outbox view; do
	[ -e "$S/$p" ] || fail "missing $p"
done
[ "$(stat -c %a "$S/keys/id_ed25519")" = 600 ] || fail "private key not 0600"
[ "$(stat -c %a "$S/keys")" = 700 ] || fail "keys/ not 0700"
ssh-keygen -y -f "$S/keys/id_ed25519" >/dev/null || fail "ssh-keygen cannot read our key"
[ "$(git config -f "$S/hrdex.conf" hrdex.publisher)" = ohchr ] || fail "config not git-readable"
before=$(cd "$S" && find . -type f | sort | xargs sha256sum)
expect_exit 73 "$HRDEX" -C "$S" init --publisher ohchr 2>/dev/null
[ "$before" = "$(cd "$S" && find . -type f | sort | xargs sha256sum)" ] || fail "second init changed files"
expect_exit 64 "$HRDEX" -C "$T/bad" init --publisher main 2>/dev/null
[ ! -e "$T/bad" ] || fail "failed init left a folder"
"$HRDEX" -C "$T/srv/hrdex/ohchr" init --publisher ohchr >/dev/null 2>&1 || fail "init under missing folders"
[ -f "$T/srv/hrdex/ohchr/hrdex.conf" ] || fail "init did not make the folders leading to the state"

note "init --key uses an ssh-keygen key"
ssh-keygen -q -t ed25519 -N '' -C x -f "$T/k"
"$HRDEX" -C "$T/other" init --publisher achpr --key "$T/k" >"$T/line2"
grep -qF "$(cut -d' ' -f2 "$T/k.pub")" "$T/line2" || fail "--key not used"

note "publish the examples"
"$HRDEX" -C "$S" publish "$top"/schemas/examples/ohchr-*.json >"$T/out"
n=$(ls "$top"/schemas/examples/ohchr-*.json | wc -l)
[ "$(grep -c '^added' "$T/out")" -eq "$n" ] || fail "not all added: $(cat "$T/out")"
tip=$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)
verify refs/heads/ohchr
verify refs/heads/main
git --git-dir "$S/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"

note "a clone shows canonical files and history on main"
git clone -q "$S/repo.git" "$T/clone"
f=ohchr/report/a-hrc-32-20.json
cmp "$T/clone/$f" "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" || fail "not canonical"
[ -f "$T/clone/README.md" ] || fail "no README.md on main"
git -C "$T/clone" log --format=%s main -- "$f" | grep -q publish || fail "no history for $f"
cmp "$S/view/$f" "$T/clone/$f" || fail "view/ not updated"

note "reordered, re-indented keys make no commit"
jq -S -c . "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" >"$T/compact.json"
"$HRDEX" -C "$S" publish "$T/compact.json" >"$T/out"
grep -q "nothing to publish" "$T/out" || fail "expected no commit: $(cat "$T/out")"
[ "$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)" = "$tip" ] || fail "tip moved"

note "bad input: exit 65, tip unchanged, one line per problem"
ex="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
jq '.id = "a/b"' "$ex" >"$T/slash.json"
jq '.id = "a..b"' "$ex" >"$T/dots.json"
jq '.publisher = "achpr"' "$ex" >"$T/wrongpub.json"
jq '.title.en = ("x" * 2000000)' "$ex" >"$T/big.json"
printf '{"id": "x\xc3"}' >"$T/utf8.json"
echo '{"id": ' >"$T/broken.json"
jq '.attachments = [{"name": "r.pdf", "media_type": "application/pdf", "bytes": 3, "sha256": "'"$(printf 0%.0s {1..64})"'"}]' "$ex" >"$T/att.json"
for bad in slash dots wrongpub big utf8 broken att; do
	rc=0
	"$HRDEX" -C "$S" publish "$T/$bad.json" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -eq 65 ] || fail "$bad: exit $rc, expected 65"
	grep -q "^$T/$bad.json: " "$T/err" || fail "$bad: no line naming the file: $(cat "$T/err")"
	[ "$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)" = "$tip" ] || fail "$bad: tip moved"
done
cp "$ex" "$T/dup1.json"; cp "$ex" "$T/dup2.json"
expect_exit 65 "$HRDEX" -C "$S" publish "$T/dup1.json" "$T/dup2.json" 2>"$T/err"
grep -q "also given" "$T/err" || fail "duplicate ref not reported"
jq '.id = "new-doc"' "$ex" >"$T/good.json"
expect_exit 65 "$HRDEX" -C "$S" publish "$T/good.json" "$T/slash.json" 2>/dev/null
[ "$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)" = "$tip" ] || fail "partial batch committed"

note "publisher is filled in when absent; --json summary"
jq 'del(.publisher) | .id = "filled"' "$ex" >"$T/filled.json"
"$HRDEX" -C "$S" publish --json -m "add filled" "$T/filled.json" >"$T/out.json"
jq -e '.added == 1 and (.commit | length == 40) and .documents[0].ref == "ohchr/report/filled"' \
	"$T/out.json" >/dev/null || fail "bad --json: $(cat "$T/out.json")"
"$HRDEX" -C "$S" show ohchr/report/filled | jq -e '.publisher == "ohchr"' >/dev/null || fail "not filled"

note "change, then history shows both"
jq '.date = "2016-04-12" | del(.publisher) | .id = "filled"' "$ex" >"$T/filled2.json"
"$HRDEX" -C "$S" publish -m "correct the date" "$T/filled2.json" >/dev/null
"$HRDEX" -C "$S" show --history ohchr/report/filled >"$T/hist"
[ "$(wc -l <"$T/hist")" -eq 2 ] || fail "history: $(cat "$T/hist")"
head -n1 "$T/hist" | grep -q "changed .*correct the date" || fail "history order: $(cat "$T/hist")"

note "attachments: folder convention and --attach"
mkdir -p "$T/att"
jq 'del(.publisher) | .id = "with-files"' "$ex" >"$T/att/doc.json"
mkdir "$T/att/doc.files"
printf 'report body\n' >"$T/att/doc.files/report.txt"
"$HRDEX" -C "$S" publish "$T/att/doc.json" >/dev/null
"$HRDEX" -C "$S" show ohchr/report/with-files |
	jq -e '.attachments[0] | .name == "report.txt" and .bytes == 12 and .media_type == "text/plain"' >/dev/null ||
	fail "attachments[] not filled"
cmp "$S/view/ohchr/report/with-files.files/report.txt" "$T/att/doc.files/report.txt" || fail "attachment not in view"
printf 'other\n' >"$T/annex.txt"
jq 'del(.publisher) | .id = "attached"' "$ex" >"$T/attached.json"
"$HRDEX" -C "$S" publish "$T/attached.json" --attach "$T/annex.txt" >/dev/null
git --git-dir "$S/repo.git" cat-file -e refs/heads/ohchr:ohchr/report/attached.files/annex.txt || fail "--attach not stored"

note "withdraw removes a document and its attachments"
tip=$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)
expect_exit 65 "$HRDEX" -C "$S" withdraw ohchr/report/nope 2>/dev/null
[ "$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)" = "$tip" ] || fail "failed withdraw moved tip"
"$HRDEX" -C "$S" withdraw -m "superseded by a corrected version" ohchr/report/with-files >/dev/null
expect_exit 65 "$HRDEX" -C "$S" show ohchr/report/with-files 2>/dev/null
[ ! -e "$S/view/ohchr/report/with-files.json" ] || fail "view keeps withdrawn doc"
[ ! -e "$S/view/ohchr/report/with-files.files" ] || fail "view keeps withdrawn attachments"
git --git-dir "$S/repo.git" log -1 --format=%B refs/heads/ohchr | grep -q superseded || fail "reason not recorded"
verify refs/heads/ohchr
verify refs/heads/main
git --git-dir "$S/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"
echo "publish: ok"
