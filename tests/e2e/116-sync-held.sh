#!/bin/bash
# 116-sync-held: a document that fails a document rule is held, not a
# reason to refuse its publisher's branch (DESIGN.md, "Two levels of
# rules").  A commit signed with stock git carrying a document of a type
# this agent does not know, one of a schema version it does not know and
# one missing its title moves the branch on the peer; the publisher's
# other documents stay visible (query, view/, main); `query --held` lists
# the three with their reasons; a later commit fixing them releases them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a V=$T/agents/v
mkagent "$A" iachr
mkagent "$V" ohchr
trust "$V" "$A"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"

note "iachr publishes two valid documents; the peer takes them"
publish "$A" decision d1
publish "$A" note n1
sync_agent "$V" || fail "first sync failed"
expect_tip "$V" iachr "$(tip "$A" iachr)" "first sync"

note "a stock-git commit with an unknown type, a newer schema version and a missing title"
doc iachr decision d2 | jq 'del(.title)' >"$T/d2.json"
doc iachr decision d3 >"$T/d3.json"
printf '{\n  "date": "2026-01-01",\n  "id": "x1",\n  "publisher": "iachr",\n  "title": {\n    "en": "X"\n  },\n  "type": "hearing"\n}\n' >"$T/x1.json"
doc iachr note n2 | jq '.schema = 2' >"$T/n2.json"
bad=$(commit_files "$A" "publish d2 d3 x1 n2" "iachr/decision/d2.json=$T/d2.json" \
	"iachr/decision/d3.json=$T/d3.json" "iachr/hearing/x1.json=$T/x1.json" "iachr/note/n2.json=$T/n2.json")
sync_agent "$V" || fail "sync with held documents failed"
expect_tip "$V" iachr "$bad" "a held document refused its branch"
grep -q "rejected" "$T/last-sync.err" && fail "the branch was rejected: $(cat "$T/last-sync.err")"

note "the other documents are visible; the held ones are nowhere"
"$HRDEX" -C "$V" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/decision/d1\niachr/decision/d3\niachr/note/n1\n' | diff - "$T/refs" || fail "query lists the wrong documents"
for f in decision/d1.json decision/d3.json note/n1.json; do
	[ -f "$V/view/iachr/$f" ] || fail "view/ lacks iachr/$f"
	g "$V" cat-file -e "main:iachr/$f" || fail "main lacks iachr/$f"
done
for f in decision/d2.json hearing/x1.json note/n2.json; do
	[ -e "$V/view/iachr/$f" ] && fail "view/ shows held iachr/$f"
	g "$V" cat-file -e "main:iachr/$f" 2>/dev/null && fail "main shows held iachr/$f"
done
grep -q d2 "$V/view/iachr/README.md" && fail "iachr's README lists the held d2"

note "query --held lists the three with reasons"
"$HRDEX" -C "$V" query --held --format table >"$T/held" || fail "query --held failed"
cat "$T/held" >&2
[ "$(wc -l <"$T/held")" = 3 ] || fail "query --held lists $(wc -l <"$T/held") documents, expected 3"
grep -P '^iachr/decision/d2\t[0-9a-f]{12}\t.*title' "$T/held" >/dev/null || fail "d2 not held for its title"
grep -P '^iachr/hearing/x1\t.*not known' "$T/held" >/dev/null || fail "x1 not held for its type"
grep -P '^iachr/note/n2\t.*schema version 2' "$T/held" >/dev/null || fail "n2 not held for its schema version"
"$HRDEX" -C "$V" query --held --format json | jq -e 'length == 3 and .[0].ref == "iachr/decision/d2" and (.[0].reason | length > 0)' >/dev/null ||
	fail "query --held --format json"
"$HRDEX" -C "$V" verify >"$T/verify" 2>&1 || fail "verify fails on held documents: $(cat "$T/verify")"

note "a third agent relays the branch unchanged"
W=$T/agents/w
mkagent "$W" achpr
trust "$W" "$A"
"$HRDEX" -C "$W" peer add v "$(url_of "$V")"
sync_agent "$W" || fail "relay sync failed"
expect_tip "$W" iachr "$bad" "relay"

note "a later commit fixing them releases them"
doc iachr decision d2 >"$T/d2.json"
doc iachr note n2 >"$T/n2.json"
fixed=$(commit_files "$A" "fix d2 n2, withdraw x1" "iachr/decision/d2.json=$T/d2.json" \
	"iachr/note/n2.json=$T/n2.json" "-iachr/hearing/x1.json")
sync_agent "$V" || fail "sync of the fix failed"
expect_tip "$V" iachr "$fixed" "fix"
"$HRDEX" -C "$V" query --held --format table >"$T/held" || fail "query --held failed"
[ -s "$T/held" ] && fail "still held after the fix: $(cat "$T/held")"
"$HRDEX" -C "$V" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/decision/d1\niachr/decision/d2\niachr/decision/d3\niachr/note/n1\niachr/note/n2\n' | diff - "$T/refs" ||
	fail "released documents not in query"
[ -f "$V/view/iachr/decision/d2.json" ] || fail "view/ lacks the released d2"
g "$V" cat-file -e "main:iachr/note/n2.json" || fail "main lacks the released n2"

note "reindex rebuilds the same"
"$HRDEX" -C "$V" reindex >/dev/null || fail "reindex failed"
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "verify after reindex"
echo "PASS"
