#!/bin/bash
# 163-registry-schema-invalid: a `schema` document whose definition is not a
# valid schema (an unknown JSON type, a "$ref" to nowhere, a list that does
# not exist, a pattern that does not compile, an "$id" of its own) is held
# with the reason, and the type stays unknown: its documents stay held.  The
# registry's own publish refuses each (65, the same reason).  The
# registry's honest vocabulary and iachr's honest note move in the same sync.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/regtypes-lib.sh"

registry_network

# bad NAME JQ REASON : a schema document for NAME with its definition changed by JQ.
files=()
bad() {
	schema_doc "$1" | jq "$2" >"$T/$1.json"
	expect_exit 65 "$HRDEX" -C "$R" publish "$T/$1.json" 2>"$T/err"
	grep -qF "$3" "$T/err" || fail "publish of $1: expected '$3': $(cat "$T/err")"
	files+=("ohchr/schema/2-$1.json=$T/$1.json")
	reasons+=("$1	$3")
}
reasons=()
bad hearing '.definition.properties.chamber.type = "word"' "not a valid schema"
bad visita '.definition.properties.session = {"$ref": "#/definitions/nowhere"}' "not a valid schema"
bad seminar '.definition.properties.session = {"type": "string", "x-hrdex-list": "seminars"}' "unknown list 'seminars'"
bad webinar '.definition.properties.session = {"type": "string", "pattern": "(["}' "not a valid schema"
bad forum '.definition["$id"] = "https://example.org/forum.json"' "a definition has no \"\$id\""
vocab_doc themes digital-rights "Digital rights" >"$T/v.json"
commit_files "$R" "five invalid schema documents, one vocabulary" "${files[@]}" "ohchr/vocabulary/themes.json=$T/v.json" >/dev/null

hearing h1 >"$T/h1.json"
v2note n1 digital-rights >"$T/n1.json"
commit_files "$A" "h1, n1" "iachr/hearing/h1.json=$T/h1.json" "iachr/note/n1.json=$T/n1.json" >/dev/null
sync_agent "$V" || fail "sync failed"
expect_tip "$V" ohchr "$(tip "$R" ohchr)" "the registry's branch"
expect_tip "$V" iachr "$(tip "$A" iachr)" "iachr's branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
cat "$T/held" >&2
for r in "${reasons[@]}"; do
	name=${r%%	*} why=${r#*	}
	grep -F "ohchr/schema/2-$name	" "$T/held" | grep -qF "$why" || fail "2-$name is not held for '$why': $(cat "$T/held")"
done
grep -P "^iachr/hearing/h1\t.*not known" "$T/held" >/dev/null || fail "an invalid definition defined 'hearing'"
"$HRDEX" -C "$V" query --publisher iachr --format refs | grep -qx iachr/note/n1 ||
	fail "the honest vocabulary did not release the note: $(cat "$T/held")"
exit 0
