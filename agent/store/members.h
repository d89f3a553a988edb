/*
 * members.h - STATE/registry.json: what the registry's member documents
 * last gave this agent (agent/flow/registry.h writes it after every
 * accepted move of the registry's branch; derived, rebuilt by the next one):
 *
 *   {"registry": "ohchr", "commit": "<40 hex>",
 *    "members": {"achpr": {"name": "African Commission…",
 *                          "key": "ssh-ed25519 AAAA…",
 *                          "urls": ["https://…"]}, …}}
 *
 * Kept below the flow layer so that hrdex_state_open can give every command
 * the members' display names.
 */
#ifndef HRDEX_MEMBERS_H
#define HRDEX_MEMBERS_H

#include <cjson/cJSON.h>

#include "config.h"

/* Read DIR/registry.json into *out (an empty object when missing);
 * HRDEX_E_CONFIG naming the file when it is damaged. */
int hrdex_members_load(cJSON **out, const char *dir);
/* Write m to DIR/registry.json atomically, in canonical form. */
int hrdex_members_save(const cJSON *m, const char *dir);
/* Put each member's name into c->registry_names (replacing what was there);
 * members with no name are skipped. */
int hrdex_members_names(struct hrdex_config *c, const cJSON *m);

#endif
