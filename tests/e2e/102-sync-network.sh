#!/bin/bash
# 102-sync-network: peers that are down, never answer, stall mid-transfer,
# stream endless data, send a blob over the byte cap, or advertise thousands
# of refs and odd names.  The round ends within the timeouts, the honest
# peers are synced, only publisher branches are considered, and the exit
# status is 69.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

# Under AddressSanitizer the object-count bomb meets ASan's allocator limit
# first; let it return NULL like malloc so libgit2 reports out of memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1
[ -x "$TOOLS/blackhole" ] || fail "no $TOOLS/blackhole: run make check (or make e2e)"
A=$T/agents/a B=$T/agents/b V=$T/agents/v
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
trust "$V" "$A" "$B"
git config -f "$V/hrdex.conf" sync.connectTimeout 2
git config -f "$V/hrdex.conf" sync.timeout 4
git config -f "$V/hrdex.conf" limits.fetch 1048576
hostile_daemon_config
serve
"$TOOLS/blackhole" "$T/hole.port" &
PIDS+=($!)
for _ in $(seq 1 50); do [ -s "$T/hole.port" ] && break; sleep 0.1; done
publish "$A" decision d1
publish "$B" report b1
t1=$(tip "$A" achpr)

note "crafting the misbehaving peers"
h=$(hostile flood "$A")
head -c 65536 /dev/urandom >"$T/rand"
blob=$(GIT_DIR=$h git hash-object -w "$T/rand")
echo "$blob" | GIT_DIR=$h git pack-objects --stdout >"$T/one.pack"
tail -c +13 "$T/one.pack" | head -c -20 >"$h/entry.bin"
# A pack that claims 100000 objects and sends new ones forever: valid, endless.
cat >"$h/hostile.stream" <<'EOF'
printf 'PACK\0\0\0\2\0\1\206\240'
while :; do
	head -c 65536 /dev/urandom >rand.tmp
	git --git-dir=. hash-object -w rand.tmp | git --git-dir=. pack-objects --stdout 2>/dev/null |
		tail -c +13 | head -c -20 || exit 0
done
EOF
# The same claiming 2^32-1 objects: the indexer's tables hit RLIMIT_AS.
h=$(hostile bomb "$A")
cp "$T/agents/flood/repo.git/entry.bin" "$h/entry.bin"
cat >"$h/hostile.stream" <<'EOF'
printf 'PACK\0\0\0\2\377\377\377\377'
while cat entry.bin; do :; done
EOF
h=$(hostile stall "$A")
echo 'sleep 8' >"$h/hostile.stream"
h=$(hostile huge "$A")
head -c 3000000 /dev/urandom >"$T/huge.bin"
GIT_DIR=$h git update-ref refs/heads/achpr \
	"$(mkcommit "$h" "$t1" "$A/keys/id_ed25519" "3 MB" "achpr/decision/d1.files/huge.bin=$T/huge.bin")"
# (flood and stall advertise a new achpr tip, so that a pack is asked for)
for p in flood bomb stall; do
	GIT_DIR=$T/agents/$p/repo.git git update-ref refs/heads/achpr \
		"$(mkcommit "$T/agents/$p/repo.git" "$t1" "$A/keys/id_ed25519" "more" "achpr/decision/z.json=$T/rand")"
done
h=$(hostile manyrefs "$A")
{
	for i in $(seq -w 1 3000); do echo "create refs/heads/p$i $t1"; done
	for r in Achpr achpr- a/b/c main head -x refs/heads/iachr2; do echo "create refs/heads/$r $t1"; done
	echo "create refs/tags/achpr $t1"
	echo "create refs/notes/achpr $t1"
	echo "create refs/peers/x/achpr $t1"
} | GIT_DIR=$h git update-ref --stdin

"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add hole "git://127.0.0.1:$(cat "$T/hole.port")/x/repo.git"
"$HRDEX" -C "$V" peer add down "git://127.0.0.1:$(free_port)/x/repo.git"
for p in flood bomb stall huge manyrefs; do "$HRDEX" -C "$V" peer add "$p" "$(url_of "$T/agents/$p")"; done
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"

note "one round with all of them"
start=$(date +%s%N)
expect_exit 69 sync_agent "$V" --json
ms=$((($(date +%s%N) - start) / 1000000))
note "the round took $ms ms"
[ "$ms" -lt 9000 ] || fail "the round took $ms ms; the slowest peer should cost at most sync.timeout (4 s)"
expect_tip "$V" achpr "$t1" "achpr from the honest peer"
expect_tip "$V" iachr "$(tip "$B" iachr)" "iachr from the honest peer listed after the bad ones"
st() { jq -r --arg p "$1" '.peers[] | select(.name == $p) | .status + ": " + (.error // "")' "$T/last-sync.out"; }
case "$(st hole)" in "unreachable: no answer within 2 s"*) ;; *) fail "hole: $(st hole)" ;; esac
case "$(st down)" in unreachable:*) ;; *) fail "down: $(st down)" ;; esac
case "$(st stall)" in "unreachable: timed out after 4 s"*) ;; *) fail "stall: $(st stall)" ;; esac
case "$(st flood)" in "error: the peer sent more than 1048576 bytes"*) ;; *) fail "flood: $(st flood)" ;; esac
case "$(st bomb)" in error:*) ;; *) fail "bomb: $(st bomb)" ;; esac
case "$(st huge)" in "error: the peer sent more than 1048576 bytes"*) ;; *) fail "huge: $(st huge)" ;; esac
[ "$(st manyrefs)" = "fetched: " ] || fail "manyrefs: $(st manyrefs)"
[ "$(jq -r '.peers[] | select(.name == "manyrefs") | [.branches[].publisher] | join(",")' "$T/last-sync.out")" = achpr ] ||
	fail "manyrefs: branches other than achpr were considered"
[ "$(g "$V" for-each-ref --format='%(refname)' refs/peers/manyrefs/)" = refs/peers/manyrefs/achpr ] ||
	fail "stray refs from manyrefs: $(g "$V" for-each-ref refs/peers/)"
[ "$(g "$V" for-each-ref --format='%(refname)' refs/heads/ | sort | tr '\n' ' ')" = \
	"refs/heads/achpr refs/heads/iachr refs/heads/main " ] || fail "stray branches: $(g "$V" for-each-ref refs/heads/)"
[ "$(ls "$V/view" | tr '\n' ' ')" = "README.md achpr iachr " ] || fail "stray files in the view: $(ls "$V/view")"
[ -z "$(ls "$V/repo.git/objects/pack" | grep tmp_ || true)" ] || fail "temporary packs left behind"
[ ! -e "$V/quarantine" ] || fail "quarantine left behind"
pgrep -f "hrdex -C $V" >/dev/null && fail "a fetch process outlived the round"

note "the unreachable peers alone: still 69, nothing moves"
expect_exit 69 sync_agent "$V" hole down
echo ok
