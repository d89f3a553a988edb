/*
 * limit.h - every resource limit in one place ([limits] in hrdex.conf).
 *
 * Defaults are what hrdex_limits_default() fills in; config.c reads overrides.
 * (Not limits.h: through -Iagent/base that name would hide the system's
 * <limits.h> from every file.)
 */
#ifndef HRDEX_LIMIT_H
#define HRDEX_LIMIT_H

#include <stdint.h>

struct hrdex_limits {
	int64_t document_bytes;    /* limits.document: one JSON document (1 MiB) */
	int64_t attachment_bytes;  /* limits.attachment: one attachment (64 MiB) */
	int64_t fetch_bytes;       /* limits.fetch: bytes one fetch may bring (1 GiB) */
	int64_t fetch_commits;     /* limits.commits: new commits per branch per sync (100000) */
	int64_t tree_entries;      /* limits.treeEntries: entries in one tree (1000000) */
	int64_t json_depth;        /* limits.depth: JSON nesting (64) */
	int64_t string_bytes;      /* limits.string: one JSON string (256 KiB) */
};

void hrdex_limits_default(struct hrdex_limits *l);

#endif
