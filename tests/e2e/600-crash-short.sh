#!/bin/bash
# 600-crash-short: the crash harness (tests/crash/crash.sh) in short: about
# twenty SIGKILLs at random moments across publish, sync, the outbox service
# and reindex, each followed by a restart and every check (fsck, signatures,
# nothing reported published lost, cache = reindex, view/ = main, outbox
# files neither lost nor published twice).  `make crash` runs the long one.
# CRASH_SEED replays a run (the seed is printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CRASH_KILLS_PUBLISH=${CRASH_KILLS_PUBLISH:-6} CRASH_KILLS_SYNC=${CRASH_KILLS_SYNC:-4} \
	CRASH_KILLS_OUTBOX=${CRASH_KILLS_OUTBOX:-5} CRASH_KILLS_REINDEX=${CRASH_KILLS_REINDEX:-4} \
	CRASH_DOCS=${CRASH_DOCS:-1000}
exec bash "$here/../crash/crash.sh" publish sync outbox reindex
