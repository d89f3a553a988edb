/*
 * stubs.c - TEMPORARY weak placeholders for modules being written in
 * parallel (sign.c, schema.c, json.c); the real definitions override these
 * at link time.  Deleted once every module has landed.
 */
#include "cache.h"
#include "error.h"
#include "json.h"
#include "schema.h"
#include "sign.h"

#include <stdlib.h>

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
WEAK int hrdex_json_parse(cJSON **out, const char *data, size_t len, const struct hrdex_json_opts *opts)
{ (void)opts; *out = cJSON_ParseWithLength(data, len); return *out ? 0 : hrdex_error_set(HRDEX_EX_DATAERR, "invalid JSON"); }
WEAK int hrdex_json_canonical(struct hrdex_buf *out, const cJSON *v)
{ char *s = cJSON_Print(v); int r = hrdex_buf_puts(out, s); free(s); return r < 0 ? r : hrdex_buf_putc(out, '\n'); }
WEAK int hrdex_json_compact(struct hrdex_buf *out, const cJSON *v)
{ char *s = cJSON_PrintUnformatted(v); int r = hrdex_buf_puts(out, s); free(s); return r; }
WEAK int hrdex_schema_validate(struct hrdex_schemas *s, const char *schema_id, const cJSON *instance,
			  struct hrdex_problems *problems)
{ (void)s; (void)schema_id; (void)instance; (void)problems; return 0; }
WEAK const char *hrdex_schema_id_for_type(const char *type) { (void)type; return NULL; }
WEAK int hrdex_key_generate(struct hrdex_key *out, const char *comment) { (void)out; (void)comment; STUB(-1) }
WEAK int hrdex_key_save(const struct hrdex_key *key, const char *path) { (void)key; (void)path; STUB(-1) }
WEAK int hrdex_key_public_line(struct hrdex_buf *out, const unsigned char pk[32], const char *comment)
{ (void)pk; (void)comment; return hrdex_buf_puts(out, "ssh-ed25519 STUB"); }
WEAK int hrdex_key_parse_public(unsigned char pk[32], const char *text) { (void)pk; (void)text; STUB(-1) }
WEAK int hrdex_commit_create_signed(git_oid *out, git_repository *repo, const char *commit_text,
			       const struct hrdex_key *key)
{ (void)key; (void)out; (void)repo; (void)commit_text; STUB(-1) }
WEAK int hrdex_commit_verify(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			const char *principal)
{ (void)repo; (void)id; (void)signers; (void)principal; STUB(-1) }
WEAK int hrdex_signers_has(const struct hrdex_signers *s, const char *principal) { (void)s; (void)principal; return 0; }
WEAK int hrdex_cache_open(struct hrdex_cache **out, const char *path, int readonly)
{ (void)path; (void)readonly; *out = NULL; return 0; }
WEAK void hrdex_cache_close(struct hrdex_cache *c) { (void)c; }
WEAK int hrdex_cache_update(struct hrdex_cache *c, git_repository *repo, int64_t *changed)
{ (void)c; (void)repo; if (changed) *changed = 0; return 0; }
