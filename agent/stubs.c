/*
 * stubs.c - TEMPORARY weak placeholders for modules being written in
 * parallel (sign.c, schema.c, json.c); the real definitions override these
 * at link time.  Deleted once every module has landed.
 */
#include "error.h"
#include "json.h"
#include "schema.h"
#include "sign.h"

#define STUB(ret) { return hrdex_error_set(HRDEX_EX_SOFTWARE, "not implemented yet"), ret; }
#define WEAK __attribute__((weak))

WEAK int hrdex_signers_load(struct hrdex_signers **out, const char *path)
{ (void)path; *out = NULL; return 0; }
WEAK void hrdex_signers_free(struct hrdex_signers *s) { (void)s; }
WEAK int hrdex_key_load(struct hrdex_key *out, const char *path) { (void)out; (void)path; STUB(-1) }
WEAK void hrdex_key_wipe(struct hrdex_key *key) { (void)key; }
WEAK int hrdex_schemas_new(struct hrdex_schemas **out) { *out = NULL; return 0; }
WEAK void hrdex_schemas_free(struct hrdex_schemas *s) { (void)s; }
WEAK int hrdex_schemas_add_builtin(struct hrdex_schemas *s) { (void)s; return 0; }
