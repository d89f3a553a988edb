/*
 * stubs.c - TEMPORARY weak placeholders for modules being written in
 * parallel (sign.c, schema.c, json.c); the real definitions override these
 * at link time.  Deleted once every module has landed.
 */
#include "error.h"
#include "json.h"
#include "schema.h"
#include "sign.h"
#include "cache.h"
#include "service.h"

#include <stdio.h>
#include <stdlib.h>

#define STUB(ret) { return hrdex_error_set(HRDEX_EX_SOFTWARE, "not implemented yet"), ret; }
#define WEAK __attribute__((weak))

/* h/sync: until sync.c lands, every peer fails with a clear message; the
 * service's adapter (service.c) replaces this once hrdex_sync exists. */
WEAK int hrdex_service_sync_peer(struct hrdex_state *s, const struct hrdex_peer *peer,
				 struct hrdex_sync_result *out)
{
	(void)s;
	(void)peer;
	out->status = HRDEX_SYNC_FAILED;
	snprintf(out->error, sizeof(out->error), "sync is not available in this build yet");
	return 0;
}
