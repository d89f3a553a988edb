#!/bin/bash
# bench.sh - hrdex against the stock tools doing the same job, in one run.
#
#   tests/bench/bench.sh [-n N] [-r REPS] [-p PUBLISHERS] [-s SEED] [-o RESULTS.json]
#
# Scenarios (each repeated REPS times, hrdex and its baseline in the same rep):
#   publish            every publisher publishes its share of the N documents
#                      in one batch  vs  git add -A && git commit of the same
#                      canonical files (one repository per publisher)
#   sync-initial       a new replica syncs the N documents from a git daemon
#                      peer on loopback (fetch, verification, main, view/,
#                      cache)  vs  git clone --bare of the same repository
#   sync-incremental   one new document into that replica; ratio to
#                      sync-initial (git fetch of the same shown for reference)
#   sync-nochange      a sync with nothing new from PEERS (20) peers, each its
#                      own git daemon  vs  20 git fetch runs
#   query-filter, query-text, query-backrefs
#                      hrdex query on the replica's cache  vs  grep -rl,
#                      git grep and jq over its checked-out view; every answer
#                      must be the same sorted list of refs, and the count the
#                      corpus generator predicted
# and the peak RSS of hrdex publish and hrdex sync.  Without a sync command
# (before it lands on main) the sync scenarios are reported as skipped and
# the queries run on a cache built with `hrdex reindex`, over the corpus.
#
# Prints a table (median, min, max, ratio) and writes RESULTS.json (default
# bench/results.json).  Exits non-zero if a correctness check failed; times
# never fail the run.  Works in a temporary folder (BENCH_KEEP=1 keeps it),
# binds only 127.0.0.1, and stops every daemon it started.
#
# Environment: HRDEX, CORPUS (the generator), BENCH_PEERS, BENCH_KEEP,
# TMPDIR; the options also read BENCH_N, BENCH_REPS, BENCH_PUBLISHERS,
# BENCH_SEED, BENCH_OUT.
set -euo pipefail
export LC_ALL=C
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${BENCH_N:-100000}
REPS=${BENCH_REPS:-3}
NPUB=${BENCH_PUBLISHERS:-4}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_OUT:-$top/bench/results.json}
PEERS=${BENCH_PEERS:-20}
usage() { sed -n '4p' "$0" | sed 's/^# *//' >&2; exit 64; }
while getopts n:r:p:s:o:h opt; do
	case $opt in
	n) N=$OPTARG ;;
	r) REPS=$OPTARG ;;
	p) NPUB=$OPTARG ;;
	s) SEED=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) usage ;;
	esac
done
[ $# -ge "$OPTIND" ] && usage
OUT=$(realpath -m "$OUT")
HRDEX=$(realpath "${HRDEX:-$top/build/default/hrdex}")
CORPUS=$(realpath "${CORPUS:-$(dirname "$HRDEX")/bench/corpus}")
[ -x "$HRDEX" ] && [ -x "$CORPUS" ] || { echo "bench: build first (make bench)" >&2; exit 1; }
for tool in git jq grep find xargs; do
	command -v "$tool" >/dev/null || { echo "bench: needs $tool (make deps)" >&2; exit 1; }
done
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME= # peak RSS is then reported as null

W=$(mktemp -d "${TMPDIR:-/tmp}/hrdex-bench.XXXXXX")
DAEMONS=()
cleanup() {
	local p
	for p in "${DAEMONS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${DAEMONS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${BENCH_KEEP:-}" = 1 ]; then echo "bench: kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
export HOME="$W/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
unset HRDEX_HOME
mkdir -p "$HOME" "$W/logs"
# No automatic gc: after a big commit git would start one in the background,
# which would run during the next measurement (and race our rm -rf).
git config --global gc.auto 0
git config --global maintenance.auto false
: >"$W/samples.tsv"
: >"$W/checks.tsv"
: >"$W/skipped.tsv"

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

# check NAME OK DETAIL : record a correctness check (OK is 1 or 0).
check() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$W/checks.tsv"
	[ "$2" = 1 ] || say "CHECK FAILED: $1: $3"
}

# timed SCEN SIDE REP CMD... : run CMD once, record its wall time (us) and
# peak RSS (KiB; NORSS=1 leaves /usr/bin/time out, for millisecond commands).
# stdout goes to $W/out, stderr to $W/err; a failure stops the bench.
timed() {
	local scen=$1 side=$2 rep=$3 t0 t1 rc=0 rss=null
	shift 3
	t0=${EPOCHREALTIME/[.,]/}
	if [ -n "$TIME" ] && [ "${NORSS:-}" != 1 ]; then
		"$TIME" -f %M -o "$W/rss" "$@" >"$W/out" 2>"$W/err" || rc=$?
	else
		"$@" >"$W/out" 2>"$W/err" || rc=$?
	fi
	t1=${EPOCHREALTIME/[.,]/}
	if [ "$rc" -ne 0 ]; then
		cat "$W/err" >&2
		die "$scen/$side failed (exit $rc): $*"
	fi
	if [ -n "$TIME" ] && [ "${NORSS:-}" != 1 ]; then rss=$(tail -n1 "$W/rss"); fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$scen" "$side" "$rep" "$((t1 - t0))" "$rss" >>"$W/samples.tsv"
}

# free_port: a loopback TCP port nobody listens on now.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port"
}

# start_daemon DIR : git daemon serving DIR's repositories on 127.0.0.1;
# sets PORT.  Another port is tried when someone else took this one first.
start_daemon() {
	local pid try
	for try in 1 2 3 4 5; do
		PORT=$(free_port)
		git daemon --reuseaddr --listen=127.0.0.1 --port="$PORT" --base-path="$1" --export-all \
			"$1" >>"$W/logs/daemon.log" 2>&1 &
		pid=$!
		DAEMONS+=("$pid")
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
			sleep 0.05
		done
		kill "$pid" 2>/dev/null || true
	done
	die "git daemon did not start (see $W/logs/daemon.log)"
}

meta() { sed -n "s/^$2=//p" "$1"; }
tip() { git --git-dir "$1" rev-parse -q --verify "$2" 2>/dev/null || echo none; }

# ---- machine and versions ----
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "N=$N reps=$REPS publishers=$NPUB seed=$SEED peers=$PEERS in $W (load $load_before)"
if "$HRDEX" sync --help >/dev/null 2>&1 && "$HRDEX" peer --help >/dev/null 2>&1; then HAVE_SYNC=1; else HAVE_SYNC=0; fi

# ---- the corpus ----
t0=$SECONDS
"$CORPUS" -n "$N" -p "$NPUB" -s "$SEED" -o "$W/corpus" >"$W/corpus.meta"
"$CORPUS" -f "$N" -n 1 -p "$NPUB" -s "$SEED" -o "$W/extra" >"$W/extra.meta"
say "corpus: $(meta "$W/corpus.meta" documents) documents, $(meta "$W/corpus.meta" bytes) bytes, $((SECONDS - t0)) s"
mapfile -t PUBS < <(cd "$W/corpus" && ls)
[ "${#PUBS[@]}" -eq "$NPUB" ] || die "corpus has ${#PUBS[@]} publishers, not $NPUB"
extra_file=$(cd "$W/extra" && find . -name '*.json' | sed 's|^\./||')
extra_pub=${extra_file%%/*}

# A sample (about 200 documents, every one up to that) goes through hrdex
# validate; publish then validates every document anyway.
step=$(((N + 199) / 200))
(cd "$W/corpus" && find . -name '*.json' -not -path '*.files/*' | sort | awk -v s="$step" '(NR - 1) % s == 0') >"$W/sample"
if (cd "$W/corpus" && xargs "$HRDEX" validate <"$W/sample" >"$W/logs/validate.out" 2>&1); then
	check validate-sample 1 "$(wc -l <"$W/sample") documents valid"
else
	check validate-sample 0 "$(grep -v ': ok$' "$W/logs/validate.out" | head -n 3 | tr '\n' ' ')"
fi

# ---- publish ----
for rep in $(seq 1 "$REPS"); do
	P="$W/pub/$rep" G="$W/git/$rep"
	mkdir -p "$P" "$G"
	for p in "${PUBS[@]}"; do
		"$HRDEX" -q -C "$P/$p" init --publisher "$p" >/dev/null 2>&1
		git init -q "$G/$p"
	done
	cat >"$W/publish.sh" <<-EOF
		set -e
		for p in ${PUBS[*]}; do
			"$HRDEX" -v -C "$P/\$p" publish -m "bench" "$W/corpus/\$p" >/dev/null
		done
	EOF
	cat >"$W/commit.sh" <<-EOF
		set -e
		for p in ${PUBS[*]}; do
			git --git-dir "$G/\$p/.git" --work-tree "$W/corpus" add -A -- "\$p"
			git --git-dir "$G/\$p/.git" --work-tree "$W/corpus" commit -q -m bench
		done
	EOF
	# Who goes first alternates: the first to read the corpus may find it
	# partly out of the page cache.
	if [ $((rep % 2)) = 0 ]; then timed publish git "$rep" bash "$W/commit.sh"; fi
	timed publish hrdex "$rep" bash "$W/publish.sh"
	cp "$W/err" "$W/logs/publish-$rep.log"
	if [ $((rep % 2)) = 1 ]; then timed publish git "$rep" bash "$W/commit.sh"; fi
	if [ "$rep" = 1 ]; then
		same=1 detail=
		for p in "${PUBS[@]}"; do
			a=$(tip "$P/$p/repo.git" "refs/heads/$p^{tree}") b=$(tip "$G/$p/.git" "HEAD^{tree}")
			[ "$a" = "$b" ] || { same=0 detail="$detail $p: hrdex $a, git $b;"; }
		done
		check publish-same-tree "$same" "${detail:-every publisher branch has the tree git commits for the same files}"
	fi
	# Repetitions are kept until the end: creating 100,000 files right
	# after deleting 100,000 is slow on ext4 (its inode allocator skips
	# recently freed inodes), which would charge one rep's cleanup to the
	# next rep's view/.
done
PUBDIR="$W/pub/$REPS"
rm -rf "$W/git"

# ---- the peer: a bare repository holding every publisher branch ----
HUB="$W/srv/hub.git"
git init -q --bare "$HUB"
for p in "${PUBS[@]}"; do
	git --git-dir "$HUB" fetch -q "$PUBDIR/$p/repo.git" "refs/heads/$p:refs/heads/$p"
done
TIP0=$(tip "$HUB" "refs/heads/$extra_pub")
# The next document, published by its publisher, kept aside for the
# incremental sync.
"$HRDEX" -q -C "$PUBDIR/$extra_pub" publish -m "one more" "$W/extra/$extra_file" >/dev/null
TIP1=$(tip "$PUBDIR/$extra_pub/repo.git" "refs/heads/$extra_pub")
git --git-dir "$HUB" fetch -q "$PUBDIR/$extra_pub/repo.git" "refs/heads/$extra_pub:refs/bench/next"
git --git-dir "$HUB" update-ref -d refs/bench/next

EXPECT_DOCS=$N
sum_expect() { echo $(($(meta "$W/corpus.meta" "$1") + ${2:-0} * $(meta "$W/extra.meta" "$1"))); }

# mkreplica DIR : a new agent trusting every publisher.
mkreplica() {
	local p
	mkdir -p "$(dirname "$1")"
	"$HRDEX" -q -C "$1" init --publisher bench >/dev/null 2>&1
	git config -f "$1/hrdex.conf" sync.timeout 3600
	for p in "${PUBS[@]}"; do
		"$HRDEX" -q -C "$1" trust add "$p" "$PUBDIR/$p/keys/id_ed25519.pub" >/dev/null 2>&1
	done
}

if [ "$HAVE_SYNC" = 1 ]; then
	start_daemon "$W/srv"
	HUBURL="git://127.0.0.1:$PORT/hub.git"
	for rep in $(seq 1 "$REPS"); do
		R="$W/replica/$rep"
		git --git-dir "$HUB" update-ref "refs/heads/$extra_pub" "$TIP0"
		mkreplica "$R"
		"$HRDEX" -q -C "$R" peer add hub "$HUBURL" >/dev/null
		if [ $((rep % 2)) = 0 ]; then timed sync-initial git "$rep" git clone -q --bare "$HUBURL" "$W/clone/$rep"; fi
		timed sync-initial hrdex "$rep" "$HRDEX" -v -C "$R" sync
		cp "$W/err" "$W/logs/sync-initial-$rep.log"
		if [ $((rep % 2)) = 1 ]; then timed sync-initial git "$rep" git clone -q --bare "$HUBURL" "$W/clone/$rep"; fi
		if [ "$rep" = 1 ]; then
			same=1
			for p in "${PUBS[@]}"; do
				[ "$(tip "$R/repo.git" "refs/heads/$p")" = "$(tip "$HUB" "refs/heads/$p")" ] || same=0
			done
			check sync-initial-tips "$same" "every publisher branch at the peer's tip"
			n=$(sqlite3 -readonly "$R/cache.db" 'SELECT count(*) FROM documents' 2>/dev/null || echo "?")
			check sync-initial-cache "$([ "$n" = "$N" ] && echo 1 || echo 0)" "$n documents in the cache, $N published"
			n=$(cd "$R/view" && find "${PUBS[@]}" -name '*.json' -not -path '*.files/*' | wc -l)
			check sync-initial-view "$([ "$n" = "$N" ] && echo 1 || echo 0)" "$n documents in view/, $N published"
		fi
		# one more document
		git --git-dir "$HUB" update-ref "refs/heads/$extra_pub" "$TIP1"
		timed sync-incremental hrdex "$rep" "$HRDEX" -v -C "$R" sync
		cp "$W/err" "$W/logs/sync-incremental-$rep.log"
		timed sync-incremental git "$rep" git --git-dir "$W/clone/$rep" fetch -q origin "+refs/heads/*:refs/heads/*"
		if [ "$rep" = 1 ]; then
			n=$(sqlite3 -readonly "$R/cache.db" 'SELECT count(*) FROM documents' 2>/dev/null || echo "?")
			check sync-incremental "$([ "$(tip "$R/repo.git" "refs/heads/$extra_pub")" = "$TIP1" ] && [ "$n" = $((N + 1)) ] && echo 1 || echo 0)" \
				"branch $extra_pub at the new tip, $n documents in the cache"
		fi
	done
	R="$W/replica/$REPS" CLONE="$W/clone/$REPS"
	EXPECT_DOCS=$((N + 1)) EXTRA=1
	VIEW="$R/view"

	# no change, PEERS peers: one git daemon each, all serving the same branches
	"$HRDEX" -q -C "$R" peer remove hub >/dev/null
	PEERNAMES=()
	for k in $(seq -w 1 "$PEERS"); do
		PEERNAMES+=("peer$k")
		start_daemon "$W/srv"
		"$HRDEX" -q -C "$R" peer add "peer$k" "git://127.0.0.1:$PORT/hub.git" >/dev/null
		git --git-dir "$CLONE" remote add "peer$k" "git://127.0.0.1:$PORT/hub.git"
	done
	"$HRDEX" -q -C "$R" sync >/dev/null 2>"$W/logs/sync-peers-first.log" || die "first sync with $PEERS peers failed"
	for k in $(seq -w 1 "$PEERS"); do git --git-dir "$CLONE" fetch -q "peer$k"; done
	main=$(tip "$R/repo.git" main)
	cat >"$W/fetch.sh" <<-EOF
		set -e
		for k in \$(seq -w 1 $PEERS); do git --git-dir "$CLONE" fetch -q "peer\$k"; done
	EOF
	for rep in $(seq 1 "$REPS"); do
		timed sync-nochange hrdex "$rep" "$HRDEX" -v -C "$R" sync
		cp "$W/err" "$W/logs/sync-nochange-$rep.log"
		timed sync-nochange git "$rep" bash "$W/fetch.sh"
		timed sync-nochange git-jobs "$rep" git --git-dir "$CLONE" fetch -q --multiple --jobs="$PEERS" "${PEERNAMES[@]}"
	done
	check sync-nochange-main "$([ "$(tip "$R/repo.git" main)" = "$main" ] && echo 1 || echo 0)" \
		"main unchanged by $REPS syncs with nothing new from $PEERS peers"
else
	for s in sync-initial sync-incremental sync-nochange rss-sync; do
		printf '%s\t%s\n' "$s" "this hrdex has no sync command" >>"$W/skipped.tsv"
	done
	# The cache for the queries: the branches fetched by git, indexed by reindex;
	# the view is the corpus itself (publish-same-tree shows it is the same files).
	R="$W/replica/1"
	mkreplica "$R"
	for p in "${PUBS[@]}"; do
		git --git-dir "$R/repo.git" fetch -q "$HUB" "refs/heads/$p:refs/heads/$p"
	done
	git --git-dir "$R/repo.git" update-ref "refs/heads/$extra_pub" "$TIP0"
	"$HRDEX" -q -C "$R" reindex >/dev/null
	EXTRA=0
	VIEW="$W/corpus"
fi

# ---- queries ----
HOT=$(meta "$W/corpus.meta" hot_ref)
WORD=$(meta "$W/corpus.meta" text_word)
CTRY=$(meta "$W/corpus.meta" filter_country)
mapfile -t DECDIRS < <(cd "$VIEW" && for p in "${PUBS[@]}"; do [ -d "$p/decision" ] && echo "$p/decision"; done)
JQ_FILTER='select((.countries // []) | index($c)) | input_filename'
JQ_TEXT='select([.. | strings | test("\\b" + $w + "\\b"; "i")] | any) | input_filename'
JQ_BACK='select([.. | objects | (.ref?, .report?) | strings] | any(. == $h)) | input_filename'
cat >"$W/jq-filter.sh" <<-EOF
	find ${DECDIRS[*]} -name '*.json' -not -path '*.files/*' -print0 | xargs -0 jq -r --arg c "$CTRY" '$JQ_FILTER'
EOF
cat >"$W/jq-text.sh" <<-EOF
	find ${PUBS[*]} -name '*.json' -not -path '*.files/*' -print0 | xargs -0 jq -r --arg w "$WORD" '$JQ_TEXT'
EOF
cat >"$W/jq-backrefs.sh" <<-EOF
	find ${PUBS[*]} -name '*.json' -not -path '*.files/*' -print0 | xargs -0 jq -r --arg h "$HOT" '$JQ_BACK'
EOF

# run_query NAME EXPECTED SIDE CMD... [:: SIDE CMD...]... : in the view, the
# answers of every side must be the same sorted refs, and as many as the
# generator predicted (and not none); then REPS timed runs of each side.
run_query() {
	local name=$1 want=$2 side rep ok=1 detail="" n
	local -a cmd
	shift 2
	while [ $# -gt 0 ]; do
		side=$1
		shift
		cmd=()
		while [ $# -gt 0 ] && [ "$1" != :: ]; do cmd+=("$1"); shift; done
		[ $# -gt 0 ] && shift
		# the warm-up run gives the answer compared
		"${cmd[@]}" >"$W/ans.raw" 2>"$W/ans.err" || { cat "$W/ans.err" >&2; die "$name/$side failed"; }
		sed -e 's|^\./||' -e 's|\.json$||' "$W/ans.raw" | sort -u >"$W/ans.$name.$side"
		n=$(wc -l <"$W/ans.$name.$side")
		if [ "$side" = hrdex ]; then
			[ "$n" = "$want" ] || { ok=0 detail="$detail hrdex gave $n refs, the corpus has $want;"; }
			[ "$n" -gt 0 ] || { ok=0 detail="$detail empty answer;"; }
		elif ! cmp -s "$W/ans.$name.hrdex" "$W/ans.$name.$side"; then
			ok=0 detail="$detail $side differs ($n refs: $(diff "$W/ans.$name.hrdex" "$W/ans.$name.$side" | grep '^[<>]' | head -n 2 | tr '\n' ' ' || true));"
		fi
		for rep in $(seq 1 "$REPS"); do
			NORSS=1 timed "$name" "$side" "$rep" "${cmd[@]}"
		done
	done
	check "$name-answers" "$ok" "${detail:-$want refs, the same from hrdex, grep, git grep and jq}"
}

# grep and git grep exit 1 when nothing matches: an empty answer is a wrong
# answer (checked), not a crash.
ok1() { "$@" || [ $? -eq 1 ]; }

cd "$VIEW"
run_query query-filter "$(sum_expect expect_filter "$EXTRA")" \
	hrdex "$HRDEX" -C "$R" query --type decision --country "$CTRY" --format refs :: \
	grep ok1 grep -rl -E "^    \"$CTRY\",?$" --include='*.json' "${DECDIRS[@]}" :: \
	git-grep ok1 git grep --no-index -l -E "^    \"$CTRY\",?$" -- '*/decision/*.json' :: \
	jq bash "$W/jq-filter.sh"
run_query query-text "$(sum_expect expect_text "$EXTRA")" \
	hrdex "$HRDEX" -C "$R" query --text "$WORD" --format refs :: \
	grep ok1 grep -rliw --include='*.json' "$WORD" "${PUBS[@]}" :: \
	git-grep ok1 git grep --no-index -l -i -w "$WORD" -- '*.json' :: \
	jq bash "$W/jq-text.sh"
run_query query-backrefs "$(sum_expect expect_backrefs "$EXTRA")" \
	hrdex "$HRDEX" -C "$R" query --links-to "$HOT" --format refs :: \
	grep ok1 grep -rl -E "\"(ref|report)\": \"$HOT\",?\$" --include='*.json' "${PUBS[@]}" :: \
	git-grep ok1 git grep --no-index -l -E "\"(ref|report)\": \"$HOT\",?\$" -- '*.json' :: \
	jq bash "$W/jq-backrefs.sh"

# ---- results ----
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
mkdir -p "$(dirname "$OUT")"
jq -n \
	--rawfile samples "$W/samples.tsv" --rawfile checks "$W/checks.tsv" --rawfile skipped "$W/skipped.tsv" \
	--rawfile corpus "$W/corpus.meta" \
	--argjson n "$N" --argjson reps "$REPS" --argjson pubs "$NPUB" --argjson seed "$SEED" --argjson peers "$PEERS" \
	--arg hrdex "$("$HRDEX" --version 2>&1 | head -n1)" --arg git "$(git --version)" \
	--arg commit "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg cpu "$cpu" --argjson nproc "$(nproc)" \
	--argjson mem "${mem:-0}" --arg lb "$load_before" --arg la "$load_after" \
	-f "$top/tests/bench/results.jq" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
jq -r -f "$top/tests/bench/table.jq" "$OUT"
say "results in $OUT"
jq -e '.ok' "$OUT" >/dev/null || die "some checks failed"
