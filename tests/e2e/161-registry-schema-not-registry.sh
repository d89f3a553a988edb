#!/bin/bash
# 161-registry-schema-not-registry: `schema` and `vocabulary` documents from
# a publisher that is not the registry are held, and said so (the one
# network rule, doc.h, that also holds `member` documents); they define
# nothing: a hearing stays held.  iachr's honest note moves in the same sync.
# Without a registry configured, the same documents are held for that.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/regtypes-lib.sh"

R=$T/agents/r A=$T/agents/a V=$T/agents/v W=$T/agents/w
mkagent "$R" ohchr
mkagent "$A" iachr
mkagent "$V" achpr
mkagent "$W" apf
join_registry "$R" "$R"
join_registry "$V" "$R"
trust "$V" "$A"
trust "$W" "$A"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$W" peer add a "$(url_of "$A")"

note "iachr's own agent refuses to publish them"
schema_doc hearing 2 iachr >"$T/s.json"
vocab_doc themes digital-rights "Digital rights" iachr >"$T/v.json"
git config -f "$A/hrdex.conf" registry.publisher ohchr
expect_exit 65 "$HRDEX" -C "$A" publish "$T/s.json" 2>"$T/err"
grep -qF "only the registry 'ohchr' publishes schema documents" "$T/err" || fail "publish: $(cat "$T/err")"
git config -f "$A/hrdex.conf" --unset registry.publisher

note "with stock git they reach achpr: held, said so; the honest note moves"
hearing h1 >"$T/h1.json"
doc iachr note n1 >"$T/n1.json"
commit_files "$A" "schema, vocabulary, hearing, note" "iachr/schema/2-hearing.json=$T/s.json" \
	"iachr/vocabulary/themes.json=$T/v.json" "iachr/hearing/h1.json=$T/h1.json" "iachr/note/n1.json=$T/n1.json" >/dev/null
sync_agent "$V" || fail "sync failed"
expect_tip "$V" iachr "$(tip "$A" iachr)" "iachr's branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
grep -P "^iachr/schema/2-hearing\t.*only the registry 'ohchr' publishes schema documents" "$T/held" >/dev/null ||
	fail "the schema document is not held for its publisher: $(cat "$T/held")"
grep -P "^iachr/vocabulary/themes\t.*only the registry 'ohchr' publishes vocabulary documents" "$T/held" >/dev/null ||
	fail "the vocabulary document is not held for its publisher: $(cat "$T/held")"
grep -P "^iachr/hearing/h1\t.*not known" "$T/held" >/dev/null || fail "the hearing was defined by iachr: $(cat "$T/held")"
"$HRDEX" -C "$V" query --publisher iachr --format refs | grep -qx iachr/note/n1 || fail "the honest note is not shown"
[ -e "$V/registry-types.json" ] && fail "iachr's documents were applied: $(cat "$V/registry-types.json")"

note "an agent with no registry holds them for that"
sync_agent "$W" || fail "sync on apf failed"
"$HRDEX" -C "$W" query --held --format table >"$T/held"
grep -P "^iachr/schema/2-hearing\t.*no registry configured" "$T/held" >/dev/null || fail "apf: $(cat "$T/held")"
"$HRDEX" -C "$W" query --publisher iachr --format refs | grep -qx iachr/note/n1 || fail "apf: the honest note is not shown"
exit 0
