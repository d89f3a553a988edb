#!/bin/bash
# 119-schema-versions: documents of schema versions 1 and 2 side by side
# (DESIGN.md, "Schema versions").  A publisher's branch mixing them
# validates, publishes, indexes (query lists both) and renders (both
# pages); a peer behaving as an agent that knows version 1 only
# (HRDEX_SCHEMA_NEWEST=1) holds the version-2 documents, naming the version,
# and keeps showing the version-1 ones; the same peer without the switch
# shows them at its next sync (or run --once) with no manual step.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a V=$T/agents/v W=$T/agents/w
mkagent "$A" iachr
mkagent "$V" ohchr
mkagent "$W" achpr
trust "$V" "$A"
trust "$W" "$A"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$W" peer add a "$(url_of "$A")"

# A version-2 note with envelope fields only, its kind and body: a month for
# its date, a local time in its time zone, several authors.
v2note() {
	cat <<JSON
{
  "schema": 2,
  "id": "$1",
  "type": "note",
  "publisher": "iachr",
  "title": {"es": "CIDH repudia asesinato de Berta Cáceres en Honduras"},
  "date": "2016-03",
  "dates": [{"kind": "published", "date": "2016-03-04"}],
  "countries": ["HND"],
  "authors": [{"kind": "body", "name": {"es": "Comisión Interamericana de Derechos Humanos"}},
              {"kind": "mechanism", "name": {"en": "Rapporteurship on Human Rights Defenders"}}],
  "symbols": ["024/16"],
  "translations": {"es": "original"},
  "ext": {"iachr": {"mc": "MC 405-09"}},
  "kind": "press-release",
  "body": {"es": "La CIDH manifiesta su profundo repudio ante el asesinato de Berta Cáceres."}
}
JSON
}

note "validate says which version it checked each document against"
doc iachr note n1 "A version-1 note" >"$T/n1.json"
v2note n2 >"$T/n2.json"
"$HRDEX" validate "$T/n1.json" "$T/n2.json" >"$T/out" 2>"$T/err" || fail "validate refused: $(cat "$T/err")"
grep -qx "$T/n1.json: ok (schema version 1)" "$T/out" || fail "validate does not say version 1: $(cat "$T/out")"
grep -qx "$T/n2.json: ok (schema version 2)" "$T/out" || fail "validate does not say version 2: $(cat "$T/out")"
"$HRDEX" validate --json "$T/n1.json" "$T/n2.json" 2>/dev/null | jq -s -e '[.[].schema] == [1, 2]' >/dev/null ||
	fail "validate --json lacks \"schema\""
jq '.date = "2016-05" | .dates = [{"kind": "published", "date": "2016-04-06T10:00"}]' "$T/n2.json" >"$T/bad.json"
expect_exit 65 "$HRDEX" validate "$T/bad.json" 2>"$T/err"
grep -qF "$T/bad.json: /dates/0/date: '2016-04-06T10:00' is a local time: it needs a 'time_zone'" "$T/err" ||
	fail "a local time without a time zone: $(cat "$T/err")"
grep -qx "$T/bad.json: checked against schema version 2" "$T/err" || fail "no version for an invalid document: $(cat "$T/err")"
jq '.schema = 3' "$T/n2.json" >"$T/v3.json"
expect_exit 65 "$HRDEX" validate "$T/v3.json" 2>"$T/err"
grep -qF "$T/v3.json: /schema: schema version 3 is not known to this agent (it knows 1 and 2)" "$T/err" ||
	fail "version 3: $(cat "$T/err")"
expect_exit 65 env HRDEX_SCHEMA_NEWEST=1 "$HRDEX" validate "$T/n2.json" 2>"$T/err"
grep -qF "$T/n2.json: /schema: schema version 2 is not known to this agent (it knows 1)" "$T/err" ||
	fail "HRDEX_SCHEMA_NEWEST=1 validate: $(cat "$T/err")"

note "a branch mixing versions publishes, indexes and renders"
git config -f "$A/hrdex.conf" site.enabled true
v2note n3 | jq '.title = {"en": "A second version-2 note"} | .date = "2016-Q2"' >"$T/n3.json"
"$HRDEX" -C "$A" publish "$T/n1.json" "$T/n2.json" >/dev/null 2>"$T/err" || fail "publish refused: $(cat "$T/err")"
"$HRDEX" -C "$A" publish "$T/n3.json" >/dev/null 2>"$T/err" || fail "publish refused n3: $(cat "$T/err")"
"$HRDEX" -C "$A" query --format refs | sort >"$T/refs"
printf 'iachr/note/n1\niachr/note/n2\niachr/note/n3\n' | diff - "$T/refs" || fail "query does not list both versions"
"$HRDEX" -C "$A" query --held --format table >"$T/held"
[ -s "$T/held" ] && fail "the publisher holds its own documents: $(cat "$T/held")"
"$HRDEX" -C "$A" site >/dev/null 2>"$T/err" || fail "site failed: $(cat "$T/err")"
site=$(readlink -f "$A/site")
for id in n1 n2 n3; do
	[ -f "$site/iachr/note/$id.html" ] || fail "the site has no page for $id: $(cd "$site" && find . -name '*.html' | head)"
done
grep -q "Berta C" "$site/iachr/note/n2.html" || fail "n2's page lacks its title"
"$HRDEX" -C "$A" verify >/dev/null 2>"$T/err" || fail "verify: $(cat "$T/err")"

note "a peer that knows version 1 only holds the version-2 documents and shows the rest"
HRDEX_SCHEMA_NEWEST=1 sync_agent "$V" || fail "sync with HRDEX_SCHEMA_NEWEST=1 failed"
expect_tip "$V" iachr "$(tip "$A" iachr)" "the branch of a newer publisher was refused"
"$HRDEX" -C "$V" query --publisher iachr --format refs >"$T/refs"
[ "$(cat "$T/refs")" = iachr/note/n1 ] || fail "the older peer shows: $(cat "$T/refs")"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
cat "$T/held" >&2
[ "$(wc -l <"$T/held")" = 2 ] || fail "held: $(cat "$T/held")"
grep -P '^iachr/note/n2\t.*schema version 2 is not known to this agent \(it knows 1\)' "$T/held" >/dev/null ||
	fail "n2 is not held for its version"
grep -P '^iachr/note/n3\t.*schema version 2' "$T/held" >/dev/null || fail "n3 is not held for its version"
[ -f "$V/view/iachr/note/n1.json" ] || fail "view/ lacks the version-1 note"
[ -e "$V/view/iachr/note/n2.json" ] && fail "view/ shows the held n2"

note "without the switch, the next sync shows them with no manual step"
sync_agent "$V" || fail "sync without the switch failed"
grep -q "interrupted run" "$T/last-sync.err" && fail "an upgrade is logged as an interrupted run: $(cat "$T/last-sync.err")"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
[ -s "$T/held" ] && fail "still held after the upgrade: $(cat "$T/held")"
"$HRDEX" -C "$V" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/note/n1\niachr/note/n2\niachr/note/n3\n' | diff - "$T/refs" || fail "the upgraded peer does not show them"
[ -f "$V/view/iachr/note/n2.json" ] || fail "view/ lacks the released n2"
g "$V" cat-file -e "main:iachr/note/n3.json" || fail "main lacks the released n3"
"$HRDEX" -C "$V" site >/dev/null 2>"$T/err" || fail "the peer's site failed: $(cat "$T/err")"
[ -f "$(readlink -f "$V/site")/iachr/note/n2.html" ] || fail "the peer's site has no page for n2"

note "the same with run --once"
HRDEX_SCHEMA_NEWEST=1 "$HRDEX" -C "$W" run --once >"$T/run.log" 2>&1 || fail "run --once failed: $(cat "$T/run.log")"
"$HRDEX" -C "$W" query --held --format table | cut -f1 >"$T/held"
[ "$(sort "$T/held" | tr '\n' ' ')" = "iachr/note/n2 iachr/note/n3 " ] || fail "run --once held: $(cat "$T/held")"
"$HRDEX" -C "$W" run --once >"$T/run.log" 2>&1 || fail "run --once failed: $(cat "$T/run.log")"
"$HRDEX" -C "$W" query --held --format table | cut -f1 >"$T/held"
[ -s "$T/held" ] && fail "run --once still holds: $(cat "$T/held")"
"$HRDEX" -C "$W" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/note/n1\niachr/note/n2\niachr/note/n3\n' | diff - "$T/refs" || fail "run --once does not show them"
"$HRDEX" -C "$W" verify >/dev/null 2>"$T/err" || fail "verify: $(cat "$T/err")"
echo "PASS"
