/* test_status.c - status.json round trip, metrics text and escaping, health. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "status.h"

static void fill(struct hrdex_status *st)
{
	struct hrdex_status_peer *p;
	struct hrdex_status_hook *h;

	memset(st, 0, sizeof(*st));
	st->updated = 1700000100;
	st->started = 1700000000;
	st->pid = 42;
	strcpy(st->publisher, "ohchr");
	p = hrdex_status_peer(st, "achpr");
	p->last_attempt = 1700000090;
	p->last_success = 1700000090;
	p->next_try = 1700000390;
	p->last_bytes = 1234;
	p->last_seconds = 0.5;
	p = hrdex_status_peer(st, "odd\"peer\\x");
	p->failures = 3;
	strcpy(p->error, "connection refused");
	assert_ptr_equal(hrdex_status_peer(st, "achpr"), &st->peers[0]);
	h = hrdex_status_hook(st, "portal");
	h->pending = 1;
	h->attempts = 2;
	st->publishers = calloc(1, sizeof(*st->publishers));
	st->npublishers = 1;
	strcpy(st->publishers[0].id, "ohchr");
	strcpy(st->publishers[0].tip, "0123456789012345678901234567890123456789");
	st->publishers[0].documents = 9;
	st->publishers[0].commit_time = 1700000000;
	st->outbox_pending = 2;
	st->counters.syncs_ok = 10;
	st->counters.syncs_unreachable = 3;
	st->counters.fetch_bytes = (int64_t)1 << 40;
	st->counters.fetch_seconds = 12.25;
	st->counters.outbox_done = 500;
	st->rejections = cJSON_Parse("[{\"peer\": \"achpr\", \"publisher\": \"iachr\", \"rule\": \"signature\"}]");
}

static void test_round_trip(void **state)
{
	struct hrdex_status a, b;
	struct hrdex_buf ja = HRDEX_BUF_INIT, jb = HRDEX_BUF_INIT;

	(void)state;
	fill(&a);
	assert_int_equal(hrdex_status_to_json(&ja, &a), 0);
	assert_int_equal(hrdex_status_from_json(&b, ja.ptr, ja.len), 0);
	assert_int_equal(hrdex_status_to_json(&jb, &b), 0);
	assert_string_equal(ja.ptr, jb.ptr);
	assert_int_equal(b.counters.fetch_bytes, (int64_t)1 << 40);
	assert_true(b.counters.fetch_seconds == 12.25);
	assert_int_equal(b.npeers, 2);
	assert_string_equal(b.peers[1].name, "odd\"peer\\x");
	assert_int_equal(b.peers[1].failures, 3);
	assert_non_null(b.rejections);
	hrdex_buf_free(&ja);
	hrdex_buf_free(&jb);
	hrdex_status_release(&a);
	hrdex_status_release(&b);
	assert_int_equal(hrdex_status_from_json(&b, "{\"version\": 2}", 14), -1);
	hrdex_status_release(&b);
	assert_int_equal(hrdex_status_from_json(&b, "[]", 2), -1);
	hrdex_status_release(&b);
}

static void test_metrics(void **state)
{
	struct hrdex_status st;
	struct hrdex_buf m = HRDEX_BUF_INIT;

	(void)state;
	fill(&st);
	assert_int_equal(hrdex_status_metrics(&m, &st), 0);
	assert_non_null(strstr(m.ptr, "# TYPE hrdex_syncs_total counter\nhrdex_syncs_total{result=\"ok\"} 10\n"));
	assert_non_null(strstr(m.ptr, "hrdex_syncs_total{result=\"unreachable\"} 3\n"));
	assert_non_null(strstr(m.ptr, "hrdex_fetch_bytes_total 1099511627776\n"));
	assert_non_null(strstr(m.ptr, "hrdex_fetch_seconds_total 12.250000\n"));
	assert_non_null(strstr(m.ptr, "hrdex_peer_up{peer=\"achpr\"} 1\n"));
	assert_non_null(strstr(m.ptr, "hrdex_peer_up{peer=\"odd\\\"peer\\\\x\"} 0\n"));
	assert_non_null(strstr(m.ptr, "hrdex_publisher_documents{publisher=\"ohchr\"} 9\n"));
	assert_non_null(strstr(m.ptr, "hrdex_webhook_pending{webhook=\"portal\"} 1\n"));
	assert_int_equal(m.ptr[m.len - 1], '\n');
	/* one TYPE line per family */
	assert_null(strstr(strstr(m.ptr, "# TYPE hrdex_syncs_total") + 1, "# TYPE hrdex_syncs_total"));
	hrdex_buf_free(&m);
	hrdex_status_release(&st);
}

static void test_escape(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	(void)state;
	assert_int_equal(hrdex_status_escape_label(&b, "a\\b\"c\nd"), 0);
	assert_string_equal(b.ptr, "a\\\\b\\\"c\\nd");
	hrdex_buf_free(&b);
}

static void test_health(void **state)
{
	struct hrdex_config c;
	struct hrdex_peer peers[2];
	struct hrdex_status st;
	struct hrdex_problems why = HRDEX_PROBLEMS_INIT;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(peers, 0, sizeof(peers));
	peers[0].name = (char *)"achpr";
	peers[1].name = (char *)"odd\"peer\\x";
	c.peers = peers;
	c.npeers = 2;
	c.status_max_age = 3600;
	c.status_max_failures = 5;
	fill(&st);
	/* fresh, failures below the threshold: healthy */
	assert_int_equal(hrdex_status_health(&st, &c, 1700000200, &why), 0);
	/* a stale status.json */
	assert_int_equal(hrdex_status_health(&st, &c, 1700000100 + 3601, &why), 2); /* and achpr's last success */
	assert_non_null(strstr(why.items[0].message, "is 'hrdex run' running?"));
	hrdex_problems_free(&why);
	/* too many failures, and the webhook too */
	c.status_max_failures = 2;
	assert_int_equal(hrdex_status_health(&st, &c, 1700000200, &why), 2);
	assert_non_null(strstr(why.items[0].message, "3 consecutive failures"));
	assert_non_null(strstr(why.items[1].message, "webhook 'portal'"));
	hrdex_problems_free(&why);
	/* a peer no longer configured does not count */
	c.npeers = 1;
	assert_int_equal(hrdex_status_health(&st, &c, 1700000200, &why), 1);
	hrdex_problems_free(&why);
	hrdex_status_release(&st);
}

static void test_merge_rejections(void **state)
{
	struct hrdex_status st;
	struct hrdex_config c;
	struct hrdex_peer peers[1];
	cJSON *a = cJSON_Parse("[{\"peer\": \"achpr\", \"rule\": \"signature\"},"
			       " {\"peer\": \"iachr\", \"rule\": \"tree\"}]");
	cJSON *b = cJSON_Parse("[{\"peer\": \"achpr\", \"rule\": \"fast-forward\"}]");

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(hrdex_status_merge_rejections(&st, a, "achpr"), 0);
	assert_int_equal(hrdex_status_merge_rejections(&st, a, "iachr"), 0);
	assert_int_equal(cJSON_GetArraySize(st.rejections), 2);
	/* a later sync of achpr replaces achpr's entries only */
	assert_int_equal(hrdex_status_merge_rejections(&st, b, "achpr"), 0);
	assert_int_equal(cJSON_GetArraySize(st.rejections), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(st.rejections, 1), "rule")->valuestring,
			    "fast-forward");
	/* a clean sync drops them */
	assert_int_equal(hrdex_status_merge_rejections(&st, NULL, "achpr"), 0);
	assert_int_equal(cJSON_GetArraySize(st.rejections), 1);
	/* a peer removed from the configuration */
	memset(&c, 0, sizeof(c));
	memset(peers, 0, sizeof(peers));
	peers[0].name = (char *)"achpr";
	c.peers = peers;
	c.npeers = 1;
	hrdex_status_prune_rejections(&st, &c);
	assert_int_equal(cJSON_GetArraySize(st.rejections), 0);
	cJSON_Delete(a);
	cJSON_Delete(b);
	hrdex_status_release(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_merge_rejections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
