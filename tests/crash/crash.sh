#!/bin/bash
# crash.sh - kill hrdex with SIGKILL at random moments, restart it, and check
# that nothing it promised was lost and nothing half-written is visible.
#
#   tests/crash/crash.sh [SCENARIO...]      (default: every scenario)
#
# Scenarios: publish (batches, loose objects and packs; every fifth round a
# withdrawal), sync (several
# honest peers, a relay and a hostile peer), reindex, outbox (`hrdex run`,
# when the binary has it).  Each round of a scenario runs the operation under
# tests/tools/killafter with a random delay drawn over the operation's
# measured duration (x1.25, so some kills land after it finished), then
# restarts it (the same operation, uncut), and checks:
#
#   after the kill  `git fsck --strict` is clean; every ref points to a
#                   commit that stock `git verify-commit` accepts with the
#                   allowed_signers; every publisher branch (and
#                   refs/peers/*) holds only commits its publisher made;
#                   every document a killed publish reported (its "commit"
#                   line was printed) is on the branch; cache.db passes
#                   PRAGMA integrity_check
#   after restart   all of the above, and: `hrdex verify` passes (when this
#                   hrdex has it); cache.db holds exactly what a
#                   fresh `hrdex reindex` of the same repository holds
#                   (every table, ordered); view/ is `git archive main`;
#                   main holds every publisher branch; no stray tmp_* packs,
#                   quarantine or cache.db.new; sync converged with the peers;
#                   the outbox lost no file and published none twice
#
# Environment:
#   CRASH_SEED    seed of the random choices and delays (printed; set it to
#                 replay a run, or one scenario of it)
#   CRASH_KILLS   kills that must land mid-operation, per scenario (default 60);
#                 CRASH_KILLS_PUBLISH, _SYNC, _REINDEX, _OUTBOX override it for one
#   CRASH_DOCS    documents of the reindex scenario (default 3000)
#   CRASH_GROUP   percentage of kills that take the whole process group (fetch
#                 children too), the rest kill the hrdex process alone (default 30)
#   CRASH_KEEP=1  keep the temporary folder (its path is printed)
#   CRASH_STOP=1  stop at the first violation, keeping the state to inspect
#
# Prints one summary line per scenario and a total:
#   crash: seed S: K kills (M mid-operation, A after completion), R restarts,
#   C checks, V violations
# and exits 1 when any violation was found (each is printed with its round).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/lib.sh"
. "$here/../e2e/sync-lib.sh"

# `hrdex init` says hello on stderr; not here
eval "$(declare -f mkagent | sed '1s/mkagent/mkagent_loud/')"
mkagent() { mkagent_loud "$@" 2>/dev/null; }
eval "$(declare -f trust | sed '1s/trust/trust_loud/')"
trust() { trust_loud "$@" 2>/dev/null; }

# A private copy: a rebuild during a long run must not swap the binary under it.
cp "$HRDEX" "$T/hrdex.bin"
HRDEX=$T/hrdex.bin
KILLAFTER=$TOOLS/killafter
[ -x "$KILLAFTER" ] || fail "no $KILLAFTER: run make check (or make crash)"
SEED=${CRASH_SEED:-$(( $(date +%s%N) % 1000000007 ))}
RANDOM=$SEED
TARGET=${CRASH_KILLS:-60}
NDOCS=${CRASH_DOCS:-3000}
GROUP_PCT=${CRASH_GROUP:-30}
if [ "${CRASH_KEEP:-}" = 1 ]; then trap - EXIT; echo "crash: keeping $T"; fi
echo "crash: seed $SEED (CRASH_SEED=$SEED to replay), $TARGET kills per scenario"

KILLS=0 MID=0 LATE=0 RESTARTS=0 CHECKS=0 VIOLATIONS=0
SKILLS=0 SMID=0 SLATE=0 SRESTARTS=0 SCHECKS=0 SVIOLATIONS=0
SCEN=
ROUND=0
declare -A VERIFIED=()     # commit -> 1 once stock git verified its signature
declare -A SOURCE=()       # publisher -> the agent that writes its branch
declare -A REPORTED=()     # commit -> 1: a publish printed it; its paths are in $T/reported.list
HAS_VERIFY=0
"$HRDEX" verify --help >/dev/null 2>&1 && HAS_VERIFY=1
HAS_RUN=0
"$HRDEX" run --help >/dev/null 2>&1 && HAS_RUN=1

violation() {
	VIOLATIONS=$((VIOLATIONS + 1)) SVIOLATIONS=$((SVIOLATIONS + 1))
	echo "VIOLATION [$SCEN round $ROUND, seed $SEED]: $*" | tee -a "$T/violations.log" >&2
	if [ "${CRASH_STOP:-}" = 1 ]; then
		trap - EXIT
		echo "crash: stopped at the first violation; state kept in $T (its git daemon, if any, still runs)" >&2
		exit 1
	fi
}

rand() { echo $(( (RANDOM * 32768 + RANDOM) % $1 )); }

# ms CMD...: run CMD, print its duration in ms (its output goes to $T/ms.out)
ms() {
	local t0 rc=0
	t0=$(date +%s%N)
	"$@" >"$T/ms.out" 2>&1 || rc=$?
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
	return $rc
}

# killed OUT ERR MEAN_MS CMD... : run CMD under killafter with a random
# delay in [0, 1.25 x MEAN_MS]; stdout to OUT, stderr to ERR.  Counts the
# kill; returns 0 when it landed mid-operation, 1 when CMD had finished.
killed() {
	local out=$1 err=$2 mean=$3 delay g=
	shift 3
	delay=$(rand $(( mean * 1250 + 1 )))
	[ "$(rand 100)" -lt "$GROUP_PCT" ] && g=-g
	"$KILLAFTER" "$delay" $g "$@" >"$out" 2>"$err" || true
	KILLS=$((KILLS + 1)) SKILLS=$((SKILLS + 1))
	if tail -n1 "$err" | grep -q '^killafter: killed'; then
		MID=$((MID + 1)) SMID=$((SMID + 1))
		return 0
	fi
	LATE=$((LATE + 1)) SLATE=$((SLATE + 1))
	return 1
}

restarted() { RESTARTS=$((RESTARTS + 1)) SRESTARTS=$((SRESTARTS + 1)); }

# ---- the checks ----

# verify_ref DIR REF COMMIT : COMMIT is signed, and by the right publisher.
verify_ref() {
	local dir=$1 ref=$2 c=$3 pub src
	if [ -z "${VERIFIED[$c]:-}" ]; then
		git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$dir/allowed_signers" \
			--git-dir "$dir/repo.git" verify-commit "$c" >/dev/null 2>"$T/verify.err" ||
			{ violation "$ref ($c) does not verify: $(head -n2 "$T/verify.err")"; return; }
		VERIFIED[$c]=1
	fi
	# A publisher branch, or a peer's copy of one: only commits its writer made.
	case "$ref" in
	refs/heads/main) return ;;
	refs/heads/*) pub=${ref#refs/heads/} ;;
	refs/peers/*) pub=${ref##*/} ;;
	*) return ;;
	esac
	src=${SOURCE[$pub]:-}
	[ -n "$src" ] && [ "$src" != "$dir" ] || return 0
	git --git-dir "$src/repo.git" merge-base --is-ancestor "$c" "refs/heads/$pub" 2>/dev/null ||
		violation "$ref of $(basename "$dir") is $c, which $pub never published"
}

# dump DB : every row of the cache's tables, ordered (indexed_at aside).
dump() {
	sqlite3 "$1" <<'SQL'
.mode list
.separator "\t"
SELECT 'v', * FROM pragma_user_version;
SELECT 'b', publisher, "commit" FROM branches ORDER BY publisher;
SELECT 'd', ref, publisher, type, id, date, start, "end", title, lang, countries, themes, json, "commit", path, blob
  FROM documents ORDER BY ref;
SELECT 'c', country, ref FROM doc_countries ORDER BY 2, 3;
SELECT 't', theme, ref FROM doc_themes ORDER BY 2, 3;
SELECT 'l', from_ref, rel, to_ref, url FROM links ORDER BY 2, 3, 4, 5;
SELECT 'f', d.ref, f.title, f.summary, f.body FROM documents_fts f LEFT JOIN documents d ON d.rowid = f.rowid
  ORDER BY 2, 3;
SQL
}

# check_always DIR : what must hold at any moment, even right after a kill.
check_always() {
	local dir=$1 ref c k
	CHECKS=$((CHECKS + 1)) SCHECKS=$((SCHECKS + 1))
	git --git-dir "$dir/repo.git" fsck --strict --no-dangling >"$T/fsck.out" 2>&1 ||
		violation "git fsck of $(basename "$dir"): $(head -n5 "$T/fsck.out" | tr '\n' ' ')"
	while read -r c ref; do
		verify_ref "$dir" "$ref" "$c"
	done < <(git --git-dir "$dir/repo.git" for-each-ref --format='%(objectname) %(refname)')
	if [ ${#REPORTED[@]} -gt 0 ]; then
		git --git-dir "$dir/repo.git" rev-list "refs/heads/$(pubof "$dir")" 2>/dev/null | sort >"$T/commits.list"
		printf '%s\n' "${!REPORTED[@]}" | sort | comm -23 - "$T/commits.list" >"$T/missing.list"
		[ ! -s "$T/missing.list" ] ||
			violation "commits reported published but not on the branch: $(head -n3 "$T/missing.list" | tr '\n' ' ')"
		git --git-dir "$dir/repo.git" ls-tree -r --name-only "refs/heads/$(pubof "$dir")" 2>/dev/null |
			sort >"$T/tree.list"
		sort -u "$T/reported.list" | comm -23 - "$T/tree.list" >"$T/missing.list"
		[ ! -s "$T/missing.list" ] ||
			violation "reported published but not on the branch: $(head -n3 "$T/missing.list" | tr '\n' ' ')"
	fi
	if [ -e "$dir/cache.db" ]; then
		[ "$(sqlite3 "$dir/cache.db" 'PRAGMA integrity_check' 2>&1)" = ok ] ||
			violation "cache.db of $(basename "$dir") fails integrity_check"
	fi
}

# check_restarted DIR : after a restart ran to completion.
check_restarted() {
	local dir=$1 fresh=$T/fresh pub
	check_always "$dir"
	CHECKS=$((CHECKS + 1)) SCHECKS=$((SCHECKS + 1))
	# (right after a kill main and the cache may lag, legitimately: verify
	# checks them against the refs, so it runs after the restart only)
	if [ "$HAS_VERIFY" = 1 ]; then
		"$HRDEX" -C "$dir" verify >"$T/hverify.out" 2>&1 ||
			violation "hrdex verify: $(tail -n3 "$T/hverify.out" | tr '\n' ' ')"
	fi
	# The cache equals a reindex of the same repository (built aside).
	rm -rf "$fresh" && mkdir -p "$fresh"
	cp "$dir/hrdex.conf" "$dir/allowed_signers" "$fresh/"
	ln -s "$dir/repo.git" "$fresh/repo.git"
	"$HRDEX" -C "$fresh" reindex >/dev/null 2>"$T/reindex.err" || violation "reindex of a copy: $(cat "$T/reindex.err")"
	if [ ! -e "$dir/cache.db" ]; then
		violation "no cache.db"
	elif ! cmp -s <(dump "$dir/cache.db") <(dump "$fresh/cache.db"); then
		violation "cache.db differs from a fresh reindex: $(diff <(dump "$dir/cache.db") <(dump "$fresh/cache.db") | cut -c1-160 | head -n4 | tr '\n' ' ')"
	fi
	# view/ is main, file for file.
	rm -rf "$fresh/main" && mkdir -p "$fresh/main"
	if git --git-dir "$dir/repo.git" rev-parse -q --verify refs/heads/main >/dev/null; then
		git --git-dir "$dir/repo.git" archive refs/heads/main | tar -x -C "$fresh/main"
		diff -r "$fresh/main" "$dir/view" >"$T/view.diff" 2>&1 ||
			violation "view/ differs from main: $(head -n3 "$T/view.diff" | tr '\n' ' ')"
		# main holds every publisher's current tree
		for pub in $(git --git-dir "$dir/repo.git" for-each-ref --format='%(refname:strip=2)' refs/heads/); do
			[ "$pub" = main ] && continue
			diff <(git --git-dir "$dir/repo.git" ls-tree -r "refs/heads/$pub" | sed "s|\t$pub/|\t|") \
				<(git --git-dir "$dir/repo.git" ls-tree -r "refs/heads/main:$pub" | grep -v '	README.md$') \
				>/dev/null || violation "main does not hold the tip of '$pub'"
		done
	fi
	ls "$dir/repo.git/objects/pack" | grep -q '^tmp_' && violation "temporary packs left: $(ls "$dir/repo.git/objects/pack" | grep '^tmp_' | head -n3)"
	[ -e "$dir/quarantine" ] && violation "quarantine left behind"
	ls "$dir" | grep -q '^cache\.db\.new' && violation "cache.db.new left behind"
	return 0
}

# check_rows DIR : after a restart, the cache has one row per document of
# the branches, and `status` does not find it behind (issue 15 item 7: a
# kill between a ref move and its refresh must not leave scripts with
# missing rows).
check_rows() {
	local dir=$1 rows docs=0 pub n
	CHECKS=$((CHECKS + 1)) SCHECKS=$((SCHECKS + 1))
	rows=$("$HRDEX" -C "$dir" query --format json 2>/dev/null | jq length)
	for pub in $(git --git-dir "$dir/repo.git" for-each-ref --format='%(refname:strip=2)' refs/heads/); do
		[ "$pub" = main ] && continue
		n=$(git --git-dir "$dir/repo.git" ls-tree -r --name-only "refs/heads/$pub" | grep -c '\.json$' || true)
		docs=$((docs + n))
	done
	[ "${rows:-0}" = "$docs" ] || violation "the cache has ${rows:-no} rows, the branches $docs documents"
	"$HRDEX" -C "$dir" status --json >"$T/status.json" 2>/dev/null || true
	! jq -e '.problems | any(test("cache is behind"))' "$T/status.json" >/dev/null 2>&1 ||
		violation "status: $(jq -c .problems "$T/status.json")"
}

summary() {
	printf 'crash: %-8s %d kills (%d mid-operation, %d after completion), %d restarts, %d checks, %d violations\n' \
		"$SCEN" "$SKILLS" "$SMID" "$SLATE" "$SRESTARTS" "$SCHECKS" "$SVIOLATIONS"
}

# Each scenario draws from its own stream of the seed, so that it makes the
# same choices (batch sizes, modes, whole-group kills, delays as a share of
# the measured time) whether it runs alone or after others, however long
# those took: `CRASH_SEED=S tests/crash/crash.sh outbox` replays the outbox
# part of a full run.  (The delays still scale with the measured durations,
# so a kill lands at the same moment only as nearly as the timing repeats.)
declare -A SALT=([publish]=1 [sync]=2 [reindex]=3 [outbox]=4)
begin() {
	local v=CRASH_KILLS_${1^^}
	SCEN=$1 ROUND=0 STARGET=${!v:-$TARGET}
	RANDOM=$(( (SEED + ${SALT[$1]} * 104729) % 1000000007 ))
	SKILLS=0 SMID=0 SLATE=0 SRESTARTS=0 SCHECKS=0 SVIOLATIONS=0
	REPORTED=()
	: >"$T/reported.list"
}

# rounds: until the scenario's kills landed mid-operation (at most 3 x as
# many rounds).
STARGET=$TARGET
more_rounds() { [ "$SMID" -lt "$STARGET" ] && [ "$ROUND" -lt $((STARGET * 3)) ]; }

# ---- documents ----

# batch DIR PUB N [FIRST]: N documents in DIR (emptied): new ids from the
# counter NEXT_ID, and some changes to earlier ones.
NEXT_ID=0
batch() {
	local dir=$1 pub=$2 n=$3 i id types=(decision report note) t
	rm -rf "$dir" && mkdir -p "$dir"
	for ((i = 0; i < n; i++)); do
		t=${types[$((RANDOM % 3))]}
		if [ "$NEXT_ID" -gt 10 ] && [ $((RANDOM % 4)) = 0 ]; then
			id=d$((RANDOM % NEXT_ID))
		else
			id=d$NEXT_ID
			NEXT_ID=$((NEXT_ID + 1))
		fi
		# one type per id, so a changed document keeps its path
		t=${types[$(( ${id#d} % 3 ))]}
		doc "$pub" "$t" "$id" "Document $id, version $RANDOM" >"$dir/$id.json"
	done
}

# record_reported OUT DIR : the publish printed "commit X: ..."; its
# documents are promised.
record_reported() {
	local out=$1 dir=$2 pub=$3 c f id t
	c=$(sed -n 's/^commit \([0-9a-f]\{40\}\):.*/\1/p' "$out")
	[ -n "$c" ] || return 0
	for f in "$dir"/*.json; do
		id=$(basename "$f" .json)
		t=${id#d}
		t=$(case $((t % 3)) in 0) echo decision ;; 1) echo report ;; *) echo note ;; esac)
		echo "$pub/$t/$id.json"
	done >>"$T/reported.list"
	REPORTED[$c]=1
}

# ---- scenarios ----

# withdraw_round DIR MEAN_MS : withdraw 1-3 published documents under a
# kill, then retry (exit 65 when the killed one got as far as its commit).
withdraw_round() {
	local dir=$1 mean=$2 refs=() rc=0 r
	mapfile -t refs < <(git --git-dir "$dir/repo.git" ls-tree -r --name-only "refs/heads/$(pubof "$dir")" |
		shuf -n $((1 + RANDOM % 3)) --random-source=<(yes "$RANDOM") | sed 's/\.json$//')
	[ ${#refs[@]} -gt 0 ] || return 0
	# no longer promised: they are being withdrawn
	printf '%s.json\n' "${refs[@]}" | sort >"$T/gone.list"
	# -u: comm pairs duplicate lines one to one, and a path is listed once per publish
	sort -u "$T/reported.list" | comm -23 - "$T/gone.list" >"$T/reported.new"
	mv "$T/reported.new" "$T/reported.list"
	killed "$T/w.out" "$T/w.err" "$mean" "$HRDEX" -C "$dir" withdraw "${refs[@]}" || true
	check_always "$dir"
	"$HRDEX" -C "$dir" withdraw "${refs[@]}" >"$T/ms.out" 2>&1 || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 65 ] || violation "withdraw after a kill exited $rc: $(tail -n2 "$T/ms.out" | tr '\n' ' ')"
	restarted
	for r in "${refs[@]}"; do
		git --git-dir "$dir/repo.git" cat-file -e "refs/heads/$(pubof "$dir"):$r.json" 2>/dev/null &&
			violation "$r is still published after its withdrawal"
	done
	check_restarted "$dir"
}

scenario_publish() {
	local P=$T/agents/pub mean d n out
	begin publish
	mkagent "$P" ohchr
	SOURCE[ohchr]=$P
	# calibrate on a batch of each kind: a few documents (loose objects) and
	# over 64 (one pack)
	batch "$T/b" ohchr 5
	d=$(ms "$HRDEX" -C "$P" publish "$T/b") || fail "publish: $(cat "$T/ms.out")"
	batch "$T/b" ohchr 120
	mean=$(ms "$HRDEX" -C "$P" publish "$T/b") || fail "publish: $(cat "$T/ms.out")"
	mean=$(( (mean + d) / 2 ))
	echo "crash: publish takes about $d ms (5 documents) to $mean ms (average with 120)"
	while more_rounds; do
		ROUND=$((ROUND + 1))
		if [ $((ROUND % 5)) = 0 ]; then
			withdraw_round "$P" "$mean"
			continue
		fi
		n=$(( RANDOM % 2 ? 1 + RANDOM % 8 : 64 + RANDOM % 100 ))
		batch "$T/b" ohchr "$n"
		out=$T/pub.out
		killed "$out" "$T/pub.err" "$mean" "$HRDEX" -C "$P" publish "$T/b" || true
		record_reported "$out" "$T/b" ohchr
		check_always "$P"
		# restart: the same publish, uncut (a user or the service retrying)
		if ! d=$(ms "$HRDEX" -C "$P" publish "$T/b"); then
			violation "publish after a kill failed: $(tail -n3 "$T/ms.out" | tr '\n' ' ')"
		fi
		cp "$T/ms.out" "$out"
		record_reported "$out" "$T/b" ohchr
		restarted
		mean=$(( (mean * 3 + d) / 4 ))
		check_restarted "$P"
		# and once more with nothing to do: a no-change publish must also
		# leave everything consistent
		if [ $((ROUND % 4)) = 0 ]; then
			"$HRDEX" -C "$P" publish "$T/b" >/dev/null 2>&1 || violation "no-change publish failed"
		fi
	done
	summary
}

scenario_sync() {
	local A=$T/agents/a B=$T/agents/b C=$T/agents/c R=$T/agents/r E=$T/agents/e V=$T/agents/v
	local mean d rc h p
	begin sync
	mkagent "$A" achpr
	mkagent "$B" iachr
	mkagent "$C" iccpr
	mkagent "$R" relay
	mkagent "$E" evil
	mkagent "$V" ohchr
	SOURCE[achpr]=$A SOURCE[iachr]=$B SOURCE[iccpr]=$C SOURCE[relay]=$R SOURCE[ohchr]=$V
	trust "$V" "$A" "$B" "$C" "$R"
	trust "$R" "$A" "$B"
	serve
	for p in a b c; do "$HRDEX" -C "$V" peer add "$p" "$(url_of "$T/agents/$p")"; done
	"$HRDEX" -C "$R" peer add a "$(url_of "$A")"
	"$HRDEX" -C "$R" peer add b "$(url_of "$B")"
	for p in "$A" "$B" "$C"; do
		batch "$T/b" "$(pubof "$p")" 40
		"$HRDEX" -C "$p" publish "$T/b" >/dev/null
	done
	"$HRDEX" -C "$R" sync >/dev/null 2>&1 || true
	# a hostile peer: iccpr's branch plus a commit signed by the wrong key
	h=$(hostile e "$C")
	doc iccpr decision x >"$T/x.json"
	GIT_DIR=$h git update-ref refs/heads/iccpr \
		"$(mkcommit "$h" "$(tip "$C" iccpr)" "$E/keys/id_ed25519" "wrong key" "iccpr/decision/x.json=$T/x.json")"
	"$HRDEX" -C "$V" peer add r "$(url_of "$R")"
	"$HRDEX" -C "$V" peer add e "$(url_of "$E")"
	batch "$T/b" ohchr 3
	"$HRDEX" -C "$V" publish "$T/b" >/dev/null
	rc=0
	mean=$(ms "$HRDEX" -C "$V" sync) || rc=$?
	[ "$rc" -le 1 ] || fail "first sync failed ($rc): $(cat "$T/ms.out")"
	check_restarted "$V"
	echo "crash: the first sync (3 x 40 documents, 5 peers) took $mean ms"
	while more_rounds; do
		ROUND=$((ROUND + 1))
		# the peers move on (not every one every round)
		for p in "$A" "$B" "$C"; do
			[ $((RANDOM % 3)) = 0 ] && continue
			batch "$T/b" "$(pubof "$p")" $((1 + RANDOM % 40))
			"$HRDEX" -C "$p" publish "$T/b" >/dev/null
		done
		[ $((RANDOM % 4)) = 0 ] && { "$HRDEX" -C "$R" sync >/dev/null 2>&1 || true; }
		killed "$T/sync.out" "$T/sync.err" "$mean" "$HRDEX" -C "$V" sync || true
		check_always "$V"
		rc=0
		d=$(ms "$HRDEX" -C "$V" sync) || rc=$?
		# 1: the hostile peer's branch is refused, as it should be
		[ "$rc" -le 1 ] || violation "sync after a kill exited $rc: $(tail -n3 "$T/ms.out" | tr '\n' ' ')"
		restarted
		mean=$(( (mean * 3 + d) / 4 ))
		check_restarted "$V"
		for p in "$A" "$B" "$C"; do
			[ "$(tip "$V" "$(pubof "$p")")" = "$(tip "$p" "$(pubof "$p")")" ] ||
				violation "after the restart, $(pubof "$p") is not at the peer's tip"
		done
		[ "$(tip "$V" iccpr)" != "$(tip "$E" iccpr)" ] || violation "the hostile commit was accepted"
	done
	summary
}

scenario_reindex() {
	local P=$T/agents/idx mean d i
	begin reindex
	mkagent "$P" ohchr
	SOURCE[ohchr]=$P
	for ((i = 0; i < NDOCS; i += 1000)); do
		batch "$T/b" ohchr $(( NDOCS - i < 1000 ? NDOCS - i : 1000 ))
		"$HRDEX" -C "$P" publish "$T/b" >/dev/null
	done
	mean=$(ms "$HRDEX" -C "$P" reindex) || fail "reindex: $(cat "$T/ms.out")"
	echo "crash: reindex of $NDOCS documents takes $mean ms"
	check_restarted "$P"
	while more_rounds; do
		ROUND=$((ROUND + 1))
		killed "$T/r.out" "$T/r.err" "$mean" "$HRDEX" -C "$P" reindex || true
		check_always "$P"
		# whatever the kill interrupted, the cache is the old or the new one:
		# both equal a fresh index here (the repository did not change)
		[ -e "$P/cache.db" ] || violation "cache.db missing after a killed reindex"
		"$HRDEX" -C "$P" query --limit 1 --format refs >/dev/null 2>"$T/q.err" ||
			violation "query after a killed reindex: $(cat "$T/q.err")"
		d=$(ms "$HRDEX" -C "$P" reindex) || violation "reindex after a kill: $(tail -n3 "$T/ms.out" | tr '\n' ' ')"
		restarted
		mean=$(( (mean * 3 + d) / 4 ))
		check_restarted "$P"
		# sometimes a publish follows instead, updating the cache in place
		if [ $((RANDOM % 3)) = 0 ]; then
			batch "$T/b" ohchr 3
			"$HRDEX" -C "$P" publish "$T/b" >/dev/null || violation "publish after reindex"
		fi
	done
	summary
}

# ---- the outbox service ----

# drop NAME CONTENT_FILE : put a file into the outbox the documented way
# (written aside, renamed into place), and remember it.
DROPPED=()
drop() {
	local dir=$1 name=$2 src=$3
	cp "$src" "$dir/outbox/.$name.tmp"
	mv "$dir/outbox/.$name.tmp" "$dir/outbox/$name.json"
	DROPPED+=("$name $(sha256sum <"$src" | cut -c1-64)")
}

# check_outbox DIR FINAL : no dropped file lost or changed; every file in
# done/ published with that content, each ref committed once; rejected/
# files have their .error.  FINAL: the run finished, so nothing is left in
# outbox/ and no journal.  (In bulk: a few processes whatever the count.)
check_outbox() {
	local dir=$1 final=$2 pub=$(pubof "$1") n
	CHECKS=$((CHECKS + 1)) SCHECKS=$((SCHECKS + 1))
	# every file there now: "SUM WHERE NAME", WHERE = outbox|done|rejected,
	# NAME without ~N and .json
	(cd "$dir/outbox" && find . -maxdepth 2 -name '*.json' -type f -printf '%P\0' | xargs -0 -r sha256sum) | awk '{ split($2, p, "/"); w = p[2] == "" ? "outbox" : p[1]; f = p[2] == "" ? p[1] : p[2];
		sub(/\.json$/, "", f); sub(/~[0-9]+$/, "", f); print $1, w, f, $2 }' | sort >"$T/have.list"
	printf '%s\n' "${DROPPED[@]}" | awk '{ print $2, $1 }' | sort >"$T/dropped.list"
	# lost: a dropped (sum, name) with no file of that name and content anywhere
	join -j1 -o 1.2,2.3 "$T/dropped.list" "$T/have.list" | awk '$1 == $2 { print $1 }' | sort -u >"$T/found.list"
	awk '{ print $2 }' "$T/dropped.list" | sort -u | comm -23 - "$T/found.list" >"$T/lost.list"
	[ ! -s "$T/lost.list" ] || violation "outbox files lost: $(head -n5 "$T/lost.list" | tr '\n' ' ')"
	# done/: published with that content
	git --git-dir "$dir/repo.git" ls-tree -r "refs/heads/$pub" -- "$pub/note/" 2>/dev/null |
		awk '{ n = $4; sub(/.*\//, "", n); sub(/\.json$/, "", n); print $3, n }' | sort >"$T/tree.blobs"
	awk '$2 == "done" { print $4 }' "$T/have.list" >"$T/done.list"
	if [ -s "$T/done.list" ]; then
		(cd "$dir/outbox" && git hash-object --stdin-paths <"$T/done.list") >"$T/done.blobs"
		paste -d' ' "$T/done.blobs" "$T/done.list" | awk '{ print $1 }' | sort -u | comm -23 - <(cut -d' ' -f1 "$T/tree.blobs" | sort -u) >"$T/unpub.list"
		[ ! -s "$T/unpub.list" ] || violation "files in done/ whose content is not on the branch: $(grep -F -f "$T/unpub.list" <(paste -d' ' "$T/done.blobs" "$T/done.list") | head -n3 | tr '\n' ' ')"
	fi
	# published twice: a path of ours changed by more than one commit
	git --git-dir "$dir/repo.git" log --format= --name-only "refs/heads/$pub" -- "$pub/note/" |
		grep . | sort | uniq -c | awk '$1 > 1 { print $2 }' >"$T/twice.list"
	[ ! -s "$T/twice.list" ] || violation "published twice: $(head -n3 "$T/twice.list" | tr '\n' ' ')"
	# rejected/: invalid files only, each with its .error
	awk '$2 == "rejected" { print $3, $4 }' "$T/have.list" | while read -r name f; do
		[ -f "$dir/outbox/${f%.json}.error" ] || violation "$f has no .error"
		case "$name" in bad*) ;; *) violation "a valid file was rejected: $f ($(head -c 200 "$dir/outbox/${f%.json}.error"))" ;; esac
	done
	if [ "$final" = 1 ]; then
		awk '$2 == "outbox" { print $4 }' "$T/have.list" >"$T/left.list"
		[ ! -s "$T/left.list" ] || violation "still in outbox/ after a complete pass: $(head -n3 "$T/left.list" | tr '\n' ' ')"
		[ ! -e "$dir/outbox.journal" ] || violation "outbox.journal left after a complete pass"
	fi
	return 0
}

scenario_outbox() {
	local P=$T/agents/box mean d i n k rc mode
	begin outbox
	DROPPED=()
	mkagent "$P" ohchr
	SOURCE[ohchr]=$P
	git config -f "$P/hrdex.conf" outbox.settle 0
	git config -f "$P/hrdex.conf" outbox.interval 1
	mkdir -p "$P/outbox"
	k=0
	# some documents are published once by hand first, so main exists
	batch "$T/b" ohchr 3
	"$HRDEX" -C "$P" publish "$T/b" >/dev/null
	for ((i = 0; i < 60; i++)); do
		doc ohchr note "o$k" "Outbox $k" >"$T/o.json"
		drop "$P" "o$k" "$T/o.json"
		k=$((k + 1))
	done
	rc=0
	mean=$(ms "$HRDEX" -C "$P" run --once) || rc=$?
	[ "$rc" = 0 ] || fail "run --once: $(cat "$T/ms.out")"
	echo "crash: an outbox pass of 60 files takes $mean ms"
	check_outbox "$P" 1
	check_restarted "$P"
	check_rows "$P"
	# One kill exactly between the ref move and the refresh of a large
	# pass (the debug line after the commit), then run --once (issue 15).
	ROUND=$((ROUND + 1))
	for ((i = 0; i < 300; i++)); do
		doc ohchr note "o$k" "Outbox $k" >"$T/o.json"
		drop "$P" "o$k" "$T/o.json"
		k=$((k + 1))
	done
	"$HRDEX" -C "$P" -v run --once >"$T/run.out" 2>"$T/run.err" &
	n=$!
	for ((i = 0; i < 6000; i++)); do
		grep -q 'publish: tree and signed commit' "$T/run.err" && break
		kill -0 "$n" 2>/dev/null || break
		sleep 0.01
	done
	kill -9 "$n" 2>/dev/null && { KILLS=$((KILLS + 1)) SKILLS=$((SKILLS + 1)) MID=$((MID + 1)) SMID=$((SMID + 1)); }
	wait "$n" 2>/dev/null || true
	check_always "$P"
	check_outbox "$P" 0
	rc=0
	ms "$HRDEX" -C "$P" run --once >/dev/null || rc=$?
	[ "$rc" = 0 ] || violation "run --once after the kill exited $rc: $(tail -n3 "$T/ms.out" | tr '\n' ' ')"
	restarted
	check_outbox "$P" 1
	check_restarted "$P"
	check_rows "$P"
	while more_rounds; do
		ROUND=$((ROUND + 1))
		n=$(( RANDOM % 2 ? 1 + RANDOM % 10 : 30 + RANDOM % 90 ))
		for ((i = 0; i < n; i++)); do
			if [ $((RANDOM % 15)) = 0 ]; then
				doc ohchr note "bad$k" | sed 's/"date": "2016-05-04"/"date": "2016-02-30"/' >"$T/o.json"
				drop "$P" "bad$k" "$T/o.json"
			elif [ $((RANDOM % 15)) = 0 ] && [ "$k" -gt 0 ]; then
				# the same content again under the same name: done/NAME~1.json, no new commit
				name=o$((RANDOM % k))
				doc ohchr note "$name" "Outbox ${name#o}" >"$T/o.json"
				drop "$P" "$name" "$T/o.json"
			else
				doc ohchr note "o$k" "Outbox $k" >"$T/o.json"
				drop "$P" "o$k" "$T/o.json"
			fi
			k=$((k + 1))
		done
		# the service as systemd runs it, or one pass (cron, tests)
		mode=${CRASH_OUTBOX_MODE:-}
		[ -n "$mode" ] || mode=$( [ $((RANDOM % 2)) = 0 ] && echo once || echo run)
		if [ "$mode" = once ]; then
			killed "$T/run.out" "$T/run.err" "$mean" "$HRDEX" -C "$P" run --once || true
		else
			killed "$T/run.out" "$T/run.err" $((mean + 1000)) "$HRDEX" -C "$P" run || true
		fi
		check_always "$P"
		check_outbox "$P" 0
		rc=0
		d=$(ms "$HRDEX" -C "$P" run --once) || rc=$?
		{ echo "== round $ROUND: killed run"; cat "$T/run.err"; echo "== restart"; cat "$T/ms.out"; } >>"$T/outbox.log"
		[ "$rc" = 0 ] || violation "run --once after a kill exited $rc: $(tail -n3 "$T/ms.out" | tr '\n' ' ')"
		# (an outbox pass that fails is logged, and run --once still exits 0)
		! grep -q 'outbox: .*trying again in' "$T/ms.out" ||
			violation "the outbox pass after a kill failed: $(grep 'outbox: ' "$T/ms.out" | head -n2 | tr '\n' ' ')"
		restarted
		mean=$(( (mean * 3 + d) / 4 ))
		check_outbox "$P" 1
		check_restarted "$P"
		check_rows "$P"
	done
	summary
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(publish sync reindex outbox)
start=$SECONDS
for s in "${scenarios[@]}"; do
	case "$s" in
	publish) scenario_publish ;;
	sync) scenario_sync ;;
	reindex) scenario_reindex ;;
	outbox)
		if [ "$HAS_RUN" = 1 ] && declare -f scenario_outbox >/dev/null; then
			scenario_outbox
		else
			echo "crash: outbox   skipped: this hrdex has no 'run' command"
		fi
		;;
	*) fail "unknown scenario '$s' (publish, sync, reindex, outbox)" ;;
	esac
done
echo "crash: seed $SEED: $KILLS kills ($MID mid-operation, $LATE after completion), $RESTARTS restarts, $CHECKS checks, $VIOLATIONS violations ($((SECONDS - start)) s)"
if [ "$VIOLATIONS" -gt 0 ]; then
	# keep the evidence: stop what we started, leave the folder
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	trap - EXIT
	echo "crash: state kept in $T (violations.log; outbox.log has each outbox round's output)" >&2
	exit 1
fi
