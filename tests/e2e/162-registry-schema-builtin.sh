#!/bin/bash
# 162-registry-schema-builtin: a `schema` document from the registry that
# would change a built-in type of an existing version ('2-decision': a
# looser decision) is held, with a reason saying so, and changes nothing:
# a decision that only the looser definition allows stays held.  The
# registry's own publish refuses it (65); a stock-git commit carries it.
# iachr's honest decision moves in the same sync.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/regtypes-lib.sh"

registry_network

schema_doc decision | jq '.definition = {"type": "object"}' >"$T/s.json"
expect_exit 65 "$HRDEX" -C "$R" publish "$T/s.json" 2>"$T/err"
grep -qF "'2-decision' would change type 'decision' of schema version 2, which is built in" "$T/err" ||
	fail "the registry's publish: $(cat "$T/err")"
commit_files "$R" "schema 2-decision" "ohchr/schema/2-decision.json=$T/s.json" >/dev/null

note "a decision without its kind (only the looser definition would allow it) and an honest one"
doc iachr decision d1 | jq '.schema = 2 | del(.kind)' >"$T/d1.json"
doc iachr decision d2 >"$T/d2.json"
commit_files "$A" "d1, d2" "iachr/decision/d1.json=$T/d1.json" "iachr/decision/d2.json=$T/d2.json" >/dev/null
sync_agent "$V" || fail "sync failed"
expect_tip "$V" ohchr "$(tip "$R" ohchr)" "the registry's branch"
expect_tip "$V" iachr "$(tip "$A" iachr)" "iachr's branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
grep -P "^ohchr/schema/2-decision\t.*would change type 'decision' of schema version 2, which is built in" "$T/held" \
	>/dev/null || fail "2-decision is not held with its reason: $(cat "$T/held")"
grep -P "^iachr/decision/d1\t" "$T/held" >/dev/null || fail "the looser definition was applied: $(cat "$T/held")"
"$HRDEX" -C "$V" query --publisher iachr --format refs | grep -qx iachr/decision/d2 || fail "the honest decision is not shown"
[ "$(jq '.schemas | length' "$V/registry-types.json" 2>/dev/null || echo 0)" = 0 ] ||
	fail "2-decision was recorded: $(cat "$V/registry-types.json")"
exit 0
