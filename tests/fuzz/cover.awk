# cover.awk - pick a small set of corpus files that keeps every feature, from
# a libFuzzer merge control file (-merge=1 -merge_control_file=FILE): greedy
# set cover, the file adding the most features not yet kept first, ties to
# the smaller file.  libFuzzer's own -merge keeps files smallest first, which
# for these targets keeps a few more.  Prints "PATH<TAB>NEW_FEATURES", best
# first, so that `head -n N` keeps the N files that cover the most.
#   awk -f cover.awk CONTROL_FILE
NR == 1 { nfiles = $1; next }
NR == 2 { next }
NR <= nfiles + 2 { path[NR - 3] = $0; next }
$1 == "STARTED" { size[$2] = $3; next }
$1 == "FT" {
	f = $2
	nft[f] = NF - 2
	for (i = 3; i <= NF; i++)
		ft[f, i - 2] = $i
	have[f] = 1
	next
}
END {
	for (;;) {
		best = -1
		bestn = 0
		for (f in have) {
			n = 0
			for (i = 1; i <= nft[f]; i++)
				if (!((ft[f, i]) in covered))
					n++
			if (n > bestn || (n == bestn && n > 0 && size[f] < size[best])) {
				best = f
				bestn = n
			}
		}
		if (best < 0)
			break
		for (i = 1; i <= nft[best]; i++)
			covered[ft[best, i]] = 1
		delete have[best]
		print path[best] "\t" bestn
	}
}
