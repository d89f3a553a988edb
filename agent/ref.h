/*
 * ref.h - document refs (PUBLISHER/TYPE/ID), types and ids, and the paths
 * that hold them in a publisher branch (<publisher>/<type>/<id>.json).
 */
#ifndef HRDEX_REF_H
#define HRDEX_REF_H

#include <stddef.h>

/* One of decision recommendation report event visit practice note. */
int hrdex_type_valid(const char *type);

/* [a-z0-9][a-z0-9._-]{0,127}, never containing "..". */
int hrdex_id_valid(const char *id);

/* PUBLISHER/TYPE/ID with each part valid (hrdex_publisher_valid, ...). */
int hrdex_ref_valid(const char *ref);

/*
 * If path is a document path <publisher>/<type>/<id>.json with valid parts,
 * write its ref (path without ".json") to out (size outsz) and return 1;
 * else (attachments under <id>.files/, anything else) return 0.
 */
int hrdex_ref_from_path(char *out, size_t outsz, const char *path);

/* Longest ref: 32 + 1 + 14 + 1 + 128, plus the NUL. */
#define HRDEX_REF_MAX 180

#endif
