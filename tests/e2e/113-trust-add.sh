#!/bin/bash
# 113-trust-add: `trust add` binds a key to the name given only when the line
# names that publisher and no other publisher has the key (65 saying which,
# unless --force-bind); a missing key file is 66 "cannot open"; another
# agent's whole allowed_signers file gives the line naming the publisher;
# `trust list --json` is one compact line.
. "$(dirname "$0")/lib.sh"

for p in achpr iachr ohchr; do
	"$HRDEX" -C "$T/$p" init --publisher "$p" >/dev/null 2>&1
done
V=$T/ohchr
"$HRDEX" -C "$T/achpr" trust add iachr "$T/iachr/keys/id_ed25519.pub" 2>/dev/null
before=$(cat "$V/allowed_signers")

note "a line naming achpr is refused for iachr"
expect_exit 65 "$HRDEX" -C "$V" trust add iachr "$(head -n1 "$T/achpr/allowed_signers")" 2>"$T/err"
grep -q "for 'achpr', not 'iachr'" "$T/err" || fail "the refusal does not say which: $(cat "$T/err")"
grep -q "force-bind" "$T/err" || fail "the refusal does not name the flag: $(cat "$T/err")"
[ "$(cat "$V/allowed_signers")" = "$before" ] || fail "allowed_signers changed on a refusal"

note "achpr's whole allowed_signers (two lines): the line naming achpr is used"
"$HRDEX" -C "$V" trust add achpr "$(cat "$T/achpr/allowed_signers")" 2>"$T/err" ||
	fail "trust add of a two-line allowed_signers failed: $(cat "$T/err")"
"$HRDEX" -C "$V" trust list --json | jq -e '.[] | select(.publisher == "achpr") | .key' >"$T/key" ||
	fail "achpr not listed"
grep -q "$(cut -d' ' -f2 "$T/achpr/keys/id_ed25519.pub")" "$T/key" || fail "achpr bound to the wrong key"
"$HRDEX" -C "$V" trust remove achpr 2>/dev/null

note "a key already trusted for achpr is refused for ecowas"
"$HRDEX" -C "$V" trust add achpr "$T/achpr/keys/id_ed25519.pub" 2>/dev/null
expect_exit 65 "$HRDEX" -C "$V" trust add ecowas "$T/achpr/keys/id_ed25519.pub" 2>"$T/err"
grep -q "already trusted for publisher 'achpr'" "$T/err" || fail "the refusal does not say which: $(cat "$T/err")"
"$HRDEX" -C "$V" trust list | grep -q ecowas && fail "ecowas trusted after a refusal"
expect_exit 65 "$HRDEX" -C "$V" trust add ecowas "$(cat "$T/ohchr/keys/id_ed25519.pub")" 2>/dev/null

note "--force-bind says it is meant"
"$HRDEX" -C "$V" trust add --force-bind ecowas "$T/achpr/keys/id_ed25519.pub" 2>/dev/null || fail "--force-bind refused"
"$HRDEX" -C "$V" trust add iachr --force-bind "$(head -n1 "$T/achpr/allowed_signers")" 2>/dev/null ||
	fail "--force-bind after PUBLISHER refused"
"$HRDEX" -C "$V" trust list | grep -q '^ecowas ' || fail "ecowas not trusted with --force-bind"
"$HRDEX" -C "$V" trust list | grep -q '^iachr ' || fail "iachr not trusted with --force-bind"
expect_exit 64 "$HRDEX" -C "$V" trust add --force achpr "$T/achpr/keys/id_ed25519.pub" 2>/dev/null

note "a missing key file is 66, cannot open"
expect_exit 66 "$HRDEX" -C "$V" trust add afcm /no/such/file 2>"$T/err"
grep -q "cannot open '/no/such/file'" "$T/err" || fail "unexpected message: $(cat "$T/err")"

note "trust list --json is one compact line"
"$HRDEX" -C "$V" trust list --json >"$T/list.json"
[ "$(wc -l <"$T/list.json")" = 1 ] || fail "trust list --json is not one line: $(cat "$T/list.json")"
[ "$(jq -c . "$T/list.json")" = "$(cat "$T/list.json")" ] || fail "trust list --json is not compact: $(cat "$T/list.json")"
jq -e 'length == 4' "$T/list.json" >/dev/null || fail "trust list --json: $(cat "$T/list.json")"
cmp -s "$T/list.json" <("$HRDEX" -C "$V" --json trust list) || fail "--json before the command differs"
"$HRDEX" trust --help | grep -q -- --force-bind || fail "--help does not mention --force-bind"
echo "trust add: ok"
