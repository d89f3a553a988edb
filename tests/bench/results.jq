# results.jq - bench.sh's samples, checks and corpus facts into results.json.
# Inputs ($samples: "scenario side rep microseconds rss_kib" lines, $checks:
# "name ok detail", $skipped: "scenario reason", $corpus: key=value lines)
# and the machine facts come as --arg/--rawfile; see bench.sh.

def tsv: split("\n") | map(select(length > 0) | split("\t"));
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[(length - 1) / 2]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r3: if . == null then null else (. * 1000 | round) / 1000 end;
def stats: {
	median_ms: (map(.ms) | median | r3),
	min_ms: (map(.ms) | min | r3),
	max_ms: (map(.ms) | max | r3),
	samples_ms: map(.ms | r3),
	peak_rss_kib: (map(.rss) | map(select(. != null)) | if length == 0 then null else max end)
};

($samples | tsv | map({scen: .[0], side: .[1], rep: (.[2] | tonumber),
	ms: ((.[3] | tonumber) / 1000), rss: (if .[4] == "null" then null else (.[4] | tonumber) end)})) as $s
| ($checks | tsv | map({name: .[0], ok: (.[1] == "1"), detail: .[2]})) as $checks
| ($skipped | tsv | map({key: .[0], value: .[1]}) | from_entries) as $skip
| ($corpus | split("\n") | map(select(length > 0) | capture("^(?<k>[^=]+)=(?<v>.*)$"))
	| map({key: .k, value: (.v | tonumber? // .)}) | from_entries) as $meta
| def side($sc; $sd): [$s[] | select(.scen == $sc and .side == $sd)] | if length == 0 then null else stats end;
  def ratio($a; $b): if $a == null or $b == null or $b.median_ms == 0 then null
	else ($a.median_ms / $b.median_ms * 1000 | round) / 1000 end;
  def skipped($name): $skip[$name];
  def timed($name; $what; $bases; $tgt; $limit):
	if skipped($name) then {name: $name, what: $what, skipped: skipped($name)}
	else
		side($name; "hrdex") as $h
		| ($bases | map(. + (side($name; .side) // {}))) as $b
		| ($b | map(select(.median_ms != null and (.reference | not))) | min_by(.median_ms)) as $fast
		| ratio($h; $fast) as $r
		| {name: $name, what: $what, hrdex: $h, baselines: $b, baseline: $fast.side, ratio: $r,
		   targets: [{text: $tgt, met: (if $r == null then null else $r <= $limit end)}]}
	end;
  def rss($name; $from; $what):
	if skipped($from) then {name: $name, what: $what, skipped: skipped($from)}
	else side($from; "hrdex").peak_rss_kib as $k
		| {name: $name, what: $what, peak_rss_kib: $k,
		   peak_rss_mib: (if $k == null then null else ($k / 1024 * 10 | round) / 10 end),
		   targets: [{text: "< 200 MiB at N = 100,000", met: (if $k == null then null else $k < 204800 end)}]}
	end;
[
	timed("publish"; "publish \($n) documents: each of the \($pubs) publishers one batch (hrdex publish DIR)";
		[{side: "git", what: "git add -A && git commit of the same files, one repository per publisher"}];
		"<= 1.0 x git add && git commit"; 1.0),
	timed("sync-initial"; "initial sync of \($pubs) publisher branches, \($n) documents, from a git daemon peer on loopback (fetch, verification, main, view, cache)";
		[{side: "git", what: "git clone --bare of the same repository"}];
		"<= 3 x git clone --bare"; 3),
	(if skipped("sync-incremental") then {name: "sync-incremental", skipped: skipped("sync-incremental")}
	 else side("sync-incremental"; "hrdex") as $h | side("sync-initial"; "hrdex") as $i
		| ratio($h; $i) as $r
		| {name: "sync-incremental", what: "sync of 1 new document into the \($n)-document replica",
		   hrdex: $h, baselines: [{side: "sync-initial", what: "the initial sync of this replica (hrdex)"} + $i,
			{side: "git", what: "git fetch of the same"} + side("sync-incremental"; "git")],
		   baseline: "sync-initial", ratio: $r,
		   ratio_to_git_fetch: ratio($h; side("sync-incremental"; "git")),
		   targets: [{text: "<= 5% of the initial sync at N = 100,000", met: (if $r == null then null else $r <= 0.05 end)}]}
	 end),
	timed("sync-nochange"; "sync with nothing new from \($peers) peers (one git daemon each)";
		[{side: "git", what: "\($peers) git fetch runs, one per peer"},
		 {side: "git-jobs", reference: true, what: "for reference: one git fetch --multiple --jobs=\($peers) (parallel, as hrdex fetches)"}];
		"<= 1.2 x \($peers) git fetch"; 1.2),
	(timed("query-filter"; "hrdex query --type decision --country \($meta.filter_country) (\($meta.expect_filter) refs)";
		[{side: "grep", what: "grep -rl over the view's decision folders"},
		 {side: "git-grep", what: "git grep --no-index -l over the view"},
		 {side: "jq", what: "find | xargs jq select(.countries | index(...))"}];
		">= 50 x faster than the fastest baseline (ratio <= 0.02)"; 0.02)),
	(timed("query-text"; "hrdex query --text \($meta.text_word) (full text, \($meta.expect_text) refs)";
		[{side: "grep", what: "grep -rliw over the view"},
		 {side: "git-grep", what: "git grep --no-index -l -i -w over the view"},
		 {side: "jq", what: "find | xargs jq, every string tested for the word"}];
		">= 50 x faster than the fastest baseline (ratio <= 0.02)"; 0.02)),
	(timed("query-backrefs"; "hrdex query --links-to \($meta.hot_ref) (back-references, \($meta.expect_backrefs) refs)";
		[{side: "grep", what: "grep -rl -E '\"(ref|report)\": \"REF\",?$' over the view"},
		 {side: "git-grep", what: "git grep --no-index -l -E over the view"},
		 {side: "jq", what: "find | xargs jq, every ref and report compared"}];
		">= 50 x faster than the fastest baseline (ratio <= 0.02)"; 0.02)),
	rss("rss-publish"; "publish"; "peak RSS of hrdex publish (largest batch: \($n / $pubs | floor) documents)"),
	rss("rss-sync"; "sync-initial"; "peak RSS of hrdex sync (initial sync, \($n) documents)")
]
| map(if (.name | startswith("query-")) and .hrdex != null then
	.targets += [{text: "< 50 ms at N = 100,000", met: (.hrdex.median_ms < 50)}] else . end) as $scen
| {
	version: 1,
	date: $date,
	n: $n, reps: $reps, publishers: $pubs, seed: $seed, peers: $peers,
	hrdex: $hrdex, commit: $commit, git: $git,
	machine: {nproc: $nproc, cpu: $cpu, mem_total_kib: $mem, load_before: $lb, load_after: $la},
	corpus: $meta,
	scenarios: $scen,
	checks: $checks,
	ok: ($checks | length > 0 and all(.ok))
}
