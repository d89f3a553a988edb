#!/bin/bash
# The same attachment in two documents is one blob listed twice: a sync must
# copy it once (a pack holding an object twice cannot be indexed, and the
# whole round failed with "duplicate object found in pack").
. "$(dirname "$0")/lib.sh"
"$HRDEX" -C "$T/a" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$T/b" init --publisher achpr >/dev/null 2>&1
"$HRDEX" -C "$T/b" trust add ohchr "$T/a/keys/id_ed25519.pub" >/dev/null 2>&1
mkdir -p "$T/docs/x.files" "$T/docs/y.files"
head -c 5000 /dev/urandom >"$T/docs/x.files/annex.pdf"
cp "$T/docs/x.files/annex.pdf" "$T/docs/y.files/annex.pdf"
for id in x y; do
	printf '{"date": "2016-01-01", "id": "%s", "kind": "information", "publisher": "ohchr", "title": {"en": "Note %s"}, "type": "note"}\n' \
		"$id" "$id" >"$T/docs/$id.json"
done
"$HRDEX" -C "$T/a" publish "$T/docs" >/dev/null
"$HRDEX" -C "$T/b" peer add a "file://$T/a/repo.git" >/dev/null
"$HRDEX" -C "$T/b" sync >"$T/out" 2>&1 || fail "sync failed: $(cat "$T/out")"
[ "$(git --git-dir "$T/b/repo.git" rev-parse refs/heads/ohchr)" = "$(git --git-dir "$T/a/repo.git" rev-parse refs/heads/ohchr)" ] ||
	fail "ohchr not accepted"
git --git-dir "$T/b/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"
cmp "$T/docs/x.files/annex.pdf" "$T/b/view/ohchr/note/y.files/annex.pdf" || fail "annex differs"
echo "shared blob: ok"
