/*
 * limit.c - default resource limits (see limit.h).
 */
#include "limit.h"

void hrdex_limits_default(struct hrdex_limits *l)
{
	l->document_bytes = 1 << 20;
	l->attachment_bytes = (int64_t)64 << 20;
	l->fetch_bytes = (int64_t)1 << 30;
	l->fetch_commits = 100000;
	l->tree_entries = 1000000;
	l->json_depth = 64;
	l->string_bytes = 256 << 10;
}
