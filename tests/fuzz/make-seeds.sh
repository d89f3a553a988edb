#!/bin/bash
# make-seeds.sh BINDIR OUTDIR - write raw seed inputs for every fuzz target
# into OUTDIR/TARGET/, from schemas/, schemas/examples/, tests/data/, the
# JSON-Schema-Test-Suite (Debian's json-schema-test-suite), signatures made
# by hrdex and by ssh-keygen, and a few configs.  The committed corpora in
# tests/fuzz/corpus/ are these, minimised with -merge=1 and grown by `make
# fuzz`; run this only to rebuild them from scratch:
#   tests/fuzz/make-seeds.sh build/fuzz/bin /tmp/seeds
#   build/fuzz/bin/fuzz_json -merge=1 tests/fuzz/corpus/json /tmp/seeds/json
set -eu
bin=${1:?usage: make-seeds.sh BINDIR OUTDIR}
out=${2:?usage: make-seeds.sh BINDIR OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$bin" && pwd)
mkdir -p "$out"/{json,schema,sshsig,config,tree,commit}
out=$(cd "$out" && pwd)
cd "$top"

# json: every example and schema, the invalid documents, and number and
# string edge cases.
cp schemas/examples/*.json schemas/*.json "$out/json/"
for f in tests/data/invalid/*.json; do cp "$f" "$out/json/invalid-$(basename "$f")"; done
n=0
for t in '0' '-0' '1e-7' '0.1' '1.5e300' '-2.5E-308' '9007199254740993' '123456789012345678901' \
	'"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"' '"مرحبا 你好 привет"' '[[[[[]]]],{}]' \
	'{"b":1,"a":[true,false,null],"c":{"":""}}' '{"a":1,"a":2}' '"\u0000"' '01' '1e400' \
	'[1,]' ' {"x" : [ 1 , 2 ] } ' '"\ud800"'; do
	n=$((n + 1))
	printf '%s' "$t" > "$out/json/edge-$n.json"
done

# schema, document mode: the examples and the invalid documents.
cp schemas/examples/*.json "$out/schema/"
for f in tests/data/invalid/*.json; do cp "$f" "$out/schema/invalid-$(basename "$f")"; done
# schema mode: each type's schema (and the envelope) with its examples...
for f in schemas/examples/*.json; do
	type=$(jq -r .type "$f")
	[ -f "schemas/$type.json" ] || continue
	{ cat "schemas/$type.json"; printf '\0'; cat "$f"; } > "$out/schema/pair-$(basename "$f")"
	{ cat schemas/envelope.json; printf '\0'; cat "$f"; } > "$out/schema/envelope-$(basename "$f")"
done
# ...and each schema of the draft-07 test suite, with its first instance.
suite=/usr/share/json-schema-test-suite/tests/draft7
if [ -d "$suite" ]; then
	for f in "$suite"/*.json; do
		jq -c '.[] | [.schema, .tests[0].data]' "$f" | {
			i=0
			while IFS= read -r pair; do
				i=$((i + 1))
				{ jq -c '.[0]' <<<"$pair"; printf '\0'; jq -c '.[1]' <<<"$pair"; } \
					> "$out/schema/suite-$(basename "$f" .json)-$i"
			done
		}
	done
fi

# sshsig: mode byte, then the input (see fuzz_sshsig.c).
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
HRDEX_FUZZ_SEEDS=$keys "$bin/fuzz_sshsig" -runs=0 >/dev/null 2>&1
seed() { # MODE NAME < data
	{ printf "\\x$1"; cat; } > "$out/sshsig/$2"
}
seed 00 genuine < "$keys/genuine.sig"
seed 01 genuine-blob < "$keys/genuine.blob"
export HOME=$keys GIT_CONFIG_NOSYSTEM=1
ssh-keygen -q -t ed25519 -N '' -C other -f "$keys/other"
ssh-keygen -q -Y sign -f "$keys/id_ed25519" -n git < "$keys/message" > "$keys/ssh-keygen.sig"
ssh-keygen -q -Y sign -f "$keys/id_ed25519" -n file < "$keys/message" > "$keys/file.sig"
# Another key's signature over another message: it parses to the end and
# fails only the Ed25519 check.  (Over our message it would be a valid
# signature the target cannot tell from a forgery.)
sed 's/publish/publisn/' "$keys/message" | ssh-keygen -q -Y sign -f "$keys/other" -n git > "$keys/other.sig"
printf 'x' | ssh-keygen -q -Y sign -f "$keys/id_ed25519" -n git > "$keys/x.sig"
seed 00 ssh-keygen-same < "$keys/ssh-keygen.sig"
seed 00 namespace-file < "$keys/file.sig"
seed 00 other-key < "$keys/other.sig"
seed 00 other-message < "$keys/x.sig"
for s in file other x; do
	sed '1d;$d' "$keys/$s.sig" | tr -d '\n' | base64 -d | seed 01 "blob-$s"
done
pub=$(cat "$keys/genuine.pub")
other=$(cut -d' ' -f1,2 "$keys/other.pub")
printf '%s\n' "achpr $pub" | seed 02 signers-one
printf '%s\n' "# trusted publishers" "" "achpr,iachr namespaces=\"git\" $pub" \
	"\"ohchr\" valid-after=\"20240101\",valid-before=\"20991231Z\" $other comment" \
	"coe cert-authority $pub" "echr ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" \
	"sudan NAMESPACES=\"file,g*t,!gi?\" $pub" | seed 02 signers-many
printf '%s\n' "$pub" | seed 03 pub-genuine
printf '%s\n' "$other" | seed 03 pub-other
cat "$keys/other.pub" | seed 03 pub-comment

# config
printf '[hrdex]\n\tpublisher = achpr\n' > "$out/config/minimal"
cat > "$out/config/full" <<'CONF'
# hrdex.conf
[hrdex]
	publisher = ohchr
	name = "OHCHR, Geneva"
[sync]
	interval = 5m
	jitter = 30
	connectTimeout = 10
	timeout = 2m
	backoffMax = 1h
	passTimeout = 900
[limits]
	document = 1m
	attachment = 64m
	fetch = 1g
	commits = 100000
	treeEntries = 1000000
	depth = 64
	string = 256k
[outbox]
	settle = 2
[status]
	maxAge = 3600
	maxFailures = 5
[site]
	enabled = true
[peer "achpr"]
	url = https://git.achpr.example/hrdex.git
	publisher = achpr
	publisher = coe
[peer "iachr.mirror"]
	url = ssh://git@iachr.example/hrdex.git
	sshKey = /etc/hrdex/peer_key
[mirror "forge"]
	url = ssh://git@forge.example/ohchr/hrdex.git
	branches = all
[webhook "notify"]
	url = https://hooks.example/hrdex
	secret = s3cret
	timeout = 10
CONF
printf '[hrdex]\npublisher = coe\n[sync]\ninterval = 0\n' > "$out/config/out-of-range"
printf '[hrdex]\npublisher = coe\n[sync]\nintervall = 60\n' > "$out/config/typo"
printf '[hrdex]\npublisher = coe\n[peer "x"]\npublisher = main\n' > "$out/config/no-url"
printf '[hrdex "sub"]\n\tpublisher = achpr\n[hrdex]\npublisher=a\\\n b ; c\n' > "$out/config/odd"
# tree: mode byte 0 and a name, or 1 and a raw tree object (see fuzz_tree.c).
n=0
for name in achpr decision res-345-lviii-2016.json res-345.files report.pdf '.git' '.GIT' \
	'.git.' '.git. .' '.git::$INDEX_ALLOCATION' 'git~1' 'GIT~2' $'\u200c.git' $'.g\u200dit' \
	$'.gi\ufefft' '.gitmodules' '..' '.' 'a/b' 'a\b' 'a:b' $'\xc3\xa9t\xc3\xa9' $'\xff'; do
	n=$((n + 1))
	printf '\0%s' "$name" > "$out/tree/name-$n"
done
repo=$(mktemp -d)
git init -q --bare "$repo"
blob=$(printf '{}\n' | git --git-dir="$repo" hash-object -w --stdin)
mktree() { # NAME < "MODE TYPE ID\tPATH" lines
	local id
	id=$(git --git-dir="$repo" mktree)
	{ printf '\1'; git --git-dir="$repo" cat-file tree "$id"; } > "$out/tree/$1"
}
printf '100644 blob %s\tres-1.json\n100644 blob %s\tres-2.json\n' "$blob" "$blob" | mktree docs
sub=$(printf '100644 blob %s\treport.pdf\n' "$blob" | git --git-dir="$repo" mktree)
printf '100644 blob %s\tx.json\n040000 tree %s\tx.files\n100644 blob %s\tx-y.json\n' \
	"$blob" "$sub" "$blob" | mktree files-and-folder
printf '040000 tree %s\tdecision\n040000 tree %s\treport\n' "$sub" "$sub" | mktree types
printf '100755 blob %s\trun.sh\n' "$blob" | mktree executable
printf '120000 blob %s\tlink\n' "$blob" | mktree symlink
printf '100644 blob %s\t.git\n' "$blob" | mktree dotgit
printf '040000 tree %s\tGIT~1\n' "$sub" | mktree shortname
# commit: raw commit objects, as git writes them (plain, signed, with an
# encoding, a merge) and as git fsck --strict refuses them (see fuzz_commit.c).
T0=4b825dc642cb6eb9a060e54bf8d69288fbee4904
id='achpr <achpr@hrdex> 1700000000 +0000'
ssh-keygen -q -t ed25519 -N '' -C achpr -f "$repo/key"
c1=$(GIT_AUTHOR_NAME=achpr GIT_AUTHOR_EMAIL=achpr@hrdex GIT_COMMITTER_NAME=achpr GIT_COMMITTER_EMAIL=achpr@hrdex \
	GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000' \
	git --git-dir="$repo" -c gpg.format=ssh -c user.signingkey="$repo/key" commit-tree -S -m publish "$T0")
git --git-dir="$repo" cat-file commit "$c1" > "$out/commit/signed"
printf 'tree %s\nparent %s\nparent %s\nauthor %s\ncommitter %s\nencoding UTF-8\n\nmerge\n' \
	"$T0" "$c1" "$c1" "$id" "$id" > "$out/commit/merge-encoding"
printf 'tree %s\nauthor %s\nauthor %s\ncommitter %s\n\nm\n' "$T0" "$id" "$id" "$id" > "$out/commit/two-authors"
printf 'tree %s\nauthor a <a@b> 1700000000 +00:00\ncommitter %s\n\nm\n' "$T0" "$id" > "$out/commit/bad-zone"
printf 'tree %s\nauthor a<b <a@b> 1700000000 +0000\ncommitter %s\n\nm\n' "$T0" "$id" > "$out/commit/angle"
printf 'tree %s\nauthor %s\ncommitter a <a@b> 0170 +0000\nmergetag object %s\n type commit\n\nm\n' \
	"$T0" "$id" "$T0" > "$out/commit/mergetag"
rm -rf "$repo"
echo "seeds in $out: $(for t in json schema sshsig config tree commit; do printf '%s=%s ' "$t" "$(ls "$out/$t" | wc -l)"; done)"
