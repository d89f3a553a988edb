# service.sh - helpers for the service scenarios (3NN-*.sh); source after lib.sh.

# new_agent DIR PUBLISHER : init a state dir with fast service settings.
new_agent() {
	"$HRDEX" -C "$1" init --publisher "$2" >/dev/null 2>&1 || fail "init $1"
	git config -f "$1/hrdex.conf" outbox.settle 0
	git config -f "$1/hrdex.conf" outbox.interval 1
	git config -f "$1/hrdex.conf" sync.jitter 0
}

# start_run DIR LOG [ARGS...] : start `hrdex run` in the background; sets RUN_PID.
start_run() {
	local dir=$1 log=$2
	shift 2
	"$HRDEX" -C "$dir" "$@" run >"$log" 2>&1 &
	RUN_PID=$!
	PIDS+=("$RUN_PID")
}

# wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds.
wait_for() {
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop_run PID SECONDS : SIGTERM, require exit 0 within SECONDS.
stop_run() {
	local pid=$1 secs=$2 i rc=0
	kill -TERM "$pid"
	for i in $(seq 1 $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "hrdex run did not exit within $secs s of SIGTERM"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "hrdex run exited $rc after SIGTERM"
}

# example_doc ID [TITLE] : a valid ohchr note with that id, on stdout.
example_doc() {
	jq -c --arg id "$1" --arg t "${2:-Note $1}" '.id = $id | .title = {en: $t} | del(.publisher)' \
		"$top/schemas/examples/ohchr-note-regional-consultations-2016.json"
}

# check_metrics FILE : the Prometheus text format, strictly: HELP/TYPE before
# samples, once per family, samples of a family together, valid names,
# escaped label values, numeric values, a final newline.
check_metrics() {
	local f=$1
	[ -s "$f" ] || fail "$f is empty"
	[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f does not end with a newline"
	awk '
	function bad(msg) { printf "metrics line %d: %s: %s\n", NR, msg, $0 > "/dev/stderr"; err = 1; exit 1 }
	BEGIN { name = "[a-zA-Z_:][a-zA-Z0-9_:]*"; lname = "[a-zA-Z_][a-zA-Z0-9_]*"
		val = "([-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?Inf|NaN)"
		lv = "\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
		labels = "\\{(" lname "=" lv "(," lname "=" lv ")*,?)?\\}" }
	/^# HELP / { if ($3 !~ "^" name "$") bad("bad name"); if (help[$3]++) bad("second HELP"); next }
	/^# TYPE / { if ($3 !~ "^" name "$") bad("bad name")
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/ || NF != 4) bad("bad type")
		if (type[$3]) bad("second TYPE"); if (seen[$3]) bad("TYPE after samples")
		type[$3] = $4; next }
	/^#/ { next }
	/^$/ { bad("empty line") }
	{ if ($0 !~ "^" name "(" labels ")? " val "( -?[0-9]+)?$") bad("bad sample")
		n = $0; sub(/[{ ].*/, "", n)
		if (!type[n]) bad("sample without TYPE")
		if (type[n] == "counter" && n !~ /_total$/) bad("counter not named *_total")
		if (n != last && seen[n]) bad("samples of a family apart")
		seen[n] = 1; last = n
		key = $0; sub(/ [^ ]*$/, "", key); if (dup[key]++) bad("duplicate series") }
	' "$f" || fail "$f is not valid Prometheus text"
}
