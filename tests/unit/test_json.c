/*
 * test_json.c - strict parsing (everything cJSON alone lets through is
 * refused, with the place named), the canonical and compact forms, UTF-8.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "json.h"
#include "utf8.h"

/* ---- helpers ---- */

static cJSON *parse_ok_opts(const char *text, size_t len, const struct hrdex_json_opts *opts)
{
	cJSON *j = NULL;

	hrdex_error_clear();
	if (hrdex_json_parse(&j, text, len, opts) < 0)
		fail_msg("parse failed: %s", hrdex_error_message());
	assert_non_null(j);
	return j;
}

static cJSON *parse_ok(const char *text)
{
	return parse_ok_opts(text, strlen(text), NULL);
}

/* Parse must fail with code 65, *out NULL, and exactly this message. */
static void reject_len_opts(const char *text, size_t len, const struct hrdex_json_opts *opts,
			    const char *message)
{
	cJSON *j = (cJSON *)&j; /* must be reset to NULL */

	hrdex_error_clear();
	assert_int_equal(hrdex_json_parse(&j, text, len, opts), -1);
	assert_null(j);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	if (strcmp(hrdex_error_message(), message) != 0)
		fail_msg("for input '%.60s'\n got: %s\nwant: %s", text, hrdex_error_message(), message);
}

static void reject(const char *text, const char *message)
{
	reject_len_opts(text, strlen(text), NULL, message);
}

static char *canonical_of(const char *text)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	cJSON *j = parse_ok(text);

	if (hrdex_json_canonical(&b, j) < 0)
		fail_msg("canonical failed: %s", hrdex_error_message());
	cJSON_Delete(j);
	return hrdex_buf_detach(&b);
}

static char *compact_of(const char *text)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	cJSON *j = parse_ok(text);

	if (hrdex_json_compact(&b, j) < 0)
		fail_msg("compact failed: %s", hrdex_error_message());
	cJSON_Delete(j);
	return hrdex_buf_detach(&b);
}

static void assert_canonical(const char *text, const char *want)
{
	char *got = canonical_of(text);

	if (strcmp(got, want) != 0)
		fail_msg("canonical of '%s'\n got: '%s'\nwant: '%s'", text, got, want);
	free(got);
}

/* Canonical text is a fixed point. */
static void assert_idempotent(const char *canonical)
{
	char *again = canonical_of(canonical);

	assert_string_equal(again, canonical);
	free(again);
}

/* n nested arrays around 0, e.g. n = 2: "[[0]]" */
static char *nested(size_t n)
{
	char *s = malloc(2 * n + 2);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + 1 + i] = ']';
	}
	s[n] = '0';
	s[2 * n + 1] = '\0';
	return s;
}

/* ---- UTF-8 ---- */

static void test_reject_invalid_utf8(void **state)
{
	(void)state;
	reject("{\"title\":{\"en\":\"a\xC0\x80\"}}",
	       "/title/en: invalid UTF-8 in string: overlong encoding at line 1, column 18");
	reject("[\"\xE0\x80\xAF\"]", "/0: invalid UTF-8 in string: overlong encoding at line 1, column 3");
	reject("[\"\xF0\x80\x80\xAF\"]",
	       "/0: invalid UTF-8 in string: overlong encoding at line 1, column 3");
	reject("[\"\xED\xA0\x80\"]",
	       "/0: invalid UTF-8 in string: surrogate code point at line 1, column 3");
	reject("[\"\xF4\x90\x80\x80\"]",
	       "/0: invalid UTF-8 in string: code point above U+10FFFF at line 1, column 3");
	reject("[\"\xF5\x80\x80\x80\"]",
	       "/0: invalid UTF-8 in string: code point above U+10FFFF at line 1, column 3");
	reject("[\"\xFF\"]", "/0: invalid UTF-8 in string: invalid byte at line 1, column 3");
	reject("[\"\xE4\xB8\"]", "/0: invalid UTF-8 in string: truncated sequence at line 1, column 3");
	reject("[\"\x80\"]",
	       "/0: invalid UTF-8 in string: unexpected continuation byte at line 1, column 3");
	/* A sequence cut by the end of the input, not by a quote. */
	reject_len_opts("\"\xE4\xB8", 3, NULL, "line 1, column 2: invalid UTF-8 in string: truncated sequence");
	/* In a member name, the object is named. */
	reject("{\"a\":{\"k\xC1\xBF\":1}}",
	       "/a: invalid UTF-8 in member name: overlong encoding at line 1, column 9");
	/* Outside strings any byte above 0x7F is a syntax error. */
	reject("[\xC3\xA9]", "line 1, column 2: expected a value, found byte 0xc3");
}

static void test_utf8_helpers(void **state)
{
	(void)state;
	assert_int_equal(hrdex_utf8_valid("", 0), 0);
	assert_int_equal(hrdex_utf8_valid("a\0b", 3), 0);
	assert_int_equal(hrdex_utf8_valid("عربي 中文 😀", strlen("عربي 中文 😀")), 0);
	assert_int_equal(hrdex_utf8_valid("\xEF\xBF\xBF\xF4\x8F\xBF\xBF", 7), 0); /* U+FFFF, U+10FFFF */
	assert_int_equal(hrdex_utf8_valid("ab\xC0\x80", 4), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_string_equal(hrdex_error_message(), "invalid UTF-8 at byte 2: overlong encoding");
	assert_int_equal(hrdex_utf8_valid("\xED\xBF\xBF", 3), -1);
	assert_int_equal(hrdex_utf8_valid("\xF4\x90\x80\x80", 4), -1);
	/* The length bounds the check: a sequence cut short by it is invalid. */
	assert_int_equal(hrdex_utf8_valid("\xC3\xA9", 1), -1);
	assert_string_equal(hrdex_error_message(), "invalid UTF-8 at byte 0: truncated sequence");

	assert_int_equal(hrdex_utf8_length(""), 0);
	assert_int_equal(hrdex_utf8_length("abc"), 3);
	assert_int_equal(hrdex_utf8_length("é中😀"), 3);
	assert_int_equal(hrdex_utf8_length("حقوق الإنسان"), 12);
}

/* ---- strings ---- */

static void test_reject_nul_escape(void **state)
{
	(void)state;
	reject("{\"a\":\"x\\u0000y\"}", "/a: '\\u0000' is not allowed in strings at line 1, column 8");
	reject("{\"x\\u0000\":1}",
	       "line 1, column 4: '\\u0000' is not allowed in strings");
	/* A raw NUL byte, inside a string and outside. */
	reject_len_opts("[\"a\0\"]", 6, NULL,
			"/0: control character U+0000 in string must be escaped at line 1, column 4");
	reject_len_opts("{}\0", 3, NULL, "line 1, column 3: unexpected byte 0x00 after the JSON value");
}

static void test_reject_unpaired_surrogates(void **state)
{
	(void)state;
	reject("[\"\\ud800\"]",
	       "/0: unpaired surrogate '\\ud800' (no low surrogate follows) at line 1, column 3");
	reject("[\"\\udc00\"]", "/0: unpaired surrogate '\\udc00' at line 1, column 3");
	reject("[\"\\uD800\\u0041\"]",
	       "/0: unpaired surrogate '\\uD800' (no low surrogate follows) at line 1, column 3");
	reject("[\"\\ud800x\"]",
	       "/0: unpaired surrogate '\\ud800' (no low surrogate follows) at line 1, column 3");
	reject("[\"\\ud800\\ud800\"]",
	       "/0: unpaired surrogate '\\ud800' (no low surrogate follows) at line 1, column 3");
	reject("[\"ok\\udfff\"]", "/0: unpaired surrogate '\\udfff' at line 1, column 5");
}

static void test_reject_bad_strings(void **state)
{
	(void)state;
	reject("{\"a\":\"tab\there\"}",
	       "/a: control character U+0009 in string must be escaped at line 1, column 10");
	reject("[\"\\x41\"]", "/0: invalid escape sequence '\\x' at line 1, column 3");
	reject("[\"\\u12G4\"]", "/0: '\\u' must be followed by four hex digits at line 1, column 3");
	reject("[\"abc", "line 1, column 2: unterminated string");
	reject("[\"abc\\", "line 1, column 2: unterminated string");
	reject("['a']", "/0: strings take double quotes at line 1, column 2");
}

static void test_escaped_strings_decode(void **state)
{
	cJSON *j;

	(void)state;
	j = parse_ok("[\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"]");
	assert_string_equal(cJSON_GetArrayItem(j, 0)->valuestring, "😀 é \" \\ / \b\f\n\r\t");
	cJSON_Delete(j);
}

static void test_string_limit(void **state)
{
	struct hrdex_json_opts opts = { 0, 0, 10 };
	size_t big = 300 * 1024, i;
	char *s;
	cJSON *j;

	(void)state;
	j = parse_ok_opts("[\"0123456789\"]", 14, &opts);
	cJSON_Delete(j);
	reject_len_opts("[\"0123456789A\"]", 15, &opts,
			"/0: string of 11 bytes exceeds the limit of 10 bytes at line 1, column 2");
	/* The limit is on decoded bytes: five 2-byte characters are 10 bytes. */
	j = parse_ok_opts("[\"ééééé\"]", strlen("[\"ééééé\"]"), &opts);
	cJSON_Delete(j);
	j = parse_ok_opts("[\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"]", 34, &opts);
	cJSON_Delete(j);
	reject_len_opts("[\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"]", 40, &opts,
			"/0: string of 12 bytes exceeds the limit of 10 bytes at line 1, column 2");
	/* Member names too. */
	reject_len_opts("{\"0123456789A\":1}", 17, &opts,
			"line 1, column 2: string of 11 bytes exceeds the limit of 10 bytes");

	/* A huge string over the real default limit (256 KiB). */
	opts.max_string = 256 * 1024;
	s = malloc(big + 32);
	assert_non_null(s);
	memcpy(s, "{\"summary\":{\"en\":\"", 18);
	for (i = 0; i < big; i++)
		s[18 + i] = 'x';
	memcpy(s + 18 + big, "\"}}", 3);
	reject_len_opts(s, 18 + big + 3, &opts,
			"/summary/en: string of 307200 bytes exceeds the limit of 262144 bytes "
			"at line 1, column 18");
	free(s);
}

/* ---- numbers ---- */

static void test_reject_bad_numbers(void **state)
{
	(void)state;
	reject("{\"n\":01}", "/n: leading zero in number at line 1, column 6");
	reject("{\"n\":-01}", "/n: leading zero in number at line 1, column 6");
	reject("{\"n\":+1}", "/n: a number cannot start with '+' at line 1, column 6");
	reject("{\"n\":.5}", "/n: a number must have a digit before '.' at line 1, column 6");
	reject("{\"n\":1.}", "/n: expected a digit after the decimal point at line 1, column 6");
	reject("{\"n\":1.e5}", "/n: expected a digit after the decimal point at line 1, column 6");
	reject("{\"n\":1e}", "/n: expected a digit in the exponent at line 1, column 6");
	reject("{\"n\":1e+}", "/n: expected a digit in the exponent at line 1, column 6");
	reject("{\"n\":0x1F}", "/n: hexadecimal numbers are not JSON at line 1, column 6");
	reject("{\"n\":NaN}", "/n: NaN is not a JSON number at line 1, column 6");
	reject("{\"n\":Infinity}", "/n: Infinity is not a JSON number at line 1, column 6");
	reject("{\"n\":-Infinity}", "/n: -Infinity is not a JSON number at line 1, column 6");
	reject("{\"n\":-}", "/n: expected a digit after '-' at line 1, column 6");
	reject("{\"n\":1e400}", "/n: number out of range (too large for a double)");
	reject("{\"a\":[1,-1e400]}", "/a/1: number out of range (too large for a double)");
	reject("1e400", "number out of range (too large for a double)");
	reject("01", "line 1, column 1: leading zero in number");
	reject("[1.5.3]", "line 1, column 5: expected ',' or ']' after an element, found '.'");
}

static void test_accept_numbers(void **state)
{
	cJSON *j;

	(void)state;
	j = parse_ok("[0, -0, 1e-400, 0.5e+10, 1E2, -12.25e-2, 1234567890123456789012345678901234567890]");
	assert_int_equal(cJSON_GetArraySize(j), 7);
	assert_true(cJSON_GetArrayItem(j, 2)->valuedouble == 0.0); /* underflow is not an error */
	assert_true(cJSON_GetArrayItem(j, 5)->valuedouble == -0.1225);
	cJSON_Delete(j);
}

static void test_canonical_numbers(void **state)
{
	(void)state;
	assert_canonical("1.0", "1\n");
	assert_canonical("1e2", "100\n");
	assert_canonical("0.1", "0.1\n");
	assert_canonical("1.5e300", "1.5e+300\n");
	assert_canonical("-0", "0\n");
	assert_canonical("-0.0", "0\n");
	assert_canonical("9007199254740993", "9007199254740992\n");
	assert_canonical("9007199254740991", "9007199254740991\n");
	assert_canonical("-9007199254740991", "-9007199254740991\n");
	assert_canonical("1e21", "1e+21\n");
	assert_canonical("1e-7", "1e-7\n");
	assert_canonical("-2.5E-300", "-2.5e-300\n");
	assert_canonical("0.30000000000000004", "0.30000000000000004\n");
	assert_canonical("123456.789", "123456.789\n");
	assert_canonical("[1.7976931348623157e308, 5e-324]",
			 "[\n  1.7976931348623157e+308,\n  4.94065645841247e-324\n]\n");
	assert_idempotent("[\n  1.7976931348623157e+308,\n  4.94065645841247e-324\n]\n");
	assert_idempotent("[\n  1.5e+300,\n  0.1,\n  1e-7,\n  9007199254740992\n]\n");
}

/* ---- structure ---- */

static void test_reject_syntax(void **state)
{
	(void)state;
	reject("", "line 1, column 1: expected a value, found end of input");
	reject(" \n\t", "line 2, column 2: expected a value, found end of input");
	reject("[1,]", "line 1, column 4: trailing comma before ']'");
	reject("{\"a\":1,}", "line 1, column 8: trailing comma before '}'");
	reject("{\"a\" 1}", "line 1, column 6: expected ':' after member name, found '1'");
	reject("{a:1}", "line 1, column 2: expected a member name in double quotes, found 'a'");
	reject("[1 2]", "line 1, column 4: expected ',' or ']' after an element, found '2'");
	reject("{\"a\":1 \"b\":2}", "line 1, column 8: expected ',' or '}' after a member, found '\"'");
	reject("[tru]", "/0: invalid literal, expected 'true' at line 1, column 2");
	reject("nul", "line 1, column 1: invalid literal, expected 'null'");
	reject("[", "line 1, column 2: expected a value, found end of input");
	reject("{\"a\":[1,2}", "line 1, column 10: expected ',' or ']' after an element, found '}'");
	/* Form feed and vertical tab are not JSON whitespace (cJSON skips them). */
	reject("\f1", "line 1, column 1: expected a value, found byte 0x0c");
	reject("[1,\v2]", "line 1, column 4: expected a value, found byte 0x0b");
	/* Lines count from 1 and columns count code points, not bytes. */
	reject("{\n  \"title\": {\"ar\": \"حقوق\", \"en\" \"x\"}\n}",
	       "line 2, column 32: expected ':' after member name, found '\"'");
}

static void test_reject_bom(void **state)
{
	(void)state;
	reject("\xEF\xBB\xBF{}",
	       "line 1, column 1: byte order mark (U+FEFF) before the JSON text is not allowed; "
	       "save as UTF-8 without BOM");
	/* Inside a string, U+FEFF is just a character. */
	cJSON_Delete(parse_ok("[\"\xEF\xBB\xBF\"]"));
}

static void test_reject_trailing_garbage(void **state)
{
	(void)state;
	reject("{} x", "line 1, column 4: unexpected 'x' after the JSON value");
	reject("{}{}", "line 1, column 3: unexpected '{' after the JSON value");
	reject("1 2", "line 1, column 3: unexpected '2' after the JSON value");
	reject("[1]]", "line 1, column 4: unexpected ']' after the JSON value");
	cJSON_Delete(parse_ok(" {} \n\r\t"));
}

static void test_input_need_not_be_nul_terminated(void **state)
{
	char text[] = "{\"a\":1}garbage";
	char *exact;
	cJSON *j;

	(void)state;
	j = parse_ok_opts(text, 7, NULL);
	assert_int_equal(cJSON_GetObjectItem(j, "a")->valueint, 1);
	cJSON_Delete(j);
	/* A heap block of exactly len bytes: the sanitizers would see any read past it. */
	exact = malloc(7);
	assert_non_null(exact);
	memcpy(exact, "[12345]", 7);
	j = parse_ok_opts(exact, 7, NULL);
	cJSON_Delete(j);
	memcpy(exact, "[\"abcd", 6);
	reject_len_opts(exact, 6, NULL, "line 1, column 2: unterminated string");
	memcpy(exact, "[1234e", 6);
	reject_len_opts(exact, 6, NULL, "/0: expected a digit in the exponent at line 1, column 2");
	free(exact);
}

static void test_size_limit(void **state)
{
	struct hrdex_json_opts opts = { 8, 0, 0 };

	(void)state;
	cJSON_Delete(parse_ok_opts("[1,2,3] ", 8, &opts));
	reject_len_opts("[1,2,3]  ", 9, &opts, "document of 9 bytes exceeds the limit of 8 bytes");
}

static void test_depth_limit(void **state)
{
	struct hrdex_json_opts opts = { 0, 0, 0 };
	char *s;

	(void)state;
	/* Default 64: exactly at the limit passes, one beyond fails. */
	s = nested(64);
	cJSON_Delete(parse_ok(s));
	free(s);
	s = nested(65);
	hrdex_error_clear();
	{
		cJSON *j = NULL;

		assert_int_equal(hrdex_json_parse(&j, s, strlen(s), NULL), -1);
		assert_null(j);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		/* Named by its pointer: 64 array indexes, then the position. */
		assert_non_null(strstr(hrdex_error_message(),
				       "/0/0: nesting deeper than 64 levels at line 1, column 65"));
		assert_true(strncmp(hrdex_error_message(), "/0/0/0/", 7) == 0);
	}
	free(s);

	/* Objects count the same as arrays. */
	opts.max_depth = 2;
	cJSON_Delete(parse_ok_opts("{\"a\":[1]}", 9, &opts));
	reject_len_opts("{\"a\":[{}]}", 10, &opts, "/a/0: nesting deeper than 2 levels at line 1, column 7");
	reject_len_opts("{\"a\":{\"b\":{}}}", 14, &opts,
			"/a/b: nesting deeper than 2 levels at line 1, column 11");

	/* Above cJSON's own 1000 the limit is 1000, and ours speaks first. */
	opts.max_depth = 5000;
	s = nested(1000);
	cJSON_Delete(parse_ok_opts(s, strlen(s), &opts));
	free(s);
	s = nested(1001);
	hrdex_error_clear();
	{
		cJSON *j = NULL;

		assert_int_equal(hrdex_json_parse(&j, s, strlen(s), &opts), -1);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		assert_non_null(strstr(hrdex_error_message(), ": nesting deeper than 1000 levels at"));
	}
	free(s);
}

static void test_hostile_nesting(void **state)
{
	size_t n = 10000, i;
	char *s;

	(void)state;
	s = nested(n);
	hrdex_error_clear();
	{
		cJSON *j = NULL;

		assert_int_equal(hrdex_json_parse(&j, s, strlen(s), NULL), -1);
		assert_null(j);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		assert_non_null(strstr(hrdex_error_message(), "nesting deeper than 64 levels"));
	}
	/* Unclosed, and of objects: still no recursion. */
	for (i = 0; i < n; i++)
		s[i] = i % 2 ? '{' : '[';
	s[n] = '\0';
	hrdex_error_clear();
	{
		cJSON *j = NULL;
		struct hrdex_json_opts opts = { 0, 1000, 0 };

		assert_int_equal(hrdex_json_parse(&j, s, n, &opts), -1);
		assert_non_null(strstr(hrdex_error_message(), "line 1, column 3: expected a member name"));
	}
	free(s);
}

/* ---- duplicate keys ---- */

static void test_reject_duplicate_keys(void **state)
{
	(void)state;
	reject("{\"title\":{\"en\":\"a\",\"fr\":\"b\",\"en\":\"c\"}}", "/title: duplicate key 'en'");
	reject("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key 'a'");
	reject("{\"b\":1,\"a\":2,\"b\":3}", "duplicate key 'b'");
	/* Adjacent in the text, already sorted. */
	reject("{\"a\":1,\"a\":1}", "duplicate key 'a'");
	/* Escapes are decoded before comparing. */
	reject("{\"k\":{\"a\":1,\"\\u0061\":2}}", "/k: duplicate key 'a'");
	reject("{\"links\":[{\"rel\":\"x\"},{\"rel\":\"x\",\"ref\":\"y\",\"rel\":\"z\"}]}",
	       "/links/1: duplicate key 'rel'");
	/* Pointer tokens escape '~' and '/' (RFC 6901). */
	reject("{\"a/b\":{\"c~d\":{\"x\":1,\"x\":2}}}", "/a~1b/c~0d: duplicate key 'x'");
	reject("{\"عنوان\":{\"中\":1,\"中\":2}}", "/عنوان: duplicate key '中'");
	/* Messages stay on one line whatever the names hold. */
	reject("{\"a\\nb\":{\"x\\n/~\":1,\"x\\n/~\":2}}", "/a\\u000ab: duplicate key 'x\\u000a/~'");
	reject("{\"\":{\"\":1,\"\":2}}", "/: duplicate key ''");
	/* Same on the scanner's side, where the pointer comes from raw text. */
	reject("{\"a/b\":{\"c~d\":{\"x\\ty\":[01]}}}",
	       "/a~1b/c~0d/x\\u0009y/0: leading zero in number at line 1, column 24");
}

static void test_big_object(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	size_t n = 100000, i;
	cJSON *j = NULL;
	const cJSON *c;

	(void)state;
	/* Keys in descending order: the duplicate check has to sort. */
	assert_int_equal(hrdex_buf_putc(&b, '{'), 0);
	for (i = n; i-- > 0;)
		assert_int_equal(hrdex_buf_printf(&b, "\"k%06zu\":%zu%s", i, i, i ? "," : ""), 0);
	assert_int_equal(hrdex_buf_putc(&b, '}'), 0);
	assert_int_equal(hrdex_json_parse(&j, b.ptr, b.len, NULL), 0);
	/* Members come back sorted, with cJSON's list invariants intact. */
	i = 0;
	for (c = j->child; c; c = c->next, i++) {
		if (c->next)
			assert_true(strcmp(c->string, c->next->string) < 0);
		if (c != j->child)
			assert_ptr_equal(c->prev->next, c);
	}
	assert_int_equal(i, n);
	assert_null(j->child->prev->next);
	assert_true(cJSON_AddNumberToObject(j, "zz", 1) != NULL);
	assert_int_equal(cJSON_GetArraySize(j), n + 1);
	cJSON_DeleteItemFromObject(j, "k000000");
	cJSON_DeleteItemFromObject(j, "zz");
	assert_int_equal(cJSON_GetArraySize(j), n - 1);
	cJSON_Delete(j);

	/* And one duplicate among them is found. */
	hrdex_buf_clear(&b);
	assert_int_equal(hrdex_buf_putc(&b, '{'), 0);
	for (i = n; i-- > 0;)
		assert_int_equal(hrdex_buf_printf(&b, "\"k%06zu\":1,", i), 0);
	assert_int_equal(hrdex_buf_puts(&b, "\"k050000\":2}"), 0);
	reject_len_opts(b.ptr, b.len, NULL, "duplicate key 'k050000'");
	hrdex_buf_free(&b);
}

/* ---- canonical form ---- */

static const char document[] =
	"{\"type\":\"decision\",\"id\":\"2024-15\",\"publisher\":\"achpr\",\r\n"
	" \"title\":{\"fr\":\"D\\u00e9cision sur la communication 15/2024\","
	"\"en\":\"Decision on communication 15/2024\",\"ar\":\"قرار بشأن البلاغ\"},\n"
	" \"date\":\"2024-05-01\",\"countries\":[\"KEN\",\"UGA\"],\"themes\":[ ],\n"
	" \"links\":[{\"rel\":\"cites\",\"ref\":\"ohchr/report/a-hrc-55-1\"}],\n"
	" \"attachments\":[{\"name\":\"decision.pdf\",\"media_type\":\"application\\/pdf\","
	"\"bytes\":123456.0,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015\"}],\n"
	" \"extra\":{ }, \"score\":1.5E300, \"ratio\":1e-1, \"nothing\":null, \"ok\":true, \"no\":false,\n"
	" \"note\":\"line1\\nline2\\t\\\"q\\\" \\\\ \\u0001\\u001F\\u007f\\b\\f\\r end\"}";

static const char document_canonical[] =
	"{\n"
	"  \"attachments\": [\n"
	"    {\n"
	"      \"bytes\": 123456,\n"
	"      \"media_type\": \"application/pdf\",\n"
	"      \"name\": \"decision.pdf\",\n"
	"      \"sha256\": \"9f86d081884c7d659a2feaa0c55ad015\"\n"
	"    }\n"
	"  ],\n"
	"  \"countries\": [\n"
	"    \"KEN\",\n"
	"    \"UGA\"\n"
	"  ],\n"
	"  \"date\": \"2024-05-01\",\n"
	"  \"extra\": {},\n"
	"  \"id\": \"2024-15\",\n"
	"  \"links\": [\n"
	"    {\n"
	"      \"ref\": \"ohchr/report/a-hrc-55-1\",\n"
	"      \"rel\": \"cites\"\n"
	"    }\n"
	"  ],\n"
	"  \"no\": false,\n"
	"  \"note\": \"line1\\nline2\\t\\\"q\\\" \\\\ \\u0001\\u001f\x7f\\b\\f\\r end\",\n"
	"  \"nothing\": null,\n"
	"  \"ok\": true,\n"
	"  \"publisher\": \"achpr\",\n"
	"  \"ratio\": 0.1,\n"
	"  \"score\": 1.5e+300,\n"
	"  \"themes\": [],\n"
	"  \"title\": {\n"
	"    \"ar\": \"قرار بشأن البلاغ\",\n"
	"    \"en\": \"Decision on communication 15/2024\",\n"
	"    \"fr\": \"Décision sur la communication 15/2024\"\n"
	"  },\n"
	"  \"type\": \"decision\"\n"
	"}\n";

static void test_canonical_document(void **state)
{
	(void)state;
	assert_canonical(document, document_canonical);
	assert_idempotent(document_canonical);
}

static void test_canonical_scalars_and_empties(void **state)
{
	(void)state;
	assert_canonical("{}", "{}\n");
	assert_canonical("[]", "[]\n");
	assert_canonical(" \"x\" ", "\"x\"\n");
	assert_canonical("null", "null\n");
	assert_canonical("[[], {}, [[]]]", "[\n  [],\n  {},\n  [\n    []\n  ]\n]\n");
	assert_canonical("{\"a\":{\"b\":{\"c\":[1]}}}",
			 "{\n  \"a\": {\n    \"b\": {\n      \"c\": [\n        1\n      ]\n    }\n  }\n}\n");
}

static void test_compact(void **state)
{
	char *got;

	(void)state;
	got = compact_of("{\"b\": [1, {}, []], \"a\": \"x\\n\", \"c\": {\"z\": 1.5e300, \"y\": null}}");
	assert_string_equal(got, "{\"a\":\"x\\n\",\"b\":[1,{},[]],\"c\":{\"y\":null,\"z\":1.5e+300}}");
	free(got);
	got = compact_of("\"é\"");
	assert_string_equal(got, "\"é\"");
	free(got);
}

static void test_six_languages_round_trip(void **state)
{
	static const char *const langs[][2] = {
		{ "ar", "قرار اللجنة الأفريقية لحقوق الإنسان والشعوب بشأن البلاغ رقم ١٥" },
		{ "en", "Decision of the African Commission on Human and Peoples’ Rights" },
		{ "es", "Decisión de la Comisión Africana de Derechos Humanos y de los Pueblos — ¿sí? ñ" },
		{ "fr", "Décision de la Commission africaine des droits de l’homme et des peuples « œuvre »" },
		{ "he", "החלטה של הוועדה האפריקאית לזכויות אדם ועמים" },
		{ "ru", "Решение Африканской комиссии по правам человека и народов ёЁ" },
		{ "zh", "非洲人权和民族权委员会关于第15号来文的决定 𠀀" },
		{ "zz", "emoji 😀👩🏽‍⚖️🇺🇳 and RTL mark \u200F and BOM \uFEFF" },
	};
	struct hrdex_buf in = HRDEX_BUF_INIT, out = HRDEX_BUF_INIT, again = HRDEX_BUF_INIT;
	const cJSON *title;
	cJSON *j;
	size_t i;

	(void)state;
	assert_int_equal(hrdex_buf_puts(&in, "{\"title\":{"), 0);
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		assert_int_equal(hrdex_buf_printf(&in, "%s\"%s\":\"%s\"", i ? "," : "", langs[i][0],
						  langs[i][1]), 0);
	assert_int_equal(hrdex_buf_puts(&in, "}}"), 0);

	j = parse_ok_opts(in.ptr, in.len, NULL);
	title = cJSON_GetObjectItemCaseSensitive(j, "title");
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(title, langs[i][0])->valuestring,
				    langs[i][1]);
	assert_int_equal(hrdex_json_canonical(&out, j), 0);
	cJSON_Delete(j);
	/* Every text appears in the output byte for byte, unescaped. */
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		assert_non_null(strstr(out.ptr, langs[i][1]));

	j = parse_ok_opts(out.ptr, out.len, NULL);
	assert_int_equal(hrdex_json_canonical(&again, j), 0);
	cJSON_Delete(j);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.ptr, out.ptr, out.len);
	hrdex_buf_free(&in);
	hrdex_buf_free(&out);
	hrdex_buf_free(&again);
}

static void test_key_order_non_ascii(void **state)
{
	(void)state;
	/* By UTF-8 bytes, which is code point order: Z < a < zh < é < ар < עב < 中 < 😀. */
	assert_canonical("{\"😀\":8,\"中\":7,\"ар\":5,\"é\":4,\"zh\":3,\"a\":2,\"Z\":1,\"עב\":6}",
			 "{\n  \"Z\": 1,\n  \"a\": 2,\n  \"zh\": 3,\n  \"é\": 4,\n  \"ар\": 5,\n"
			 "  \"עב\": 6,\n  \"中\": 7,\n  \"😀\": 8\n}\n");
	/* U+FFFF sorts before U+10000 in UTF-8 (not in UTF-16). */
	assert_canonical("{\"\\ud800\\udc00\":2,\"\\uffff\":1}",
			 "{\n  \"\xEF\xBF\xBF\": 1,\n  \"\xF0\x90\x80\x80\": 2\n}\n");
	/* A prefix sorts first. */
	assert_canonical("{\"ab\":2,\"a\":1,\"\":0}", "{\n  \"\": 0,\n  \"a\": 1,\n  \"ab\": 2\n}\n");
}

static void test_escapes_in_output(void **state)
{
	(void)state;
	/* Only ", \ and controls below U+0020 are escaped; DEL and "/" are not. */
	assert_canonical("[\"a\\u001fb\\u007fc\\/d\\u2028e\"]",
			 "[\n  \"a\\u001fb\x7f" "c/d\xE2\x80\xA8" "e\"\n]\n");
	assert_canonical("{\"k\\n\\\"\":\"\\u000b\"}", "{\n  \"k\\n\\\"\": \"\\u000b\"\n}\n");
}

/* ---- writing trees built in code ---- */

static void test_write_built_tree(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	cJSON *root, *inner;

	(void)state;
	root = cJSON_CreateObject();
	inner = cJSON_CreateObject();
	assert_non_null(cJSON_AddStringToObject(inner, "y", "2"));
	assert_non_null(cJSON_AddStringToObject(inner, "x", "1"));
	assert_non_null(cJSON_AddNumberToObject(root, "z", -0.0));
	cJSON_AddItemToObject(root, "b", inner);
	assert_non_null(cJSON_AddNumberToObject(root, "a", 0.25));
	assert_int_equal(hrdex_json_canonical(&b, root), 0);
	assert_string_equal(b.ptr, "{\n  \"a\": 0.25,\n  \"b\": {\n    \"x\": \"1\",\n    \"y\": \"2\"\n  },\n"
				   "  \"z\": 0\n}\n");
	hrdex_buf_clear(&b);
	assert_int_equal(hrdex_json_compact(&b, root), 0);
	assert_string_equal(b.ptr, "{\"a\":0.25,\"b\":{\"x\":\"1\",\"y\":\"2\"},\"z\":0}");

	/* Failures leave the buffer as it was. */
	hrdex_buf_clear(&b);
	assert_int_equal(hrdex_buf_puts(&b, "keep"), 0);
	assert_non_null(cJSON_AddStringToObject(inner, "bad", "\xC0\x80"));
	assert_int_equal(hrdex_json_canonical(&b, root), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_string_equal(hrdex_error_message(),
			    "cannot write string: invalid UTF-8 at byte 0: overlong encoding");
	assert_string_equal(b.ptr, "keep");
	cJSON_DeleteItemFromObject(inner, "bad");

	assert_non_null(cJSON_AddNumberToObject(inner, "x", 3));
	assert_int_equal(hrdex_json_compact(&b, root), -1);
	assert_string_equal(hrdex_error_message(), "cannot write duplicate key 'x'");
	assert_string_equal(b.ptr, "keep");
	cJSON_DeleteItemFromObject(inner, "x");

	assert_non_null(cJSON_AddNumberToObject(inner, "nan", NAN));
	assert_int_equal(hrdex_json_canonical(&b, root), -1);
	assert_string_equal(hrdex_error_message(), "cannot write NaN: JSON has no such number");
	cJSON_DeleteItemFromObject(inner, "nan");
	assert_non_null(cJSON_AddNumberToObject(inner, "inf", -INFINITY));
	assert_int_equal(hrdex_json_canonical(&b, root), -1);
	assert_string_equal(hrdex_error_message(), "cannot write infinity: JSON has no such number");
	assert_string_equal(b.ptr, "keep");

	cJSON_Delete(root);
	hrdex_buf_free(&b);
}

static void test_write_deep_unsorted_tree(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT, want = HRDEX_BUF_INIT;
	cJSON *root, *o;
	int i, k;

	(void)state;
	/* Each level out of order (keys B..Z, then A), so each pushes a sorted slice on the shared stack. */
	root = cJSON_CreateObject();
	o = root;
	for (i = 0; i < 40; i++) {
		cJSON *next = cJSON_CreateObject();

		for (k = 25; k > 0; k--)
			assert_non_null(cJSON_AddNumberToObject(o, (char[]){ (char)('A' + k), 0 }, k));
		cJSON_AddItemToObject(o, "A", next);
		o = next;
	}
	assert_int_equal(hrdex_json_compact(&b, root), 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(hrdex_buf_puts(&want, "{\"A\":"), 0);
	assert_int_equal(hrdex_buf_puts(&want, "{}"), 0);
	for (i = 0; i < 40; i++) {
		for (k = 1; k <= 25; k++)
			assert_int_equal(hrdex_buf_printf(&want, ",\"%c\":%d", 'A' + k, k), 0);
		assert_int_equal(hrdex_buf_putc(&want, '}'), 0);
	}
	assert_string_equal(b.ptr, want.ptr);
	cJSON_Delete(root);
	hrdex_buf_free(&b);
	hrdex_buf_free(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_invalid_utf8),
		cmocka_unit_test(test_utf8_helpers),
		cmocka_unit_test(test_reject_nul_escape),
		cmocka_unit_test(test_reject_unpaired_surrogates),
		cmocka_unit_test(test_reject_bad_strings),
		cmocka_unit_test(test_escaped_strings_decode),
		cmocka_unit_test(test_string_limit),
		cmocka_unit_test(test_reject_bad_numbers),
		cmocka_unit_test(test_accept_numbers),
		cmocka_unit_test(test_canonical_numbers),
		cmocka_unit_test(test_reject_syntax),
		cmocka_unit_test(test_reject_bom),
		cmocka_unit_test(test_reject_trailing_garbage),
		cmocka_unit_test(test_input_need_not_be_nul_terminated),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_hostile_nesting),
		cmocka_unit_test(test_reject_duplicate_keys),
		cmocka_unit_test(test_big_object),
		cmocka_unit_test(test_canonical_document),
		cmocka_unit_test(test_canonical_scalars_and_empties),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_six_languages_round_trip),
		cmocka_unit_test(test_key_order_non_ascii),
		cmocka_unit_test(test_escapes_in_output),
		cmocka_unit_test(test_write_built_tree),
		cmocka_unit_test(test_write_deep_unsorted_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
