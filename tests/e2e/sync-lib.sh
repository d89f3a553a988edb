# sync-lib.sh - helpers for the federation scenarios (1NN-*.sh); source
# lib.sh first.  Publishing here uses stock git (signed with ssh-keygen keys,
# gpg.format=ssh), which is exactly what hrdex publishes, so these scenarios
# also check that hrdex accepts what stock git makes.

TOOLS=${HRDEX_BUILD:-$(dirname "$HRDEX")}/tests/tools

# mkagent DIR PUBLISHER : a state directory with a key, an empty repo.git
# and a config, as `hrdex init` makes it.
mkagent() {
	local dir=$1 pub=$2
	mkdir -p "$dir/keys"
	ssh-keygen -q -t ed25519 -N '' -C "$pub" -f "$dir/keys/id_ed25519"
	git init -q --bare "$dir/repo.git"
	git -C "$dir/repo.git" symbolic-ref HEAD refs/heads/main
	git config -f "$dir/hrdex.conf" hrdex.publisher "$pub"
	git config -f "$dir/hrdex.conf" sync.connectTimeout 5
	git config -f "$dir/hrdex.conf" sync.timeout 20
	echo "$pub namespaces=\"git\" $(cut -d' ' -f1-2 "$dir/keys/id_ed25519.pub")" >"$dir/allowed_signers"
}

# trust DIR OTHER... : DIR trusts the publishers of the OTHER agents.
trust() {
	local dir=$1 o
	shift
	for o in "$@"; do
		head -n1 "$o/allowed_signers" >>"$dir/allowed_signers"
	done
}

# pubof DIR : the publisher id of an agent.
pubof() { git config -f "$1/hrdex.conf" hrdex.publisher; }

# doc PUB TYPE ID [TITLE] : a valid document on stdout.
doc() {
	local title=${4:-Resolution $3}
	printf '{\n  "date": "2016-05-04",\n  "id": "%s",\n  "kind": "resolution",\n  "publisher": "%s",\n  "title": {\n    "en": "%s"\n  },\n  "type": "%s"\n}\n' \
		"$3" "$1" "$title" "$2"
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
		-*) GIT_INDEX_FILE=$idx g "$dir" update-index --force-remove "${a#-}" ;;
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
