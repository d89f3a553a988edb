/*
 * state.c - opening the state directory, and the agent-wide lock.
 */
#include "state.h"
#include "error.h"
#include "fs.h"
#include "log.h"
#include "repo.h"
#include "keyring.h"
#include "ledger.h"
#include "signed_commit.h"
#include "schema.h"
#include "members.h"
#include "doc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *hrdex_state_resolve(const char *opt_dir)
{
	const char *env = getenv("HRDEX_HOME");

	if (opt_dir && *opt_dir)
		return strdup(opt_dir);
	if (env && *env)
		return strdup(env);
	return strdup("hrdex-data");
}

char *hrdex_state_path(const struct hrdex_state *s, const char *name)
{
	return hrdex_path_join(s->dir, name);
}

/* Remove "*.lock" files below dir (recursively): only called under our flock,
 * when no other hrdex can be writing, so any lock file is a crash leftover. */
static void clear_stale_locks(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char *path;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		/* Only repo.git's refs and the state files take locks; objects/,
		 * view/, outbox/ and the site (site/ links into site.d/) may be
		 * huge and hold none (an outbox pass clears its own .journal.lock
		 * and .error.lock files, outbox.c).  hooks/ is written by the
		 * service's delivery threads, which do not hold the flock. */
		if (!strcmp(e->d_name, "objects") || !strcmp(e->d_name, "view") ||
		    !strcmp(e->d_name, "outbox") || !strcmp(e->d_name, "site") ||
		    !strcmp(e->d_name, "site.d") || !strcmp(e->d_name, "hooks"))
			continue;
		path = hrdex_path_join(dir, e->d_name);
		if (!path)
			break;
		if (n > 5 && !strcmp(e->d_name + n - 5, ".lock") && strcmp(e->d_name, "lock")) {
			if (unlink(path) == 0)
				hrdex_log_warn("removed stale lock file '%s'", path);
		} else if (depth < 16 && e->d_type == DT_DIR) {
			clear_stale_locks(path, depth + 1);
		}
		free(path);
	}
	closedir(d);
}

/* pack-X.pack and pack-X.idx: the other half of name, when it is one. */
static int pack_partner(char *out, size_t size, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(name, "pack-", 5) || n < 10 || n >= size)
		return 0;
	memcpy(out, name, n + 1);
	if (!strcmp(name + n - 5, ".pack"))
		memcpy(out + n - 5, ".idx", 5);
	else if (!strcmp(name + n - 4, ".idx"))
		memcpy(out + n - 4, ".pack", 6);
	else
		return 0;
	return strlen(out) < size;
}

/* A publish or fetch killed mid-way leaves a temporary pack, and a sync
 * killed while moving a fetched pack in (or libgit2's indexer, which
 * renames the .idx before the .pack) half a pack; under the lock nobody is
 * writing one. */
static void clear_stale_packs(const char *dir)
{
	char *packdir = hrdex_path_join(dir, "repo.git/objects/pack");
	DIR *d = packdir ? opendir(packdir) : NULL;
	struct dirent *e;
	char partner[256];

	while (d && (e = readdir(d))) {
		char *path, *other = NULL;
		int stale = !strncmp(e->d_name, "tmp_", 4);

		if (!stale && pack_partner(partner, sizeof(partner), e->d_name)) {
			other = hrdex_path_join(packdir, partner);
			stale = other && !hrdex_fs_exists(other);
			free(other);
		}
		if (!stale)
			continue;
		path = hrdex_path_join(packdir, e->d_name);
		if (path && unlink(path) == 0)
			hrdex_log_warn("removed stale pack file '%s'", path);
		free(path);
	}
	if (d)
		closedir(d);
	free(packdir);
}

static int take_lock(struct hrdex_state *s, int wait)
{
	char *path = hrdex_state_path(s, "lock");
	int fd, tries;

	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", path);
		free(path);
		return -1;
	}
	/* Wait a little: two publishes a second apart should both succeed. */
	for (tries = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; tries++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (errno != EWOULDBLOCK || !wait || tries >= 100) {
			hrdex_error_set(HRDEX_E_BUSY,
					"'%s' is locked by another hrdex process; try again later", s->dir);
			close(fd);
			free(path);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	free(path);
	s->lock_fd = fd;
	clear_stale_locks(s->dir, 0);
	clear_stale_packs(s->dir);
	return 0;
}

int hrdex_state_reload_signers(struct hrdex_state *s)
{
	struct hrdex_signers *signers = NULL;
	char *path = hrdex_state_path(s, "allowed_signers");
	int r;

	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	r = hrdex_signers_load(&signers, path);
	free(path);
	if (r < 0)
		return -1;
	hrdex_signers_free(s->signers);
	s->signers = signers;
	return 0;
}

/* Our public key: the loaded key, else keys/id_ed25519.pub (readable by
 * `config check` run as another user), else the private key. */
static int own_public_key(unsigned char pk[32], const struct hrdex_state *s)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_key key;
	char *path;
	int r;

	if (s->have_key) {
		memcpy(pk, s->key.pk, 32);
		return 0;
	}
	path = hrdex_state_path(s, "keys/id_ed25519.pub");
	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (hrdex_fs_exists(path)) {
		r = hrdex_fs_read(&text, path, 64 * 1024) < 0 ? -1 : hrdex_key_parse_public(pk, text.ptr);
		if (r < 0)
			hrdex_error_set(HRDEX_E_CONFIG, "'%s': %s", path, hrdex_error_message());
		hrdex_buf_free(&text);
		free(path);
		return r;
	}
	free(path);
	path = hrdex_state_path(s, "keys/id_ed25519");
	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	memset(&key, 0, sizeof(key));
	r = hrdex_key_load(&key, path);
	if (r == 0)
		memcpy(pk, key.pk, 32);
	hrdex_key_wipe(&key);
	free(path);
	return r;
}

/* 1 when the tip of publisher's branch was signed with pk (a branch written
 * by this agent under that name), else 0. */
static int branch_signed_by(git_repository *repo, const char *publisher, const unsigned char pk[32])
{
	struct hrdex_signers *only = NULL;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	git_oid tip;
	int yes = 0;

	if (hrdex_repo_tip(&tip, repo, publisher) == 0 &&
	    hrdex_buf_printf(&line, "%s namespaces=\"git\" ", publisher) == 0 &&
	    hrdex_key_public_line(&line, pk, NULL) == 0 &&
	    hrdex_signers_parse(&only, line.ptr, line.len, "own key") == 0)
		yes = hrdex_commit_verify(repo, &tip, only, publisher) == 0;
	hrdex_error_clear();
	hrdex_signers_free(only);
	hrdex_buf_free(&line);
	return yes;
}

int hrdex_state_check_publisher(const struct hrdex_state *s, const struct hrdex_config *c)
{
	unsigned char pk[32];
	const char *bound = NULL;
	git_strarray pubs = { NULL, 0 };
	git_oid tip;
	size_t i;
	int r, ret = 0;

	if (own_public_key(pk, s) < 0)
		return -1;
	for (i = 0; s->signers && i < s->signers->count; i++) {
		const struct hrdex_signer *e = &s->signers->items[i];

		if (e->cert_authority || memcmp(e->pk, pk, 32))
			continue;
		if (!strcmp(e->principal, c->publisher))
			break;
		if (!bound)
			bound = e->principal;
	}
	if (!s->signers || i == s->signers->count) {
		if (bound)
			return hrdex_error_set(HRDEX_E_CONFIG,
					       "%s: hrdex.publisher: '%s' differs from '%s', the publisher "
					       "allowed_signers trusts for this agent's key; peers would refuse "
					       "its commits (set hrdex.publisher back to '%s')",
					       c->path, c->publisher, bound, bound);
		return hrdex_error_set(HRDEX_E_CONFIG,
				       "%s: hrdex.publisher: allowed_signers does not trust this agent's key "
				       "for '%s' (nor for any publisher)", c->path, c->publisher);
	}
	r = hrdex_repo_tip(&tip, s->repo, c->publisher);
	if (r != 1)
		return r < 0 ? -1 : 0;
	/* No branch of ours yet: a new agent, or a renamed one about to
	 * abandon the branch it wrote. */
	if (hrdex_repo_publishers(&pubs, s->repo) < 0)
		return -1;
	for (i = 0; i < pubs.count; i++) {
		if (strcmp(pubs.strings[i], c->publisher) && branch_signed_by(s->repo, pubs.strings[i], pk)) {
			ret = hrdex_error_set(HRDEX_E_CONFIG,
					      "%s: hrdex.publisher: '%s' would start a new branch, but this "
					      "agent's key wrote branch '%s', which would be orphaned "
					      "(set hrdex.publisher back to '%s')",
					      c->path, c->publisher, pubs.strings[i], pubs.strings[i]);
			break;
		}
	}
	git_strarray_dispose(&pubs);
	return ret;
}

/* stat() of path, told apart: 1 there, 0 missing, -1 this account may not
 * look (an error is set naming what), so that a reader outside the
 * agent's group hears "permission denied", not "no state directory". */
static int state_entry(const char *path, const char *what)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	if (errno == EACCES)
		return hrdex_error_set(HRDEX_E_PERMISSION, "cannot read %s '%s': permission denied", what, path);
	return hrdex_error_errno(HRDEX_E_IO, "cannot read %s '%s'", what, path);
}

int hrdex_state_check_dir(const char *dir)
{
	char *conf;
	int have;

	have = state_entry(dir, "state directory");
	if (have <= 0)
		return have < 0 ? -1 :
		       hrdex_error_set(HRDEX_E_CONFIG, "no state directory '%s'; run 'hrdex init' or pass -C DIR",
				       dir);
	conf = hrdex_path_join(dir, "hrdex.conf");
	if (!conf)
		return hrdex_error_oom();
	have = state_entry(conf, "state directory");
	free(conf);
	if (have < 0) {
		hrdex_error_set(HRDEX_E_PERMISSION, "cannot read state directory '%s': permission denied", dir);
		return -1;
	}
	if (!have)
		return hrdex_error_set(HRDEX_E_CONFIG, "'%s' is not an hrdex state directory (no hrdex.conf); "
				       "run 'hrdex init' or pass -C DIR", dir);
	return 0;
}

/*
 * The network this agent is in, for the document rules (doc.h): the
 * registry, our publisher id and the key allowed_signers gives it; and the
 * display names the registry's members carry (members.h).
 */
int hrdex_state_network(struct hrdex_state *s)
{
	struct hrdex_buf key = HRDEX_BUF_INIT;
	cJSON *m = NULL;
	size_t i;
	int ret = -1;

	for (i = 0; s->signers && s->config->publisher && i < s->signers->count; i++) {
		const struct hrdex_signer *e = &s->signers->items[i];

		if (!e->cert_authority && !strcmp(e->principal, s->config->publisher)) {
			if (hrdex_key_public_line(&key, e->pk, "") < 0)
				return -1;
			break;
		}
	}
	hrdex_doc_network_set(s->config->registry, s->config->publisher, key.ptr);
	if (hrdex_members_load(&m, s->dir) < 0 || hrdex_members_names(s->config, m) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	cJSON_Delete(m);
	hrdex_buf_free(&key);
	return ret;
}

int hrdex_state_open(struct hrdex_state **out, const char *dir, unsigned flags)
{
	struct hrdex_state *s = calloc(1, sizeof(*s));
	char *path = NULL;
	int ret = -1;

	*out = NULL;
	if (!s)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	s->lock_fd = -1;
	s->dir = strdup(dir);
	if (!s->dir) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	if (hrdex_state_check_dir(dir) < 0)
		goto cleanup;
	path = hrdex_state_path(s, "hrdex.conf");
	if (!path) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	if ((flags & HRDEX_STATE_LOCK) && take_lock(s, !(flags & HRDEX_STATE_NOWAIT)) < 0)
		goto cleanup;
	if (hrdex_config_load(&s->config, path) < 0)
		goto cleanup;
	free(path);
	path = hrdex_state_path(s, "repo.git");
	if (!path || git_repository_open_bare(&s->repo, path) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot open repository '%s'", path ? path : dir);
		goto cleanup;
	}
	if (hrdex_state_reload_signers(s) < 0 || hrdex_state_network(s) < 0)
		goto cleanup;
	if (flags & HRDEX_STATE_KEY) {
		/* a key rotation killed half-way is finished first (keyring.h) */
		if (s->lock_fd >= 0 && hrdex_keyring_recover(s) < 0)
			goto cleanup;
		free(path);
		path = hrdex_state_path(s, "keys/id_ed25519");
		if (!path || hrdex_key_load(&s->key, path) < 0)
			goto cleanup;
		s->have_key = 1;
		if (hrdex_state_check_publisher(s, s->config) < 0)
			goto cleanup;
	}
	if (flags & HRDEX_STATE_SCHEMAS) {
		if (hrdex_schemas_new(&s->schemas) < 0 || hrdex_schemas_add_builtin(s->schemas) < 0)
			goto cleanup;
	}
	*out = s;
	s = NULL;
	ret = 0;
cleanup:
	free(path);
	hrdex_state_free(s);
	return ret;
}

void hrdex_state_free(struct hrdex_state *s)
{
	if (!s)
		return;
	hrdex_schemas_free(s->schemas);
	hrdex_signers_free(s->signers);
	hrdex_ledger_free(s->ledger);
	hrdex_key_wipe(&s->key);
	git_repository_free(s->repo);
	hrdex_config_free(s->config);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	free(s->dir);
	free(s);
}

int hrdex_state_reload_key(struct hrdex_state *s)
{
	struct hrdex_key k;
	char *path;
	int r;

	if (!s->have_key)
		return 0;
	if (s->lock_fd >= 0 && hrdex_keyring_recover(s) < 0)
		return -1;
	if (!(path = hrdex_state_path(s, "keys/id_ed25519")))
		return hrdex_error_oom();
	memset(&k, 0, sizeof(k));
	r = hrdex_key_load(&k, path);
	free(path);
	if (r == 0 && memcmp(k.pk, s->key.pk, 32)) {
		hrdex_key_wipe(&s->key);
		s->key = k;
		memset(&k, 0, sizeof(k));
	}
	hrdex_key_wipe(&k);
	return r;
}

int hrdex_state_ledger(struct hrdex_state *s, struct hrdex_ledger **out)
{
	struct hrdex_ledger *l = NULL;

	if (hrdex_ledger_load(&l, s->dir) < 0)
		return -1;
	hrdex_ledger_free(s->ledger);
	s->ledger = l;
	*out = l;
	return 0;
}

int hrdex_state_lock(struct hrdex_state *s, int wait)
{
	if (s->lock_fd >= 0)
		return 0;
	return take_lock(s, wait);
}

int hrdex_state_lock_held(const struct hrdex_state *s)
{
	char *path;
	int fd, r;

	if (s->lock_fd >= 0)
		return 0;
	path = hrdex_state_path(s, "lock");
	fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
	r = fd < 0 ? (path && errno == ENOENT ? 0 : -1) : 0;
	free(path);
	if (fd < 0)
		return r;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		r = errno == EWOULDBLOCK ? 1 : -1;
	close(fd); /* releases the probe at once */
	return r;
}

void hrdex_state_unlock(struct hrdex_state *s)
{
	if (s->lock_fd < 0)
		return;
	close(s->lock_fd); /* releases the flock */
	s->lock_fd = -1;
}
