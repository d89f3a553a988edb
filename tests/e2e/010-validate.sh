#!/bin/bash
# validate: the shipped examples pass; every invalid document fails with exit
# 65 and a line naming the JSON pointer listed in tests/data/invalid/EXPECT.
. "$(dirname "$0")/lib.sh"

note "examples are valid"
"$HRDEX" validate "$top"/schemas/examples/*.json >"$T/out" || fail "examples rejected: $(cat "$T/out")"
[ "$(grep -c ': ok (schema version 1)$' "$T/out")" -eq "$(ls "$top"/schemas/examples/*.json | wc -l)" ] || fail "not every example reported ok"

note "a folder is walked"
"$HRDEX" validate "$top/schemas/examples" >/dev/null || fail "folder rejected"

note "each invalid document names its pointer"
while read -r file pointer; do
	rc=0
	"$HRDEX" validate "$top/tests/data/invalid/$file" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 65 ] || fail "$file: exit $rc, expected 65"
	grep -qF "$top/tests/data/invalid/$file: $pointer: " "$T/err" ||
		fail "$file: no line for $pointer in: $(cat "$T/err")"
done <"$top/tests/data/invalid/EXPECT"

note "strict JSON: duplicate keys, trailing garbage, invalid UTF-8"
ex="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
sed 's/"kind": "thematic",/"kind": "thematic", "kind": "annual",/' "$ex" >"$T/dup.json"
expect_exit 65 "$HRDEX" validate "$T/dup.json" 2>"$T/err"
grep -q "duplicate" "$T/err" || fail "duplicate key not named: $(cat "$T/err")"
{ cat "$ex"; echo '{}'; } >"$T/trailing.json"
expect_exit 65 "$HRDEX" validate "$T/trailing.json"
printf '{"id": "\xff"}' >"$T/utf8.json"
expect_exit 65 "$HRDEX" validate "$T/utf8.json"

note "stdin, and mixed valid + invalid gives 65"
"$HRDEX" validate - <"$ex" >/dev/null || fail "stdin rejected"
expect_exit 65 "$HRDEX" validate "$ex" "$T/dup.json" 2>/dev/null

note "--schema validates against a user's own schema"
cat >"$T/schema.json" <<'JSON'
{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
 "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 3}}}
JSON
echo '{"name": "حقوق"}' >"$T/long.json"
echo '{"name": "人权"}' >"$T/short.json"
"$HRDEX" validate --schema "$T/schema.json" "$T/short.json" >/dev/null || fail "short name rejected"
expect_exit 65 "$HRDEX" validate --schema "$T/schema.json" "$T/long.json" 2>"$T/err"
grep -q "/name: " "$T/err" || fail "maxLength in code points not reported: $(cat "$T/err")"

note "without a state directory validate says it checked the documents alone"
jq 'del(.publisher)' "$ex" >"$T/nopub.json"
expect_exit 65 "$HRDEX" validate "$T/nopub.json" 2>"$T/err"
grep -q "^hrdex: no state directory: checked each document alone" "$T/err" ||
	fail "validate alone does not say so: $(cat "$T/err")"
expect_exit 78 env HRDEX_HOME="$T/none" "$HRDEX" validate "$ex" 2>/dev/null

note "with one, validate answers what publish would, on every example and invalid file"
"$HRDEX" -C "$T/s" init --publisher ohchr >/dev/null 2>&1
mkdir -p "$T/nopub"
for f in "$top"/schemas/examples/*.json "$top"/tests/data/invalid/*.json; do
	set -- "$f"
	nf="$T/nopub/$(basename "$f")"
	jq 'del(.publisher)' "$f" >"$nf" 2>/dev/null && set -- "$f" "$nf"
	for g in "$@"; do
		v=0; p=0
		"$HRDEX" -C "$T/s" validate "$g" >/dev/null 2>&1 || v=$?
		HRDEX_HOME="$T/s" "$HRDEX" validate "$g" >/dev/null 2>&1 || vh=$?
		"$HRDEX" -C "$T/s" publish "$g" >/dev/null 2>"$T/err" || p=$?
		[ "$v" = "$p" ] || fail "$g: validate exits $v, publish $p: $(cat "$T/err")"
		[ "${vh:-0}" = "$p" ] || fail "$g: validate with HRDEX_HOME exits ${vh:-0}, publish $p"
		unset vh
	done
done
"$HRDEX" -C "$T/s" validate "$T/nopub.json" >/dev/null 2>"$T/err" || fail "-C: a missing publisher refused"
[ -s "$T/err" ] && fail "validate with a state directory says: $(cat "$T/err")"
(cd "$T" && mv s hrdex-data && "$HRDEX" validate nopub.json >/dev/null) || fail "./hrdex-data not used"

note "usage errors are 64"
expect_exit 64 "$HRDEX" validate 2>/dev/null
expect_exit 64 "$HRDEX" validate --bogus x 2>/dev/null
"$HRDEX" validate --help | grep -q "usage: hrdex \[-C DIR\] validate" || fail "no --help"
echo "validate: ok"
