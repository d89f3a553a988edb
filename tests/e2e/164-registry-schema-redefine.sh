#!/bin/bash
# 164-registry-schema-redefine: once an agent applied the registry's type
# 'hearing' of version 2, a later version of that `schema` document with
# another definition (a new required property) is held, with a reason saying
# the registry defined it before; the first definition stays in force, so
# the hearing published under it stays shown, also in a new process.  The
# registry's own publish refuses the change (65).  iachr's honest hearing
# moves in the same sync.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/regtypes-lib.sh"

registry_network

schema_doc hearing >"$T/s.json"
"$HRDEX" -C "$R" publish "$T/s.json" >/dev/null 2>"$T/err" || fail "publish: $(cat "$T/err")"
hearing h1 >"$T/h1.json"
commit_files "$A" "h1" "iachr/hearing/h1.json=$T/h1.json" >/dev/null
sync_agent "$V" || fail "first sync failed"
"$HRDEX" -C "$V" query --type hearing --format refs | grep -qx iachr/hearing/h1 || fail "h1 not shown"

note "the registry changes the definition: refused by its publish, carried by stock git"
jq '.definition.required = ["chamber", "room"]' "$T/s.json" >"$T/s2.json"
expect_exit 65 "$HRDEX" -C "$R" publish "$T/s2.json" 2>"$T/err"
grep -qF "'2-hearing' would change type 'hearing' of schema version 2, which the registry defined before" "$T/err" ||
	fail "the registry's publish: $(cat "$T/err")"
commit_files "$R" "redefine hearing" "ohchr/schema/2-hearing.json=$T/s2.json" >/dev/null
hearing h2 >"$T/h2.json"
commit_files "$A" "h2" "iachr/hearing/h2.json=$T/h2.json" >/dev/null
sync_agent "$V" || fail "second sync failed"
expect_tip "$V" ohchr "$(tip "$R" ohchr)" "the registry's branch"
expect_tip "$V" iachr "$(tip "$A" iachr)" "iachr's branch"
"$HRDEX" -C "$V" query --held --format table >"$T/held"
grep -P "^ohchr/schema/2-hearing\t.*which the registry defined before" "$T/held" >/dev/null ||
	fail "the redefinition is not held with its reason: $(cat "$T/held")"
"$HRDEX" -C "$V" query --type hearing --format refs | sort >"$T/refs"
printf 'iachr/hearing/h1\niachr/hearing/h2\n' | diff - "$T/refs" || fail "the first definition is no longer in force"

note "a new process keeps the first definition"
"$HRDEX" -C "$V" reindex >/dev/null 2>"$T/err" || fail "reindex: $(cat "$T/err")"
"$HRDEX" -C "$V" query --type hearing --format refs | sort >"$T/refs"
printf 'iachr/hearing/h1\niachr/hearing/h2\n' | diff - "$T/refs" || fail "after reindex"
"$HRDEX" -C "$V" verify >"$T/verify" 2>&1 || fail "verify: $(cat "$T/verify")"
exit 0
