/*
 * ref.c - document refs, types, ids and their paths (see ref.h).
 */
#include "ref.h"
#include "config.h"

#include <string.h>

static const char *const types[] = {
	"decision", "recommendation", "report", "event", "visit", "practice", "note", NULL,
};

int hrdex_type_valid(const char *type)
{
	size_t i;

	for (i = 0; types[i]; i++)
		if (!strcmp(types[i], type))
			return 1;
	return 0;
}

static int id_valid_n(const char *id, size_t n)
{
	size_t i;

	if (n < 1 || n > 128)
		return 0;
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++) {
		char ch = id[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return 0;
		if (ch == '.' && id[i - 1] == '.')
			return 0;
	}
	return 1;
}

int hrdex_id_valid(const char *id)
{
	return id_valid_n(id, strlen(id));
}

/* Check "P/T/I" of length n (not NUL-terminated at n). */
static int ref_valid_n(const char *ref, size_t n)
{
	char part[40];
	const char *s1, *s2, *end = ref + n;

	s1 = memchr(ref, '/', n);
	if (!s1 || (size_t)(s1 - ref) >= sizeof(part))
		return 0;
	memcpy(part, ref, (size_t)(s1 - ref));
	part[s1 - ref] = '\0';
	if (!hrdex_publisher_valid(part))
		return 0;
	s2 = memchr(s1 + 1, '/', (size_t)(end - s1 - 1));
	if (!s2 || (size_t)(s2 - s1 - 1) >= sizeof(part))
		return 0;
	memcpy(part, s1 + 1, (size_t)(s2 - s1 - 1));
	part[s2 - s1 - 1] = '\0';
	if (!hrdex_type_valid(part))
		return 0;
	return id_valid_n(s2 + 1, (size_t)(end - s2 - 1));
}

int hrdex_ref_valid(const char *ref)
{
	return ref_valid_n(ref, strlen(ref));
}

int hrdex_ref_from_path(char *out, size_t outsz, const char *path)
{
	size_t n = strlen(path);

	if (n <= 5 || strcmp(path + n - 5, ".json"))
		return 0;
	n -= 5;
	if (n >= outsz || !ref_valid_n(path, n))
		return 0;
	memcpy(out, path, n);
	out[n] = '\0';
	return 1;
}
