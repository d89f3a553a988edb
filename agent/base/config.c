/*
 * config.c - hrdex.conf: the key table, loading, checking, editing.
 */
#include "config.h"
#include "buf.h"
#include "error.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

/* Integer keys: name as libgit2 reports it (section and key lowercased). */
struct int_key {
	const char *name;
	size_t offset;     /* into struct hrdex_config */
	int64_t def, min, max;
};

#define CFG(field) offsetof(struct hrdex_config, field)
#define LIM(field) (offsetof(struct hrdex_config, limits) + offsetof(struct hrdex_limits, field))

static const struct int_key int_keys[] = {
	{ "sync.interval", CFG(sync_interval), 300, 1, 7 * 86400 },
	{ "sync.jitter", CFG(sync_jitter), 30, 0, 86400 },
	{ "sync.connecttimeout", CFG(connect_timeout), 10, 1, 600 },
	{ "sync.timeout", CFG(transfer_timeout), 120, 1, 86400 },
	{ "sync.backoffmax", CFG(backoff_max), 3600, 1, 7 * 86400 },
	{ "sync.passtimeout", CFG(pass_timeout), 900, 1, 86400 },
	{ "outbox.settle", CFG(outbox_settle), 2, 0, 3600 },
	{ "outbox.interval", CFG(outbox_interval), 5, 1, 3600 },
	{ "outbox.batch", CFG(outbox_batch), 1000, 1, 100000 },
	{ "status.maxage", CFG(status_max_age), 3600, 1, 365 * 86400 },
	{ "status.maxfailures", CFG(status_max_failures), 5, 1, 1000000 },
	{ "network.staleafter", CFG(stale_after), 30 * 86400, 1, (int64_t)10 * 366 * 86400 },
	{ "webhook.timeout", CFG(hook_timeout), 10, 1, 600 },
	{ "webhook.connecttimeout", CFG(hook_connect_timeout), 5, 1, 600 },
	{ "webhook.backoffmax", CFG(hook_backoff_max), 3600, 1, 86400 },
	{ "limits.document", LIM(document_bytes), 1 << 20, 1024, (int64_t)64 << 20 },
	{ "limits.attachment", LIM(attachment_bytes), (int64_t)64 << 20, 0, (int64_t)4 << 30 },
	{ "limits.fetch", LIM(fetch_bytes), (int64_t)1 << 30, 1 << 20, (int64_t)64 << 30 },
	{ "limits.commits", LIM(fetch_commits), 100000, 1, 100000000 },
	{ "limits.treeentries", LIM(tree_entries), 1000000, 16, 100000000 },
	{ "limits.depth", LIM(json_depth), 64, 4, 512 },
	{ "limits.string", LIM(string_bytes), 256 << 10, 64, (int64_t)16 << 20 },
};

int hrdex_publisher_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n < 2 || n > 32 || id[0] < 'a' || id[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
			return 0;
	return strcmp(id, "main") && strcmp(id, "head");
}

/* The forms libgit2 1.5 fetches from and pushes to (a bare local path
 * is not one of them: it answers "unsupported URL protocol"). */
#define GIT_URL_FORMS "file:///PATH, git://HOST[:PORT]/PATH, http(s)://HOST[:PORT]/PATH, " \
		      "ssh://[USER@]HOST[:PORT]/PATH or USER@HOST:PATH"

static int url_bad(const char *url, const char *why)
{
	return hrdex_error_set(HRDEX_E_CONFIG, "'%s': %s; expected " GIT_URL_FORMS, url, why);
}

int hrdex_git_url_check(const char *url)
{
	static const char *const schemes[] = { "file", "git", "http", "https", "ssh" };
	const char *p, *colon = strchr(url, ':'), *host, *end, *at;
	size_t i, n;

	if (!*url)
		return url_bad(url, "empty URL");
	if (url[0] == '-')
		return url_bad(url, "a URL cannot start with '-'");
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return url_bad(url, "spaces and control characters need percent-encoding");
	if (url[0] == '/' || url[0] == '.')
		return url_bad(url, "a local path needs file:// before it");
	if (!colon)
		return url_bad(url, "no scheme");
	if (strncmp(colon, "://", 3)) {
		/* scp-like USER@HOST:PATH, as git and libgit2 read it (ssh).
		 * Without USER@ it is refused: "127.0.0.1:19412/repo.git" is a
		 * forgotten scheme far more often than host 127.0.0.1, path
		 * 19412/repo.git. */
		const char *slash = strchr(url, '/');

		at = strchr(url, '@');
		if (!at || at > colon || at == url || (slash && slash < colon))
			return url_bad(url, "no scheme");
		if (at + 1 == colon)
			return url_bad(url, "no host");
		if (!colon[1])
			return url_bad(url, "no path after the host");
		return 0;
	}
	n = (size_t)(colon - url);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i]) == n && !strncmp(url, schemes[i], n))
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		char why[96];

		hrdex_fmt_cut(why, sizeof(why), "unknown scheme '%.*s'", (int)(n < 32 ? n : 32), url);
		return url_bad(url, why);
	}
	host = colon + 3;
	if (i == 0) /* file:///PATH: libgit2 takes no host */
		return host[0] == '/' && host[1] ? 0 : url_bad(url, "file:// needs an absolute path (file:///srv/x.git)");
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	if (host == end || *host == ':')
		return url_bad(url, "no host");
	/* HOST[:PORT], HOST an [IPv6] literal or a name without ':' */
	p = host;
	if (*p == '[') {
		p = memchr(p, ']', (size_t)(end - p));
		if (!p)
			return url_bad(url, "unclosed '[' in the host");
		p++;
	} else {
		p = memchr(p, ':', (size_t)(end - p));
		if (!p)
			p = end;
	}
	if (p < end) {
		long port = 0;

		if (*p != ':' || p + 1 == end || end - p > 6)
			return url_bad(url, "bad port");
		for (p++; p < end; p++) {
			if (*p < '0' || *p > '9')
				return url_bad(url, "bad port");
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return url_bad(url, "bad port");
	}
	if (*end != '/' || !end[1])
		return url_bad(url, "no path after the host");
	return 0;
}

int hrdex_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 1 || n > 64 || name[0] == '.' || name[0] == '-' || name[0] == '_')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return strstr(name, "..") == NULL;
}

void hrdex_config_free(struct hrdex_config *c)
{
	size_t i, j;

	if (!c)
		return;
	for (i = 0; i < c->npeers; i++) {
		free(c->peers[i].name);
		free(c->peers[i].url);
		free(c->peers[i].ssh_key);
		for (j = 0; j < c->peers[i].npublishers; j++)
			free(c->peers[i].publishers[j]);
		free(c->peers[i].publishers);
	}
	free(c->peers);
	for (i = 0; i < c->nmirrors; i++) {
		free(c->mirrors[i].name);
		free(c->mirrors[i].url);
		free(c->mirrors[i].secret);
	}
	free(c->mirrors);
	for (i = 0; i < c->nhooks; i++) {
		free(c->hooks[i].name);
		free(c->hooks[i].url);
		free(c->hooks[i].secret);
	}
	free(c->hooks);
	for (i = 0; i < c->nnames; i++) {
		free(c->names[i].id);
		free(c->names[i].name);
	}
	free(c->names);
	for (i = 0; i < c->nregistry_names; i++) {
		free(c->registry_names[i].id);
		free(c->registry_names[i].name);
	}
	free(c->registry_names);
	free(c->registry);
	free(c->registry_url);
	free(c->site_dir);
	free(c->site_title);
	free(c->path);
	free(c->publisher);
	free(c->name);
	free(c);
}

const struct hrdex_peer *hrdex_config_peer(const struct hrdex_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->npeers; i++)
		if (!strcmp(c->peers[i].name, name))
			return &c->peers[i];
	return NULL;
}

const char *hrdex_config_publisher_name(const struct hrdex_config *c, const char *id)
{
	size_t i;

	if (!c || !id)
		return NULL;
	if (c->publisher && !strcmp(c->publisher, id)) {
		if (c->name && c->name[0])
			return c->name;
	} else {
		for (i = 0; i < c->nnames; i++)
			if (!strcmp(c->names[i].id, id))
				return c->names[i].name[0] ? c->names[i].name : NULL;
	}
	for (i = 0; i < c->nregistry_names; i++)
		if (!strcmp(c->registry_names[i].id, id))
			return c->registry_names[i].name[0] ? c->registry_names[i].name : NULL;
	return NULL;
}

static int set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static struct hrdex_peer *peer_for(struct hrdex_config *c, const char *sub, size_t sublen)
{
	struct hrdex_peer *p;
	size_t i;

	for (i = 0; i < c->npeers; i++)
		if (strlen(c->peers[i].name) == sublen && !strncmp(c->peers[i].name, sub, sublen))
			return &c->peers[i];
	p = realloc(c->peers, (c->npeers + 1) * sizeof(*p));
	if (!p)
		return NULL;
	c->peers = p;
	p = &c->peers[c->npeers];
	memset(p, 0, sizeof(*p));
	p->name = strndup(sub, sublen);
	if (!p->name)
		return NULL;
	c->npeers++;
	return p;
}

static struct hrdex_remote *remote_for(struct hrdex_remote **list, size_t *n, const char *sub,
				       size_t sublen)
{
	struct hrdex_remote *r;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*list)[i].name) == sublen && !strncmp((*list)[i].name, sub, sublen))
			return &(*list)[i];
	r = realloc(*list, (*n + 1) * sizeof(*r));
	if (!r)
		return NULL;
	*list = r;
	r = &r[*n];
	memset(r, 0, sizeof(*r));
	r->name = strndup(sub, sublen);
	if (!r->name)
		return NULL;
	(*n)++;
	return r;
}

/* A URL the agent hands to libcurl, libgit2 or a log line: a CR or LF in
 * it would split a request line or a header, so no control byte at all. */
static int check_url(const char *section, const char *name, const char *value)
{
	const char *p;

	for (p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return hrdex_error_set(HRDEX_E_CONFIG,
					       "%s.%s.url: control character (0x%02x) at byte %zu of the URL",
					       section, name, (unsigned char)*p, (size_t)(p - value));
	return 0;
}

int hrdex_bundle_is_path(const char *s)
{
	size_t len = strlen(s);

	return len > 7 && !strcmp(s + len - 7, ".bundle") && !strstr(s, "://");
}

/* SECTION.NAME.url: a git URL (hrdex_git_url_check), named in the error;
 * for a peer, also the absolute path of a bundle file. */
static int url_key(char **out, const char *section, const char *name, const char *value)
{
	char why[1024];

	if (check_url(section, name, value) < 0)
		return -1;
	if (hrdex_git_url_check(value) == 0 ||
	    (!strcmp(section, "peer") && value[0] == '/' && hrdex_bundle_is_path(value)))
		return set_string(out, value);
	hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
	return hrdex_error_set(HRDEX_E_CONFIG, "%s.%s.url: %s", section, name, why);
}

/* One "section.sub.key = value" with a subsection. */
static int load_sub_entry(struct hrdex_config *c, const char *section, const char *sub, size_t sublen,
			  const char *key, const char *value)
{
	char name[128];

	snprintf(name, sizeof(name), "%.*s", (int)(sublen < 100 ? sublen : 100), sub); /* cut to 100 on purpose: a longer name is refused below */
	if (!hrdex_name_valid(name) || sublen > 64)
		return hrdex_error_set(HRDEX_E_CONFIG, "%s.%s: invalid name", section, name);
	if (!strcmp(section, "peer")) {
		struct hrdex_peer *p = peer_for(c, sub, sublen);

		if (!p)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		if (!strcmp(key, "url"))
			return url_key(&p->url, "peer", name, value);
		if (!strcmp(key, "sshkey"))
			return set_string(&p->ssh_key, value);
		if (!strcmp(key, "publisher")) {
			char **list;

			if (!hrdex_publisher_valid(value))
				return hrdex_error_set(HRDEX_E_CONFIG, "peer.%s.publisher: invalid publisher id '%s'",
						       name, value);
			list = realloc(p->publishers, (p->npublishers + 1) * sizeof(*list));
			if (!list)
				return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			p->publishers = list;
			list[p->npublishers] = strdup(value);
			if (!list[p->npublishers])
				return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			p->npublishers++;
			return 0;
		}
	} else if (!strcmp(section, "publisher")) {
		struct hrdex_publisher_name *list;
		size_t i;

		if (!hrdex_publisher_valid(name))
			return hrdex_error_set(HRDEX_E_CONFIG, "publisher.%s: invalid publisher id", name);
		if (strcmp(key, "name"))
			return hrdex_error_set(HRDEX_E_CONFIG, "%s.%s.%s: unknown key", section, name, key);
		for (i = 0; i < c->nnames; i++)
			if (!strcmp(c->names[i].id, name))
				return set_string(&c->names[i].name, value);
		list = realloc(c->names, (c->nnames + 1) * sizeof(*list));
		if (!list)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		c->names = list;
		list[c->nnames].id = strdup(name);
		list[c->nnames].name = strdup(value);
		if (!list[c->nnames].id || !list[c->nnames].name) {
			free(list[c->nnames].id);
			free(list[c->nnames].name);
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		}
		c->nnames++;
		return 0;
	} else if (!strcmp(section, "mirror") || !strcmp(section, "webhook")) {
		int mirror = !strcmp(section, "mirror");
		struct hrdex_remote *r = mirror ? remote_for(&c->mirrors, &c->nmirrors, sub, sublen)
						: remote_for(&c->hooks, &c->nhooks, sub, sublen);

		if (!r)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		if (!mirror && !strcmp(key, "url") && strncmp(value, "http://", 7) &&
		    strncmp(value, "https://", 8))
			return hrdex_error_set(HRDEX_E_CONFIG, "webhook.%s.url: expected an http:// or https:// URL, not '%s'",
					       name, value);
		if (mirror && !strcmp(key, "url"))
			return url_key(&r->url, "mirror", name, value);
		if (!strcmp(key, "url"))
			return check_url(section, name, value) < 0 ? -1 : set_string(&r->url, value);
		if (!mirror && !strcmp(key, "secret"))
			return set_string(&r->secret, value);
		if (mirror && !strcmp(key, "branches")) {
			if (strcmp(value, "own") && strcmp(value, "all"))
				return hrdex_error_set(HRDEX_E_CONFIG,
						       "mirror.%s.branches: expected 'own' or 'all', not '%s'",
						       name, value);
			r->all = !strcmp(value, "all");
			return 0;
		}
	}
	return hrdex_error_set(HRDEX_E_CONFIG, "%s.%s.%s: unknown key", section, name, key);
}

static int load_entry(struct hrdex_config *c, const git_config_entry *e)
{
	const char *name = e->name, *value = e->value ? e->value : "";
	const char *dot1 = strchr(name, '.'), *dot2 = strrchr(name, '.');
	size_t i;

	if (!dot1)
		return hrdex_error_set(HRDEX_E_CONFIG, "%s: unknown key", name);
	if (dot1 != dot2) {
		char section[32];
		size_t seclen = (size_t)(dot1 - name);

		if (seclen >= sizeof(section))
			return hrdex_error_set(HRDEX_E_CONFIG, "%s: unknown key", name);
		memcpy(section, name, seclen);
		section[seclen] = '\0';
		return load_sub_entry(c, section, dot1 + 1, (size_t)(dot2 - dot1 - 1), dot2 + 1, value);
	}
	if (!strcmp(name, "hrdex.publisher")) {
		if (!hrdex_publisher_valid(value))
			return hrdex_error_set(HRDEX_E_CONFIG,
					       "hrdex.publisher: invalid publisher id '%s'", value);
		return set_string(&c->publisher, value);
	}
	if (!strcmp(name, "hrdex.name"))
		return set_string(&c->name, value);
	if (!strcmp(name, "site.enabled")) {
		if (git_config_parse_bool(&c->site_enabled, value) < 0)
			return hrdex_error_set(HRDEX_E_CONFIG, "%s: expected a boolean, not '%s'",
					       name, value);
		return 0;
	}
	if (!strcmp(name, "site.dir")) {
		if (!value[0])
			return hrdex_error_set(HRDEX_E_CONFIG, "%s: empty path", name);
		return set_string(&c->site_dir, value);
	}
	if (!strcmp(name, "site.title"))
		return set_string(&c->site_title, value);
	if (!strcmp(name, "registry.publisher")) {
		if (!hrdex_publisher_valid(value))
			return hrdex_error_set(HRDEX_E_CONFIG, "%s: invalid publisher id '%s'", name, value);
		return set_string(&c->registry, value);
	}
	if (!strcmp(name, "registry.url")) {
		char why[1024];

		if (hrdex_git_url_check(value) == 0)
			return set_string(&c->registry_url, value);
		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		return hrdex_error_set(HRDEX_E_CONFIG, "registry.url: %s", why);
	}
	if (!strcmp(name, "network.autopeers")) {
		if (git_config_parse_bool(&c->auto_peers, value) < 0)
			return hrdex_error_set(HRDEX_E_CONFIG, "network.autoPeers: expected a boolean, not '%s'", value);
		return 0;
	}
	for (i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		const struct int_key *k = &int_keys[i];
		int64_t v;

		if (strcmp(name, k->name))
			continue;
		if (git_config_parse_int64(&v, value) < 0)
			return hrdex_error_set(HRDEX_E_CONFIG, "%s: expected a number, not '%s'",
					       name, value);
		if (v < k->min || v > k->max)
			return hrdex_error_set(HRDEX_E_CONFIG,
					       "%s: %lld is out of range [%lld, %lld]", name,
					       (long long)v, (long long)k->min, (long long)k->max);
		*(int64_t *)((char *)c + k->offset) = v;
		return 0;
	}
	return hrdex_error_set(HRDEX_E_CONFIG, "%s: unknown key", name);
}

int hrdex_config_load(struct hrdex_config **out, const char *path)
{
	struct hrdex_config *c = calloc(1, sizeof(*c));
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	size_t i;
	int r, ret = -1;

	*out = NULL;
	if (!c || !(c->path = strdup(path)))
		goto oom;
	for (i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++)
		*(int64_t *)((char *)c + int_keys[i].offset) = int_keys[i].def;
	/* libgit2 reports an unreadable file as "unknown libgit2 error" */
	if (access(path, R_OK) < 0 && (errno == EACCES || errno == EPERM)) {
		hrdex_error_set(HRDEX_E_PERMISSION, "cannot read '%s': permission denied", path);
		goto cleanup;
	}
	if (git_config_open_ondisk(&cfg, path) < 0) {
		hrdex_error_git(HRDEX_E_CONFIG, "%s", path);
		goto cleanup;
	}
	if (git_config_iterator_new(&it, cfg) < 0) {
		hrdex_error_git(HRDEX_E_CONFIG, "%s", path);
		goto cleanup;
	}
	while ((r = git_config_next(&e, it)) == 0) {
		if (load_entry(c, e) < 0) {
			char msg[2048];

			hrdex_fmt_cut(msg, sizeof(msg), "%s", hrdex_error_message());
			hrdex_error_set(HRDEX_E_CONFIG, "%s: %s", path, msg);
			goto cleanup;
		}
	}
	if (r != GIT_ITEROVER) {
		hrdex_error_git(HRDEX_E_CONFIG, "%s", path);
		goto cleanup;
	}
	for (i = 0; i < c->npeers; i++)
		if (!c->peers[i].url) {
			hrdex_error_set(HRDEX_E_CONFIG, "%s: peer.%s.url: missing", path, c->peers[i].name);
			goto cleanup;
		}
	for (i = 0; i < c->nmirrors; i++)
		if (!c->mirrors[i].url) {
			hrdex_error_set(HRDEX_E_CONFIG, "%s: mirror.%s.url: missing", path, c->mirrors[i].name);
			goto cleanup;
		}
	for (i = 0; i < c->nhooks; i++)
		if (!c->hooks[i].url) {
			hrdex_error_set(HRDEX_E_CONFIG, "%s: webhook.%s.url: missing", path, c->hooks[i].name);
			goto cleanup;
		}
	if (!c->publisher) {
		hrdex_error_set(HRDEX_E_CONFIG, "%s: hrdex.publisher: missing", path);
		goto cleanup;
	}
	*out = c;
	c = NULL;
	ret = 0;
	goto cleanup;
oom:
	hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
cleanup:
	git_config_iterator_free(it);
	git_config_free(cfg);
	hrdex_config_free(c);
	return ret;
}

/*
 * hrdex.conf holds webhook secrets.  libgit2 rewrites a config file through
 * a new lock file made with mode 0666 less the umask, so an edit would turn
 * a 0600 file into 0644: the write happens under umask 077 and the file
 * then gets its earlier mode back (git itself keeps the mode the same way).
 * Commands only: the umask is per process.
 */
struct keep_mode {
	mode_t umask;
	mode_t mode;
	int had;
};

static void keep_mode_begin(struct keep_mode *k, const char *path)
{
	struct stat st;

	k->had = stat(path, &st) == 0;
	k->mode = k->had ? (st.st_mode & 07777) : 0600;
	k->umask = umask(077);
}

static int keep_mode_end(const struct keep_mode *k, const char *path, int ret)
{
	struct stat st;

	umask(k->umask);
	if (k->had && stat(path, &st) == 0 && (st.st_mode & 07777) != k->mode && chmod(path, k->mode) < 0 &&
	    ret == 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot set the mode of '%s'", path);
	return ret;
}

static int open_for_write(git_config **cfg, const char *path)
{
	if (git_config_open_ondisk(cfg, path) < 0)
		return hrdex_error_git(HRDEX_E_CONFIG, "cannot open '%s'", path);
	return 0;
}

int hrdex_config_set(const char *path, const char *key, const char *value)
{
	git_config *cfg = NULL;
	struct keep_mode k;
	int r;

	if (open_for_write(&cfg, path) < 0)
		return -1;
	keep_mode_begin(&k, path);
	if (value)
		r = git_config_set_string(cfg, key, value);
	else {
		r = git_config_delete_multivar(cfg, key, ".*");
		if (r == GIT_ENOTFOUND)
			r = 0;
	}
	if (r < 0)
		hrdex_error_git(HRDEX_E_IO, "cannot write '%s' in '%s'", key, path);
	git_config_free(cfg);
	return keep_mode_end(&k, path, r < 0 ? -1 : 0);
}

int hrdex_config_add(const char *path, const char *key, const char *value)
{
	git_config *cfg = NULL;
	struct keep_mode k;
	int r;

	if (open_for_write(&cfg, path) < 0)
		return -1;
	keep_mode_begin(&k, path);
	/* "^$" never matches an existing value, so this appends. */
	r = git_config_set_multivar(cfg, key, "^$", value);
	if (r < 0)
		hrdex_error_git(HRDEX_E_IO, "cannot write '%s' in '%s'", key, path);
	git_config_free(cfg);
	return keep_mode_end(&k, path, r < 0 ? -1 : 0);
}

int hrdex_config_remove_section(const char *path, const char *section, const char *sub)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char prefix[256];
	char **names = NULL;
	size_t n = 0, i;
	struct keep_mode k;
	int ret = -1;

	if (hrdex_fmt(prefix, sizeof(prefix), "%s.%s.", section, sub) < 0)
		goto cleanup;
	if (open_for_write(&cfg, path) < 0)
		return -1;
	keep_mode_begin(&k, path);
	if (git_config_iterator_new(&it, cfg) < 0) {
		hrdex_error_git(HRDEX_E_CONFIG, "%s", path);
		goto cleanup;
	}
	/* Collect first: deleting while iterating a live config is undefined. */
	while (git_config_next(&e, it) == 0) {
		if (strncmp(e->name, prefix, strlen(prefix)))
			continue;
		char **more = realloc(names, (n + 1) * sizeof(*names));

		if (!more || !(more[n] = strdup(e->name))) {
			names = more ? more : names;
			hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			goto cleanup;
		}
		names = more;
		n++;
	}
	for (i = 0; i < n; i++) {
		int r = git_config_delete_multivar(cfg, names[i], ".*");

		if (r < 0 && r != GIT_ENOTFOUND) {
			hrdex_error_git(HRDEX_E_IO, "cannot remove '%s' from '%s'", names[i], path);
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	git_config_iterator_free(it);
	git_config_free(cfg);
	return keep_mode_end(&k, path, ret);
}
