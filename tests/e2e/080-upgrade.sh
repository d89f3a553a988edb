#!/bin/bash
# 080-upgrade: `hrdex upgrade` rewrites this publisher's version-1 documents
# to schema version 2 in one signed commit (stock git verifies it), prints
# every change; --dry-run writes nothing; a second run has nothing to do; a
# peer syncs the upgraded branch; a document whose upgraded form would be
# invalid stops the whole upgrade and nothing is written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b
mkagent "$A" ohchr
mkagent "$B" achpr
trust "$B" "$A"
serve
"$HRDEX" -C "$B" peer add a "$(url_of "$A")"

# snapshot DIR : every ref, every file's content, the cache's mtime.
snapshot() {
	g "$1" for-each-ref --format='%(refname) %(objectname)'
	(cd "$1" && find . -type f ! -name lock ! -name '*.db-shm' ! -name '*.db-wal' -print0 | sort -z |
		xargs -0 sha256sum)
	stat -c '%Y.%y' "$1/cache.db"
}

note "A publishes the version-1 examples of ohchr"
"$HRDEX" -C "$A" publish "$top"/schemas/examples/ohchr-*.json >/dev/null
printf 'annex\n' >"$T/annex.txt"
"$HRDEX" -C "$A" publish --attach "$T/annex.txt" "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" >/dev/null
n=$(ls "$top"/schemas/examples/ohchr-*.json | wc -l)
before=$(tip "$A" ohchr)
[ "$(g "$A" show "$before:ohchr/report/a-hrc-32-20.json" | jq '.schema')" = null ] || fail "not a version-1 document"

note "upgrade --dry-run prints every change and writes nothing"
snap=$(snapshot "$A")
sleep 1.1 # an mtime written now would differ
"$HRDEX" -C "$A" upgrade --dry-run >"$T/dry" || fail "dry run failed: $(cat "$T/dry")"
[ "$snap" = "$(snapshot "$A")" ] || fail "--dry-run changed the state directory"
[ "$(grep -c '^would ' "$T/dry")" -eq "$n" ] || fail "dry run does not list $n documents: $(cat "$T/dry")"
grep -q "^would     ohchr/report/a-hrc-32-20$" "$T/dry" || fail "dry run lacks the report: $(cat "$T/dry")"
grep -q "^    'symbol' A/HRC/32/20 -> 'symbols'\[0\]$" "$T/dry" || fail "dry run lacks the symbol change: $(cat "$T/dry")"
grep -q "^    added 'schema' 2$" "$T/dry" || fail "dry run lacks the schema change"
grep -q "nothing written" "$T/dry" || fail "dry run does not say nothing was written"

note "upgrade: one signed commit that stock git verifies"
"$HRDEX" -C "$A" upgrade --json >"$T/up.json" || fail "upgrade failed: $(cat "$T/up.json")"
after=$(tip "$A" ohchr)
[ "$(g "$A" rev-parse "$after^")" = "$before" ] || fail "upgrade is not one commit on the old tip"
[ "$(g "$A" log -1 --format=%s "$after")" = "upgrade $n documents to schema version 2" ] ||
	fail "commit message: $(g "$A" log -1 --format=%s "$after")"
jq -e --arg c "$after" --argjson n "$n" '.commit == $c and .upgraded == $n and .dry_run == false and
	(.documents | length) == $n and (.documents[0].changes[0] == "added '"'"'schema'"'"' 2")' "$T/up.json" >/dev/null ||
	fail "JSON result: $(cat "$T/up.json")"
GIT_DIR="$A/repo.git" git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$A/allowed_signers" \
	verify-commit "$after" 2>"$T/verify.log" || fail "stock git does not verify the upgrade: $(cat "$T/verify.log")"
for f in $(g "$A" ls-tree -r --name-only "$after" | grep '\.json$'); do
	[ "$(g "$A" show "$after:$f" | jq '.schema')" = 2 ] || fail "$f is not version 2 on the branch"
done
g "$A" show "$after:ohchr/report/a-hrc-32-20.json" | jq -e '.symbols == ["A/HRC/32/20"] and (has("symbol") | not)' \
	>/dev/null || fail "the report's symbol did not move"
g "$A" show "$after:ohchr/report/a-hrc-32-20.json" | jq -e '.attachments[0].name == "annex.txt"' >/dev/null ||
	fail "the report's attachment is no longer listed"
[ "$(g "$A" show "$after:ohchr/report/a-hrc-32-20.files/annex.txt")" = annex ] || fail "the attachment is gone"
[ "$(jq .schema "$A/view/ohchr/report/a-hrc-32-20.json")" = 2 ] || fail "view/ does not show the upgraded document"

note "query still finds them"
"$HRDEX" -C "$A" query --publisher ohchr --format refs >"$T/refs"
[ "$(wc -l <"$T/refs")" -eq "$n" ] || fail "query finds $(wc -l <"$T/refs") of $n: $(cat "$T/refs")"
"$HRDEX" -C "$A" query --ref ohchr/report/a-hrc-32-20 --format refs | grep -qx ohchr/report/a-hrc-32-20 ||
	fail "query --ref does not find the upgraded report"

note "a peer syncs the upgraded branch"
sync_agent "$B" || fail "sync of B failed"
expect_tip "$B" ohchr "$after" "B took A's upgraded branch"
[ "$(jq .schema "$B/view/ohchr/report/a-hrc-32-20.json")" = 2 ] || fail "B's view lacks the upgraded report"
"$HRDEX" -C "$B" query --publisher ohchr --format refs >"$T/brefs"
[ "$(wc -l <"$T/brefs")" -eq "$n" ] || fail "B's query finds $(wc -l <"$T/brefs") of $n"

note "a second upgrade has nothing to do"
"$HRDEX" -C "$A" upgrade >"$T/again" || fail "second upgrade failed"
grep -q "^nothing to upgrade: $n documents already at schema version 2$" "$T/again" ||
	fail "second upgrade says: $(cat "$T/again")"
expect_tip "$A" ohchr "$after" "a second upgrade made a commit"

note "an upgrade that would be refused writes nothing"
# Valid in version 1 (a symbol of up to 128 characters), too long for
# version 2 (120): the whole upgrade stops.
long="A/HRC/32/$(printf '%0116d' 0)"
jq --arg s "$long" '.id = "long-symbol" | .symbol = $s' "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" >"$T/long.json"
"$HRDEX" -C "$A" validate "$T/long.json" >/dev/null || fail "the long symbol is not valid in version 1"
jq '.publisher = "ohchr" | .id = "berta-caceres"' "$top/schemas/examples/iachr-note-berta-caceres-2016.json" >"$T/note.json"
"$HRDEX" -C "$A" publish "$T/long.json" "$T/note.json" >/dev/null || fail "publish of the long symbol failed"
snap=$(snapshot "$A")
sleep 1.1
expect_exit 65 "$HRDEX" -C "$A" upgrade >"$T/refused.out" 2>"$T/refused.err"
grep -q "ohchr/report/long-symbol" "$T/refused.err" || fail "the refusal does not name the document: $(cat "$T/refused.err")"
grep -q "/symbols/0" "$T/refused.err" || fail "the refusal does not say why: $(cat "$T/refused.err")"
grep -q "nothing written" "$T/refused.err" || fail "the refusal does not say nothing was written"
[ "$snap" = "$(snapshot "$A")" ] || fail "a refused upgrade changed the state directory"
expect_exit 65 "$HRDEX" -C "$A" upgrade --dry-run >/dev/null 2>&1

note "an agent that knows version 1 only does not upgrade"
HRDEX_SCHEMA_NEWEST=1 expect_exit 64 "$HRDEX" -C "$A" upgrade --dry-run 2>"$T/old.err"
grep -q "knows schema version 1 only" "$T/old.err" || fail "no reason given: $(cat "$T/old.err")"
echo "ok"
