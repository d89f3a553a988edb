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
	start_daemon "$T/agents" PORT
}

# two_publishers : achpr (A) and iachr (B) on one git daemon, and the
# viewer ohchr (V), which trusts both and has them as peers a and b.
two_publishers() {
	A=$T/agents/a B=$T/agents/b V=$T/agents/v
	mkagent "$A" achpr
	mkagent "$B" iachr
	mkagent "$V" ohchr
	trust "$V" "$A" "$B"
	serve
	"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
	"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
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

# ---- crafting hostile repositories ----

# hostile NAME FROM : a bare repository $T/agents/NAME/repo.git holding a
# copy of FROM's branches; prints its git dir.
hostile() {
	local gd=$T/agents/$1/repo.git
	git init -q --bare "$gd"
	git -C "$gd" fetch -q "$2/repo.git" "+refs/heads/*:refs/heads/*"
	echo "$gd"
}

# commit_tree GITDIR TREE PARENT KEY MSG : a commit signed with KEY (none:
# unsigned); PARENT may be empty.  Prints its id.
commit_tree() {
	local sign=-S
	[ "$4" = none ] && sign=
	GIT_DIR=$1 git -c gpg.format=ssh -c user.signingkey="$4" commit-tree $sign ${3:+-p "$3"} -m "$5" "$2"
}

# mkcommit GITDIR PARENT KEY MSG PATH=FILE|-PATH... : PARENT's tree changed
# as given (MODE=... for the entries added), committed and signed with KEY.
mkcommit() {
	local gd=$1 parent=$2 key=$3 msg=$4 idx a blob tree
	shift 4
	idx="$T/index.$RANDOM$RANDOM"
	if [ -n "$parent" ]; then
		GIT_DIR=$gd GIT_INDEX_FILE=$idx git read-tree "$parent"
	else
		GIT_DIR=$gd GIT_INDEX_FILE=$idx git read-tree --empty
	fi
	for a in "$@"; do
		case "$a" in
		-*) printf '0 %040d\t%s\n' 0 "${a#-}" | GIT_DIR=$gd GIT_INDEX_FILE=$idx git update-index --index-info ;;
		*)
			blob=$(GIT_DIR=$gd git hash-object -w "${a#*=}")
			GIT_DIR=$gd GIT_INDEX_FILE=$idx git update-index --add --cacheinfo "${MODE:-100644},$blob,${a%%=*}"
			;;
		esac
	done
	tree=$(GIT_DIR=$gd GIT_INDEX_FILE=$idx git write-tree)
	rm -f "$idx"
	commit_tree "$gd" "$tree" "$parent" "$key" "$msg"
}

# rawtree GITDIR : a tree object from lines "MODE OID NAME" on stdin, written
# exactly in that order and with those modes (git mktree would sort and check).
rawtree() {
	local gd=$1 mode oid name f line
	f="$T/rawtree.$RANDOM$RANDOM"
	: >"$f"
	while IFS= read -r line; do
		mode=${line%% *} line=${line#* }
		oid=${line%% *} name=${line#* }
		printf '%s %s\0' "$mode" "$name" >>"$f"
		# shellcheck disable=SC2059
		printf "$(sed 's/../\\x&/g' <<<"$oid")" >>"$f"
	done
	GIT_DIR=$gd git hash-object -t tree -w --literally "$f"
	rm -f "$f"
}

# graft GITDIR COMMIT PUB : COMMIT's tree with the lines "MODE OID NAME" on
# stdin appended, in that order, to PUB/decision/; prints the new root tree.
graft() {
	local gd=$1 c=$2 pub=$3 dec sub
	dec=$({ GIT_DIR=$gd git ls-tree "$c:$pub/decision" | sed 's/ blob / /; s/ tree / /; s/\t/ /'; cat; } | rawtree "$gd")
	sub=$({ GIT_DIR=$gd git ls-tree "$c:$pub" | grep -v '	decision$' || true; printf '040000 tree %s\tdecision\n' "$dec"; } |
		GIT_DIR=$gd git mktree)
	printf '040000 tree %s\t%s\n' "$sub" "$pub" | GIT_DIR=$gd git mktree
}

# serve_pack GITDIR OBJECT... : make the daemon answer every fetch from
# GITDIR with a pack of exactly these objects (see $T/hook.sh), whatever is
# asked; the way to send a pack with objects missing.
serve_pack() {
	local gd=$1
	shift
	printf '%s\n' "$@" | GIT_DIR=$gd git pack-objects --stdout >"$gd/hostile.pack"
}

# A global git config for the daemon: upload-pack runs $T/hook.sh, which
# sends hostile.pack (or hostile.stream, a command) when the repo has one.
hostile_daemon_config() {
	cat >"$T/hook.sh" <<'HOOK'
#!/bin/bash
if [ -f hostile.pack ]; then cat >/dev/null; exec cat hostile.pack; fi
if [ -f hostile.stream ]; then cat >/dev/null; exec bash hostile.stream; fi
exec "$@"
HOOK
	chmod +x "$T/hook.sh"
	git config -f "$T/daemon.gitconfig" uploadpack.packObjectsHook "$T/hook.sh"
	export GIT_CONFIG_GLOBAL=$T/daemon.gitconfig
}

# peer_rule DIR PEER PUBLISHER : from the last --json sync output, the status
# (and rule) of PUBLISHER's branch as offered by PEER.
peer_rule() {
	jq -r --arg p "$2" --arg b "$3" \
		'.peers[] | select(.name == $p) | .branches[] | select(.publisher == $b) | .status + (if .rule then " " + .rule else "" end)' \
		"$T/last-sync.out"
}

# expect_peer_rule PEER PUBLISHER WANT
expect_peer_rule() {
	local got
	got=$(peer_rule "" "$1" "$2")
	[ "$got" = "$3" ] || fail "$2 from peer $1: got '$got', expected '$3' ($(jq -c --arg p "$1" '.peers[] | select(.name == $p)' "$T/last-sync.out"))"
}
