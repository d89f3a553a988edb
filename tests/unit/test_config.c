/* test_config.c - hrdex.conf: defaults, bounds, unknown keys, peers, edits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "config.h"
#include "error.h"
#include "fs.h"

static char path[256];

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	snprintf(path, sizeof(path), "/tmp/hrdex-test-config-%ld.conf", (long)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	git_libgit2_shutdown();
	return 0;
}

static void write_conf(const char *text)
{
	assert_int_equal(hrdex_fs_write_atomic(path, text, strlen(text), 0644), 0);
}

static void test_defaults_and_units(void **state)
{
	struct hrdex_config *c = NULL;

	(void)state;
	write_conf("[hrdex]\n\tpublisher = achpr\n\tname = African Commission\n"
		   "[limits]\n\tdocument = 2m\n[sync]\n\tinterval = 60\n");
	assert_int_equal(hrdex_config_load(&c, path), 0);
	assert_string_equal(c->publisher, "achpr");
	assert_string_equal(c->name, "African Commission");
	assert_int_equal(c->limits.document_bytes, 2 << 20);
	assert_int_equal(c->sync_interval, 60);
	assert_int_equal(c->connect_timeout, 10);
	assert_int_equal(c->limits.attachment_bytes, (int64_t)64 << 20);
	hrdex_config_free(c);
}

static void test_unknown_key_named(void **state)
{
	struct hrdex_config *c = NULL;

	(void)state;
	write_conf("[hrdex]\n\tpublisher = achpr\n[sync]\n\tintervall = 60\n");
	assert_int_equal(hrdex_config_load(&c, path), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_CONFIG);
	assert_non_null(strstr(hrdex_error_message(), "sync.intervall"));
	assert_null(c);
}

/* A CR or LF in a URL would split the webhook's HTTP request (header
 * injection): refused, naming the key, like any other bad value. */
static void test_url_with_control_refused(void **state)
{
	static const char *const confs[] = {
		"[hrdex]\n\tpublisher = achpr\n[webhook \"ops\"]\n\turl = \"http://127.0.0.1/\\nX-Evil: 1\"\n",
		"[hrdex]\n\tpublisher = achpr\n[webhook \"ops\"]\n\turl = \"http://127.0.0.1/a\\tb\"\n",
		"[hrdex]\n\tpublisher = achpr\n[peer \"au\"]\n\turl = \"http://127.0.0.1/\\n\"\n",
		"[hrdex]\n\tpublisher = achpr\n[mirror \"gh\"]\n\turl = \"https://x/\\b\"\n",
	};
	static const char *const keys[] = { "webhook.ops.url", "webhook.ops.url", "peer.au.url", "mirror.gh.url" };
	struct hrdex_config *c = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
		write_conf(confs[i]);
		assert_int_equal(hrdex_config_load(&c, path), -1);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_CONFIG);
		assert_non_null(strstr(hrdex_error_message(), keys[i]));
		assert_null(c);
	}
	write_conf("[hrdex]\n\tpublisher = achpr\n[webhook \"ops\"]\n\turl = http://127.0.0.1:8080/hook?a=1\n");
	assert_int_equal(hrdex_config_load(&c, path), 0);
	assert_string_equal(c->hooks[0].url, "http://127.0.0.1:8080/hook?a=1");
	hrdex_config_free(c);
}

static void test_out_of_range(void **state)
{
	struct hrdex_config *c = NULL;

	(void)state;
	write_conf("[hrdex]\n\tpublisher = achpr\n[limits]\n\tdepth = 100000\n");
	assert_int_equal(hrdex_config_load(&c, path), -1);
	assert_non_null(strstr(hrdex_error_message(), "limits.depth"));
	assert_non_null(strstr(hrdex_error_message(), "out of range"));
}

static void test_missing_publisher(void **state)
{
	struct hrdex_config *c = NULL;

	(void)state;
	write_conf("[sync]\n\tinterval = 60\n");
	assert_int_equal(hrdex_config_load(&c, path), -1);
	assert_non_null(strstr(hrdex_error_message(), "hrdex.publisher"));
}

static void test_peers_edit(void **state)
{
	struct hrdex_config *c = NULL;
	const struct hrdex_peer *p;

	(void)state;
	write_conf("[hrdex]\n\tpublisher = ohchr\n");
	assert_int_equal(hrdex_config_set(path, "peer.Achpr-1.url", "git://127.0.0.1/achpr.git"), 0);
	assert_int_equal(hrdex_config_add(path, "peer.Achpr-1.publisher", "achpr"), 0);
	assert_int_equal(hrdex_config_add(path, "peer.Achpr-1.publisher", "iachr"), 0);
	assert_int_equal(hrdex_config_set(path, "peer.other.url", "file:///srv/x.git"), 0);
	assert_int_equal(hrdex_config_load(&c, path), 0);
	assert_int_equal(c->npeers, 2);
	p = hrdex_config_peer(c, "Achpr-1");
	assert_non_null(p);
	assert_string_equal(p->url, "git://127.0.0.1/achpr.git");
	assert_int_equal(p->npublishers, 2);
	assert_string_equal(p->publishers[1], "iachr");
	hrdex_config_free(c);
	assert_int_equal(hrdex_config_remove_section(path, "peer", "Achpr-1"), 0);
	assert_int_equal(hrdex_config_load(&c, path), 0);
	assert_int_equal(c->npeers, 1);
	assert_null(hrdex_config_peer(c, "Achpr-1"));
	hrdex_config_free(c);
}

static void test_peer_without_url(void **state)
{
	struct hrdex_config *c = NULL;

	(void)state;
	write_conf("[hrdex]\n\tpublisher = ohchr\n[peer \"x\"]\n\tpublisher = achpr\n");
	assert_int_equal(hrdex_config_load(&c, path), -1);
	assert_non_null(strstr(hrdex_error_message(), "peer.x.url"));
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(hrdex_publisher_valid("achpr"));
	assert_true(hrdex_publisher_valid("un-wgad"));
	assert_false(hrdex_publisher_valid("main"));
	assert_false(hrdex_publisher_valid("head"));
	assert_false(hrdex_publisher_valid("a"));
	assert_false(hrdex_publisher_valid("Achpr"));
	assert_false(hrdex_publisher_valid("1abc"));
	assert_false(hrdex_publisher_valid("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_true(hrdex_name_valid("peer.one_2"));
	assert_false(hrdex_name_valid("../x"));
	assert_false(hrdex_name_valid(".hidden"));
	assert_false(hrdex_name_valid("a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_units),
		cmocka_unit_test(test_unknown_key_named),
		cmocka_unit_test(test_url_with_control_refused),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_missing_publisher),
		cmocka_unit_test(test_peers_edit),
		cmocka_unit_test(test_peer_without_url),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
