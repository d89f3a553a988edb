#!/bin/bash
# `peer add` checks a URL's scheme and shape (64, one line saying what is
# expected), `config check` does the same for hrdex.conf edited by hand (78),
# and sync turns libgit2's transport errors into one line a person acts on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
A="$T/agents/a" V="$T/agents/v"
mkagent "$A" achpr
mkagent "$V" ohchr
trust "$V" "$A"
publish "$A" decision d1

note "peer add refuses what libgit2 can never fetch"
for u in "htp://127.0.0.1/a/repo.git" "127.0.0.1:19412/repo.git" "$A/repo.git" "file://a/repo.git" \
	"git://127.0.0.1:99999/x.git" "git://127.0.0.1:9418" "https:///x.git" "ssh://h/x y" "h:x.git"; do
	before=$(cat "$V/hrdex.conf")
	rc=0
	"$HRDEX" -C "$V" peer add p "$u" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -eq 64 ] || fail "'$u': exit $rc, expected 64: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "'$u': not one line: $(cat "$T/err")"
	grep -qF "invalid URL '$u': " "$T/err" || fail "'$u': $(cat "$T/err")"
	grep -qF "expected file:///PATH, git://HOST[:PORT]/PATH" "$T/err" || fail "'$u': no forms: $(cat "$T/err")"
	[ "$before" = "$(cat "$V/hrdex.conf")" ] || fail "'$u': hrdex.conf changed"
done
grep -q "unknown scheme 'htp'" <("$HRDEX" -C "$V" peer add p htp://x/y.git 2>&1) || fail "scheme not named"
grep -q "'127.0.0.1:19412/repo.git': no scheme" <("$HRDEX" -C "$V" peer add p 127.0.0.1:19412/repo.git 2>&1) ||
	fail "no scheme not said"
grep -q "a local path needs file://" <("$HRDEX" -C "$V" peer add p "$A/repo.git" 2>&1) || fail "local path"

note "and accepts each form it fetches"
for u in "file://$A/repo.git" "git://127.0.0.1/a/repo.git" "git://[::1]:9418/a/repo.git" \
	"http://127.0.0.1:8080/a/repo.git" "https://user@git.example.org/a/repo.git" \
	"ssh://hrdex@127.0.0.1:2222/srv/repo.git" "hrdex@git.example.org:srv/repo.git"; do
	"$HRDEX" -C "$V" peer add p "$u" 2>"$T/err" || fail "'$u' refused: $(cat "$T/err")"
	"$HRDEX" -C "$V" peer remove p
done

note "config check: a bad peer or mirror URL edited by hand"
cp "$V/hrdex.conf" "$T/good.conf"
git config -f "$V/hrdex.conf" peer.typo.url "htp://127.0.0.1/a/repo.git"
expect_exit 78 "$HRDEX" -C "$V" config check 2>"$T/err"
grep -q "peer.typo.url: 'htp://127.0.0.1/a/repo.git': unknown scheme 'htp'" "$T/err" || fail "$(cat "$T/err")"
cp "$T/good.conf" "$V/hrdex.conf"
git config -f "$V/hrdex.conf" mirror.m.url "127.0.0.1:19412/repo.git"
expect_exit 78 "$HRDEX" -C "$V" config check 2>"$T/err"
grep -q "mirror.m.url: '127.0.0.1:19412/repo.git': no scheme" "$T/err" || fail "$(cat "$T/err")"
cp "$T/good.conf" "$V/hrdex.conf"

note "transport errors, one line each, from real servers"
serve
closed=$(free_port)
"$HRDEX" -C "$V" peer add wrongpath "git://127.0.0.1:$PORT/nope/repo.git"
"$HRDEX" -C "$V" peer add closed "git://127.0.0.1:$closed/a/repo.git"
"$HRDEX" -C "$V" peer add notssh "ssh://hrdex@127.0.0.1:$PORT/a/repo.git"
"$HRDEX" -C "$V" peer add nofile "file://$T/agents/nope/repo.git"
"$HRDEX" -C "$V" peer add good "$(url_of "$A")"
rc=0; sync_agent "$V" 2>/dev/null || rc=$?
[ "$rc" -eq 69 ] || fail "sync: exit $rc"
line() { grep "peer '$1' " "$T/last-sync.err"; }
[ "$(grep -c "unreachable" "$T/last-sync.err")" -eq 4 ] || fail "not one line each: $(cat "$T/last-sync.err")"
line wrongpath | grep -qF "unreachable: no git repository at 'git://127.0.0.1:$PORT/nope/repo.git'" ||
	fail "wrong path: $(line wrongpath)"
line closed | grep -qF "unreachable: connection refused by 127.0.0.1:$closed" || fail "closed: $(line closed)"
line notssh | grep -qF "unreachable: no ssh server answers at 127.0.0.1:$PORT" || fail "not ssh: $(line notssh)"
line nofile | grep -qF "unreachable: no git repository at 'file://$T/agents/nope/repo.git'" ||
	fail "no file: $(line nofile)"
expect_tip "$V" achpr "$(tip "$A" achpr)" "the good peer was still synced"
echo "ok"
