/*
 * fuzz_tree.c - the tree acceptance check: entry names and raw tree objects
 * as a peer may send them (agent/store/accept.c).
 *
 * The first input byte picks what the rest is: 0, one entry name for
 * hrdex_tree_name_problem(); anything else, a raw git tree object
 * ("MODE NAME\0" and 20 bytes of id, repeated) for hrdex_tree_parse().
 * Invariants:
 *   - a name that is ".git" in any spelling git itself refuses (any case,
 *     HFS+ ignorable code points anywhere, NTFS trailing dots and spaces,
 *     an NTFS stream ".git:...", the short name "git~N") never passes, nor
 *     does an empty name, ".", "..", or one holding '/', '\' or a NUL;
 *   - a name that passes is valid UTF-8;
 *   - a tree that parses has only modes 100644 and 40000, names that pass,
 *     in strictly increasing git order with no name twice (file or folder),
 *     and writes back to exactly the bytes it was parsed from.
 * The reference checks below are written independently of accept.c.
 */
#include "fuzz.h"
#include "accept.h"
#include "buf.h"
#include "json.h"
#include "utf8.h"

#include <string.h>

#define MAX_ENTRIES 1000

/* One UTF-8 code point, or 0 when the bytes are not one. */
static size_t next_cp(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (len > n || hrdex_utf8_valid((const char *)s, len) < 0)
		return 0;
	*cp = s[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++)
		*cp = (*cp << 6) | (s[i] & 0x3f);
	return len;
}

/* git's is_hfs_dotgit() list of code points HFS+ ignores in names. */
static int hfs_ignored(unsigned cp)
{
	return cp == 0x200c || cp == 0x200d || cp == 0x200e || cp == 0x200f || cp == 0x202a ||
	       cp == 0x202b || cp == 0x202c || cp == 0x202d || cp == 0x202e || cp == 0x206a ||
	       cp == 0x206b || cp == 0x206c || cp == 0x206d || cp == 0x206e || cp == 0x206f ||
	       cp == 0xfeff;
}

/* Is name ".git" on some file system git knows of?  Strips HFS+ ignorables,
 * folds ASCII case, then applies NTFS's rules. */
static int is_dotgit(const unsigned char *name, size_t len)
{
	char folded[1024];
	size_t i, k = 0, step;
	unsigned cp;

	for (i = 0; i < len; i += step) {
		step = next_cp(name + i, len - i, &cp);
		if (!step)
			return 0; /* not UTF-8: refused for that anyway */
		if (hfs_ignored(cp))
			continue;
		if (k + 4 >= sizeof(folded))
			return 0;
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (cp < 0x80)
			folded[k++] = (char)cp;
		else
			folded[k++] = '?'; /* non-ASCII: never part of ".git" */
	}
	folded[k] = '\0';
	/* NTFS (git's is_ntfs_dotgit): ".git", then only dots and spaces, up
	 * to the end or to a ':' (an alternate data stream); or the 8.3 short
	 * name "git~N".  HFS+ (is_hfs_dotgit) is ".git" exactly, once the
	 * ignorables are gone: covered by the first. */
	if (!strncmp(folded, ".git", 4))
		for (i = 4;; i++) {
			if (!folded[i] || folded[i] == ':')
				return 1;
			if (folded[i] != '.' && folded[i] != ' ')
				break;
		}
	return !strncmp(folded, "git~", 4) && folded[4] >= '1' && folded[4] <= '9';
}

static void check_name(const char *name, size_t len)
{
	const char *problem = hrdex_tree_name_problem(name, len);

	if (is_dotgit((const unsigned char *)name, len))
		FUZZ_CHECK(problem != NULL, "a spelling of '.git' passed the name check");
	if (len == 0 || (len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2)) ||
	    memchr(name, '/', len) || memchr(name, '\\', len) || memchr(name, '\0', len))
		FUZZ_CHECK(problem != NULL, "an unsafe name passed the name check");
	if (!problem)
		FUZZ_CHECK(hrdex_utf8_valid(name, len) == 0, "a name that passed is UTF-8");
}

static void check_tree(const uint8_t *data, size_t len)
{
	struct hrdex_tree t = { NULL, 0 };
	struct hrdex_buf raw = HRDEX_BUF_INIT;
	char reason[512];
	size_t i, j;
	int r;

	reason[0] = '\0';
	r = hrdex_tree_parse(&t, data, len, MAX_ENTRIES, reason, sizeof(reason));
	FUZZ_CHECK(r == 0 || r == 1, "parsing a tree runs");
	if (r == 1) {
		FUZZ_CHECK(reason[0] != '\0', "a refused tree says why");
		goto done;
	}
	FUZZ_CHECK(t.n <= MAX_ENTRIES, "a tree holds at most max entries");
	for (i = 0; i < t.n; i++) {
		const struct hrdex_tree_entry *e = &t.e[i];

		check_name(e->name, e->len);
		FUZZ_CHECK(hrdex_tree_name_problem(e->name, e->len) == NULL, "entries have safe names");
		FUZZ_CHECK(i == 0 || hrdex_tree_name_cmp(t.e[i - 1].name, t.e[i - 1].len, t.e[i - 1].dir,
							 e->name, e->len, e->dir) < 0,
			   "entries are in strictly increasing git order");
		for (j = 0; j < i; j++)
			FUZZ_CHECK(t.e[j].len != e->len || memcmp(t.e[j].name, e->name, e->len),
				   "no name appears twice, as file or folder");
		FUZZ_SETUP(hrdex_buf_puts(&raw, e->dir ? "40000 " : "100644 "));
		FUZZ_SETUP(hrdex_buf_put(&raw, e->name, e->len));
		FUZZ_SETUP(hrdex_buf_put(&raw, "", 1));
		FUZZ_SETUP(hrdex_buf_put(&raw, e->oid.id, GIT_OID_RAWSZ));
	}
	FUZZ_CHECK(raw.len == len && (len == 0 || !memcmp(raw.ptr, data, len)),
		   "a parsed tree writes back to its own bytes");
done:
	hrdex_tree_release(&t);
	hrdex_buf_free(&raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	if (data[0] == 0)
		check_name((const char *)data + 1, size - 1);
	else
		check_tree(data + 1, size - 1);
	hrdex_error_clear();
	return 0;
}
