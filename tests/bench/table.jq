# table.jq - results.json as a table for people (jq -r -f table.jq results.json).

def dur: if . == null then "-" elif . >= 1000 then "\(. / 100 | round / 10) s"
	elif . >= 10 then "\(. | round) ms" else "\(. * 10 | round / 10) ms" end;
def span: "\(.median_ms | dur) (\(.min_ms | dur)..\(.max_ms | dur))";
def pad($w): tostring | if length >= $w then . else . + (" " * ($w - length)) end;
def met: if . == null then "-" elif . then "met" else "MISSED" end;

"hrdex benchmark: N = \(.n), \(.reps) rep(s), \(.publishers) publishers; \(.machine.nproc) CPUs (\(.machine.cpu)); load \(.machine.load_before) -> \(.machine.load_after)",
"",
("scenario" | pad(18)) + ("hrdex median (min..max)" | pad(30)) + ("baseline" | pad(14))
	+ ("baseline median (min..max)" | pad(30)) + ("ratio" | pad(8)) + "target",
(.scenarios[] |
	if .skipped then (.name | pad(18)) + "skipped: " + .skipped
	elif .peak_rss_kib != null or (.name | startswith("rss-")) then
		(.name | pad(18)) + ("\(.peak_rss_mib // "-") MiB" | pad(30)) + ("" | pad(52))
			+ (.targets | map("\(.text): \(.met | met)") | join("; "))
	else
		. as $s | ($s.baselines | map(select(.side == $s.baseline)) | first) as $b
		| (.name | pad(18)) + (.hrdex | span | pad(30)) + (.baseline | pad(14))
			+ (if $b then ($b | span) else "-" end | pad(30))
			+ ((.ratio // "-") | tostring | pad(8))
			+ (.targets | map("\(.text): \(.met | met)") | join("; "))
		+ ([.baselines[] | select(.side != $s.baseline and .median_ms != null)
			| "\(.side) \(.median_ms | dur)"] | if length > 0 then "\n" + ("" | pad(18)) + "also: " + join(", ") else "" end)
	end),
"",
"checks: " + (.checks | map("\(.name) \(if .ok then "ok" else "FAILED (\(.detail))" end)") | join(", "))
