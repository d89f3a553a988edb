/*
 * vocab.h - the controlled lists (schemas/lists/NAME.json), compiled into the
 * binary: bodies and mechanisms, affected groups, themes and the kinds of
 * each document type.  Each entry has a stable slug id and a label in the six
 * UN languages (ar en es fr ru zh).  A schema string with "x-hrdex-list":
 * "NAME" must be an entry id of list NAME (schema_check.c).
 *
 * The lists are parsed once, on first use, and never change afterwards, so
 * these calls are safe from any thread.  Strings returned point into the
 * parsed lists and stay valid for the life of the process.
 */
#ifndef HRDEX_VOCAB_H
#define HRDEX_VOCAB_H

/* The most entries hrdex_vocab_nearest gives a message ("nearest: a, b, c"). */
#define HRDEX_VOCAB_NEAREST_MAX 3

/* The label of entry id of list in lang ("fr"), else its English label; NULL
 * when list is not a list or id is not one of its entries. */
const char *hrdex_vocab_label(const char *list, const char *id, const char *lang);

/* 1 when id is an entry id of list, 0 when not (or no such list). */
int hrdex_vocab_has(const char *list, const char *id);

/*
 * The entries of list nearest to value, a string that is not an entry: at
 * most n (and at most HRDEX_VOCAB_NEAREST_MAX) ids, nearest first (edit
 * distance, a swap of two neighbours counting one; then the list's order),
 * each at most a third of the longer string's length away from value, or
 * containing value (4 bytes or more).  Returns how many were stored in out
 * (0 when none is near, or no such list).
 */
int hrdex_vocab_nearest(const char *list, const char *value, const char *out[], int n);

/*
 * The id of the entry of list that text names: the entry whose id or whose
 * label in any language equals text once both are case folded, stripped of
 * accents (combining marks) and compatibility-normalised ("Comision
 * Interamericana de Derechos Humanos", "IACHR" for "iachr").  NULL when none
 * (or no such list).  How a version-1 free text naming a body becomes a
 * listed body (upgrade.h).
 */
const char *hrdex_vocab_find(const char *list, const char *text);

/* The title of list in lang, else in English; NULL when there is no such list. */
const char *hrdex_vocab_title(const char *list, const char *lang);

/*
 * Check every shipped list: valid JSON of the documented form, the file name
 * equal to its "id", entry ids unique lowercase slugs, a non-empty title and
 * label in each of the six UN languages, "source" set, and "kind" and
 * "region" on every entry of "bodies".  0 when all are sound, else -1 with an
 * error naming the file and the entry (a unit test runs this, so a malformed
 * list fails the build's checks; a list that fails it is not used).
 */
int hrdex_vocab_check(void);

#endif
