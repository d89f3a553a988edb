/*
 * cache.c - the SQLite cache (see cache.h for the contract, README.md,
 * "Tables of cache.db", for the tables as script authors see them).
 *
 * Updating a publisher is one tree diff: the tree of the commit the cache indexed
 * against the tree of the tip (or the empty tree against the tip when the
 * branch is new or was rewritten), applied as delete + insert per changed
 * document, then a walk of the new commits (newest first, first parent) that
 * gives each touched row the commit that last changed it.  Every publisher
 * of one update shares one transaction with the branches rows.
 */
#include "cache.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "date.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "refs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

enum stmt {
	ST_DOC_FIND,
	ST_DOC_DELETE,
	ST_FTS_DELETE,
	ST_COUNTRY_DELETE,
	ST_THEME_DELETE,
	ST_LINK_DELETE,
	ST_DOC_INSERT,
	ST_FTS_INSERT,
	ST_COUNTRY_INSERT,
	ST_THEME_INSERT,
	ST_LINK_INSERT,
	ST_BRANCH_SET,
	ST_BRANCH_DELETE,
	ST_TOUCH_INSERT,
	ST_COMMIT_SET,
	ST_COMMIT_FILL,
	ST_COUNT
};

/* Reused for every row of an update (prepared once per connection). */
static const char *const stmt_sql[ST_COUNT] = {
	/* Found first, deleted by rowid only when there: a write statement
	 * that needs a statement journal (as DELETE ... RETURNING does) makes
	 * FTS5 flush its pending terms to disk (its xSavepoint), which, once
	 * per document, cost a third of a first index. */
	[ST_DOC_FIND] = "SELECT rowid FROM documents WHERE ref = ?1",
	[ST_DOC_DELETE] = "DELETE FROM documents WHERE rowid = ?1",
	[ST_FTS_DELETE] = "DELETE FROM documents_fts WHERE rowid = ?1",
	[ST_COUNTRY_DELETE] = "DELETE FROM doc_countries WHERE ref = ?1",
	[ST_THEME_DELETE] = "DELETE FROM doc_themes WHERE ref = ?1",
	[ST_LINK_DELETE] = "DELETE FROM links WHERE from_ref = ?1",
	[ST_DOC_INSERT] = "INSERT INTO documents(ref, publisher, type, id, date, start, \"end\", title, lang, "
			  "countries, themes, json, \"commit\", path, blob) "
			  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14)",
	[ST_FTS_INSERT] = "INSERT INTO documents_fts(rowid, title, summary, body) VALUES(?1, ?2, ?3, ?4)",
	[ST_COUNTRY_INSERT] = "INSERT OR IGNORE INTO doc_countries(country, ref) VALUES(?1, ?2)",
	[ST_THEME_INSERT] = "INSERT OR IGNORE INTO doc_themes(theme, ref) VALUES(?1, ?2)",
	[ST_LINK_INSERT] = "INSERT INTO links(from_ref, rel, to_ref, url) VALUES(?1, ?2, ?3, ?4)",
	[ST_BRANCH_SET] = "INSERT INTO branches(publisher, \"commit\", indexed_at) VALUES(?1, ?2, ?3) "
			  "ON CONFLICT(publisher) DO UPDATE SET \"commit\" = excluded.\"commit\", "
			  "indexed_at = excluded.indexed_at",
	[ST_BRANCH_DELETE] = "DELETE FROM branches WHERE publisher = ?1",
	[ST_TOUCH_INSERT] = "INSERT OR IGNORE INTO temp.touched(ref) VALUES(?1)",
	[ST_COMMIT_SET] = "UPDATE documents SET \"commit\" = ?2 WHERE ref = ?1",
	[ST_COMMIT_FILL] = ("UPDATE documents INDEXED BY documents_uncommitted SET \"commit\" = ?2 "
			    "WHERE \"commit\" IS NULL AND ref >= ?1 || '/' AND ref < ?1 || '0'"),
};

/* `query --type T` with a filter on ref (--country, --theme, --links-to)
 * then tests ref in the index instead of fetching each row of type T
 * (20,000 decisions in 100,000 documents) from the table; rows come in
 * the default order (start, ref) without a sort.  Added without a new
 * schema version (README: a version may add indexes): a writer adds it to
 * an older cache of the same version. */
#define TYPE_START_REF_SQL "CREATE INDEX IF NOT EXISTS documents_type_start_ref ON documents(type, start, ref)"

static const char schema_sql[] =
	"CREATE TABLE documents(\n"
	"  ref TEXT PRIMARY KEY NOT NULL,\n"
	"  publisher TEXT NOT NULL,\n"
	"  type TEXT NOT NULL,\n"
	"  id TEXT NOT NULL,\n"
	"  date TEXT,\n"
	"  start TEXT,\n"
	"  \"end\" TEXT,\n"
	"  title TEXT,\n"
	"  lang TEXT,\n"
	"  countries TEXT NOT NULL DEFAULT '[]',\n"
	"  themes TEXT NOT NULL DEFAULT '[]',\n"
	"  json TEXT NOT NULL,\n"
	"  \"commit\" TEXT,\n"
	"  path TEXT NOT NULL,\n"
	"  blob TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX documents_publisher_type ON documents(publisher, type);\n"
	"CREATE INDEX documents_type_start ON documents(type, start);\n"
	TYPE_START_REF_SQL ";\n"
	"CREATE INDEX documents_start ON documents(start, ref);\n"
	"CREATE INDEX documents_end ON documents(\"end\");\n"
	"CREATE INDEX documents_date ON documents(date);\n"
	"CREATE INDEX documents_uncommitted ON documents(ref) WHERE \"commit\" IS NULL;\n"
	"CREATE INDEX documents_span ON documents(julianday(\"end\") - julianday(start));\n"
	"CREATE TABLE doc_countries(country TEXT NOT NULL, ref TEXT NOT NULL,\n"
	"  PRIMARY KEY(country, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_countries_ref ON doc_countries(ref);\n"
	"CREATE TABLE doc_themes(theme TEXT NOT NULL, ref TEXT NOT NULL,\n"
	"  PRIMARY KEY(theme, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_themes_ref ON doc_themes(ref);\n"
	"CREATE TABLE links(from_ref TEXT NOT NULL, rel TEXT NOT NULL, to_ref TEXT, url TEXT);\n"
	"CREATE INDEX links_to ON links(to_ref);\n"
	"CREATE INDEX links_from ON links(from_ref);\n"
	"CREATE TABLE branches(publisher TEXT PRIMARY KEY NOT NULL, \"commit\" TEXT NOT NULL,\n"
	"  indexed_at TEXT NOT NULL);\n"
	"CREATE VIRTUAL TABLE documents_fts USING fts5(title, summary, body,\n"
	"  tokenize = 'unicode61 remove_diacritics 2');\n"
	"INSERT INTO documents_fts(documents_fts, rank) VALUES('rank', 'bm25(10.0, 5.0, 1.0)');\n";

struct hrdex_cache {
	sqlite3 *db;
	char *path;
	int readonly;
	sqlite3_stmt *st[ST_COUNT];   /* writer only */
	int64_t changed;              /* rows written by the update in hand */
};

/* ---- small SQLite helpers ---- */

static int db_fail(struct hrdex_cache *c, const char *what)
{
	int rc = sqlite3_extended_errcode(c->db);
	int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? HRDEX_EX_TEMPFAIL :
		   (rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL ? HRDEX_EX_IOERR :
									      HRDEX_EX_SOFTWARE;

	return hrdex_error_set(code, "cache '%s': %s: %s", c->path, what, sqlite3_errmsg(c->db));
}

static int exec(struct hrdex_cache *c, const char *sql)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(c, sql);
	return 0;
}

/* Step a statement that returns no row we need, then reset it. */
static int step_done(struct hrdex_cache *c, sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		db_fail(c, sqlite3_sql(st));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int64_t scalar_int(struct hrdex_cache *c, const char *sql, int *err)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		*err = db_fail(c, sql);
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (sqlite3_errcode(c->db) != SQLITE_DONE && sqlite3_errcode(c->db) != SQLITE_OK)
		*err = db_fail(c, sql);
	sqlite3_finalize(st);
	return v;
}

/* ---- open, schema ---- */

static int drop_everything(struct hrdex_cache *c)
{
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	for (;;) {
		if (sqlite3_prepare_v2(c->db,
				       "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') "
				       "AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 1",
				       -1, &st, NULL) != SQLITE_OK)
			return db_fail(c, "listing tables");
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			sqlite3_finalize(st);
			return rc == SQLITE_DONE ? 0 : db_fail(c, "listing tables");
		}
		sql = sqlite3_mprintf("DROP %s IF EXISTS \"%w\"",
				      strcmp((const char *)sqlite3_column_text(st, 0), "view") ? "TABLE" : "VIEW",
				      (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		if (!sql)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		rc = exec(c, sql);
		sqlite3_free(sql);
		if (rc < 0)
			return -1;
	}
}

/* Create the schema when the file is new; start again on another version. */
static int ensure_schema(struct hrdex_cache *c)
{
	int err = 0;
	int64_t version, tables;
	char sql[64];

	if (exec(c, "BEGIN IMMEDIATE") < 0)
		return -1;
	version = scalar_int(c, "PRAGMA user_version", &err);
	tables = scalar_int(c, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", &err);
	if (err)
		goto fail;
	if (version == HRDEX_CACHE_SCHEMA && tables > 0) {
		if (exec(c, TYPE_START_REF_SQL) < 0)
			goto fail;
		return exec(c, "COMMIT");
	}
	if (tables > 0) {
		hrdex_log_warn("cache '%s' has schema version %lld, this hrdex uses %d: rebuilding it",
			       c->path, (long long)version, HRDEX_CACHE_SCHEMA);
		if (drop_everything(c) < 0)
			goto fail;
	}
	if (exec(c, schema_sql) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", HRDEX_CACHE_SCHEMA); /* fits: a number */
	if (exec(c, sql) < 0)
		goto fail;
	return exec(c, "COMMIT");
fail:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Who may read the cache: whoever may enter the folder that holds it.  Its
 * files get mode 0600, plus g+r when the folder grants its group x, plus
 * o+r when it grants others x, whatever the umask (the systemd unit's
 * UMask=0077 would make them 0600): `chgrp hrdex-readers STATE; chmod 2750
 * STATE` lets that group's members read the cache (setgid: new files take
 * the folder's group).  SQLite gives a -wal or -shm it creates the mode of
 * the database file; the ones already there are set here too.
 */
static int share_files(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char dir[4096], name[4200], *slash;
	struct stat st;
	mode_t mode = 0600;
	size_t i;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return hrdex_error_set(HRDEX_EX_IOERR, "path too long: '%s'", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), "."); /* fits */
	if (stat(dir, &st) < 0)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot stat '%s'", dir);
	mode |= (st.st_mode & S_IXGRP ? 0040 : 0) | (st.st_mode & S_IXOTH ? 0004 : 0);
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		int fd, r;

		if (hrdex_fmt(name, sizeof(name), "%s%s", path, suffix[i]) < 0)
			return -1;
		fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return hrdex_error_errno(HRDEX_EX_IOERR, "cannot open '%s'", name);
		r = fstat(fd, &st) == 0 && (st.st_mode & 07777) != mode ? fchmod(fd, mode) : 0;
		if (r < 0) {
			hrdex_error_errno(HRDEX_EX_IOERR, "cannot change the mode of '%s'", name);
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* A reader needs the -shm (WAL index) and -wal files to exist: without
 * write access to the folder it cannot create them.  Writers keep them
 * (SQLITE_FCNTL_PERSIST_WAL) instead of deleting them at the last close;
 * with a journal_size_limit, SQLite truncates the kept -wal to nothing
 * then, and to 64 MiB when a checkpoint resets it. */
static int keep_wal(struct hrdex_cache *c)
{
	int one = 1;

	if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one) != SQLITE_OK)
		return db_fail(c, "keeping the WAL");
	return exec(c, "PRAGMA journal_size_limit = 67108864");
}

/* After a reader failed to open path: when the cause is access (the file
 * or its -shm unreadable, the -shm missing where this account cannot
 * create it), say so with HRDEX_EX_NOPERM and return -1; else 0. */
static int reader_denied(const char *path)
{
	char name[4200];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return hrdex_error_set(HRDEX_EX_NOPERM, "cannot read cache '%s': permission denied", path);
	if (fd >= 0)
		close(fd);
	if (hrdex_fmt(name, sizeof(name), "%s-shm", path) < 0)
		return -1;
	if (access(name, F_OK) < 0 && errno == ENOENT)
		return hrdex_error_set(HRDEX_EX_NOPERM,
				       "cannot read cache '%s': its WAL index '%s' is missing and this account "
				       "cannot create it; the agent's next update (sync, publish) makes it", path, name);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return hrdex_error_set(HRDEX_EX_NOPERM, "cannot read cache '%s': '%s': permission denied", path,
				       name);
	if (fd >= 0)
		close(fd);
	return 0;
}

int hrdex_cache_open(struct hrdex_cache **out, const char *path, int readonly)
{
	struct hrdex_cache *c = calloc(1, sizeof(*c));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int i, err = 0;

	*out = NULL;
	if (!c)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	c->readonly = readonly;
	c->path = strdup(path);
	if (!c->path) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto fail;
	}
	if (readonly && access(path, F_OK) < 0) {
		/* a folder this account may not enter hides the file: not "no cache" */
		if (errno == EACCES || errno == EPERM)
			hrdex_error_set(HRDEX_EX_NOPERM, "cannot read cache '%s': permission denied", path);
		else
			hrdex_error_set(HRDEX_EX_NOINPUT, "no cache '%s' yet", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (!c->db) {
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			goto fail;
		}
		if (!readonly || reader_denied(path) == 0)
			hrdex_error_set(HRDEX_EX_IOERR, "cannot open cache '%s': %s", path, sqlite3_errmsg(c->db));
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 10000);
	sqlite3_extended_result_codes(c->db, 1);
	if (readonly) {
		int64_t version;

		if (exec(c, "PRAGMA query_only = 1") < 0)
			goto fail;
		version = scalar_int(c, "PRAGMA user_version", &err);
		if (err) {
			/* SQLITE_READONLY or CANTOPEN: most likely a missing or
			 * unreadable -shm; say so rather than "readonly database" */
			int rc = sqlite3_extended_errcode(c->db) & 0xff;

			if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM)
				reader_denied(path);
			goto fail;
		}
		if (version != HRDEX_CACHE_SCHEMA) {
			hrdex_error_set(HRDEX_EX_TEMPFAIL,
					"cache '%s' has schema version %lld, this hrdex uses %d; "
					"run 'hrdex reindex'", path, (long long)version, HRDEX_CACHE_SCHEMA);
			goto fail;
		}
		*out = c;
		return 0;
	}
	/* A large update (a first sync, a big publish) touches many pages: a
	 * 32 MiB page cache instead of SQLite's 2 MiB default halves its time. */
	if (share_files(path) < 0 || keep_wal(c) < 0)
		goto fail;
	if (exec(c, "PRAGMA journal_mode = WAL") < 0 || share_files(path) < 0 ||
	    exec(c, "PRAGMA synchronous = NORMAL") < 0 ||
	    exec(c, "PRAGMA foreign_keys = OFF") < 0 || exec(c, "PRAGMA cache_size = -32768") < 0)
		goto fail;
	if (ensure_schema(c) < 0)
		goto fail;
	if (exec(c, "CREATE TEMP TABLE IF NOT EXISTS touched(ref TEXT PRIMARY KEY) WITHOUT ROWID") < 0)
		goto fail;
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) !=
		    SQLITE_OK) {
			db_fail(c, stmt_sql[i]);
			goto fail;
		}
	*out = c;
	return 0;
fail:
	hrdex_cache_close(c);
	return -1;
}

void hrdex_cache_close(struct hrdex_cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

/* ---- text helpers ---- */

/* Han ideographs, kana, bopomofo: scripts written without spaces. */
static int is_cjk(unsigned cp)
{
	return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3100 && cp <= 0x312f) ||
	       (cp >= 0x31a0 && cp <= 0x31ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0x20000 && cp <= 0x3ffff);
}

/* Arabic harakat, Quranic marks and tatweel: dropped so that vocalised and
 * unvocalised spellings match. */
static int is_arabic_mark(unsigned cp)
{
	return (cp >= 0x0610 && cp <= 0x061a) || (cp >= 0x064b && cp <= 0x065f) || cp == 0x0640 ||
	       cp == 0x0670 || (cp >= 0x06d6 && cp <= 0x06dc) || (cp >= 0x06df && cp <= 0x06e8) ||
	       (cp >= 0x06ea && cp <= 0x06ed);
}

int hrdex_cache_fts_text(struct hrdex_buf *out, const char *s, int query)
{
	const unsigned char *p = (const unsigned char *)s;
	int in_string = 0, in_run = 0;
	size_t len;

	if (hrdex_buf_grow(out, 0) < 0)
		return -1;
	while (*p) {
		unsigned cp;

		/* Most text is ASCII outside any CJK run: copy it in one piece. */
		if (*p < 0x80 && !in_run) {
			const unsigned char *q = p;

			while (*q && *q < 0x80 && !(query && *q == '"'))
				q++;
			if (q > p) {
				if (hrdex_buf_put(out, p, (size_t)(q - p)) < 0)
					return -1;
				p = q;
				continue;
			}
		}
		cp = hrdex_utf8_next(p, &len);
		if (is_arabic_mark(cp)) {
			p += len;
			continue;
		}
		if (is_cjk(cp)) {
			if (!in_run) {
				if (out->len && !strchr(" :(\"", out->ptr[out->len - 1]) &&
				    hrdex_buf_putc(out, ' ') < 0)
					return -1;
				if (query && !in_string && hrdex_buf_putc(out, '"') < 0)
					return -1;
				in_run = 1;
			} else if (hrdex_buf_putc(out, ' ') < 0) {
				return -1;
			}
			if (hrdex_buf_put(out, p, len) < 0)
				return -1;
			p += len;
			continue;
		}
		if (in_run) {
			if (query && !in_string && hrdex_buf_putc(out, '"') < 0)
				return -1;
			/* keep a prefix '*' glued to the phrase; else separate */
			if (!(query && *p == '*') && !strchr(" \")", (char)*p) && hrdex_buf_putc(out, ' ') < 0)
				return -1;
			in_run = 0;
		}
		if (query && *p == '"')
			in_string = !in_string;  /* "" inside a string toggles twice: same state */
		if (hrdex_buf_put(out, p, len) < 0)
			return -1;
		p += len;
	}
	if (in_run && query && !in_string && hrdex_buf_putc(out, '"') < 0)
		return -1;
	return 0;
}

/* Append s as a JSON string. */
static int json_string(struct hrdex_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (hrdex_buf_putc(b, '"') < 0)
		return -1;
	for (; *p; p++) {
		int r;

		if (*p == '"' || *p == '\\')
			r = hrdex_buf_putc(b, '\\') < 0 ? -1 : hrdex_buf_putc(b, (char)*p);
		else if (*p < 0x20)
			r = hrdex_buf_printf(b, "\\u%04x", *p);
		else
			r = hrdex_buf_putc(b, (char)*p);
		if (r < 0)
			return -1;
	}
	return hrdex_buf_putc(b, '"');
}

/* Compact JSON from (canonical) JSON text: whitespace outside strings dropped. */
static int json_compact_text(struct hrdex_buf *out, const char *s, size_t n)
{
	size_t i, start = 0;
	int in_string = 0;

	if (hrdex_buf_grow(out, n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = 0;
			continue;
		}
		if (ch == '"') {
			in_string = 1;
		} else if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
			if (hrdex_buf_put(out, s + start, i - start) < 0)
				return -1;
			start = i + 1;
		}
	}
	if (i > n)
		i = n;
	return hrdex_buf_put(out, s + start, i - start);
}

static const char *str_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The default-language entry of a language map: "en" when present, else the
 * first key in code-point (UTF-8 byte) order. */
static const cJSON *langmap_default(const cJSON *map)
{
	const cJSON *e, *best = NULL;

	if (!cJSON_IsObject(map))
		return NULL;
	for (e = map->child; e; e = e->next) {
		if (!cJSON_IsString(e) || !e->string)
			continue;
		if (!strcmp(e->string, "en"))
			return e;
		if (!best || strcmp(e->string, best->string) < 0)
			best = e;
	}
	return best;
}

/* Append every string value of a language map, one per line. */
static int langmap_all(struct hrdex_buf *b, const cJSON *map)
{
	const cJSON *e;

	if (!cJSON_IsObject(map))
		return 0;
	for (e = map->child; e; e = e->next)
		if (cJSON_IsString(e) && (hrdex_buf_puts(b, e->valuestring) < 0 || hrdex_buf_putc(b, '\n') < 0))
			return -1;
	return 0;
}

/* Members that are not free text (identifiers, dates, codes, structure). */
static int structural_key(const char *k)
{
	static const char *const keys[] = {
		"id", "type", "publisher", "title", "summary", "date", "url", "countries", "themes",
		"languages", "links", "attachments", "start", "end", "dates", "country", "status",
		"media_type", "sha256", "bytes", "name", "rel", "ref", "from", "to", "kind", "mandate",
		"report", "groups", "sdg_targets", NULL,
	};
	size_t i;

	for (i = 0; keys[i]; i++)
		if (!strcmp(keys[i], k))
			return 1;
	return 0;
}

/* Free text for the FTS body: every string below v except under structural
 * members (so text, description, results, body, follow_up notes, location,
 * addressee...), in document order. */
static int collect_body(struct hrdex_buf *b, const cJSON *v, int depth)
{
	const cJSON *e;

	if (depth > 16)
		return 0;
	if (cJSON_IsString(v))
		return hrdex_buf_puts(b, v->valuestring) < 0 || hrdex_buf_putc(b, '\n') < 0 ? -1 : 0;
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	for (e = v->child; e; e = e->next) {
		if (cJSON_IsObject(v) && e->string && structural_key(e->string))
			continue;
		if (collect_body(b, e, depth + 1) < 0)
			return -1;
	}
	return 0;
}

/* ---- writing rows ---- */

/* The ref of a document path P/T/ID.json into out; 0 for anything else
 * (attachments under ID.files/, stray files). */
static int path_ref(char *out, size_t n, const char *path)
{
	struct hrdex_ref r;

	if (hrdex_ref_from_path(&r, path) < 0)
		return 0;
	hrdex_ref_format(out, n, &r);
	return 1;
}

/* Remove one document and everything hanging off it; no-op when absent. */
static int delete_doc(struct hrdex_cache *c, const char *ref)
{
	sqlite3_stmt *st = c->st[ST_DOC_FIND];
	int64_t rowid = -1;
	int rc;

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rowid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_fail(c, "deleting a document");
	if (rowid < 0)
		return 0;
	c->changed++;
	sqlite3_bind_int64(c->st[ST_DOC_DELETE], 1, rowid);
	if (step_done(c, c->st[ST_DOC_DELETE]) < 0)
		return -1;
	sqlite3_bind_int64(c->st[ST_FTS_DELETE], 1, rowid);
	if (step_done(c, c->st[ST_FTS_DELETE]) < 0)
		return -1;
	sqlite3_bind_text(c->st[ST_COUNTRY_DELETE], 1, ref, -1, SQLITE_STATIC);
	if (step_done(c, c->st[ST_COUNTRY_DELETE]) < 0)
		return -1;
	sqlite3_bind_text(c->st[ST_THEME_DELETE], 1, ref, -1, SQLITE_STATIC);
	if (step_done(c, c->st[ST_THEME_DELETE]) < 0)
		return -1;
	sqlite3_bind_text(c->st[ST_LINK_DELETE], 1, ref, -1, SQLITE_STATIC);
	return step_done(c, c->st[ST_LINK_DELETE]);
}

struct values {
	struct hrdex_cache *c;
	struct hrdex_buf *list;   /* the JSON array being built */
	const char **seen;        /* borrowed from the document */
	size_t count, alloc;
	enum stmt side;
	const char *ref;
};

/* Append v to the list and insert it into the side table with ref, unless
 * an earlier field gave it already. */
static int add_value(const char *v, void *payload)
{
	struct values *vals = payload;
	sqlite3_stmt *st = vals->c->st[vals->side];
	size_t i;

	for (i = 0; i < vals->count; i++)
		if (!strcmp(vals->seen[i], v))
			return 0;
	if (vals->count == vals->alloc) {
		size_t n = vals->alloc ? vals->alloc * 2 : 16;
		const char **seen = realloc(vals->seen, n * sizeof(*seen));

		if (!seen)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		vals->seen = seen;
		vals->alloc = n;
	}
	vals->seen[vals->count++] = v;
	if ((vals->count > 1 && hrdex_buf_putc(vals->list, ',') < 0) || json_string(vals->list, v) < 0)
		return -1;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vals->ref, -1, SQLITE_STATIC);
	return step_done(vals->c, st);
}

/* Fill list with the JSON array of what doc concerns (hrdex_doc_concerns:
 * countries, or themes), each value once, inserting each into the side
 * table with ref. */
static int add_values(struct hrdex_cache *c, struct hrdex_buf *list, const cJSON *doc, int themes, enum stmt side,
		      const char *ref)
{
	struct values vals = { c, list, NULL, 0, 0, side, ref };
	int ret = -1;

	if (hrdex_buf_putc(list, '[') == 0 && hrdex_doc_concerns(doc, themes, add_value, &vals) == 0)
		ret = hrdex_buf_putc(list, ']');
	free(vals.seen);
	return ret;
}

/* The interval of a document: events start/end, visits dates.start|from and
 * dates.end|to; else (and for a missing part) the date. */
static void doc_interval(const cJSON *doc, const char *type, const char **start, const char **end)
{
	const char *date = str_member(doc, "date");

	*start = *end = NULL;
	if (!strcmp(type, "event")) {
		*start = str_member(doc, "start");
		*end = str_member(doc, "end");
	} else if (!strcmp(type, "visit")) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "dates");

		*start = str_member(d, "start");
		if (!*start)
			*start = str_member(d, "from");
		*end = str_member(d, "end");
		if (!*end)
			*end = str_member(d, "to");
	}
	if (!*start)
		*start = *end ? *end : date;
	if (!*end)
		*end = *start;
}

static int add_link(struct hrdex_cache *c, const char *from, const char *rel, const char *to, const char *url)
{
	sqlite3_stmt *st = c->st[ST_LINK_INSERT];

	if (!rel || (!to && !url))
		return 0;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
	bind_text(st, 3, to);
	bind_text(st, 4, to ? NULL : url);
	return step_done(c, st);
}

/*
 * One changed document on its way into the cache.  The costly part that does
 * not touch SQLite (reading and inflating the blob, parsing it, its compact
 * form, the three full-text columns) is done by prep_doc() on a thread of its
 * own (struct feed), a window of documents ahead of the SQLite writer: about
 * a quarter of a first index.
 */
struct prep {
	char ref[HRDEX_REF_MAX + 6];
	char *path;
	git_oid id;
	int gone;                   /* removed, or not a regular file: delete only */
	int end;                    /* no more changes */
	cJSON *doc;                 /* NULL: not a JSON object (not indexed) */
	struct hrdex_buf json, fts[3];
	int err, code;              /* prep_doc failed: code and message */
	char message[512];
};

static void prep_clear(struct prep *p)
{
	int i;

	free(p->path);
	cJSON_Delete(p->doc);
	hrdex_buf_free(&p->json);
	for (i = 0; i < 3; i++)
		hrdex_buf_free(&p->fts[i]);
	memset(p, 0, sizeof(*p));
}

static int prep_doc(struct prep *p, git_repository *repo)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	git_blob *blob = NULL;
	int ret = -1;

	if (git_blob_lookup(&blob, repo, &p->id) < 0) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read '%s'", p->path);
		goto cleanup;
	}
	p->doc = cJSON_ParseWithLength(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	if (!cJSON_IsObject(p->doc)) {
		cJSON_Delete(p->doc);
		p->doc = NULL;
		ret = 0;
		goto cleanup;
	}
	if (json_compact_text(&p->json, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0)
		goto cleanup;
	if (langmap_all(&text, cJSON_GetObjectItemCaseSensitive(p->doc, "title")) < 0 ||
	    hrdex_cache_fts_text(&p->fts[0], text.ptr ? text.ptr : "", 0) < 0)
		goto cleanup;
	hrdex_buf_clear(&text);
	if (langmap_all(&text, cJSON_GetObjectItemCaseSensitive(p->doc, "summary")) < 0 ||
	    hrdex_cache_fts_text(&p->fts[1], text.ptr ? text.ptr : "", 0) < 0)
		goto cleanup;
	hrdex_buf_clear(&text);
	if (collect_body(&text, p->doc, 0) < 0 || hrdex_cache_fts_text(&p->fts[2], text.ptr ? text.ptr : "", 0) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&text);
	git_blob_free(blob);
	return ret;
}

static const char *buf_str(const struct hrdex_buf *b)
{
	return b->ptr ? b->ptr : "";
}

static int insert_prepared(struct hrdex_cache *c, struct prep *p)
{
	struct hrdex_buf countries = HRDEX_BUF_INIT, themes = HRDEX_BUF_INIT;
	char publisher[40], type[20], oidhex[GIT_OID_HEXSZ + 1];
	const char *id, *slash, *start, *end, *ref = p->ref;
	const cJSON *title, *links, *e, *doc = p->doc;
	sqlite3_stmt *st = c->st[ST_DOC_INSERT];
	int64_t rowid;
	int i, ret = -1;

	if (!doc) {
		/* accepted documents are valid: this is a repository we did not check */
		hrdex_log_warn("cache: '%s' is not a JSON object; not indexed", p->path);
		return 0;
	}
	slash = strchr(ref, '/');
	if (hrdex_fmt(publisher, sizeof(publisher), "%.*s", (int)(slash - ref), ref) < 0)
		goto cleanup;
	id = strchr(slash + 1, '/');
	if (hrdex_fmt(type, sizeof(type), "%.*s", (int)(id - slash - 1), slash + 1) < 0)
		goto cleanup;
	id++;
	git_oid_tostr(oidhex, sizeof(oidhex), &p->id);
	/* side tables first: their values are bound STATIC from doc */
	if (add_values(c, &countries, doc, 0, ST_COUNTRY_INSERT, ref) < 0 ||
	    add_values(c, &themes, doc, 1, ST_THEME_INSERT, ref) < 0)
		goto cleanup;
	doc_interval(doc, type, &start, &end);
	title = langmap_default(cJSON_GetObjectItemCaseSensitive(doc, "title"));

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, publisher, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	bind_text(st, 5, str_member(doc, "date"));
	bind_text(st, 6, start);
	bind_text(st, 7, end);
	bind_text(st, 8, title ? title->valuestring : NULL);
	bind_text(st, 9, title ? title->string : NULL);
	sqlite3_bind_text(st, 10, countries.ptr, (int)countries.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, themes.ptr, (int)themes.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, buf_str(&p->json), (int)p->json.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, p->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, oidhex, -1, SQLITE_STATIC);
	if (step_done(c, st) < 0)
		goto cleanup;
	rowid = sqlite3_last_insert_rowid(c->db);
	c->changed++;

	st = c->st[ST_FTS_INSERT];
	sqlite3_bind_int64(st, 1, rowid);
	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, 2 + i, buf_str(&p->fts[i]), (int)p->fts[i].len, SQLITE_STATIC);
	if (step_done(c, st) < 0)
		goto cleanup;

	links = cJSON_GetObjectItemCaseSensitive(doc, "links");
	cJSON_ArrayForEach(e, (cJSON_IsArray(links) ? links : NULL))
		if (add_link(c, ref, str_member(e, "rel"), str_member(e, "ref"), str_member(e, "url")) < 0)
			goto cleanup;
	/* refs outside links: a recommendation's follow-up steps, a visit's report */
	links = cJSON_GetObjectItemCaseSensitive(doc, "follow_up");
	cJSON_ArrayForEach(e, (cJSON_IsArray(links) ? links : NULL))
		if (str_member(e, "ref") && add_link(c, ref, "follow_up", str_member(e, "ref"), NULL) < 0)
			goto cleanup;
	if (str_member(doc, "report") && add_link(c, ref, "report", str_member(doc, "report"), NULL) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	sqlite3_reset(c->st[ST_DOC_INSERT]);
	sqlite3_clear_bindings(c->st[ST_DOC_INSERT]);
	sqlite3_reset(c->st[ST_FTS_INSERT]);
	sqlite3_clear_bindings(c->st[ST_FTS_INSERT]);
	hrdex_buf_free(&themes);
	hrdex_buf_free(&countries);
	return ret;
}

/* Delete every row of publisher p (ref range "p/" .. "p0"). */
static int delete_publisher(struct hrdex_cache *c, const char *p)
{
	static const char *const sql[] = {
		("DELETE FROM documents_fts WHERE rowid IN "
		 "(SELECT rowid FROM documents WHERE ref >= ?1 || '/' AND ref < ?1 || '0')"),
		"DELETE FROM doc_countries WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM doc_themes WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM links WHERE from_ref >= ?1 || '/' AND from_ref < ?1 || '0'",
		"DELETE FROM documents WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(c->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return db_fail(c, sql[i]);
		sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(c, sql[i]);
			sqlite3_finalize(st);
			return -1;
		}
		if (i == 4)
			c->changed += sqlite3_changes(c->db);
		sqlite3_finalize(st);
	}
	return 0;
}

/*
 * Tree diffs.  git_diff_tree_to_tree walks every entry of both trees; this
 * one merges the two sorted entry lists of each folder and descends only
 * into subtrees whose ids differ, so a one-file change in a folder of N
 * documents costs one pass over that folder, not over the repository.
 */
enum change_mode { CHANGE_FEED, CHANGE_CLAIM };

struct feed;

struct change_ctx {
	struct hrdex_cache *c;
	git_repository *repo;
	const char *publisher;
	enum change_mode mode;
	const char *hex;      /* CLAIM: the commit that made the change */
	int64_t pending;      /* CLAIM: rows left unclaimed, -1 unknown */
	struct feed *feed;    /* FEED: where the changes go */
};

static int feed_put(struct feed *f, const char *ref, const char *path, const git_oid *id, int gone);

/* One changed path; new_id NULL when it is gone. */
static int on_change(struct change_ctx *x, const char *path, const git_oid *new_id, git_filemode_t mode)
{
	char ref[HRDEX_REF_MAX + 6];
	struct hrdex_cache *c = x->c;

	if (!path_ref(ref, sizeof(ref), path))
		return 0;   /* attachments, stray files */
	if (x->mode == CHANGE_FEED)
		return feed_put(x->feed, ref, path, new_id,
				!new_id || (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE));
	sqlite3_bind_text(c->st[ST_TOUCH_INSERT], 1, ref, -1, SQLITE_STATIC);
	if (step_done(c, c->st[ST_TOUCH_INSERT]) < 0)
		return -1;
	if (sqlite3_changes(c->db) == 0)
		return 0;   /* a newer commit claimed it */
	sqlite3_bind_text(c->st[ST_COMMIT_SET], 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_COMMIT_SET], 2, x->hex, -1, SQLITE_STATIC);
	if (step_done(c, c->st[ST_COMMIT_SET]) < 0)
		return -1;
	if (sqlite3_changes(c->db) > 0 && x->pending > 0)
		x->pending--;
	return 0;
}

static int tree_diff(struct change_ctx *x, const git_tree *a, const git_tree *b, struct hrdex_buf *path,
		     int depth);

/* Every file below (or at) one entry as added (side b) or deleted (side a). */
static int entry_side(struct change_ctx *x, const git_tree_entry *e, int added, struct hrdex_buf *path,
		      int depth)
{
	size_t len = path->len;
	int ret = -1;

	if (hrdex_buf_puts(path, git_tree_entry_name(e)) < 0)
		return -1;
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		git_tree *t = NULL;

		if (hrdex_buf_putc(path, '/') < 0)
			goto cleanup;
		if (git_tree_lookup(&t, x->repo, git_tree_entry_id(e)) < 0) {
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read tree '%s'", path->ptr);
			goto cleanup;
		}
		ret = tree_diff(x, added ? NULL : t, added ? t : NULL, path, depth + 1);
		git_tree_free(t);
	} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		ret = on_change(x, path->ptr, added ? git_tree_entry_id(e) : NULL, git_tree_entry_filemode(e));
	} else {
		ret = 0;   /* submodules: not ours */
	}
cleanup:
	path->len = len;
	path->ptr[len] = '\0';
	return ret;
}

static int tree_diff(struct change_ctx *x, const git_tree *a, const git_tree *b, struct hrdex_buf *path,
		     int depth)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0, i = 0, j = 0;

	if (depth > 3)
		return 0;   /* documents are at P/T/ID.json; attachments one deeper */
	while (i < na || j < nb) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);

		/* at the top, only the publisher's own folder */
		if (depth == 0) {
			const git_tree_entry *e = cmp <= 0 ? ea : eb;

			if (strcmp(git_tree_entry_name(e), x->publisher) ||
			    git_tree_entry_type(e) != GIT_OBJECT_TREE) {
				i += cmp <= 0;
				j += cmp >= 0;
				continue;
			}
		}
		if (cmp < 0) {
			if (entry_side(x, ea, 0, path, depth) < 0)
				return -1;
			i++;
		} else if (cmp > 0) {
			if (entry_side(x, eb, 1, path, depth) < 0)
				return -1;
			j++;
		} else {
			if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) ||
			    git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb)) {
				if (git_tree_entry_type(ea) == GIT_OBJECT_TREE &&
				    git_tree_entry_type(eb) == GIT_OBJECT_TREE) {
					git_tree *ta = NULL, *tb = NULL;
					size_t len = path->len;
					int r;

					if (hrdex_buf_puts(path, git_tree_entry_name(ea)) < 0 ||
					    hrdex_buf_putc(path, '/') < 0)
						return -1;
					if (git_tree_lookup(&ta, x->repo, git_tree_entry_id(ea)) < 0 ||
					    git_tree_lookup(&tb, x->repo, git_tree_entry_id(eb)) < 0) {
						git_tree_free(ta);
						return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read tree '%s'",
								       path->ptr);
					}
					r = tree_diff(x, ta, tb, path, depth + 1);
					git_tree_free(ta);
					git_tree_free(tb);
					path->len = len;
					path->ptr[len] = '\0';
					if (r < 0)
						return -1;
				} else if (git_tree_entry_type(ea) == GIT_OBJECT_BLOB &&
					   git_tree_entry_type(eb) == GIT_OBJECT_BLOB) {
					if (entry_side(x, eb, 1, path, depth) < 0)
						return -1;
				} else if (entry_side(x, ea, 0, path, depth) < 0 ||
					   entry_side(x, eb, 1, path, depth) < 0) {
					return -1;
				}
			}
			i++;
			j++;
		}
	}
	return 0;
}

static int diff_trees(struct change_ctx *x, const git_tree *a, const git_tree *b)
{
	struct hrdex_buf path = HRDEX_BUF_INIT;
	int r;

	if (hrdex_buf_put(&path, "", 0) < 0)
		return -1;
	r = tree_diff(x, a, b, &path, 0);
	hrdex_buf_free(&path);
	return r;
}

/*
 * The feed: a thread walks the tree diff with its own repository handle and
 * prepares each changed document (prep_doc) into a ring of FEED_WINDOW
 * slots; the caller's thread, which owns the SQLite connection, applies them
 * in the same order.  Memory stays bounded by the window.
 */
#define FEED_WINDOW 64

struct feed {
	pthread_mutex_t mu;
	pthread_cond_t changed;
	struct prep slot[FEED_WINDOW];
	size_t put, took;        /* slots filled and emptied so far */
	int stop;                /* the writer failed: the walker gives up */
	git_repository *repo;    /* the walker's */
	git_oid a, b;            /* trees to compare; a zero: none */
	int have_a;
	const char *publisher;
};

/* The walker's error, for the writer to report. */
static void prep_fail(struct prep *p)
{
	p->err = 1;
	p->code = hrdex_error_kind();
	hrdex_fmt_cut(p->message, sizeof(p->message), "%s", hrdex_error_message());
}

/* Wait, with f->mu held, until a slot is free; 0 when the writer stopped. */
static int feed_room(struct feed *f)
{
	while (!f->stop && f->put - f->took >= FEED_WINDOW)
		pthread_cond_wait(&f->changed, &f->mu);
	return !f->stop;
}

static int feed_put(struct feed *f, const char *ref, const char *path, const git_oid *id, int gone)
{
	struct prep *p;
	int room, failed;

	pthread_mutex_lock(&f->mu);
	room = feed_room(f);
	pthread_mutex_unlock(&f->mu);
	if (!room)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "cache update stopped");
	/* slot put % FEED_WINDOW is ours until put moves: the writer reads below it */
	p = &f->slot[f->put % FEED_WINDOW];
	if (hrdex_fmt(p->ref, sizeof(p->ref), "%s", ref) < 0)
		return -1;
	p->gone = gone;
	if (id)
		git_oid_cpy(&p->id, id);
	if (!(p->path = strdup(path))) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		prep_fail(p);
	} else if (!gone && prep_doc(p, f->repo) < 0) {
		prep_fail(p);
	}
	failed = p->err; /* the slot is the writer's once put moves */
	pthread_mutex_lock(&f->mu);
	f->put++;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->mu);
	return failed ? -1 : 0;
}

/* The walker: every change, then an end marker (or an error slot). */
static void *feed_walk(void *arg)
{
	struct feed *f = arg;
	struct change_ctx x = { NULL, f->repo, f->publisher, CHANGE_FEED, NULL, -1, f };
	git_tree *a = NULL, *b = NULL;
	struct prep *p;
	int r = -1;

	if ((f->have_a && git_tree_lookup(&a, f->repo, &f->a) < 0) || git_tree_lookup(&b, f->repo, &f->b) < 0)
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read the trees of '%s'", f->publisher);
	else
		r = diff_trees(&x, a, b);
	git_tree_free(a);
	git_tree_free(b);
	/* the last slot: the end, or why the walk stopped (when no slot said it) */
	pthread_mutex_lock(&f->mu);
	if (feed_room(f)) {
		p = &f->slot[f->put % FEED_WINDOW];
		p->end = 1;
		if (r < 0)
			prep_fail(p);
		f->put++;
		pthread_cond_broadcast(&f->changed);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Apply the changes between trees a (NULL: none) and b to c. */
static int feed_run(struct hrdex_cache *c, git_repository *repo, const char *publisher, const git_tree *a,
		    const git_tree *b)
{
	struct feed *f = calloc(1, sizeof(*f));
	pthread_t walker;
	int ret = -1, err, done = 0;
	size_t i;

	if (!f)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->changed, NULL);
	f->publisher = publisher;
	f->have_a = a != NULL;
	if (a)
		git_oid_cpy(&f->a, git_tree_id(a));
	git_oid_cpy(&f->b, git_tree_id(b));
	/* libgit2 objects are not shared between threads: the walker opens its own */
	if (git_repository_open_bare(&f->repo, git_repository_path(repo)) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot open '%s'", git_repository_path(repo));
		goto free;
	}
	err = pthread_create(&walker, NULL, feed_walk, f);
	if (err) {
		errno = err;
		hrdex_error_errno(HRDEX_EX_SOFTWARE, "cannot start the cache update");
		goto free;
	}
	while (!done) {
		struct prep *p;

		pthread_mutex_lock(&f->mu);
		while (f->took == f->put)
			pthread_cond_wait(&f->changed, &f->mu);
		pthread_mutex_unlock(&f->mu);
		p = &f->slot[f->took % FEED_WINDOW];
		if (p->err) {
			hrdex_error_set(p->code, "%s", p->message);
			break;
		}
		done = p->end;
		if (!done && (delete_doc(c, p->ref) < 0 || (!p->gone && insert_prepared(c, p) < 0)))
			break;
		prep_clear(p);
		pthread_mutex_lock(&f->mu);
		f->took++;
		pthread_cond_broadcast(&f->changed);
		pthread_mutex_unlock(&f->mu);
	}
	ret = done ? 0 : -1;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->mu);
	pthread_join(walker, NULL);
free:
	for (i = 0; i < FEED_WINDOW; i++)
		prep_clear(&f->slot[i]);
	git_repository_free(f->repo);
	pthread_cond_destroy(&f->changed);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return ret;
}

/*
 * Give the rows of publisher the commit that last changed them: walk the new
 * commits (tip back to, not including, old; the whole history when old is
 * NULL) newest first along first parents, and let the first commit touching a
 * ref claim it (temp.touched remembers claimed refs).  pending counts rows
 * still unclaimed when rebuilding, so the walk stops early.
 */
static int assign_commits(struct hrdex_cache *c, git_repository *repo, const char *publisher,
			  const git_oid *tip, const git_oid *old, int64_t pending)
{
	git_revwalk *walk = NULL;
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL, *ptree = NULL;
	struct change_ctx x = { c, repo, publisher, CHANGE_CLAIM, NULL, pending, NULL };
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	int ret = -1, rc;

	if (exec(c, "DELETE FROM temp.touched") < 0)
		return -1;
	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL) < 0 ||
	    git_revwalk_push(walk, tip) < 0 || (old && git_revwalk_hide(walk, old) < 0)) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot walk the history of '%s'", publisher);
		goto cleanup;
	}
	git_revwalk_simplify_first_parent(walk);
	x.hex = hex;
	while (x.pending != 0 && (rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit_free(commit);
		git_commit_free(parent);
		git_tree_free(tree);
		git_tree_free(ptree);
		commit = parent = NULL;
		tree = ptree = NULL;
		git_oid_tostr(hex, sizeof(hex), &oid);
		if (git_commit_lookup(&commit, repo, &oid) < 0 || git_commit_tree(&tree, commit) < 0) {
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read commit %s of '%s'", hex, publisher);
			goto cleanup;
		}
		if (git_commit_parentcount(commit) == 0)
			break;   /* a root: it introduced whatever is still unclaimed */
		if (git_commit_parent(&parent, commit, 0) < 0 || git_commit_tree(&ptree, parent) < 0) {
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read the parent of %s of '%s'", hex, publisher);
			goto cleanup;
		}
		if (diff_trees(&x, ptree, tree) < 0)
			goto cleanup;
	}
	/* rows still unclaimed: introduced by the root we stopped at, or (off the
	 * first-parent chain) by a merge: the tip stands for it */
	sqlite3_bind_text(c->st[ST_COMMIT_FILL], 1, publisher, -1, SQLITE_STATIC);
	if (commit && git_commit_parentcount(commit) == 0)
		sqlite3_bind_text(c->st[ST_COMMIT_FILL], 2, hex, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(c->st[ST_COMMIT_FILL], 2, git_oid_tostr_s(tip), -1, SQLITE_TRANSIENT);
	if (step_done(c, c->st[ST_COMMIT_FILL]) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	git_commit_free(commit);
	git_revwalk_free(walk);
	return ret;
}

static void now_utc(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Bring one publisher from the cached commit (old_hex, may be NULL) to tip. */
static int index_publisher(struct hrdex_cache *c, git_repository *repo, const char *publisher,
			   const git_oid *tip, const char *old_hex)
{
	git_commit *tip_commit = NULL, *old_commit = NULL;
	git_tree *tip_tree = NULL, *old_tree = NULL;
	git_oid old;
	int64_t before = c->changed;
	char stamp[32];
	int ret = -1, have_old = 0;

	if (old_hex && git_oid_fromstr(&old, old_hex) == 0) {
		if (git_oid_equal(&old, tip))
			return 0;
		if (git_commit_lookup(&old_commit, repo, &old) == 0 &&
		    git_graph_descendant_of(repo, tip, &old) == 1 && git_commit_tree(&old_tree, old_commit) == 0)
			have_old = 1;
	}
	git_error_clear();
	if (!have_old) {
		if (old_hex)
			hrdex_log_info("cache: '%s' was indexed at %.12s, no ancestor of its tip: reindexing it",
				       publisher, old_hex);
		git_tree_free(old_tree);
		old_tree = NULL;
		if (delete_publisher(c, publisher) < 0)
			goto cleanup;
	}
	if (git_commit_lookup(&tip_commit, repo, tip) < 0 || git_commit_tree(&tip_tree, tip_commit) < 0) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read the tip of '%s'", publisher);
		goto cleanup;
	}
	if (feed_run(c, repo, publisher, old_tree, tip_tree) < 0)
		goto cleanup;
	if (assign_commits(c, repo, publisher, tip, have_old ? &old : NULL,
			   have_old ? -1 : c->changed - before) < 0)
		goto cleanup;
	now_utc(stamp, sizeof(stamp));
	sqlite3_bind_text(c->st[ST_BRANCH_SET], 1, publisher, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_BRANCH_SET], 2, git_oid_tostr_s(tip), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st[ST_BRANCH_SET], 3, stamp, -1, SQLITE_STATIC);
	if (step_done(c, c->st[ST_BRANCH_SET]) < 0)
		goto cleanup;
	hrdex_log_debug("cache: '%s' at %.12s, %lld rows written", publisher, git_oid_tostr_s(tip),
			(long long)(c->changed - before));
	ret = 0;
cleanup:
	git_tree_free(tip_tree);
	git_tree_free(old_tree);
	git_commit_free(tip_commit);
	git_commit_free(old_commit);
	return ret;
}

/* ---- branches of the repository and of the cache ---- */

struct branch {
	char *name;
	git_oid oid;      /* tip (repo) */
	char *commit;     /* indexed commit (cache) */
};

struct branches {
	struct branch *items;
	size_t count, alloc;
};

static void branches_free(struct branches *b)
{
	size_t i;

	for (i = 0; i < b->count; i++) {
		free(b->items[i].name);
		free(b->items[i].commit);
	}
	free(b->items);
	b->items = NULL;
	b->count = b->alloc = 0;
}

static struct branch *branches_add(struct branches *b, const char *name)
{
	struct branch *e;

	if (b->count == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 16;
		struct branch *items = realloc(b->items, n * sizeof(*items));

		if (!items)
			return NULL;
		b->items = items;
		b->alloc = n;
	}
	e = &b->items[b->count];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		return NULL;
	b->count++;
	return e;
}

static int branch_cmp(const void *a, const void *b)
{
	return strcmp(((const struct branch *)a)->name, ((const struct branch *)b)->name);
}

static struct branch *branches_find(struct branches *b, const char *name)
{
	struct branch key;

	key.name = (char *)(uintptr_t)name;
	return b->count ? bsearch(&key, b->items, b->count, sizeof(*b->items), branch_cmp) : NULL;
}

/* Publisher branches: refs/heads/<p> with a valid publisher id, peeled to
 * commits, sorted by name. */
static int repo_branches(struct branches *out, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int ret = -1, rc;

	if (git_reference_iterator_glob_new(&it, repo, "refs/heads/*") < 0)
		return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot list branches");
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref) + strlen("refs/heads/");
		git_object *obj = NULL;
		struct branch *b;

		if (strchr(name, '/') || !hrdex_publisher_valid(name)) {
			git_reference_free(ref);
			ref = NULL;
			continue;
		}
		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) < 0) {
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot resolve branch '%s'", name);
			goto cleanup;
		}
		b = branches_add(out, name);
		if (!b) {
			git_object_free(obj);
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			goto cleanup;
		}
		git_oid_cpy(&b->oid, git_object_id(obj));
		git_object_free(obj);
		git_reference_free(ref);
		ref = NULL;
	}
	if (rc != GIT_ITEROVER) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot list branches");
		goto cleanup;
	}
	if (out->count)
		qsort(out->items, out->count, sizeof(*out->items), branch_cmp);
	ret = 0;
cleanup:
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return ret;
}

/* The branches table, sorted by publisher. */
static int cache_branches(struct branches *out, struct hrdex_cache *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT publisher, \"commit\" FROM branches ORDER BY publisher", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(c, "reading branches");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct branch *b = branches_add(out, (const char *)sqlite3_column_text(st, 0));

		if (!b || !(b->commit = strdup((const char *)sqlite3_column_text(st, 1)))) {
			sqlite3_finalize(st);
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		}
	}
	if (rc != SQLITE_DONE) {
		db_fail(c, "reading branches");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	/* ORDER BY uses BINARY collation: the same order as strcmp */
	return 0;
}

int hrdex_cache_update(struct hrdex_cache *c, git_repository *repo, int64_t *changed)
{
	struct branches tips = { NULL, 0, 0 }, cached = { NULL, 0, 0 };
	size_t i;
	int ret = -1;

	if (changed)
		*changed = 0;
	if (c->readonly)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "cache '%s' is open read-only", c->path);
	c->changed = 0;
	if (exec(c, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (repo_branches(&tips, repo) < 0 || cache_branches(&cached, c) < 0)
		goto cleanup;
	for (i = 0; i < cached.count; i++) {
		if (branches_find(&tips, cached.items[i].name))
			continue;
		if (delete_publisher(c, cached.items[i].name) < 0)
			goto cleanup;
		sqlite3_bind_text(c->st[ST_BRANCH_DELETE], 1, cached.items[i].name, -1, SQLITE_STATIC);
		if (step_done(c, c->st[ST_BRANCH_DELETE]) < 0)
			goto cleanup;
	}
	for (i = 0; i < tips.count; i++) {
		struct branch *old = branches_find(&cached, tips.items[i].name);

		if (index_publisher(c, repo, tips.items[i].name, &tips.items[i].oid, old ? old->commit : NULL) < 0)
			goto cleanup;
	}
	if (exec(c, "COMMIT") < 0)
		goto cleanup;
	if (changed)
		*changed = c->changed;
	ret = 0;
cleanup:
	if (ret < 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	branches_free(&cached);
	branches_free(&tips);
	return ret;
}

/* How many of the branch tips (sorted by name) differ from the commits in
 * the cache's branches table: new, moved or gone. */
static int count_lag(struct hrdex_cache *c, const struct hrdex_tips *tips, size_t *behind, char **first)
{
	struct branches cached = { NULL, 0, 0 };
	size_t i, j, n = 0;
	const char *name = NULL;
	int ret = -1;

	if (cache_branches(&cached, c) < 0)
		goto cleanup;
	for (i = 0; i < tips->count; i++) {
		struct branch *b = branches_find(&cached, tips->items[i].name);

		if (!b || strcmp(b->commit, tips->items[i].hex)) {
			n++;
			name = name ? name : tips->items[i].name;
		}
	}
	for (i = 0; i < cached.count; i++) {
		for (j = 0; j < tips->count && strcmp(tips->items[j].name, cached.items[i].name); j++)
			;
		if (j == tips->count) {
			n++;
			name = name ? name : cached.items[i].name;
		}
	}
	if (first && name && !(*first = strdup(name))) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	*behind = n;
	ret = 0;
cleanup:
	branches_free(&cached);
	return ret;
}

int hrdex_cache_lag(struct hrdex_cache *c, git_repository *repo, size_t *behind, char **first)
{
	struct branches found = { NULL, 0, 0 };
	struct hrdex_tips tips = { NULL, 0 };
	size_t i;
	int ret = -1;

	*behind = 0;
	if (first)
		*first = NULL;
	if (repo_branches(&found, repo) < 0)
		return -1;
	tips.items = calloc(found.count ? found.count : 1, sizeof(*tips.items));
	if (!tips.items) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < found.count; i++) {
		tips.items[i].name = found.items[i].name;   /* borrowed */
		git_oid_tostr(tips.items[i].hex, sizeof(tips.items[i].hex), &found.items[i].oid);
	}
	tips.count = found.count;
	ret = count_lag(c, &tips, behind, first);
cleanup:
	free(tips.items);
	branches_free(&found);
	return ret;
}

int hrdex_cache_lag_files(struct hrdex_cache *c, const char *gitdir, size_t *behind, char **first)
{
	struct hrdex_tips tips = { NULL, 0 };
	int ret;

	*behind = 0;
	if (first)
		*first = NULL;
	if (hrdex_refs_branches(&tips, gitdir) < 0)
		return -1;
	ret = count_lag(c, &tips, behind, first);
	hrdex_tips_free(&tips);
	return ret;
}

/* ---- rebuild ---- */

static int unlink_if_exists(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot remove '%s'", path);
	return 0;
}

static int remove_db_files(const char *path)
{
	char name[4200];

	if (strlen(path) > 4096)
		return hrdex_error_set(HRDEX_EX_IOERR, "path too long: '%s'", path);
	if (hrdex_fmt(name, sizeof(name), "%s-wal", path) < 0)
		return -1;
	if (unlink_if_exists(name) < 0)
		return -1;
	if (hrdex_fmt(name, sizeof(name), "%s-shm", path) < 0)
		return -1;
	if (unlink_if_exists(name) < 0)
		return -1;
	return unlink_if_exists(path);
}

static int rebuild_aside(const char *path, git_repository *repo, int cache_mib);

int hrdex_cache_rebuild(const char *path, git_repository *repo)
{
	return rebuild_aside(path, repo, 64);
}

static int rebuild_aside(const char *path, git_repository *repo, int cache_mib)
{
	struct hrdex_cache *c = NULL;
	char tmp[4096], side[4200], pragma[64], *dir = NULL, *slash;
	sqlite3 *old = NULL;
	int ret = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp) - 8)
		return hrdex_error_set(HRDEX_EX_IOERR, "path too long: '%s'", path);
	/* a leftover of a killed rebuild, with its own -wal/-shm */
	if (remove_db_files(tmp) < 0)
		return -1;
	/* The file is aside until renamed: a crash only loses the work, so no
	 * fsync, and no journal either: in WAL mode every page of one big
	 * transaction was written twice (WAL, then checkpoint), a third of the
	 * time of a first index.  The file goes back to WAL mode, which is
	 * recorded in it, before readers can see it.  reindex gives it a 64 MiB
	 * page cache: with 32, a first index of 100,000 documents took 25 s
	 * instead of 22 (pages of the secondary indexes written out and read
	 * back); publish and sync, which rebuild main and view/ alongside, keep
	 * 32 to stay under 200 MiB. */
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d", cache_mib * 1024); /* fits: a number */
	if (hrdex_cache_open(&c, tmp, 0) < 0 || exec(c, "PRAGMA journal_mode = OFF") < 0 ||
	    exec(c, "PRAGMA synchronous = OFF") < 0 || exec(c, pragma) < 0 || hrdex_cache_update(c, repo, NULL) < 0)
		goto cleanup;
	if (exec(c, "PRAGMA journal_mode = WAL") < 0)
		goto cleanup;
	{
		int zero = 0;   /* not kept (keep_wal): this WAL belongs to the file aside */

		sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &zero);
	}
	hrdex_cache_close(c);   /* the last connection: SQLite folds and deletes the WAL */
	c = NULL;
	if (hrdex_fmt(side, sizeof(side), "%s-wal", tmp) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	if (hrdex_fmt(side, sizeof(side), "%s-shm", tmp) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	/* The old cache's -wal/-shm must not survive next to the new file: fold
	 * the WAL in (best effort: a reader may pin it), then remove both.  A
	 * crash here leaves the old cache, at worst behind: its branches rows
	 * are committed with its document rows. */
	if (hrdex_fs_exists(path) && sqlite3_open_v2(path, &old, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(old, 2000);
		sqlite3_exec(old, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	}
	sqlite3_close(old);
	old = NULL;
	if (hrdex_fmt(side, sizeof(side), "%s-wal", path) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	if (hrdex_fmt(side, sizeof(side), "%s-shm", path) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	if (rename(tmp, path) < 0) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot rename '%s' to '%s'", tmp, path);
		goto cleanup;
	}
	dir = strdup(path);
	if (!dir) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (hrdex_fs_sync_dir(slash ? (*dir ? dir : "/") : ".") < 0)
		goto cleanup;
	/* A writer's open gives the new file the -wal and -shm that readers
	 * without write access to the folder need (keep_wal). */
	if (hrdex_cache_open(&c, path, 0) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(dir);
	sqlite3_close(old);
	hrdex_cache_close(c);
	if (ret < 0)
		remove_db_files(tmp);
	return ret;
}

/* ---- stats, dump ---- */

int hrdex_cache_stats(struct hrdex_cache *c, struct hrdex_cache_stats *out)
{
	int err = 0;

	out->documents = scalar_int(c, "SELECT count(*) FROM documents", &err);
	out->publishers = scalar_int(c, "SELECT count(*) FROM branches", &err);
	out->links = scalar_int(c, "SELECT count(*) FROM links", &err);
	return err ? -1 : 0;
}

static int dump_query(struct hrdex_cache *c, struct hrdex_buf *out, const char *title, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc, i, n;

	if (hrdex_buf_printf(out, "## %s\n", title) < 0)
		return -1;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(c, sql);
	n = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			if (hrdex_buf_puts(out, i ? "\t" : "") < 0 || hrdex_buf_puts(out, v ? v : "NULL") < 0)
				goto fail;
		}
		if (hrdex_buf_putc(out, '\n') < 0)
			goto fail;
	}
	if (rc != SQLITE_DONE) {
		db_fail(c, sql);
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

int hrdex_cache_dump(struct hrdex_cache *c, struct hrdex_buf *out)
{
	if (dump_query(c, out, "branches", "SELECT publisher, \"commit\" FROM branches ORDER BY publisher") < 0 ||
	    dump_query(c, out, "documents",
		       "SELECT ref, publisher, type, id, date, start, \"end\", title, lang, countries, themes, "
		       "json, \"commit\", path, blob FROM documents ORDER BY ref") < 0 ||
	    dump_query(c, out, "doc_countries", "SELECT country, ref FROM doc_countries ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "doc_themes", "SELECT theme, ref FROM doc_themes ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "links", "SELECT from_ref, rel, to_ref, url FROM links ORDER BY 1, 2, 3, 4") < 0 ||
	    dump_query(c, out, "documents_fts",
		       "SELECT d.ref, f.title, f.summary, f.body FROM documents_fts f "
		       "LEFT JOIN documents d ON d.rowid = f.rowid ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "counts",
		       "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM documents_fts)") < 0)
		return -1;
	return 0;
}

/* ---- verify ---- */

struct tree_doc {
	char ref[HRDEX_REF_MAX + 6];
	char blob[GIT_OID_HEXSZ + 1];
};

struct tree_docs {
	struct tree_doc *items;
	size_t count, alloc;
	const char *publisher;
	int oom;
};

static int tree_doc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_doc *)a)->ref, ((const struct tree_doc *)b)->ref);
}

static int collect_doc(const char *root, const git_tree_entry *entry, void *payload)
{
	struct tree_docs *docs = payload;
	char path[512];
	size_t n = strlen(docs->publisher);
	struct tree_doc *d;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	if (snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(entry)) >= (int)sizeof(path))
		return 0;
	if (strncmp(path, docs->publisher, n) || path[n] != '/')
		return 0;
	if (docs->count == docs->alloc) {
		size_t a = docs->alloc ? docs->alloc * 2 : 64;
		struct tree_doc *items = realloc(docs->items, a * sizeof(*items));

		if (!items) {
			docs->oom = 1;
			return -1;
		}
		docs->items = items;
		docs->alloc = a;
	}
	d = &docs->items[docs->count];
	if (!path_ref(d->ref, sizeof(d->ref), path))
		return 0;
	git_oid_tostr(d->blob, sizeof(d->blob), git_tree_entry_id(entry));
	docs->count++;
	return 0;
}

/* Compare the rows of publisher p with the documents of tree (NULL: none). */
static int verify_rows(struct hrdex_cache *c, const char *p, git_tree *tree, struct hrdex_problems *diffs)
{
	struct tree_docs docs = { NULL, 0, 0, p, 0 };
	sqlite3_stmt *st = NULL;
	size_t i = 0;
	int rc, ret = -1;

	if (tree && git_tree_walk(tree, GIT_TREEWALK_PRE, collect_doc, &docs) < 0) {
		if (docs.oom)
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		else
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read the tree of '%s'", p);
		goto cleanup;
	}
	if (docs.count)
		qsort(docs.items, docs.count, sizeof(*docs.items), tree_doc_cmp);
	if (sqlite3_prepare_v2(c->db,
			       "SELECT ref, blob, \"commit\" IS NULL OR json_valid(json) = 0 FROM documents "
			       "WHERE ref >= ?1 || '/' AND ref < ?1 || '0' ORDER BY ref",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(c, "reading documents");
		goto cleanup;
	}
	sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	while (rc == SQLITE_ROW || i < docs.count) {
		const char *ref = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		int cmp = !ref ? -1 : i >= docs.count ? 1 : strcmp(docs.items[i].ref, ref);
		int r = 0;

		if (cmp < 0) {
			r = hrdex_problems_add(diffs, docs.items[i].ref, "missing",
					       "document '%s' is not in the cache", docs.items[i].ref);
			i++;
		} else if (cmp > 0) {
			r = hrdex_problems_add(diffs, ref, "extra", "document '%s' is in the cache only", ref);
			rc = sqlite3_step(st);
		} else {
			if (strcmp(docs.items[i].blob, (const char *)sqlite3_column_text(st, 1)))
				r = hrdex_problems_add(diffs, ref, "stale",
						       "document '%s' is cached at blob %.12s, not %.12s", ref,
						       (const char *)sqlite3_column_text(st, 1), docs.items[i].blob);
			else if (sqlite3_column_int(st, 2))
				r = hrdex_problems_add(diffs, ref, "stale", "document '%s' has a corrupt row", ref);
			i++;
			rc = sqlite3_step(st);
		}
		if (r < 0)
			goto cleanup;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_fail(c, "reading documents");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	free(docs.items);
	return ret;
}

/* The tree of commit hex (or of oid when hex is NULL); NULL when unknown. */
static git_tree *commit_tree(git_repository *repo, const char *hex, const git_oid *oid)
{
	git_oid id;
	git_commit *commit = NULL;
	git_tree *tree = NULL;

	if (hex && git_oid_fromstr(&id, hex) < 0)
		return NULL;
	if (git_commit_lookup(&commit, repo, hex ? &id : oid) == 0)
		git_commit_tree(&tree, commit);
	git_commit_free(commit);
	git_error_clear();
	return tree;
}

int hrdex_cache_verify(struct hrdex_cache *c, git_repository *repo, struct hrdex_problems *diffs)
{
	struct branches tips = { NULL, 0, 0 }, cached = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	sqlite3_stmt *st = NULL;
	size_t i;
	int ret = -1, rc, err = 0;
	int64_t ndocs, nfts;

	if (repo_branches(&tips, repo) < 0 || cache_branches(&cached, c) < 0)
		goto cleanup;
	/* every publisher named anywhere: branch, branches row, document row */
	for (i = 0; i < tips.count; i++)
		if (!branches_add(&all, tips.items[i].name))
			goto oom;
	for (i = 0; i < cached.count; i++)
		if (!branches_find(&tips, cached.items[i].name) && !branches_add(&all, cached.items[i].name))
			goto oom;
	if (all.count)
		qsort(all.items, all.count, sizeof(*all.items), branch_cmp);
	if (sqlite3_prepare_v2(c->db, "SELECT DISTINCT publisher FROM documents", -1, &st, NULL) != SQLITE_OK) {
		db_fail(c, "reading documents");
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);

		if (!branches_find(&all, p)) {
			if (!branches_add(&all, p))
				goto oom;
			qsort(all.items, all.count, sizeof(*all.items), branch_cmp);
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < all.count; i++) {
		const char *p = all.items[i].name;
		struct branch *tip = branches_find(&tips, p), *row = branches_find(&cached, p);
		git_tree *tree = NULL;

		if (!tip && row && hrdex_problems_add(diffs, p, "extra",
						       "branch '%s' is in the cache but not in the repository", p) < 0)
			goto cleanup;
		if (tip && !row && hrdex_problems_add(diffs, p, "behind", "branch '%s' is not indexed", p) < 0)
			goto cleanup;
		if (tip && row && strcmp(row->commit, git_oid_tostr_s(&tip->oid)) &&
		    hrdex_problems_add(diffs, p, "behind", "branch '%s' is indexed at %.12s, its tip is %.12s", p,
				       row->commit, git_oid_tostr_s(&tip->oid)) < 0)
			goto cleanup;
		/* rows against what they claim to be; unknown commit: the tip */
		if (row)
			tree = commit_tree(repo, row->commit, NULL);
		if (row && !tree && tip &&
		    hrdex_problems_add(diffs, p, "stale", "branch '%s' is indexed at %.12s, not in the repository",
				       p, row->commit) < 0)
			goto cleanup;
		if (!tree && tip && row)
			tree = commit_tree(repo, NULL, &tip->oid);
		rc = verify_rows(c, p, row ? tree : NULL, diffs);
		git_tree_free(tree);
		if (rc < 0)
			goto cleanup;
	}
	/* rows of the full-text index without a document, documents without one */
	ndocs = scalar_int(c, "SELECT count(*) FROM documents WHERE rowid NOT IN "
			      "(SELECT rowid FROM documents_fts)", &err);
	nfts = scalar_int(c, "SELECT count(*) FROM documents_fts WHERE rowid NOT IN "
			     "(SELECT rowid FROM documents)", &err);
	if (err)
		goto cleanup;
	if ((ndocs || nfts) &&
	    hrdex_problems_add(diffs, "", "stale",
			       "the full-text index misses %lld documents and has %lld rows of none",
			       (long long)ndocs, (long long)nfts) < 0)
		goto cleanup;
	ret = 0;
	goto cleanup;
oom:
	hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
cleanup:
	sqlite3_finalize(st);
	branches_free(&all);
	branches_free(&cached);
	branches_free(&tips);
	return ret;
}

/* ---- query ---- */

/* The errors FTS5 reports for a query it cannot parse: the user's --text,
 * not the cache, is at fault ("unterminated string" is an unbalanced '"'). */
static int is_fts_error(const char *msg)
{
	return !strncmp(msg, "fts5:", 5) || !strncmp(msg, "no such column", 14) ||
	       !strncmp(msg, "unknown special query", 21) || strstr(msg, "malformed MATCH") != NULL ||
	       !strcmp(msg, "unterminated string");
}

/* The values bound to a query's parameters, in order (borrowed). */
struct binds {
	const char **items;
	size_t count, alloc;
};

static int add_bind(struct binds *b, const char *v)
{
	if (b->count == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 16;
		const char **items = realloc(b->items, n * sizeof(*items));

		if (!items)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		b->items = items;
		b->alloc = n;
	}
	b->items[b->count++] = v;
	return 0;
}

/* pre "?, ?" and as many ')' as pre opened: one filter, any of its values. */
static int add_filter(struct hrdex_buf *sql, struct binds *b, const struct hrdex_query_list *list, const char *pre)
{
	size_t i;
	const char *p;

	if (!list->count)
		return 0;
	if (hrdex_buf_puts(sql, pre) < 0)
		return -1;
	for (i = 0; i < list->count; i++)
		if (hrdex_buf_puts(sql, i ? ", ?" : "?") < 0 || add_bind(b, list->items[i]) < 0)
			return -1;
	for (p = pre; *p; p++)
		if (*p == '(' && hrdex_buf_putc(sql, ')') < 0)
			return -1;
	return 0;
}

int hrdex_cache_query(struct hrdex_cache *c, const struct hrdex_query *q, hrdex_query_cb cb, void *payload)
{
	struct hrdex_buf sql = HRDEX_BUF_INIT, text = HRDEX_BUF_INIT;
	struct binds binds = { NULL, 0, 0 };
	char until[11], lower[11];
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, ret = -1;

	if (q->sort == HRDEX_SORT_RANK && !q->text)
		return hrdex_error_set(HRDEX_EX_USAGE, "sorting by rank needs a --text query");
	/* Not reading json spares the large column's overflow pages; "commit"
	 * is stored after json, so reading it would walk them too.  With ref
	 * alone, an index that holds ref (documents_type_start_ref, the primary
	 * key) answers without reading the table at all. */
	if (q->ref_only)
		rc = hrdex_buf_puts(&sql, "SELECT d.ref, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, "
					  "'[]', '[]' FROM ");
	else
		rc = hrdex_buf_printf(&sql, "SELECT d.ref, d.publisher, d.type, d.id, d.date, d.start, d.\"end\", "
					    "d.title, %s, d.lang, d.countries, d.themes FROM ",
				      q->no_json ? "'', NULL" : "d.json, d.\"commit\"");
	if (rc < 0)
		goto cleanup;
	if (q->text) {
		if (hrdex_cache_fts_text(&text, q->text, 1) < 0 ||
		    hrdex_buf_puts(&sql, "documents_fts f JOIN documents d ON d.rowid = f.rowid "
					 "WHERE documents_fts MATCH ?") < 0 || add_bind(&binds, text.ptr) < 0)
			goto cleanup;
	} else if (hrdex_buf_puts(&sql, "documents d WHERE 1") < 0) {
		goto cleanup;
	}
#define FILTER(list, pre)                                                          \
	if (add_filter(&sql, &binds, &(list), pre) < 0)                            \
		goto cleanup;
	FILTER(q->publisher, " AND d.publisher IN (")
	FILTER(q->type, " AND d.type IN (")
	FILTER(q->country, " AND d.ref IN (SELECT ref FROM doc_countries WHERE country IN (")
	FILTER(q->theme, " AND d.ref IN (SELECT ref FROM doc_themes WHERE theme IN (")
	FILTER(q->links_to, " AND d.ref IN (SELECT from_ref FROM links WHERE to_ref IN (")
	FILTER(q->ref, " AND d.ref IN (")
#undef FILTER
	if (q->since && add_bind(&binds, q->since) < 0)
		goto cleanup;
	if (q->since && hrdex_buf_puts(&sql, " AND d.\"end\" >= ?") < 0)
		goto cleanup;
	if (q->since) {
		/* No interval is longer than the longest one (an index gives it):
		 * so start >= since - that, and the start index takes a narrow range. */
		long days;
		int err = 0;
		int64_t span = scalar_int(c, "SELECT CAST(max(julianday(\"end\") - julianday(start)) AS INTEGER) "
					     "FROM documents", &err);

		if (err)
			goto cleanup;
		if (hrdex_date_to_days(&days, q->since) < 0) {
			hrdex_error_set(HRDEX_EX_USAGE, "invalid date '%s'", q->since);
			goto cleanup;
		}
		hrdex_date_from_days(lower, days - (span > 0 ? (long)span : 0) - 2, 1);
		if (hrdex_buf_puts(&sql, " AND d.start >= ?") < 0 || add_bind(&binds, lower) < 0)
			goto cleanup;
	}
	if (q->until) {
		long days;

		if (hrdex_date_to_days(&days, q->until) < 0) {
			hrdex_error_set(HRDEX_EX_USAGE, "invalid date '%s'", q->until);
			goto cleanup;
		}
		/* start < the next day: a date-time on the last day is in */
		hrdex_date_from_days(until, days + 1, 1);
		if (hrdex_buf_puts(&sql, " AND d.start < ?") < 0 || add_bind(&binds, until) < 0)
			goto cleanup;
	}
	switch (q->sort) {
	case HRDEX_SORT_RANK: rc = hrdex_buf_puts(&sql, " ORDER BY f.rank, d.ref"); break;
	case HRDEX_SORT_DATE_ASC: rc = hrdex_buf_puts(&sql, " ORDER BY d.start, d.ref"); break;
	case HRDEX_SORT_REF: rc = hrdex_buf_puts(&sql, " ORDER BY d.ref"); break;
	default: rc = hrdex_buf_puts(&sql, " ORDER BY d.start DESC, d.ref DESC"); break;
	}
	if (rc < 0)
		goto cleanup;
	if ((q->limit > 0 || q->offset > 0) &&
	    hrdex_buf_printf(&sql, " LIMIT %lld OFFSET %lld", q->limit > 0 ? (long long)q->limit : -1LL,
			     (long long)(q->offset > 0 ? q->offset : 0)) < 0)
		goto cleanup;
	if (sqlite3_prepare_v2(c->db, sql.ptr, -1, &st, NULL) != SQLITE_OK) {
		db_fail(c, "preparing the query");
		goto cleanup;
	}
	for (i = 0; i < binds.count; i++)
		sqlite3_bind_text(st, (int)i + 1, binds.items[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hrdex_query_row row;
		int r;

#define COL(n) ((const char *)sqlite3_column_text(st, n))
		row.ref = COL(0);
		row.publisher = COL(1);
		row.type = COL(2);
		row.id = COL(3);
		row.date = COL(4);
		row.start = COL(5);
		row.end = COL(6);
		row.title = COL(7);
		row.json = COL(8);
		row.commit = COL(9);
		row.lang = COL(10);
		row.countries = COL(11);
		row.themes = COL(12);
#undef COL
		r = cb(&row, payload);
		if (r) {
			ret = r;
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		const char *msg = sqlite3_errmsg(c->db);

		if (q->text && (rc & 0xff) == SQLITE_ERROR && is_fts_error(msg))
			hrdex_error_set(HRDEX_EX_USAGE, "invalid --text query '%s': %s", q->text, msg);
		else
			db_fail(c, "query");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	free(binds.items);
	hrdex_buf_free(&text);
	hrdex_buf_free(&sql);
	return ret;
}

struct hrdex_cache_job {
	pthread_t thread;
	char *db_path, *repo_path;
	int64_t changed;
	int status, code;
	char message[1024];
};

static void *update_thread(void *arg)
{
	struct hrdex_cache_job *job = arg;
	struct hrdex_cache *c = NULL;
	git_repository *repo = NULL;

	job->status = -1;
	if (git_repository_open_bare(&repo, job->repo_path) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot open '%s'", job->repo_path);
	} else if (hrdex_cache_open(&c, job->db_path, 0) == 0) {
		int err = 0, empty = scalar_int(c, "SELECT count(*) FROM branches", &err) == 0 && !err;

		/* A first publish or sync fills an empty cache: built aside
		 * (hrdex_cache_rebuild), it is written once instead of twice. */
		if (empty) {
			hrdex_cache_close(c);
			c = NULL;
			if (rebuild_aside(job->db_path, repo, 32) == 0)
				job->status = 0;
		} else if (hrdex_cache_update(c, repo, &job->changed) == 0) {
			job->status = 0;
		}
	}
	if (job->status < 0) {
		job->code = hrdex_error_kind();
		hrdex_fmt_cut(job->message, sizeof(job->message), "%s", hrdex_error_message());
	}
	hrdex_cache_close(c);
	git_repository_free(repo);
	return NULL;
}

static void job_free(struct hrdex_cache_job *job)
{
	free(job->db_path);
	free(job->repo_path);
	free(job);
}

int hrdex_cache_update_start(struct hrdex_cache_job **out, const char *db_path, const char *repo_path)
{
	struct hrdex_cache_job *job = calloc(1, sizeof(*job));
	int err;

	*out = NULL;
	if (!job || !(job->db_path = strdup(db_path)) || !(job->repo_path = strdup(repo_path))) {
		if (job)
			job_free(job);
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	}
	err = pthread_create(&job->thread, NULL, update_thread, job);
	if (err) {
		job_free(job);
		errno = err;
		return hrdex_error_errno(HRDEX_EX_SOFTWARE, "cannot start the cache update");
	}
	*out = job;
	return 0;
}

int hrdex_cache_update_finish(struct hrdex_cache_job *job, int64_t *changed)
{
	int ret;

	if (changed)
		*changed = 0;
	if (!job)
		return 0;
	pthread_join(job->thread, NULL);
	ret = job->status;
	if (ret < 0)
		hrdex_error_set(job->code, "%s", job->message);
	else if (changed)
		*changed = job->changed;
	job_free(job);
	return ret;
}
