#!/bin/bash
# A withdrawn document stays a deleted record for harvesters (OAI-PMH says
# "persistent") across `hrdex reindex`, and the versions still current keep
# their datestamp (accepted_at) and SEQUENCE: a rebuilt cache must not make a
# harvester see every record as new, nor a calendar client a SEQUENCE go back.
. "$(dirname "$0")/lib.sh"
S="$T/s"
ex=$top/schemas/examples
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$S" publish "$ex"/ohchr-event-*.json "$ex"/ohchr-note-*.json >/dev/null 2>&1
ev=$(jq -r '"ohchr/event/" + .id' "$(ls "$ex"/ohchr-event-*.json | head -1)")
note=$(jq -r '"ohchr/note/" + .id' "$(ls "$ex"/ohchr-note-*.json | head -1)")
# a second version of the event (SEQUENCE 1), then the note withdrawn
jq '.title.en = "Changed title"' "$(ls "$ex"/ohchr-event-*.json | head -1)" >"$T/ev.json"
"$HRDEX" -C "$S" publish "$T/ev.json" >/dev/null 2>&1
"$HRDEX" -C "$S" withdraw "$note" >/dev/null 2>&1

stamps() { sqlite3 -readonly "$S/cache.db" "SELECT ref, accepted_at, sequence FROM documents ORDER BY ref"; }
note "before: the note is a tombstone, the event at SEQUENCE 1"
"$HRDEX" -C "$S" query --withdrawn --format refs >"$T/w1"
grep -qx "$note" "$T/w1" || fail "no tombstone for $note: $(cat "$T/w1")"
[ "$(sqlite3 -readonly "$S/cache.db" "SELECT sequence FROM documents WHERE ref = '$ev'")" = 1 ] ||
	fail "the changed event is not at SEQUENCE 1"
stamps >"$T/s1"
when=$(sqlite3 -readonly "$S/cache.db" "SELECT withdrawn_at FROM withdrawn WHERE ref = '$note'")

sleep 1.1   # a rebuild that re-stamped would now write another second
note "after reindex: the same tombstone, the same stamps and sequences"
"$HRDEX" -C "$S" reindex >/dev/null 2>&1
"$HRDEX" -C "$S" query --withdrawn --format refs >"$T/w2"
diff "$T/w1" "$T/w2" >/dev/null || fail "reindex lost tombstones: $(diff "$T/w1" "$T/w2")"
[ "$(sqlite3 -readonly "$S/cache.db" "SELECT withdrawn_at FROM withdrawn WHERE ref = '$note'")" = "$when" ] ||
	fail "the withdrawal time changed"
stamps >"$T/s2"
diff "$T/s1" "$T/s2" >/dev/null || fail "reindex changed stamps or sequences: $(diff "$T/s1" "$T/s2")"
"$HRDEX" -C "$S" verify >/dev/null 2>&1 || fail "verify after reindex"
echo ok
