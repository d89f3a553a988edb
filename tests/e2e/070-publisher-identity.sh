#!/bin/bash
# hrdex.publisher and the key's principal agree: `config check` and every
# command that signs refuse (78, one line naming hrdex.conf and
# hrdex.publisher) a publisher id the key is not trusted for, or one that
# would abandon the branch this agent's key wrote.
. "$(dirname "$0")/lib.sh"
S="$T/ohchr"
doc="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$S" publish "$doc" >/dev/null
tip=$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)

# refused CMD...: exit 78, one line naming hrdex.conf and hrdex.publisher,
# nothing written.
refused() {
	local rc=0
	"$HRDEX" -C "$S" "$@" 2>"$T/err" >/dev/null </dev/null || rc=$?
	[ "$rc" -eq 78 ] || fail "$*: exit $rc, expected 78: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: not one line: $(cat "$T/err")"
	grep -q "hrdex.conf: hrdex.publisher: " "$T/err" || fail "$*: names neither: $(cat "$T/err")"
	[ "$(git --git-dir "$S/repo.git" for-each-ref --format=%\(refname\) refs/heads/xyz)" = "" ] ||
		fail "$*: started branch xyz"
}

note "a publisher id the key is not trusted for"
git config -f "$S/hrdex.conf" hrdex.publisher xyz
refused config check
grep -q "'xyz' differs from 'ohchr'" "$T/err" || fail "no names: $(cat "$T/err")"
refused publish "$doc"
refused withdraw xyz/report/a-hrc-32-20
refused sync
refused run --once
cp "$doc" "$S/outbox/"

note "a renamed principal would orphan the branch the key wrote"
sed -i 's/^ohchr /xyz /' "$S/allowed_signers"
refused config check
grep -q "branch 'ohchr'" "$T/err" || fail "branch not named: $(cat "$T/err")"
refused publish "$doc"
refused run --once
[ -f "$S/outbox/$(basename "$doc")" ] || fail "the outbox file moved"

note "config check -f compares a new file with this agent's key"
cp "$S/hrdex.conf" "$T/new.conf"
sed -i 's/^xyz /ohchr /' "$S/allowed_signers"
git config -f "$S/hrdex.conf" hrdex.publisher ohchr
expect_exit 78 "$HRDEX" -C "$S" config check -f "$T/new.conf" 2>"$T/err"
grep -q "new.conf: hrdex.publisher: 'xyz' differs" "$T/err" || fail "-f: $(cat "$T/err")"

note "back in agreement, everything works"
"$HRDEX" -C "$S" config check | grep -q "configuration OK" || fail "config check"
"$HRDEX" -C "$S" withdraw ohchr/report/a-hrc-32-20 >/dev/null
[ "$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr~1)" = "$tip" ] || fail "withdraw"
echo "ok"
