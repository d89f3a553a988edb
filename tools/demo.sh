#!/bin/bash
# demo.sh HRDEX - the main job on an embedded default: three agents (ohchr,
# achpr, iachr) on loopback, each publishing its example documents, serving
# its repository with git daemon, pulling the other two until all converge;
# then a query.  Leaves nothing running; the folder is kept for browsing.
set -euo pipefail
HRDEX=$(realpath "${1:?usage: tools/demo.sh HRDEX}")
top=$(cd "$(dirname "$0")/.." && pwd)
D=${HRDEX_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hrdex-demo.XXXXXX")}
export HOME="$D/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
daemon=
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null || true' EXIT

say() { printf '\n== %s\n' "$*"; }

declare -A NAME=(
	[ohchr]="Office of the United Nations High Commissioner for Human Rights"
	[achpr]="African Commission on Human and Peoples' Rights"
	[iachr]="Inter-American Commission on Human Rights"
)
agents="ohchr achpr iachr"

say "three agents in $D"
for a in $agents; do
	"$HRDEX" -C "$D/$a" init --publisher "$a" --name "${NAME[$a]}" >"$D/$a.signer" 2>/dev/null
	echo "$a: $(cut -c1-60 "$D/$a.signer")..."
done

say "each trusts the other two (allowed_signers)"
for a in $agents; do
	for b in $agents; do
		[ "$a" = "$b" ] || "$HRDEX" -C "$D/$a" trust add "$b" "$(cat "$D/$b.signer")" 2>/dev/null
	done
done

say "each publishes its documents (one signed commit)"
for a in $agents; do
	"$HRDEX" -C "$D/$a" publish -m "first publication" "$top"/schemas/examples/"$a"-*.json | tail -n1
done

port=${HRDEX_DEMO_PORT:-$((20000 + RANDOM % 20000))}
say "git daemon serves the three repositories on 127.0.0.1:$port"
mkdir -p "$D/srv"
for a in $agents; do ln -s "$D/$a/repo.git" "$D/srv/$a.git"; done
"$(git --exec-path)/git-daemon" --reuseaddr --listen=127.0.0.1 --port="$port" --base-path="$D/srv" --export-all \
	"$D/srv" 2>"$D/daemon.log" &
daemon=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

say "ohchr pulls achpr; achpr pulls iachr; iachr pulls ohchr (a ring), with 'hrdex run --once'"
"$HRDEX" -C "$D/ohchr" peer add achpr "git://127.0.0.1:$port/achpr.git"
"$HRDEX" -C "$D/achpr" peer add iachr "git://127.0.0.1:$port/iachr.git"
"$HRDEX" -C "$D/iachr" peer add ohchr "git://127.0.0.1:$port/ohchr.git"
# The service does the syncing: one pass of `hrdex run --once` per agent,
# round after round, until every agent holds every branch (a ring needs two).
converged() {
	local a b
	for a in $agents; do
		for b in $agents; do
			git --git-dir "$D/$a/repo.git" rev-parse -q --verify "refs/heads/$b" >/dev/null || return 1
		done
	done
}
for round in 1 2 3 4 5; do
	for a in $agents; do
		"$HRDEX" -q -C "$D/$a" run --once || true
	done
	if converged; then
		echo "converged after $round round$([ "$round" -gt 1 ] && echo s) of 'hrdex run --once'"
		break
	fi
done
converged || echo "warning: not converged after 5 rounds; see 'hrdex -C $D/ohchr status'"
for a in $agents; do
	printf '%s holds:' "$a"
	for b in $agents; do
		printf ' %s=%s' "$b" "$(git --git-dir "$D/$a/repo.git" rev-parse --short "refs/heads/$b" 2>/dev/null || echo -)"
	done
	echo
done

say "status of ohchr (status.json and metrics.prom are written by each pass)"
"$HRDEX" -C "$D/ohchr" status || true

say "stock git verifies iachr's signature on ohchr's copy (relayed through achpr)"
git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$D/ohchr/allowed_signers" \
	--git-dir "$D/ohchr/repo.git" verify-commit refs/heads/iachr 2>&1 | head -n1

say "query on ohchr: everything about human rights defenders"
"$HRDEX" -C "$D/ohchr" query --theme human-rights-defenders --format table

say "browse"
echo "view (files):       $D/ohchr/view"
echo "repository (git):   git clone $D/ohchr/repo.git"
echo "cache (SQLite):     sqlite3 $D/ohchr/cache.db 'select ref, date, title from documents'"
