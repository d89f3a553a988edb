#!/bin/bash
# 116-self-accept: an agent never writes what its peers would refuse
# (DESIGN.md, "Two levels of rules"; issue 15 item 3).  Every example of
# schemas/ and every kind of document the e2e fixtures make is published on
# A; B, the same version, syncs from A and accepts the branch with every
# document.  A commit the branch rules refuse (here: over A's own
# limits.treeEntries) is refused by publish itself, exit 65, nothing written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b
mkagent "$A" achpr
mkagent "$B" iachr
trust "$B" "$A"
"$HRDEX" -C "$B" peer add a "file://$A/repo.git" >/dev/null

# nothing_written DIR BEFORE WHAT : achpr did not move and view/ did not change
nothing_written() {
	expect_tip "$1" achpr "$2" "$3: the ref moved"
	diff -r "$T/view.before" "$1/view" >/dev/null || fail "$3: view/ changed"
}

note "every example, as achpr's, one publish each"
mkdir -p "$T/docs"
n=0
for f in "$top"/schemas/examples/*.json; do
	jq '.publisher = "achpr"' "$f" >"$T/docs/$(basename "$f")"
	"$HRDEX" -C "$A" publish "$T/docs/$(basename "$f")" >"$T/out" 2>&1 ||
		fail "$(basename "$f"): publish refused an example: $(cat "$T/out")"
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n examples found"

note "the fixtures' documents: each type of sync-lib's doc, with and without publisher"
for t in decision report note; do
	doc achpr "$t" "fixture-$t" >"$T/docs/fixture-$t.json"
	doc achpr "$t" "nopub-$t" | jq 'del(.publisher)' >"$T/docs/nopub-$t.json"
done
"$HRDEX" -C "$A" publish "$T"/docs/fixture-*.json "$T"/docs/nopub-*.json >"$T/out" 2>&1 ||
	fail "fixtures refused: $(cat "$T/out")"

note "attachments: a plain name in NAME.files/, and names as real files are named"
mkdir -p "$T/att/with-files.files"
doc achpr note with-files >"$T/att/with-files.json"
printf 'annex\n' >"$T/att/with-files.files/annex-1.pdf"
"$HRDEX" -C "$A" publish "$T/att" >"$T/out" 2>&1 || fail "attachment refused: $(cat "$T/out")"
for name in "Informe anual 2026 (ES).pdf" "قرار.pdf"; do
	id=real-$(printf '%s' "$name" | sha256sum | cut -c1-8)
	doc achpr report "$id" >"$T/$id.json"
	printf 'report\n' >"$T/$name"
	before=$(tip "$A" achpr)
	rm -rf "$T/view.before" && cp -a "$A/view" "$T/view.before"
	rc=0
	"$HRDEX" -C "$A" publish --attach "$T/$name" "$T/$id.json" >"$T/out" 2>&1 || rc=$?
	case $rc in
	0) ;; # then B must take it: checked by the sync below
	65) nothing_written "$A" "$before" "'$name' refused" ;;
	*) fail "'$name': exit $rc: $(cat "$T/out")" ;;
	esac
done

note "a withdrawal"
"$HRDEX" -C "$A" withdraw achpr/note/fixture-note >/dev/null || fail "withdraw failed"

note "B syncs from A and takes the whole branch"
sync_agent "$B" 2>/dev/null || fail "sync of B failed: $(cat "$T/last-sync.err")"
expect_tip "$B" achpr "$(tip "$A" achpr)" "B did not accept what A published"
grep -q "refused\|rejected" "$T/last-sync.err" && fail "B refused something: $(cat "$T/last-sync.err")"
diff -r "$A/view/achpr" "$B/view/achpr" >"$T/diff" || fail "B's documents differ from A's: $(cat "$T/diff")"
docs=$(GIT_DIR="$A/repo.git" git ls-tree -r --name-only refs/heads/achpr | grep -c '\.json$')
[ "$docs" -ge $((n + 6)) ] || fail "A has only $docs documents"
rows=$("$HRDEX" -C "$B" query --publisher achpr --format json | jq length)
[ "$rows" -eq "$docs" ] || fail "B's cache has $rows achpr rows, the branch $docs documents"

note "a commit over the branch limits (limits.treeEntries) is refused by publish: 65, nothing written"
C=$T/agents/c
mkagent "$C" ohchr
trust "$B" "$C"
"$HRDEX" -C "$B" peer add c "file://$C/repo.git" >/dev/null
git config -f "$C/hrdex.conf" limits.treeEntries 16
mkdir -p "$T/many"
for i in $(seq 1 17); do doc ohchr decision "many-$i" >"$T/many/m$i.json"; done
"$HRDEX" -C "$C" publish "$T/many/m1.json" >/dev/null 2>&1 || fail "one document refused"
before=$(tip "$C" ohchr)
rm -rf "$T/view.before" && cp -a "$C/view" "$T/view.before"
expect_exit 65 "$HRDEX" -C "$C" publish "$T/many" 2>"$T/err"
grep -q "peers would refuse" "$T/err" || fail "no reason given: $(cat "$T/err")"
grep -q "treeEntries" "$T/err" || fail "the limit is not named: $(cat "$T/err")"
expect_tip "$C" ohchr "$before" "over the limit: the ref moved"
diff -r "$T/view.before" "$C/view" >/dev/null || fail "over the limit: view/ changed"
"$HRDEX" -C "$C" verify >/dev/null 2>&1 || fail "verify fails after a refused publish"
rm "$T/many/m17.json"
"$HRDEX" -C "$C" publish "$T/many" >/dev/null 2>&1 || fail "16 entries refused"
sync_agent "$B" 2>/dev/null || fail "second sync failed"
expect_tip "$B" ohchr "$(tip "$C" ohchr)" "B did not accept C's 16"

note "the outbox too: the 17th decision is rejected with the reason, the branch stays"
before=$(tip "$C" ohchr)
doc ohchr decision many-17 >"$C/outbox/m17.json"
touch -d '1 minute ago' "$C/outbox/m17.json"
"$HRDEX" -C "$C" run --once 2>"$T/log" || true
[ -f "$C/outbox/rejected/m17.json" ] || fail "m17.json not rejected: $(ls -R "$C/outbox"; cat "$T/log")"
grep -q "peers would refuse" "$C/outbox/rejected/m17.error" || fail "m17.error: $(cat "$C/outbox/rejected/m17.error")"
expect_tip "$C" ohchr "$before" "the outbox moved the ref over the limit"

echo "self-accept: ok"
