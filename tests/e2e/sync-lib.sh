# sync-lib.sh - helpers for the federation scenarios (1NN-*.sh); source
# lib.sh first.  Publishing here uses stock git (signed with ssh-keygen keys,
# gpg.format=ssh), which is exactly what hrdex publishes, so these scenarios
# also check that hrdex accepts what stock git makes.

TOOLS=${HRDEX_BUILD:-$(dirname "$HRDEX")}/tests/tools

# mkagent DIR PUBLISHER : a state directory made by `hrdex init`, with short
# sync timeouts for tests.
mkagent() {
	local dir=$1 pub=$2
	mkdir -p "$(dirname "$dir")"
	"$HRDEX" -C "$dir" init --publisher "$pub" >/dev/null
	git config -f "$dir/hrdex.conf" sync.connectTimeout 5
	git config -f "$dir/hrdex.conf" sync.timeout 20
}

# trust DIR OTHER... : DIR trusts the publishers of the OTHER agents.
trust() {
	local dir=$1 o
	shift
	for o in "$@"; do
		"$HRDEX" -C "$dir" trust add "$(pubof "$o")" "$o/keys/id_ed25519.pub" >/dev/null
	done
}

# pubof DIR : the publisher id of an agent.
pubof() { git config -f "$1/hrdex.conf" hrdex.publisher; }

# doc PUB TYPE ID [TITLE] : a valid document (decision, report or note) on stdout.
doc() {
	local title=${4:-Document $3} kind
	case "$2" in
	decision) kind=resolution ;;
	report) kind=annual ;;
	*) kind=information ;;
	esac
	printf '{\n  "date": "2016-05-04",\n  "id": "%s",\n  "kind": "%s",\n  "publisher": "%s",\n  "title": {\n    "en": "%s"\n  },\n  "type": "%s"\n}\n' \
		"$3" "$kind" "$1" "$title" "$2"
}

# g DIR ARGS... : git on an agent's repository, signing as its publisher.
g() {
	local dir=$1
	shift
	GIT_DIR="$dir/repo.git" git -c gpg.format=ssh -c user.signingkey="$dir/keys/id_ed25519" \
		-c commit.gpgsign=false "$@"
}

# commit_files DIR MSG PATH=FILE... [-PATH...] : one signed commit on the
# agent's own branch adding PATH with FILE's content (or removing -PATH).
# KEY=... overrides the signing key; BRANCH=... the branch; NOSIGN=1 skips signing.
commit_files() {
	local dir=$1 msg=$2 pub branch idx old tree commit a blob sign
	shift 2
	pub=$(pubof "$dir")
	branch=${BRANCH:-$pub}
	idx="$T/index.$$.$RANDOM"
	old=$(g "$dir" rev-parse -q --verify "refs/heads/$branch" || true)
	if [ -n "$old" ]; then GIT_INDEX_FILE=$idx g "$dir" read-tree "$old"; else GIT_INDEX_FILE=$idx g "$dir" read-tree --empty; fi
	for a in "$@"; do
		case "$a" in
		-*) printf '0 %040d\t%s\n' 0 "${a#-}" | GIT_INDEX_FILE=$idx g "$dir" update-index --index-info ;;
		*)
			blob=$(g "$dir" hash-object -w "${a#*=}")
			GIT_INDEX_FILE=$idx g "$dir" update-index --add --cacheinfo "${MODE:-100644},$blob,${a%%=*}"
			;;
		esac
	done
	tree=$(GIT_INDEX_FILE=$idx g "$dir" write-tree)
	rm -f "$idx"
	sign=-S
	[ "${NOSIGN:-}" = 1 ] && sign=
	commit=$(GIT_DIR="$dir/repo.git" git -c gpg.format=ssh -c user.signingkey="${KEY:-$dir/keys/id_ed25519}" \
		commit-tree $sign ${old:+-p "$old"} -m "$msg" "$tree")
	g "$dir" update-ref "refs/heads/$branch" "$commit" ${old:+"$old"}
	echo "$commit"
}

# publish DIR TYPE ID [TITLE] : publish one valid document on the agent's branch.
publish() {
	local dir=$1 pub f
	pub=$(pubof "$dir")
	f="$T/doc.$$.$RANDOM.json"
	doc "$pub" "$2" "$3" "${4:-}" >"$f"
	commit_files "$dir" "publish $2/$3" "$pub/$2/$3.json=$f" >/dev/null
	rm -f "$f"
}

# hpublish DIR TYPE ID [ATTACHMENT] : publish with `hrdex publish` itself.
hpublish() {
	local dir=$1 f
	f="$T/$3.json"
	doc "$(pubof "$dir")" "$2" "$3" >"$f"
	if [ -n "${4:-}" ]; then
		"$HRDEX" -C "$dir" publish --attach "$4" "$f" >/dev/null
	else
		"$HRDEX" -C "$dir" publish "$f" >/dev/null
	fi
	rm -f "$f"
}

# withdraw DIR TYPE ID
withdraw() {
	local pub
	pub=$(pubof "$1")
	commit_files "$1" "withdraw $2/$3" "-$pub/$2/$3.json" >/dev/null
}

# tip DIR BRANCH : the commit refs/heads/BRANCH points at, or "none".
tip() { g "$1" rev-parse -q --verify "refs/heads/$2" || echo none; }

# url_of DIR : the git:// URL of an agent's repo.git on the shared daemon.
url_of() { echo "git://127.0.0.1:$PORT/$(basename "$1")/repo.git"; }

# serve : one git daemon for every agent under $T/agents; sets PORT.
serve() {
	PORT=$(start_daemon "$T/agents")
}

# sync DIR [ARGS...] : hrdex sync, output kept in $T/last-sync.{out,err}; returns its status.
sync_agent() {
	local dir=$1 rc=0
	shift
	"$HRDEX" -C "$dir" sync "$@" >"$T/last-sync.out" 2>"$T/last-sync.err" || rc=$?
	cat "$T/last-sync.out" "$T/last-sync.err" >&2
	return $rc
}

# expect_tip DIR BRANCH WANT MESSAGE
expect_tip() {
	local got
	got=$(tip "$1" "$2")
	[ "$got" = "$3" ] || fail "$4: refs/heads/$2 of $(basename "$1") is $got, expected $3"
}

# expect_rejected RULE : the last sync logged a rejection for RULE.
expect_rejected() {
	grep -q "($1)" "$T/last-sync.err" || fail "expected a '$1' rejection; got: $(cat "$T/last-sync.err")"
}
