/*
 * serve.c - hrdex serve (serve.h): routing, limits and the wire; what is
 * answered comes from oai.c (OAI-PMH, Atom), output.c (iCalendar),
 * status.c (health) and the files of the site.
 */
#include "serve.h"
#include "regtypes.h"
#include "site.h"
#include "cache.h"
#include "error.h"
#include "fs.h"
#include "log.h"
#include "oai.h"
#include "output.h"
#include "state.h"
#include "status.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

/* A query string larger than this, or with more arguments, is refused (400). */
#define MAX_ARGS 16
#define MAX_QUERY 4096

struct server {
	char *dir;
	struct hrdex_state *state;
	char listen[128];
};

struct args {
	struct hrdex_oai_arg items[MAX_ARGS];
	size_t count, bytes;
	int bad;
};

/* 1 when s is UTF-8 (utf8.h's rule) with no control character. */
static int clean_text(const char *s)
{
	const unsigned char *p;

	if (hrdex_utf8_valid(s, strlen(s)) < 0)
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args *a = cls;

	(void)kind;
	if (!value)
		value = "";
	a->bytes += strlen(key) + strlen(value) + 2;
	if (a->count == MAX_ARGS || a->bytes > MAX_QUERY || !*key || !clean_text(key) || !clean_text(value)) {
		a->bad = 1;
		return MHD_NO;
	}
	a->items[a->count].key = key;
	a->items[a->count].value = value;
	a->count++;
	return MHD_YES;
}

static const char *arg(const struct args *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		if (!strcmp(a->items[i].key, key))
			return a->items[i].value;
	return NULL;
}

static enum MHD_Result send_buf(struct MHD_Connection *conn, unsigned status, const char *type,
				struct hrdex_buf *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = body->len;
	char *data = hrdex_buf_detach(body);

	if (!data)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || hrdex_buf_puts(&b, line) < 0 || hrdex_buf_putc(&b, '\n') < 0) {
		hrdex_buf_free(&b);
		return MHD_NO;
	}
	return send_buf(conn, status, "text/plain; charset=utf-8", &b);
}

/* The server's root URL as the client reached it (through nginx: Host and
 * X-Forwarded-Proto); the listen address when Host is missing or odd. */
static void root_url(char *out, size_t n, struct MHD_Connection *conn, const struct server *sv)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	const char *p;

	for (p = host; p && *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *p))
			host = NULL;
	if (!host || !*host || strlen(host) > 255)
		host = sv->listen;
	snprintf(out, n, "%s://%s", proto && !strcmp(proto, "https") ? "https" : "http", host);
}

static int open_cache(struct hrdex_cache **c, const struct server *sv)
{
	char *path = hrdex_state_path(sv->state, "cache.db");
	int ret;

	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	ret = hrdex_cache_open(c, path, 1);
	free(path);
	return ret;
}

static enum MHD_Result unavailable(struct MHD_Connection *conn)
{
	return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", hrdex_error_message());
}

/* ---- /healthz, /metrics ---- */

static enum MHD_Result healthz(struct MHD_Connection *conn, const struct server *sv)
{
	struct hrdex_status st;
	struct hrdex_problems why = HRDEX_PROBLEMS_INIT;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	struct hrdex_cache *c = NULL;
	struct hrdex_cache_stats stats;
	struct hrdex_config *conf = NULL;
	char *conf_path = hrdex_state_path(sv->state, "hrdex.conf");
	int have = 0, ok;
	size_t i;

	memset(&st, 0, sizeof(st));
	/* read now, as `hrdex status` does: peers come and go while we run */
	if (!conf_path || hrdex_config_load(&conf, conf_path) < 0)
		hrdex_problems_add(&why, "/config", "config", "cannot read hrdex.conf: %s", hrdex_error_message());
	free(conf_path);
	if (hrdex_status_read(&st, sv->dir) == 0)
		have = 1;
	else if (hrdex_error_kind() != HRDEX_E_NOTFOUND)
		hrdex_problems_add(&why, "/status", "status", "cannot read status.json: %s", hrdex_error_message());
	st.service = hrdex_status_service_running(sv->dir);
	if (!have && st.service < 0)
		hrdex_problems_add(&why, "/status", "status", "no status.json: 'hrdex run' has not run here");
	/* the same thresholds and reasons as `hrdex status` */
	if (have && conf && hrdex_status_health(&st, conf, (int64_t)time(NULL), &why) < 0)
		hrdex_problems_add(&why, "/status", "status", "out of memory");
	if (open_cache(&c, sv) < 0 || hrdex_cache_stats(c, &stats) < 0)
		hrdex_problems_add(&why, "/cache", "cache", "the cache cannot be read (%s)", hrdex_error_message());
	hrdex_cache_close(c);
	ok = why.count == 0;
	hrdex_buf_puts(&b, ok ? "healthy\n" : "unhealthy\n");
	for (i = 0; i < why.count; i++)
		hrdex_buf_printf(&b, "%s\n", why.items[i].message);
	hrdex_problems_free(&why);
	hrdex_status_release(&st);
	hrdex_config_free(conf);
	return send_buf(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", &b);
}

static enum MHD_Result metrics(struct MHD_Connection *conn, const struct server *sv)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(sv->state, "metrics.prom");

	if (!path || hrdex_fs_read(&b, path, 64u << 20) < 0) {
		free(path);
		hrdex_buf_free(&b);
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics.prom: 'hrdex run' has not written it");
	}
	free(path);
	return send_buf(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b);
}

/* ---- /oai, /feeds ---- */

static enum MHD_Result oai(struct MHD_Connection *conn, const struct server *sv, const struct args *a)
{
	struct hrdex_cache *c = NULL;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char root[300], base[320], name[128];
	int ret;

	root_url(root, sizeof(root), conn, sv);
	snprintf(base, sizeof(base), "%s/oai", root);
	snprintf(name, sizeof(name), "hrdex agent of %s", sv->state->config->publisher);
	if (open_cache(&c, sv) < 0)
		return unavailable(conn);
	ret = hrdex_oai_respond(c, base, name, a->items, a->count, &b);
	hrdex_cache_close(c);
	if (ret < 0) {
		hrdex_buf_free(&b);
		return unavailable(conn);
	}
	return send_buf(conn, MHD_HTTP_OK, "text/xml; charset=utf-8", &b);
}

/* 1 when s is a plain value for a feed or filter: [A-Za-z0-9_-], 1..64. */
static int plain(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", s[i]))
			return 0;
	return 1;
}

static enum MHD_Result feed(struct MHD_Connection *conn, const struct server *sv, const char *url)
{
	static const char *const kinds[] = { "publisher", "type", "country" };
	struct hrdex_changes_query q = { 0 };
	struct hrdex_cache *c = NULL;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	const char *rest = url + strlen("/feeds/"), *dot;
	char value[72], title[160], root[300], self[400];
	size_t i, n;
	int ret;

	if (!strcmp(rest, "all.atom")) {
		snprintf(title, sizeof(title), "hrdex: all documents (%s)", sv->state->config->publisher);
	} else {
		for (i = 0; i < 3; i++) {
			n = strlen(kinds[i]);
			if (!strncmp(rest, kinds[i], n) && rest[n] == '/')
				break;
		}
		if (i == 3)
			return send_text(conn, MHD_HTTP_NOT_FOUND, "no such feed");
		rest += n + 1;
		dot = strrchr(rest, '.');
		if (!dot || strcmp(dot, ".atom") || !plain(rest, (size_t)(dot - rest)))
			return send_text(conn, MHD_HTTP_NOT_FOUND, "no such feed");
		snprintf(value, sizeof(value), "%.*s", (int)(dot - rest), rest);
		if (i == 0)
			q.publisher = value;
		else if (i == 1)
			q.type = value;
		else
			q.country = value;
		snprintf(title, sizeof(title), "hrdex: %s %s", kinds[i], value);
	}
	root_url(root, sizeof(root), conn, sv);
	snprintf(self, sizeof(self), "%s%s", root, url);
	if (open_cache(&c, sv) < 0)
		return unavailable(conn);
	ret = hrdex_atom_feed(c, &q, title, self, root, &b);
	hrdex_cache_close(c);
	if (ret < 0) {
		hrdex_buf_free(&b);
		return unavailable(conn);
	}
	return send_buf(conn, MHD_HTTP_OK, "application/atom+xml; charset=utf-8", &b);
}

/* ---- /calendar.ics ---- */

struct ics {
	struct hrdex_output *out;
	struct hrdex_buf *b;
};

static int ics_row(const struct hrdex_query_row *row, void *payload)
{
	struct ics *x = payload;

	return hrdex_output_row(x->out, x->b, row);
}

static int ics_withdrawn(const struct hrdex_change_row *r, void *payload)
{
	struct ics *x = payload;
	struct hrdex_query_row row;

	if (!r->deleted || !r->json)
		return 0;
	memset(&row, 0, sizeof(row));
	row.ref = r->ref;
	row.publisher = r->publisher;
	row.type = r->type;
	row.id = r->id;
	row.date = r->date;
	row.start = r->start;
	row.end = r->end;
	row.title = r->title;
	row.lang = r->lang;
	row.countries = r->countries;
	row.json = r->json;
	row.sequence = r->sequence;
	row.withdrawn = 1;
	return hrdex_output_row(x->out, x->b, &row);
}

static enum MHD_Result calendar(struct MHD_Connection *conn, const struct server *sv, const struct args *a)
{
	static const char *const calendar_types[] = { "event", "visit" };
	const char *publisher = arg(a, "publisher"), *country = arg(a, "country"), *type = arg(a, "type");
	struct hrdex_output_opts oo = { 0 };
	struct hrdex_query q = { 0 };
	struct hrdex_cache *c = NULL;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	struct ics x = { NULL, &b };
	size_t i;
	int ret;

	for (i = 0; i < a->count; i++) {
		const char *k = a->items[i].key;

		if (strcmp(k, "publisher") && strcmp(k, "country") && strcmp(k, "type"))
			return send_text(conn, MHD_HTTP_BAD_REQUEST, "unknown parameter '%s' (publisher, country, type)", k);
		if (!plain(a->items[i].value, strlen(a->items[i].value)))
			return send_text(conn, MHD_HTTP_BAD_REQUEST, "bad value of '%s'", k);
	}
	if (type && strcmp(type, "event") && strcmp(type, "visit"))
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "type must be event or visit");
	q.publisher.items = publisher ? &publisher : NULL;
	q.publisher.count = publisher ? 1 : 0;
	q.country.items = country ? &country : NULL;
	q.country.count = country ? 1 : 0;
	q.type.items = type ? &type : calendar_types;
	q.type.count = type ? 1 : 2;
	q.sort = HRDEX_SORT_DATE_ASC;
	oo.format = HRDEX_FORMAT_ICS;
	oo.now = time(NULL);
	if (hrdex_output_new(&x.out, &oo) < 0)
		return unavailable(conn);
	if (open_cache(&c, sv) < 0) {
		hrdex_output_free(x.out);
		return unavailable(conn);
	}
	ret = hrdex_cache_query(c, &q, ics_row, &x);
	/* withdrawn events stay on the calendar, cancelled, so that a
	 * subscribed client removes them instead of keeping a stale copy */
	for (i = 0; ret == 0 && i < q.type.count; i++) {
		struct hrdex_changes_query cq = { .publisher = publisher, .country = country, .type = q.type.items[i] };

		ret = hrdex_cache_changes(c, &cq, ics_withdrawn, &x);
	}
	if (ret == 0)
		ret = hrdex_output_finish(x.out, &b);
	hrdex_cache_close(c);
	hrdex_output_free(x.out);
	if (ret < 0) {
		hrdex_buf_free(&b);
		return unavailable(conn);
	}
	return send_buf(conn, MHD_HTTP_OK, "text/calendar; charset=utf-8", &b);
}

/* ---- the site ---- */

static const char *content_type(const char *name)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" }, { ".json", "application/json" },
		{ ".ics", "text/calendar; charset=utf-8" }, { ".xml", "application/xml" },
		{ ".svg", "image/svg+xml" }, { ".png", "image/png" }, { ".txt", "text/plain; charset=utf-8" },
		{ ".atom", "application/atom+xml" }, { ".csv", "text/csv; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

/* Walk url under STATE/site one segment at a time, never following a
 * symbolic link, never a dot segment: the open file, or -1 (404). */
static int site_open(const struct server *sv, const char *url, int *is_dir, char *last, size_t lastn)
{
	char seg[256];
	const char *p = url + 1;
	int fd, next;
	struct stat sb;
	char *site = hrdex_site_path(sv->dir, sv->state->config);

	*is_dir = 0;
	if (!site)
		return -1;
	/* the root is the link `hrdex site` swaps atomically (site.h): followed;
	 * nothing below it is */
	fd = open(site, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(site);
	snprintf(last, lastn, "index.html");
	while (fd >= 0 && *p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!n && slash) {  /* "//" */
			close(fd);
			return -1;
		}
		if (n >= sizeof(seg) || p[0] == '.') {
			close(fd);
			return -1;
		}
		memcpy(seg, p, n);
		seg[n] = 0;
		next = openat(fd, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		close(fd);
		fd = next;
		if (fd < 0 || fstat(fd, &sb) < 0)
			break;
		snprintf(last, lastn, "%s", seg);
		if (S_ISREG(sb.st_mode) && !slash)
			return fd;
		if (!S_ISDIR(sb.st_mode))
			break;
		if (!slash) {  /* a folder named without its "/" */
			*is_dir = 1;
			close(fd);
			return -1;
		}
		p = slash + 1;
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		close(fd);
		return -1;
	}
	next = openat(fd, "index.html", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	close(fd);
	if (next >= 0 && (fstat(next, &sb) < 0 || !S_ISREG(sb.st_mode))) {
		close(next);
		return -1;
	}
	snprintf(last, lastn, "index.html");
	return next;
}

static enum MHD_Result site(struct MHD_Connection *conn, const struct server *sv, const char *url)
{
	struct MHD_Response *r;
	struct stat sb;
	enum MHD_Result ret;
	char last[256];
	int is_dir, fd = site_open(sv, url, &is_dir, last, sizeof(last));

	if (fd < 0 && is_dir) {
		char to[1100];

		snprintf(to, sizeof(to), "%s/", url);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, "Location", to);
		ret = MHD_queue_response(conn, MHD_HTTP_MOVED_PERMANENTLY, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (fd < 0)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (fstat(fd, &sb) < 0 || !(r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd))) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", content_type(last));
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- dispatch ---- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **state)
{
	const struct server *sv = cls;
	struct args a;

	(void)version;
	(void)upload;
	/* the first call has the headers: refuse other methods before any body */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
	if (!*state) {
		*state = conn;
		return MHD_YES;
	}
	if (*upload_size)
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "no request body is accepted");
	memset(&a, 0, sizeof(a));
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect, &a);
	if (a.bad)
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "bad query string (at most %d arguments, %d bytes, UTF-8 text)",
				 MAX_ARGS, MAX_QUERY);
	if (url[0] != '/' || !clean_text(url) || strlen(url) > 1024)
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "bad path");
	if (!strcmp(url, "/healthz"))
		return healthz(conn, sv);
	if (!strcmp(url, "/metrics"))
		return metrics(conn, sv);
	if (!strcmp(url, "/oai"))
		return oai(conn, sv, &a);
	if (!strncmp(url, "/feeds/", 7))
		return feed(conn, sv, url);
	if (!strcmp(url, "/calendar.ics"))
		return calendar(conn, sv, &a);
	return site(conn, sv, url);
}

/* ---- listen, run ---- */

static int parse_listen(struct sockaddr_storage *ss, const char *s)
{
	char host[128], *end;
	const char *colon, *h = s;
	size_t hn;
	unsigned long port;
	struct addrinfo hints, *res = NULL;

	if (s[0] == '[') {
		const char *close_b = strchr(s, ']');

		if (!close_b || close_b[1] != ':')
			return hrdex_error_set(HRDEX_E_USAGE, "bad --listen '%s' (ADDR:PORT or [ADDR6]:PORT)", s);
		h = s + 1;
		hn = (size_t)(close_b - h);
		colon = close_b + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return hrdex_error_set(HRDEX_E_USAGE, "bad --listen '%s' (ADDR:PORT or [ADDR6]:PORT)", s);
		hn = (size_t)(colon - s);
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!hn || hn >= sizeof(host) || errno || *end || !colon[1] || port == 0 || port > 65535)
		return hrdex_error_set(HRDEX_E_USAGE, "bad --listen '%s' (ADDR:PORT or [ADDR6]:PORT)", s);
	memcpy(host, h, hn);
	host[hn] = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
		return hrdex_error_set(HRDEX_E_USAGE, "bad --listen '%s': '%s' is not a numeric address", s, host);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	hrdex_log_warn("serve: %s", line);
}

int hrdex_serve(const char *dir, const struct hrdex_serve_opts *o)
{
	struct server sv = { 0 };
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig = 0, ret = -1;
	const char *listen = o->listen ? o->listen : HRDEX_SERVE_DEFAULT_LISTEN;

	memset(&ss, 0, sizeof(ss));
	if (parse_listen(&ss, listen) < 0)
		return -1;
	snprintf(sv.listen, sizeof(sv.listen), "%s", listen);
	sv.dir = (char *)dir;
	if (hrdex_state_open(&sv.state, dir, 0) < 0)
		return -1;
	/* the labels of the types the registry added (regtypes.h) */
	if (hrdex_regtypes_load(sv.state) < 0) {
		hrdex_state_free(sv.state);
		return -1;
	}
	/* the pool threads inherit the mask: only this thread takes signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, handle, &sv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4, MHD_OPTION_CONNECTION_LIMIT,
			     o->connections ? o->connections : 64u, MHD_OPTION_CONNECTION_TIMEOUT,
			     o->timeout ? o->timeout : 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
			     MHD_OPTION_END);
	if (!d) {
		hrdex_error_errno(HRDEX_E_UNAVAILABLE, "cannot listen on '%s'", listen);
		goto cleanup;
	}
	hrdex_log_info("serve: listening on %s for '%s'", listen, dir);
	do {
		if (sigwait(&set, &sig) != 0)
			break;
	} while (sig == SIGHUP);
	hrdex_log_info("serve: stopping (signal %d)", sig);
	MHD_stop_daemon(d);
	ret = 0;
cleanup:
	hrdex_state_free(sv.state);
	return ret;
}
