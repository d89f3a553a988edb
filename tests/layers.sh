#!/bin/bash
# layers.sh [TOP] - agent/ is split by layer (docs/ARCHITECTURE.md), lowest
# first: base doc store derive flow service cmd.  A file may include headers
# of its own layer or of a lower one, never of a higher one.  Headers are
# included by bare name ("log.h") and found through one -I per layer folder,
# so this script maps each quoted include to the folder that holds it.
# Prints each violation as FILE: includes "X.h" (LAYER) from LAYER, and exits
# 1 when there is one; also fails on an include it cannot find, on a header
# name that two layers both hold, and on a .c/.h directly under agent/.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top/agent" || exit 2
layers=(base doc store derive flow service cmd)
declare -A rank where
bad=0
for i in "${!layers[@]}"; do
	rank[${layers[$i]}]=$i
done
for f in *.c *.h; do
	[ -e "$f" ] || continue
	echo "agent/$f: not in a layer folder (${layers[*]})"
	bad=1
done
for l in "${layers[@]}"; do
	for h in "$l"/*.h; do
		[ -e "$h" ] || continue
		n=${h#*/}
		if [ -n "${where[$n]:-}" ]; then
			echo "agent/$h: a header of the same name is in agent/${where[$n]}/"
			bad=1
		fi
		where[$n]=$l
	done
done
# Generated headers (build/*/gen) are below every layer.
for l in "${layers[@]}"; do
	for f in "$l"/*.c "$l"/*.h; do
		[ -e "$f" ] || continue
		while IFS= read -r inc; do
			to=${where[$inc]:-}
			if [ -z "$to" ]; then
				echo "agent/$f: includes \"$inc\", which is in no layer folder"
				bad=1
			elif [ "${rank[$to]}" -gt "${rank[$l]}" ]; then
				echo "agent/$f: includes \"$inc\" ($to) from $l, a lower layer"
				bad=1
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
done
if [ "$bad" -ne 0 ]; then
	echo "layers: a file includes from a higher layer (order: ${layers[*]})"
	exit 1
fi
echo "layers: ok (${layers[*]})"
