/*
 * doc.h - documents: strict parsing, the envelope rules, the canonical form,
 * refs (PUBLISHER/TYPE/ID) and their paths in a publisher's tree.
 *
 * A document is valid when it is strict JSON (json.h), within the size
 * limits, valid against the schema of its type, and its envelope is
 * consistent: `publisher`, `type` and `id` are well formed (and match the
 * path it was found at, when there is one).
 */
#ifndef HRDEX_DOC_H
#define HRDEX_DOC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "limit.h"
#include "problem.h"

struct hrdex_schemas;

#define HRDEX_PUBLISHER_MAX 32
#define HRDEX_TYPE_MAX 14
#define HRDEX_ID_MAX 128
#define HRDEX_REF_MAX (HRDEX_PUBLISHER_MAX + HRDEX_TYPE_MAX + HRDEX_ID_MAX + 3)

/* 1 when this agent knows type: a row of the document-type table (doctype.h)
 * whose schema is built in for a version it knows (hrdex_schema_id_for). */
int hrdex_doc_type_valid(const char *type);
/* [a-z0-9][a-z0-9._-]{0,127}, no "..". */
int hrdex_doc_id_valid(const char *id);

struct hrdex_ref {
	char publisher[HRDEX_PUBLISHER_MAX + 1];
	char type[HRDEX_TYPE_MAX + 1];
	char id[HRDEX_ID_MAX + 1];
};

/* Parse "PUBLISHER/TYPE/ID" (a trailing ".json" is tolerated). */
int hrdex_ref_parse(struct hrdex_ref *out, const char *text);
/* Parse a tree path "P/T/ID.json"; returns 0 and fills out, or -1 (no error set). */
int hrdex_ref_from_path(struct hrdex_ref *out, const char *path);

/* "P/T/ID" into a buffer of HRDEX_REF_MAX + 1 bytes or more. */
void hrdex_ref_format(char *out, size_t size, const struct hrdex_ref *r);
/*
 * The one builder of a document's paths: "P/T/ID" + suffix, then "/" name
 * when name is not NULL: "P/T/ID.json", "P/T/ID.files", "P/T/ID.files/NAME"
 * (the site adds ".html").  Returns -1 with an error when out is too small:
 * a truncated path is never used as a different name.
 */
int hrdex_ref_file(char *out, size_t size, const struct hrdex_ref *r, const char *suffix, const char *name);
/* hrdex_ref_file(out, size, r, ".json", NULL); HRDEX_REF_MAX + 6 bytes suffice. */
int hrdex_ref_path(char *out, size_t size, const struct hrdex_ref *r);

struct hrdex_doc {
	cJSON *json;              /* owned */
	struct hrdex_ref ref;
	struct hrdex_buf canonical;
};

struct hrdex_doc_opts {
	const struct hrdex_limits *limits;
	struct hrdex_schemas *schemas;
	const char *fill_publisher;   /* set "publisher" to this when absent (publish) */
	const char *expect_publisher; /* "publisher" must equal this when given */
	const char *expect_path;      /* the tree path the document was found at */
	int *version;                 /* when not NULL, set to the schema version the document names
				       * (hrdex_doc_version: 0 when not a positive integer) */
};

/*
 * Parse and check one document against the schema version it names
 * ("schema", absent: 1).  A version this agent does not know (above
 * hrdex_schema_known_newest()), or a type that version does not have, is one
 * problem (at "/schema" or "/type") and nothing else is checked: the
 * document is held, not refused, by sync.  Returns 0 with *out set when valid; 0 with
 * *out NULL and one problem per fault appended to problems when invalid;
 * -1 only when checking itself failed (hrdex_error says why).
 */
int hrdex_doc_load(struct hrdex_doc **out, const char *data, size_t len,
		   const struct hrdex_doc_opts *opts, struct hrdex_problems *problems);
void hrdex_doc_free(struct hrdex_doc *doc);

/*
 * The network this process's agent is in (agent/flow/registry.h): the
 * registry's publisher id (NULL or "": none) and this agent's own publisher
 * id (NULL: unknown) with its key, "ssh-ed25519 BASE64" (NULL: unknown).
 * hrdex_state_open sets it from hrdex.conf, so every
 * path that checks documents (publish, validate, sync, verify, main, the
 * cache) applies the same rule; the document rules digest covers it, so
 * joining a registry re-checks what was held.
 */
void hrdex_doc_network_set(const char *registry, const char *self, const char *self_key);
/*
 * The network rule, one implementation (hrdex_doc_load calls it on every
 * document that passed its schema): a type only the registry publishes
 * (doctype.h, registry_only) from another publisher, or with no registry
 * configured, a member document whose id is the registry's own, and one
 * whose id is this agent's own but names another key than this agent's, are
 * held (a registry never speaks for itself nor hands this agent's id to
 * another key).  0 when the document may be shown; 1 with why (one
 * line) in out when it is held.
 */
int hrdex_doc_network_problem(char *out, size_t size, const char *publisher, const char *type, const char *id,
			      const char *key);
/* What hrdex_doc_network_set was given, for the rules digest: "REGISTRY SELF". */
void hrdex_doc_network_digest(char *out, size_t size);

#endif
