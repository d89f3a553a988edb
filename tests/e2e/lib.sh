# lib.sh - shared helpers for the end-to-end scenarios; source it first.
#
# Every scenario runs alone (`bash tests/e2e/NNN-x.sh` after `make`), works in
# its own temporary folder, binds only 127.0.0.1, and on exit kills what it
# started and removes the folder.
set -euo pipefail
top=${HRDEX_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HRDEX=${HRDEX:-$top/build/default/hrdex}
[ -x "$HRDEX" ] || { echo "no $HRDEX: run make first" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/hrdex-e2e.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home" GIT_AUTHOR_NAME=test \
	GIT_AUTHOR_EMAIL=test@example.org GIT_COMMITTER_NAME=test \
	GIT_COMMITTER_EMAIL=test@example.org
unset HRDEX_HOME
mkdir -p "$HOME"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

# expect_exit CODE CMD... : run CMD, fail unless it exits with CODE.
expect_exit() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" -eq "$want" ] || fail "expected exit $want, got $rc: $*"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on now.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port"
}

# listening PID PORT : PID itself holds a listening TCP socket on PORT
# (/proc/net/tcp, state 0A), so a test talks to its own server, never to
# whatever else took a port that free_port found free a moment before.
listening() {
	local inode
	for inode in $(awk -v p="$(printf ':%04X' "$2")" \
		'substr($2, length($2) - 4) == p && $4 == "0A" { print $10 }' /proc/net/tcp); do
		ls -l "/proc/$1/fd" 2>/dev/null | grep -qF "socket:[$inode]" && return 0
	done
	return 1
}

# wait_listening PID PORT SECONDS : wait until PID listens on PORT; 1 when
# it exits first (the port was taken) or the time runs out.
wait_listening() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		listening "$1" "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_daemon DIR [VAR] : serve DIR's repositories with git daemon on a free
# loopback port (--export-all: every repository below DIR), and put the port
# in $VAR (default DAEMON_PORT).  Call it directly, never inside $(...): the
# daemon's pid must reach PIDS in this shell so that cleanup stops it.  The
# daemon binary is started itself, not through the `git` wrapper, which would
# leave it running when the wrapper is killed.  When another process took the
# port first, another port is tried.
start_daemon() {
	# Locals get odd names: printf -v below must set the caller's variable.
	local _sd_dir=$1 _sd_var=${2:-DAEMON_PORT} _sd_port _sd_pid _sd_try
	for _sd_try in 1 2 3 4 5; do
		_sd_port=$(free_port)
		"$(git --exec-path)/git-daemon" --reuseaddr --listen=127.0.0.1 --port="$_sd_port" \
			--base-path="$_sd_dir" --export-all --informative-errors "$_sd_dir" \
			>"$T/daemon-$_sd_port.log" 2>&1 &
		_sd_pid=$!
		PIDS+=("$_sd_pid")
		# 20 s: a loaded machine may be slow to start it
		if wait_listening "$_sd_pid" "$_sd_port" 20; then
			printf -v "$_sd_var" '%s' "$_sd_port"
			return 0
		fi
		kill "$_sd_pid" 2>/dev/null || true
	done
	fail "git daemon did not start: $(tail -n3 "$T/daemon-$_sd_port.log")"
}

# The time that starts every log line outside journald (log.h), as a
# pattern that reads the same in grep's basic and extended syntax.
STAMP='[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'
