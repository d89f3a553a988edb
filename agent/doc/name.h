/*
 * name.h - safe file names: the one rule for attachment names (and every
 * other tree entry name), used alike by publish (--attach, NAME.files/),
 * the document rules (attachments[].name) and acceptance of a peer's tree.
 *
 * A safe name is a file name as people really name files ("Informe anual
 * 2026 (ES).pdf", "قرار.pdf") that every file system a clone or view/ may
 * land on stores as itself: ext4, NTFS, APFS/HFS+, FAT, and git's own
 * checkout rules.
 */
#ifndef HRDEX_NAME_H
#define HRDEX_NAME_H

#include <stddef.h>

#define HRDEX_NAME_MAX_BYTES 255

/*
 * NULL when name (len bytes, NULs included) is safe, else why not, in words
 * ("'/' in name", "reserved Windows name 'CON'"...).  Refused: empty,
 * invalid UTF-8, over 255 bytes, control characters (C0, DEL, C1, U+2028,
 * U+2029), bidi controls, invisible format characters (except ZWNJ and ZWJ,
 * which Persian and Indic names need), '/' and '\', the characters Windows
 * refuses (< > : " | ? *), a leading '.' (so ".", ".." and hidden files),
 * a trailing '.' or ' ', ".git" in any HFS+/NTFS spelling ("git~1",
 * ".git.", ".git::$INDEX_ALLOCATION", with ignorable code points inside),
 * and the Windows device names (CON, PRN, AUX, NUL, COM0-9, LPT0-9,
 * CONIN$, CONOUT$) with or without an extension.
 */
const char *hrdex_name_safe(const char *name, size_t len);

/*
 * Whether two of n names would be one file on some file system: equal
 * after Unicode normalisation (NFC vs NFD), full Unicode case folding and
 * dropping default-ignorable code points (utf8proc).  Returns 1 with *a and
 * *b the indexes of the first such pair (*a < *b), 0 when none, -1 when out
 * of memory (hrdex_error set).  Names must be safe (hrdex_name_safe).
 */
int hrdex_names_clash(const char *const *names, const size_t *lens, size_t n, size_t *a, size_t *b);

#endif
