#!/bin/bash
# 111-hostile-text: text from peers and authors (tree entry names, commit
# messages, document titles) reaches people as text, never as terminal
# commands, forged log lines or spreadsheet formulas.  A correctly signed
# branch names a file with ESC sequences and a newline: the rejection is
# shown escaped, on one line, by `hrdex sync`, the service log and
# `hrdex status`.  A commit message with ESC and U+202E in `show --history`,
# a title with U+009B and U+202E in `--format table`, a title starting with
# "=HYPERLINK(" in `--format csv`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/service.sh"

A=$T/agents/a V=$T/agents/v
mkagent "$A" achpr
mkagent "$V" ohchr
trust "$V" "$A"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
publish "$A" decision d0
t0=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "first sync failed"
AK=$A/keys/id_ed25519

# no_raw_controls FILE WHAT : FILE holds no ESC, no C1 CSI (C2 9B), no U+202E.
no_raw_controls() {
	if LC_ALL=C grep -q $'\e' "$1"; then fail "$2: a raw ESC byte: $(od -c "$1" | head -20)"; fi
	if LC_ALL=C grep -q $'\xc2\x9b' "$1"; then fail "$2: a raw U+009B"; fi
	if LC_ALL=C grep -q $'\xe2\x80\xae' "$1"; then fail "$2: a raw U+202E"; fi
}

note "a tree entry name with ESC sequences and a newline, correctly signed"
h=$(hostile evil "$A")
doc achpr decision x >"$T/x.json"
xblob=$(GIT_DIR=$h git hash-object -w "$T/x.json")
evil=$'x\e[2J\e]0;owned\a\nerror: forged line.json'
# The decision folder: d0.json, then the hostile name (sorted after "d").
dec=$T/dec.tree
{
	GIT_DIR=$h git ls-tree "$t0:achpr/decision" | while IFS=$' \t' read -r mode _ oid name; do
		printf '%s %s\0' "$mode" "$name"
		printf "$(sed 's/../\\x&/g' <<<"$oid")"
	done
	printf '100644 %s\0' "$evil"
	printf "$(sed 's/../\\x&/g' <<<"$xblob")"
} >"$dec"
dtree=$(GIT_DIR=$h git hash-object -t tree -w --literally "$dec")
sub=$(printf '040000 tree %s\tdecision\n' "$dtree" | GIT_DIR=$h git mktree --missing)
root=$(printf '040000 tree %s\tachpr\n' "$sub" | GIT_DIR=$h git mktree --missing)
GIT_DIR=$h git update-ref refs/heads/achpr "$(commit_tree "$h" "$root" "$t0" "$AK" "evil name")"
"$HRDEX" -C "$V" peer add evil "git://127.0.0.1:$PORT/evil/repo.git"

sync_agent "$V" && fail "the hostile branch was accepted"
cat "$T/last-sync.out" "$T/last-sync.err" >"$T/sync.all"
no_raw_controls "$T/sync.all" "hrdex sync"
grep -q '\\x1b\[2J\\x1b\]0;owned\\x07\\nerror: forged line.json' "$T/sync.all" ||
	fail "hrdex sync does not show the name escaped: $(cat "$T/sync.all")"
if grep -q '^error: forged' "$T/sync.all"; then fail "hrdex sync printed a forged line"; fi
[ "$(grep -c 'forged' "$T/last-sync.err")" -eq 1 ] || fail "the rejection is not one log line: $(cat "$T/last-sync.err")"
expect_tip "$V" achpr "$t0" "hostile name"

note "the same in the service log and in hrdex status"
git config -f "$V/hrdex.conf" sync.jitter 0
start_run "$V" "$T/run.log"
wait_for 30 grep -q forged "$V/status.json" || fail "no rejection in status.json: $(cat "$T/run.log")"
stop_run "$RUN_PID" 20
no_raw_controls "$T/run.log" "service log"
grep -q '\\x1b\[2J\\x1b\]0;owned\\x07\\nerror: forged line.json' "$T/run.log" ||
	fail "the service log does not show the name escaped: $(cat "$T/run.log")"
if grep -q '^error: forged' "$T/run.log"; then fail "the service log holds a forged line"; fi
"$HRDEX" -C "$V" status >"$T/status.out" 2>&1 || true
no_raw_controls "$T/status.out" "hrdex status"
grep -q 'reason=.*\\x1b\[2J\\x1b\]0;owned\\x07\\nerror: forged line.json' "$T/status.out" ||
	fail "hrdex status does not show the name escaped: $(cat "$T/status.out")"
if grep -q '^error: forged' "$T/status.out"; then fail "hrdex status printed a forged line"; fi
"$HRDEX" -C "$V" peer remove evil >/dev/null

note "show --history: a commit message with ESC and U+202E"
doc achpr decision d1 "Decision one" >"$T/d1.json"
commit_files "$A" $'publish d1\e[2J\e[31m \xe2\x80\xaeevil' "achpr/decision/d1.json=$T/d1.json" >/dev/null
sync_agent "$V" || fail "sync of d1 failed"
"$HRDEX" -C "$V" show achpr/decision/d1 --history >"$T/history" || fail "show --history failed"
no_raw_controls "$T/history" "show --history"
grep -q 'added  *publish d1\\x1b\[2J\\x1b\[31m \\u202eevil$' "$T/history" || fail "history: $(cat "$T/history")"

note "--format table: a title with U+009B and U+202E"
doc achpr decision d2 $'Report\xc2\x9b2J \xe2\x80\xaefdp.exe' >"$T/d2.json"
doc achpr decision d3 '=HYPERLINK(\"http://evil.example/\",\"click\")' >"$T/d3.json"
commit_files "$A" "publish d2 d3" "achpr/decision/d2.json=$T/d2.json" "achpr/decision/d3.json=$T/d3.json" >/dev/null
sync_agent "$V" || fail "sync of d2 failed"
"$HRDEX" -C "$V" query --format table >"$T/table" || fail "query table failed"
no_raw_controls "$T/table" "--format table"
grep -q 'achpr/decision/d2 .*Report\\u009b2J \\u202efdp.exe$' "$T/table" || fail "table: $(cat "$T/table")"

note "--format csv: a formula title gets a leading '"
"$HRDEX" -C "$V" query --format csv >"$T/csv" || fail "query csv failed"
grep -q $'^achpr/decision/d3,achpr,decision,d3,2016-05-04,"\'=HYPERLINK(""http://evil.example/"",""click"")",' "$T/csv" ||
	fail "csv: $(cat "$T/csv")"
if grep -q ',"=HYPERLINK' "$T/csv"; then fail "csv: a live formula"; fi

note "config check: a webhook URL with a newline is refused, naming the key"
cp "$V/hrdex.conf" "$T/bad.conf"
printf '[webhook "ops"]\n\turl = "http://127.0.0.1:1/hook\\nX-Injected: 1"\n' >>"$T/bad.conf"
expect_exit 78 "$HRDEX" -C "$V" config check -f "$T/bad.conf" 2>"$T/err"
grep -q "webhook.ops.url" "$T/err" || fail "config check: $(cat "$T/err")"
note "trust list --json: a principal with a quote stays valid JSON"
printf 'a"b namespaces="git" %s\n' "$(cut -d' ' -f1-2 "$A/keys/id_ed25519.pub")" >>"$V/allowed_signers"
"$HRDEX" -C "$V" trust list --json >"$T/trust.json" || fail "trust list --json failed"
jq -e 'map(.publisher) | index("a\"b") != null' "$T/trust.json" >/dev/null || fail "trust list --json: $(cat "$T/trust.json")"
echo ok
