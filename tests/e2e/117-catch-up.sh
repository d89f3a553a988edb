#!/bin/bash
# 117-catch-up: derived state is never silently stale (issue 15 item 7).
# A publish killed with SIGKILL between its ref move and its refresh leaves
# the cache behind the branch: `status` says so and is unhealthy (no command
# is catching up), and `hrdex run --once` brings main, view/ and the cache
# up (cache rows = branch documents, verify exits 0).  Every other command
# that takes the state lock catches up first as well (branch moved here by
# stock git, which refreshes nothing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

S=$T/agents/s
mkagent "$S" ohchr
ndocs=${CATCH_UP_DOCS:-3000}

# rows DIR : documents in the cache; docs DIR : documents on the branch
rows() {
	local n
	n=$("$HRDEX" -C "$1" query --format json 2>/dev/null | jq length)
	echo "${n:-0}"
}
docs() { g "$1" ls-tree -r --name-only refs/heads/ohchr | grep -c '\.json$'; }

note "publish $ndocs documents, killed right after the ref moved"
mkdir -p "$T/docs"
for i in $(seq 1 "$ndocs"); do
	printf '{"date": "2016-01-01", "id": "n-%d", "kind": "information", "publisher": "ohchr", "title": {"en": "Note %d"}, "type": "note"}\n' \
		"$i" "$i" >"$T/docs/n$i.json"
done
doc ohchr note first >"$T/first.json"
"$HRDEX" -C "$S" publish "$T/first.json" >/dev/null || fail "first publish failed"
ndocs=$((ndocs + 1))
"$HRDEX" -C "$S" -v publish "$T/docs" >/dev/null 2>"$T/publish.err" &
pid=$!
PIDS+=("$pid")
for _ in $(seq 1 6000); do
	grep -q "publish: tree and signed commit" "$T/publish.err" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.01
done
kill -9 "$pid" 2>/dev/null || fail "publish ended before the kill: $(tail -3 "$T/publish.err")"
wait "$pid" 2>/dev/null || true
[ "$(docs "$S")" -eq "$ndocs" ] || fail "the branch did not move before the kill"
[ "$(rows "$S")" -lt "$ndocs" ] || fail "the kill came after the cache was updated: $(tail -3 "$T/publish.err")"

note "status: unhealthy, the cache behind with nothing catching up"
rc=0
"$HRDEX" -C "$S" status --json >"$T/status.json" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "status exits $rc with a stale cache"
jq -e '.problems | any(test("cache is behind 1 branch [(].ohchr.[)] and no command is catching up"))' "$T/status.json" >/dev/null ||
	fail "status does not say the cache is behind: $(cat "$T/status.json")"

note "run --once catches up: cache rows = branch documents, verify passes"
"$HRDEX" -C "$S" run --once >/dev/null 2>"$T/run.err" || fail "run --once failed: $(cat "$T/run.err")"
[ "$(rows "$S")" -eq "$ndocs" ] || fail "after run --once the cache has $(rows "$S") rows, the branch $ndocs documents"
"$HRDEX" -C "$S" verify >/dev/null 2>"$T/verify.err" || fail "verify after run --once: $(cat "$T/verify.err")"
"$HRDEX" -C "$S" status --json >"$T/status.json" 2>/dev/null || true
jq -e '.problems | any(test("cache is behind")) | not' "$T/status.json" >/dev/null ||
	fail "status still says the cache is behind: $(cat "$T/status.json")"

note "every command that takes the lock catches up first"
n=$ndocs
O=$T/agents/o
mkagent "$O" achpr
printf 'x\n' >"$T/x"
"$HRDEX" -C "$S" peer add p "file://$O/repo.git" >/dev/null # edits hrdex.conf, takes no lock
for cmd in "trust add achpr $O/keys/id_ed25519.pub" "peer remove p" \
	"reindex" "sync" "withdraw ohchr/note/n-1" "publish $T/docs/n2.json" "run --once"; do
	n=$((n + 1))
	doc ohchr note "git-$n" >"$T/git.json"
	commit_files "$S" "by stock git" "ohchr/note/git-$n.json=$T/git.json" >/dev/null
	rc=0
	# shellcheck disable=SC2086 # the command's words
	"$HRDEX" -C "$S" $cmd >"$T/cmd.out" 2>&1 || rc=$?
	case "$cmd" in
	withdraw*) n=$((n - 1)) ;;
	esac
	[ "$(rows "$S")" -eq "$(docs "$S")" ] ||
		fail "'$cmd' (exit $rc) left the cache at $(rows "$S") rows for $(docs "$S") documents: $(cat "$T/cmd.out")"
	[ -f "$S/view/ohchr/note/git-$n.json" ] || fail "'$cmd' left view/ behind"
	"$HRDEX" -C "$S" verify >/dev/null 2>"$T/verify.err" || fail "verify after '$cmd': $(cat "$T/verify.err")"
done

echo "catch-up: ok"
