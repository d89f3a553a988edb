/*
 * oai.h - what `hrdex serve` answers from the cache: OAI-PMH 2.0 responses
 * and Atom feeds, as XML text (serve.c puts them on the wire).
 *
 * OAI-PMH: identifiers are "oai:hrdex:" + ref; a record's datestamp is
 * the time this agent accepted that version (documents.accepted_at) or saw
 * it withdrawn (withdrawn.withdrawn_at, a deleted record: deletedRecord is
 * persistent); granularity seconds; sets publisher:ID, type:TYPE,
 * country:XXX and language:xx; formats oai_dc and hrdex (the document's
 * JSON as the text of one element); list verbs page by HRDEX_OAI_PAGE
 * with stateless resumption tokens (the position, hex-encoded).
 */
#ifndef HRDEX_OAI_H
#define HRDEX_OAI_H

#include <stddef.h>

#include "buf.h"
#include "cache.h"

#define HRDEX_OAI_PAGE 100

struct hrdex_oai_arg {
	const char *key, *value;
};

/*
 * The response to one request with args (every key=value of the query, in
 * order, repeats included) at base_url (the /oai URL as the harvester
 * reached it), into out: always a complete OAI-PMH document, errors
 * included, as the protocol answers them with HTTP 200.  -1 only when the
 * cache cannot be read (hrdex_error set).
 */
int hrdex_oai_respond(struct hrdex_cache *c, const char *base_url, const char *name,
		      const struct hrdex_oai_arg *args, size_t nargs, struct hrdex_buf *out);

/*
 * An Atom feed of the newest HRDEX_OAI_PAGE changes matching q (its limit
 * and order are set here): one entry per document, id "urn:hrdex:" + ref
 * (stable across versions), updated when this agent accepted the version;
 * a withdrawn document is an entry titled "Withdrawn: ...".  self is the
 * feed's own URL, base the server's root URL.
 */
int hrdex_atom_feed(struct hrdex_cache *c, struct hrdex_changes_query *q, const char *title,
		    const char *self, const char *base, struct hrdex_buf *out);

/* s as XML 1.0 text or attribute value: & < > " ' escaped, characters XML
 * cannot carry (C0 controls but tab, newline, return) dropped. */
int hrdex_xml_text(struct hrdex_buf *out, const char *s);

#endif
