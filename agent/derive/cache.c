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
 *
 * This file opens the cache and holds its schema; cache_int.h lists the
 * others (rows, tree diff and feed, update, verify, query).
 */
#include "cache.h"
#include "buf.h"
#include "cache_int.h"
#include "config.h"
#include "doc.h"
#include "doctype.h"
#include "date.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "refs.h"
#include "utf8.h"

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
	[ST_ADDRESSEE_DELETE] = "DELETE FROM doc_addressees WHERE ref = ?1",
	[ST_RSTATE_DELETE] = "DELETE FROM doc_recommending_states WHERE ref = ?1",
	[ST_BODY_DELETE] = "DELETE FROM doc_bodies WHERE ref = ?1",
	[ST_GROUP_DELETE] = "DELETE FROM doc_groups WHERE ref = ?1",
	[ST_SDG_DELETE] = "DELETE FROM doc_sdgs WHERE ref = ?1",
	[ST_DOC_INSERT] = "INSERT INTO documents(ref, publisher, type, id, date, start, \"end\", title, lang, "
			  "countries, themes, json, \"commit\", path, blob, accepted_at, sequence, schema, kind, "
			  "status, response, date_first, date_last, date_precision) "
			  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14, ?15, ?16, ?17, ?18, "
			  "?19, ?20, ?21, ?22, ?23)",
	[ST_FTS_INSERT] = "INSERT INTO documents_fts(rowid, title, summary, body) VALUES(?1, ?2, ?3, ?4)",
	[ST_COUNTRY_INSERT] = "INSERT OR IGNORE INTO doc_countries(country, ref) VALUES(?1, ?2)",
	[ST_THEME_INSERT] = "INSERT OR IGNORE INTO doc_themes(theme, ref) VALUES(?1, ?2)",
	[ST_ADDRESSEE_INSERT] = "INSERT OR IGNORE INTO doc_addressees(ref, kind, value) VALUES(?2, ?3, ?1)",
	[ST_RSTATE_INSERT] = "INSERT OR IGNORE INTO doc_recommending_states(ref, country) VALUES(?2, ?1)",
	[ST_BODY_INSERT] = "INSERT OR IGNORE INTO doc_bodies(ref, body) VALUES(?2, ?1)",
	[ST_GROUP_INSERT] = "INSERT OR IGNORE INTO doc_groups(ref, grp) VALUES(?2, ?1)",
	[ST_SDG_INSERT] = "INSERT OR IGNORE INTO doc_sdgs(ref, sdg) VALUES(?2, ?1)",
	[ST_LINK_INSERT] = "INSERT INTO links(from_ref, rel, to_ref, url) VALUES(?1, ?2, ?3, ?4)",
	[ST_BRANCH_SET] = "INSERT INTO branches(publisher, \"commit\", indexed_at) VALUES(?1, ?2, ?3) "
			  "ON CONFLICT(publisher) DO UPDATE SET \"commit\" = excluded.\"commit\", "
			  "indexed_at = excluded.indexed_at",
	[ST_BRANCH_DELETE] = "DELETE FROM branches WHERE publisher = ?1",
	[ST_TOUCH_INSERT] = "INSERT OR IGNORE INTO temp.touched(ref) VALUES(?1)",
	[ST_COMMIT_SET] = "UPDATE documents SET \"commit\" = ?2 WHERE ref = ?1",
	/* A withdrawn document leaves a tombstone (OAI-PMH deleted records,
	 * Atom withdrawals); publishing the ref again removes it. */
	[ST_TOMB_SET] = "INSERT OR REPLACE INTO withdrawn(ref, publisher, type, id, title, lang, countries, "
			"withdrawn_at, sequence, date, start, \"end\", json) SELECT ref, publisher, type, id, title, "
			"lang, countries, ?2, sequence + 1, date, start, \"end\", json FROM documents WHERE ref = ?1",
	/* the SEQUENCE of the version about to be written */
	[ST_SEQ_NEXT] = "SELECT coalesce((SELECT sequence + 1 FROM documents WHERE ref = ?1), "
			"(SELECT sequence + 1 FROM withdrawn WHERE ref = ?1), 0)",
	[ST_TOMB_CLEAR] = "DELETE FROM withdrawn WHERE ref = ?1",
	[ST_HELD_DELETE] = "DELETE FROM held WHERE ref = ?1",
	[ST_HELD_INSERT] = "INSERT OR REPLACE INTO held(ref, publisher, \"commit\", reason) VALUES(?1, ?2, ?3, ?4)",
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

/* What version 5 adds to version 4: the facts of the version-2 form
 * (facts.h).  Run after the version-4 schema on a new cache, and on a
 * version-4 cache by the writer that finds it (migrate_4, then every row's
 * facts computed from its json: cache_refacts). */
static const char schema5_sql[] =
	"ALTER TABLE documents ADD COLUMN schema INTEGER NOT NULL DEFAULT 1;\n"
	"ALTER TABLE documents ADD COLUMN kind TEXT;\n"
	"ALTER TABLE documents ADD COLUMN status TEXT;\n"
	"ALTER TABLE documents ADD COLUMN response TEXT;\n"
	"ALTER TABLE documents ADD COLUMN date_first TEXT;\n"
	"ALTER TABLE documents ADD COLUMN date_last TEXT;\n"
	"ALTER TABLE documents ADD COLUMN date_precision INTEGER NOT NULL DEFAULT 0;\n"
	"CREATE INDEX documents_kind ON documents(kind);\n"
	"CREATE INDEX documents_status ON documents(status);\n"
	"CREATE INDEX documents_response ON documents(response);\n"
	"CREATE INDEX documents_date_first ON documents(date_first, date_last);\n"
	"CREATE TABLE doc_addressees(ref TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,\n"
	"  PRIMARY KEY(value, kind, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_addressees_ref ON doc_addressees(ref);\n"
	"CREATE INDEX doc_addressees_kind ON doc_addressees(kind, ref);\n"
	"CREATE TABLE doc_recommending_states(ref TEXT NOT NULL, country TEXT NOT NULL,\n"
	"  PRIMARY KEY(country, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_recommending_states_ref ON doc_recommending_states(ref);\n"
	"CREATE TABLE doc_bodies(ref TEXT NOT NULL, body TEXT NOT NULL,\n"
	"  PRIMARY KEY(body, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_bodies_ref ON doc_bodies(ref);\n"
	"CREATE TABLE doc_groups(ref TEXT NOT NULL, grp TEXT NOT NULL,\n"
	"  PRIMARY KEY(grp, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_groups_ref ON doc_groups(ref);\n"
	"CREATE TABLE doc_sdgs(ref TEXT NOT NULL, sdg TEXT NOT NULL,\n"
	"  PRIMARY KEY(sdg, ref)) WITHOUT ROWID;\n"
	"CREATE INDEX doc_sdgs_ref ON doc_sdgs(ref);\n"
	;

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
	"  blob TEXT NOT NULL,\n"
	"  accepted_at TEXT,\n"
	"  sequence INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX documents_accepted ON documents(accepted_at, ref);\n"
	"CREATE TABLE withdrawn(ref TEXT PRIMARY KEY NOT NULL, publisher TEXT NOT NULL,\n"
	"  type TEXT NOT NULL, id TEXT NOT NULL, title TEXT, lang TEXT,\n"
	"  countries TEXT NOT NULL DEFAULT '[]', withdrawn_at TEXT NOT NULL,\n"
	"  sequence INTEGER NOT NULL DEFAULT 0, date TEXT, start TEXT, \"end\" TEXT, json TEXT);\n"
	"CREATE INDEX withdrawn_at ON withdrawn(withdrawn_at, ref);\n"
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
	"CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);\n"
	"CREATE TABLE held(ref TEXT PRIMARY KEY NOT NULL, publisher TEXT NOT NULL, \"commit\" TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL);\n"
	"CREATE VIRTUAL TABLE documents_fts USING fts5(title, summary, body,\n"
	"  tokenize = 'unicode61 remove_diacritics 2');\n"
	"INSERT INTO documents_fts(documents_fts, rank) VALUES('rank', 'bm25(10.0, 5.0, 1.0)');\n";


/* ---- small SQLite helpers ---- */

int cache_db_fail(struct hrdex_cache *c, const char *what)
{
	int rc = sqlite3_extended_errcode(c->db);
	int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? HRDEX_E_BUSY :
		   (rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL ? HRDEX_E_IO :
									      HRDEX_E_INTERNAL;

	return hrdex_error_set(code, "cache '%s': %s: %s", c->path, what, sqlite3_errmsg(c->db));
}

int cache_exec(struct hrdex_cache *c, const char *sql)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_db_fail(c, sql);
	return 0;
}

/* Step a statement that returns no row we need, then reset it. */
int cache_step_done(struct hrdex_cache *c, sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		cache_db_fail(c, sqlite3_sql(st));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

void cache_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int64_t cache_scalar_int(struct hrdex_cache *c, const char *sql, int *err)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		*err = cache_db_fail(c, sql);
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (sqlite3_errcode(c->db) != SQLITE_DONE && sqlite3_errcode(c->db) != SQLITE_OK)
		*err = cache_db_fail(c, sql);
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
			return cache_db_fail(c, "listing tables");
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			sqlite3_finalize(st);
			return rc == SQLITE_DONE ? 0 : cache_db_fail(c, "listing tables");
		}
		sql = sqlite3_mprintf("DROP %s IF EXISTS \"%w\"",
				      strcmp((const char *)sqlite3_column_text(st, 0), "view") ? "TABLE" : "VIEW",
				      (const char *)sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		if (!sql)
			return hrdex_error_oom();
		rc = cache_exec(c, sql);
		sqlite3_free(sql);
		if (rc < 0)
			return -1;
	}
}

/* Create the schema when the file is new; start again on another version,
 * but for version 4, which is brought to this one in place (its
 * tombstones, stamps and sequences are not in the branches: a rebuild
 * could not make them again): the columns and tables of version 5 added
 * here, and *migrating set with the transaction left open for
 * hrdex_cache_open to fill them (cache_refacts) and commit. */
static int ensure_schema(struct hrdex_cache *c, int *migrating)
{
	int err = 0;
	int64_t version, tables;
	char sql[64];

	if (cache_exec(c, "BEGIN IMMEDIATE") < 0)
		return -1;
	version = cache_scalar_int(c, "PRAGMA user_version", &err);
	tables = cache_scalar_int(c, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", &err);
	if (err)
		goto fail;
	*migrating = 0;
	if (version == HRDEX_CACHE_SCHEMA && tables > 0) {
		if (cache_exec(c, TYPE_START_REF_SQL) < 0)
			goto fail;
		return cache_exec(c, "COMMIT");
	}
	if (version == 4 && tables > 0) {
		hrdex_log_info("cache '%s' has schema version 4: adding the facts of version %d", c->path,
			       HRDEX_CACHE_SCHEMA);
		if (cache_exec(c, TYPE_START_REF_SQL) < 0 || cache_exec(c, schema5_sql) < 0)
			goto fail;
		*migrating = 1;
		return 0;
	}
	if (tables > 0) {
		hrdex_log_warn("cache '%s' has schema version %lld, this hrdex uses %d: rebuilding it",
			       c->path, (long long)version, HRDEX_CACHE_SCHEMA);
		if (drop_everything(c) < 0)
			goto fail;
	}
	if (cache_exec(c, schema_sql) < 0 || cache_exec(c, schema5_sql) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", HRDEX_CACHE_SCHEMA); /* fits: a number */
	if (cache_exec(c, sql) < 0)
		goto fail;
	return cache_exec(c, "COMMIT");
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
		return hrdex_error_set(HRDEX_E_IO, "path too long: '%s'", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), "."); /* fits */
	if (stat(dir, &st) < 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot stat '%s'", dir);
	mode |= (st.st_mode & S_IXGRP ? 0040 : 0) | (st.st_mode & S_IXOTH ? 0004 : 0);
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		int fd, r;

		if (hrdex_fmt(name, sizeof(name), "%s%s", path, suffix[i]) < 0)
			return -1;
		fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", name);
		r = fstat(fd, &st) == 0 && (st.st_mode & 07777) != mode ? fchmod(fd, mode) : 0;
		if (r < 0) {
			hrdex_error_errno(HRDEX_E_IO, "cannot change the mode of '%s'", name);
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
int cache_keep_wal(struct hrdex_cache *c)
{
	int one = 1;

	if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one) != SQLITE_OK)
		return cache_db_fail(c, "keeping the WAL");
	return cache_exec(c, "PRAGMA journal_size_limit = 67108864");
}

/* After a reader failed to open path: when the cause is access (the file
 * or its -shm unreadable, the -shm missing where this account cannot
 * create it), say so with HRDEX_E_PERMISSION and return -1; else 0. */
static int reader_denied(const char *path)
{
	char name[4200];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return hrdex_error_set(HRDEX_E_PERMISSION, "cannot read cache '%s': permission denied", path);
	if (fd >= 0)
		close(fd);
	if (hrdex_fmt(name, sizeof(name), "%s-shm", path) < 0)
		return -1;
	if (access(name, F_OK) < 0 && errno == ENOENT)
		return hrdex_error_set(HRDEX_E_PERMISSION,
				       "cannot read cache '%s': its WAL index '%s' is missing and this account "
				       "cannot create it; the agent's next update (sync, publish) makes it", path, name);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return hrdex_error_set(HRDEX_E_PERMISSION, "cannot read cache '%s': '%s': permission denied", path,
				       name);
	if (fd >= 0)
		close(fd);
	return 0;
}

int hrdex_cache_open(struct hrdex_cache **out, const char *path, int readonly)
{
	struct hrdex_cache *c = calloc(1, sizeof(*c));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int i, err = 0, migrating = 0;

	*out = NULL;
	if (!c)
		return hrdex_error_oom();
	c->readonly = readonly;
	c->path = strdup(path);
	if (!c->path) {
		hrdex_error_oom();
		goto fail;
	}
	if (readonly && access(path, F_OK) < 0) {
		/* a folder this account may not enter hides the file: not "no cache" */
		if (errno == EACCES || errno == EPERM)
			hrdex_error_set(HRDEX_E_PERMISSION, "cannot read cache '%s': permission denied", path);
		else
			hrdex_error_set(HRDEX_E_NOTFOUND, "no cache '%s' yet", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (!c->db) {
			hrdex_error_oom();
			goto fail;
		}
		if (!readonly || reader_denied(path) == 0)
			hrdex_error_set(HRDEX_E_IO, "cannot open cache '%s': %s", path, sqlite3_errmsg(c->db));
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 10000);
	sqlite3_extended_result_codes(c->db, 1);
	if (readonly) {
		int64_t version;

		if (cache_exec(c, "PRAGMA query_only = 1") < 0)
			goto fail;
		version = cache_scalar_int(c, "PRAGMA user_version", &err);
		if (err) {
			/* SQLITE_READONLY or CANTOPEN: most likely a missing or
			 * unreadable -shm; say so rather than "readonly database" */
			int rc = sqlite3_extended_errcode(c->db) & 0xff;

			if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM)
				reader_denied(path);
			goto fail;
		}
		if (version != HRDEX_CACHE_SCHEMA) {
			hrdex_error_set(HRDEX_E_BUSY,
					"cache '%s' has schema version %lld, this hrdex uses %d; "
					"run 'hrdex reindex'", path, (long long)version, HRDEX_CACHE_SCHEMA);
			goto fail;
		}
		*out = c;
		return 0;
	}
	/* A large update (a first sync, a big publish) touches many pages: a
	 * 32 MiB page cache instead of SQLite's 2 MiB default halves its time. */
	if (share_files(path) < 0 || cache_keep_wal(c) < 0)
		goto fail;
	if (cache_exec(c, "PRAGMA journal_mode = WAL") < 0 || share_files(path) < 0 ||
	    cache_exec(c, "PRAGMA synchronous = NORMAL") < 0 ||
	    cache_exec(c, "PRAGMA foreign_keys = OFF") < 0 || cache_exec(c, "PRAGMA cache_size = -32768") < 0)
		goto fail;
	if (ensure_schema(c, &migrating) < 0)
		goto fail;
	if (cache_exec(c, "CREATE TEMP TABLE IF NOT EXISTS touched(ref TEXT PRIMARY KEY) WITHOUT ROWID") < 0)
		goto fail;
	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL) !=
		    SQLITE_OK) {
			cache_db_fail(c, stmt_sql[i]);
			goto fail;
		}
	if (migrating) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", HRDEX_CACHE_SCHEMA); /* fits: a number */
		if (cache_refacts(c) < 0 || cache_exec(c, sql) < 0 || cache_exec(c, "COMMIT") < 0)
			goto fail;
		migrating = 0;
	}
	*out = c;
	return 0;
fail:
	if (migrating)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
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

/* ---- stats, dump ---- */

int hrdex_cache_stats(struct hrdex_cache *c, struct hrdex_cache_stats *out)
{
	int err = 0;

	out->documents = cache_scalar_int(c, "SELECT count(*) FROM documents", &err);
	out->publishers = cache_scalar_int(c, "SELECT count(*) FROM branches", &err);
	out->links = cache_scalar_int(c, "SELECT count(*) FROM links", &err);
	return err ? -1 : 0;
}

static int dump_query(struct hrdex_cache *c, struct hrdex_buf *out, const char *title, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc, i, n;

	if (hrdex_buf_printf(out, "## %s\n", title) < 0)
		return -1;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_db_fail(c, sql);
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
		cache_db_fail(c, sql);
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
	    dump_query(c, out, "documents v2",
		       "SELECT ref, schema, kind, status, response, date_first, date_last, date_precision "
		       "FROM documents ORDER BY ref") < 0 ||
	    dump_query(c, out, "doc_addressees", "SELECT ref, kind, value FROM doc_addressees ORDER BY 1, 2, 3") < 0 ||
	    dump_query(c, out, "doc_recommending_states",
		       "SELECT ref, country FROM doc_recommending_states ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "doc_bodies", "SELECT ref, body FROM doc_bodies ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "doc_groups", "SELECT ref, grp FROM doc_groups ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "doc_sdgs", "SELECT ref, sdg FROM doc_sdgs ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "links", "SELECT from_ref, rel, to_ref, url FROM links ORDER BY 1, 2, 3, 4") < 0 ||
	    dump_query(c, out, "documents_fts",
		       "SELECT d.ref, f.title, f.summary, f.body FROM documents_fts f "
		       "LEFT JOIN documents d ON d.rowid = f.rowid ORDER BY 1, 2") < 0 ||
	    dump_query(c, out, "counts",
		       "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM documents_fts)") < 0)
		return -1;
	return 0;
}
