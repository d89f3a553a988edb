#!/bin/bash
# 160-registry-schema: the registry's schema and vocabulary documents
# (issue 18 item 2; DESIGN.md, "Keys and membership").  A peer (iachr)
# publishes a document of type 'hearing', which no agent knows, and a note
# naming the theme 'digital-rights', which no list has: an agent that joined
# the registry (achpr) holds both.  The registry (ohchr) publishes a
# `schema` document defining 'hearing' in version 2 and a `vocabulary`
# document adding the theme; at achpr's next sync both documents are shown
# (query, view/, main, the site, with the type's label and the theme's
# label), with no manual step; a restart keeps them (STATE/registry-types.json),
# and achpr itself can publish, show and withdraw hearings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/regtypes-lib.sh"

R=$T/agents/r A=$T/agents/a V=$T/agents/v
mkagent "$R" ohchr
mkagent "$A" iachr
mkagent "$V" achpr
join_registry "$R" "$R"
join_registry "$V" "$R"
trust "$V" "$A"
git config -f "$V/hrdex.conf" site.enabled true
serve
"$HRDEX" -C "$V" peer add r "$(url_of "$R")"
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"

note "iachr publishes a hearing and a note with a new theme (stock git: hrdex publish would refuse both)"
hearing h1 >"$T/h1.json"
v2note n1 digital-rights >"$T/n1.json"
commit_files "$A" "hearing h1, note n1" "iachr/hearing/h1.json=$T/h1.json" "iachr/note/n1.json=$T/n1.json" >/dev/null
expect_exit 65 "$HRDEX" -C "$A" validate "$T/h1.json" 2>"$T/err"
grep -qF "type 'hearing' is not known to this agent" "$T/err" || fail "validate on iachr: $(cat "$T/err")"
sync_agent "$V" || fail "first sync failed"
expect_tip "$V" iachr "$(tip "$A" iachr)" "first sync"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
grep -P '^iachr/hearing/h1\t.*not known' "$T/held" >/dev/null || fail "h1 not held for its type: $(cat "$T/held")"
grep -P "^iachr/note/n1\t.*digital-rights" "$T/held" >/dev/null || fail "n1 not held for its theme: $(cat "$T/held")"

note "the registry publishes the type and the theme with hrdex publish"
schema_doc hearing >"$T/s.json"
vocab_doc themes digital-rights "Digital rights" >"$T/v.json"
"$HRDEX" -C "$R" validate "$T/s.json" "$T/v.json" >"$T/out" 2>&1 || fail "validate on the registry: $(cat "$T/out")"
"$HRDEX" -C "$R" publish "$T/s.json" "$T/v.json" >/dev/null 2>"$T/err" || fail "the registry cannot publish: $(cat "$T/err")"

note "the next sync shows both, with no manual step"
sync_agent "$V" || fail "second sync failed"
expect_tip "$V" ohchr "$(tip "$R" ohchr)" "the registry's branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
[ -s "$T/held" ] && fail "still held after the registry's schema: $(cat "$T/held")"
"$HRDEX" -C "$V" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/hearing/h1\niachr/note/n1\n' | diff - "$T/refs" || fail "query does not list the released documents"
"$HRDEX" -C "$V" query --type hearing --format refs | grep -qx iachr/hearing/h1 || fail "query --type hearing"
"$HRDEX" -C "$V" query --theme digital-rights --format refs | grep -qx iachr/note/n1 || fail "query --theme digital-rights"
[ -f "$V/view/iachr/hearing/h1.json" ] || fail "view/ lacks the hearing"
g "$V" cat-file -e main:iachr/hearing/h1.json || fail "main lacks the hearing"
grep -q "Hearings" "$V/view/iachr/README.md" || fail "iachr's README does not name hearings: $(cat "$V/view/iachr/README.md")"
site=$(readlink -f "$V/site")
[ -f "$site/iachr/hearing/h1.html" ] || fail "the site has no page for the hearing"
grep -q "Hearing" "$site/iachr/hearing/h1.html" || fail "the hearing's page lacks its label"
grep -q "Digital rights" "$site/iachr/note/n1.html" || fail "the note's page lacks the theme's label"
"$HRDEX" -C "$V" verify >"$T/verify" 2>&1 || fail "verify: $(cat "$T/verify")"
jq -e '.schemas | length == 1' "$V/registry-types.json" >/dev/null || fail "registry-types.json lacks the schema"

note "a later run (new process) still knows the type"
"$HRDEX" -C "$V" reindex >/dev/null 2>"$T/err" || fail "reindex: $(cat "$T/err")"
"$HRDEX" -C "$V" query --type hearing --format refs | grep -qx iachr/hearing/h1 || fail "lost after reindex"
hearing h2 | jq '.publisher = "achpr"' >"$T/h2.json"
"$HRDEX" -C "$V" publish "$T/h2.json" >/dev/null 2>"$T/err" || fail "achpr cannot publish a hearing: $(cat "$T/err")"
"$HRDEX" -C "$V" query --type hearing --format refs | grep -qx achpr/hearing/h2 || fail "achpr's own hearing not in query"
jq '.chamber = "closed"' "$T/h2.json" >"$T/h3.json"
expect_exit 65 "$HRDEX" -C "$V" validate "$T/h3.json" 2>"$T/err"
grep -qF "/chamber" "$T/err" || fail "the definition is not applied to achpr's documents: $(cat "$T/err")"
"$HRDEX" -C "$V" show iachr/hearing/h1 | jq -e '.chamber == "public"' >/dev/null || fail "show of a hearing"
"$HRDEX" -C "$V" withdraw achpr/hearing/h2 >/dev/null 2>"$T/err" || fail "withdraw of a hearing: $(cat "$T/err")"
"$HRDEX" -C "$V" query --type hearing --format refs | grep -qx achpr/hearing/h2 && fail "the withdrawn hearing is still listed"
exit 0
