#!/bin/bash
# 155-registry-join-refused: what `init --registry` and `join` refuse, each
# leaving nothing changed: a line naming this agent, a line with no key or
# two publishers, a key allowed_signers gives another publisher, another key
# for a publisher already trusted, a second registry, a missing or bad URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
mkregistry "$A/unhcr" unhcr
"$HRDEX" -C "$A/achpr" init --publisher achpr >"$A/achpr.line" 2>/dev/null
"$HRDEX" -C "$A/iachr" init --publisher iachr >"$A/iachr.line" 2>/dev/null
"$HRDEX" -C "$A/achpr" trust add iachr "$A/iachr/keys/id_ed25519.pub" 2>/dev/null
R=$(cat "$A/ohchr.line")
U="file://$A/ohchr/repo.git"
snapshot() { cat "$A/achpr/hrdex.conf" "$A/achpr/allowed_signers"; }
before=$(snapshot)

note "init: --registry needs --registry-url, and the URL must be one"
expect_exit 64 "$HRDEX" -C "$A/x1" init --publisher xone --registry "$R" 2>/dev/null
expect_exit 64 "$HRDEX" -C "$A/x2" init --publisher xtwo --registry-url "$U" 2>/dev/null
expect_exit 64 "$HRDEX" -C "$A/x3" init --publisher xthree --registry "$R" --registry-url /not/a/url 2>"$T/err"
grep -q "invalid registry URL" "$T/err" || fail "bad URL: $(cat "$T/err")"
[ -e "$A/x1" ] || [ -e "$A/x2" ] || [ -e "$A/x3" ] && fail "a refused init left a state directory"

note "join: a line naming this agent"
expect_exit 65 "$HRDEX" -C "$A/achpr" join "$(cat "$A/achpr.line")" "$U" 2>"$T/err"
grep -q "names this agent's own publisher 'achpr'" "$T/err" || fail "self line: $(cat "$T/err")"
note "join: a line with no key"
expect_exit 65 "$HRDEX" -C "$A/achpr" join "ohchr namespaces=\"git\"" "$U" 2>/dev/null
note "join: a key another publisher has"
expect_exit 65 "$HRDEX" -C "$A/achpr" join "ohchr $(keyof "$A/iachr")" "$U" 2>"$T/err"
grep -q "the registry's key is trusted for publisher 'iachr'" "$T/err" || fail "other's key: $(cat "$T/err")"
note "join: another key for a publisher already trusted"
expect_exit 65 "$HRDEX" -C "$A/achpr" join "iachr $(keyof "$A/ohchr")" "$U" 2>"$T/err"
grep -q "trusts publisher 'iachr' with another key already" "$T/err" || fail "another key: $(cat "$T/err")"
[ "$(snapshot)" = "$before" ] || fail "a refused join changed hrdex.conf or allowed_signers"

note "join, then a second registry is refused"
"$HRDEX" -C "$A/achpr" join "$R" "$U" 2>/dev/null || fail "join failed"
after=$(snapshot)
expect_exit 65 "$HRDEX" -C "$A/achpr" join "$(cat "$A/unhcr.line")" "file://$A/unhcr/repo.git" 2>"$T/err"
grep -q "has joined the registry 'ohchr' already" "$T/err" || fail "second registry: $(cat "$T/err")"
[ "$(snapshot)" = "$after" ] || fail "a refused second join changed something"
"$HRDEX" join --help | grep -q "usage: hrdex \[-C DIR\] join LINE URL" || fail "join --help"
"$HRDEX" init --help | grep -q -- "--registry-url" || fail "init --help"
"$HRDEX" peer --help | grep -q "peer suggest" || fail "peer --help"
"$HRDEX" -C "$A/achpr" config check >/dev/null 2>&1 || fail "config check fails after join"
echo "registry join refused: ok"
