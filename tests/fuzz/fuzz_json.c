/*
 * fuzz_json.c - the strict JSON parser and the canonical and compact writers.
 *
 * Input: any bytes, taken as a JSON text.  Invariants, for every text the
 * strict parser accepts:
 *   - it can be written canonically, as valid UTF-8 ending in one newline;
 *   - the canonical text parses again, and canonicalising that gives the
 *     same bytes (canonicalising is idempotent);
 *   - the compact text parses back to an equal tree (cJSON_Compare) whose
 *     canonical form is the same bytes again;
 *   - parsing with the default depth limit (64) accepts a subset of what
 *     the deepest limit (1000) accepts, giving an equal tree.
 */
#include "fuzz.h"
#include "buf.h"
#include "json.h"
#include "utf8.h"

#include <string.h>

static const struct hrdex_json_opts deep = { 0, 1000, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrdex_buf canon = HRDEX_BUF_INIT, canon2 = HRDEX_BUF_INIT;
	struct hrdex_buf compact = HRDEX_BUF_INIT, canon3 = HRDEX_BUF_INIT;
	cJSON *tree = NULL, *shallow = NULL, *again = NULL, *from_compact = NULL;
	const char *text = (const char *)data;

	if (hrdex_json_parse(&shallow, text, size, NULL) < 0) {
		FUZZ_CHECK(shallow == NULL, "a failed parse leaves *out NULL");
		FUZZ_CHECK(hrdex_error_kind() == HRDEX_E_INVALID, "a refused text is a data error");
	}
	if (hrdex_json_parse(&tree, text, size, &deep) < 0) {
		FUZZ_CHECK(tree == NULL, "a failed parse leaves *out NULL");
		FUZZ_CHECK(hrdex_error_kind() == HRDEX_E_INVALID, "a refused text is a data error");
		FUZZ_CHECK(shallow == NULL, "depth 64 accepted what depth 1000 refused");
		goto done;
	}
	FUZZ_CHECK(!shallow || cJSON_Compare(tree, shallow, 1), "depth limit changed the tree");

	FUZZ_CHECK(hrdex_json_canonical(&canon, tree) == 0, "an accepted tree canonicalises");
	FUZZ_CHECK(canon.len > 0 && canon.ptr[canon.len - 1] == '\n', "canonical ends with a newline");
	FUZZ_CHECK(canon.len < 2 || canon.ptr[canon.len - 2] != '\n', "canonical ends with one newline");
	FUZZ_CHECK(strlen(canon.ptr) == canon.len, "canonical text holds no NUL");
	FUZZ_CHECK(hrdex_utf8_valid(canon.ptr, canon.len) == 0, "canonical text is UTF-8");

	FUZZ_CHECK(hrdex_json_parse(&again, canon.ptr, canon.len, &deep) == 0,
		   "canonical text parses");
	FUZZ_CHECK(cJSON_Compare(tree, again, 1), "canonical text reads back to an equal tree");
	FUZZ_CHECK(hrdex_json_canonical(&canon2, again) == 0, "re-parsed tree canonicalises");
	FUZZ_CHECK(canon2.len == canon.len && !memcmp(canon.ptr, canon2.ptr, canon.len),
		   "canonicalising is idempotent");

	FUZZ_CHECK(hrdex_json_compact(&compact, tree) == 0, "an accepted tree has a compact form");
	FUZZ_CHECK(strlen(compact.ptr) == compact.len && !memchr(compact.ptr, '\n', compact.len),
		   "compact text is one line");
	FUZZ_CHECK(hrdex_json_parse(&from_compact, compact.ptr, compact.len, &deep) == 0,
		   "compact text parses");
	FUZZ_CHECK(cJSON_Compare(tree, from_compact, 1), "compact text reads back to an equal tree");
	FUZZ_CHECK(hrdex_json_canonical(&canon3, from_compact) == 0, "compact tree canonicalises");
	FUZZ_CHECK(canon3.len == canon.len && !memcmp(canon.ptr, canon3.ptr, canon.len),
		   "compact and canonical forms hold the same values");
done:
	cJSON_Delete(tree);
	cJSON_Delete(shallow);
	cJSON_Delete(again);
	cJSON_Delete(from_compact);
	hrdex_buf_free(&canon);
	hrdex_buf_free(&canon2);
	hrdex_buf_free(&compact);
	hrdex_buf_free(&canon3);
	hrdex_error_clear();
	return 0;
}
