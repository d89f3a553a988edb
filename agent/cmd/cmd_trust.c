/*
 * cmd_trust.c - hrdex trust add PUBLISHER KEY|FILE, trust list, trust remove
 *
 * allowed_signers is git's own format, so stock `git verify-commit` reads the
 * same file hrdex trusts.  Every edit rewrites it atomically under the lock.
 */
#include "accept.h"
#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "refresh.h"
#include "registry.h"
#include "reset.h"
#include "repo.h"
#include "key.h"
#include "ledger.h"
#include "signers.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

static const char usage[] =
	"usage: hrdex [-C DIR] trust add [--force-bind] PUBLISHER KEY|FILE\n"
	"       hrdex [-C DIR] trust list [--json]\n"
	"       hrdex [-C DIR] trust remove PUBLISHER\n"
	"       hrdex [-C DIR] trust reset PUBLISHER COMMIT KEY|FILE --yes-reset-branch\n"
	"\n"
	"Edit allowed_signers, the publishers whose signed branches this agent\n"
	"accepts.  KEY is an OpenSSH public key ('ssh-ed25519 AAAA...'), the line\n"
	"'hrdex init' printed, or a file holding either (e.g. id_ed25519.pub, or\n"
	"another agent's allowed_signers: the line naming PUBLISHER is used).\n"
	"\n"
	"add refuses (65) a line that names another publisher than PUBLISHER, and\n"
	"a key already trusted for another publisher; --force-bind says that is\n"
	"meant.  A branch kept by an earlier 'trust remove' comes back when its\n"
	"history passes the rules with the key added; else the next sync fetches\n"
	"the branch from peers.\n"
	"\n"
	"remove takes PUBLISHER off every line (a line left with nobody goes), and\n"
	"its documents leave main, view/, the cache and the site at once.  Its\n"
	"branch is kept, for history, as refs/hrdex/untrusted/PUBLISHER, which\n"
	"peers do not fetch and git daemon / http-backend do not serve.\n"
	"\n"
	"reset is for a key that was lost or leaked: it moves PUBLISHER's branch\n"
	"back to COMMIT (which must be in its history; else exit 65), keeps the\n"
	"commits after it as refs/hrdex/abandoned/PUBLISHER/TIME (not served),\n"
	"trusts KEY for PUBLISHER and, after COMMIT, accepts only commits signed\n"
	"by KEY: anything the old key signs after that point is refused, whatever\n"
	"date it names.  The old key stays in allowed_signers so that stock git\n"
	"verify-commit still passes on the kept history.  main, view/, the cache\n"
	"and the site are rebuilt; status, metrics.prom and the webhooks show the\n"
	"reset, and STATE/tips.json records it (the one move back the rollback\n"
	"rule lets through).  Without --yes-reset-branch it says what it would do\n"
	"and exits 64.  Agree COMMIT and the new key with the publisher first\n"
	"(hrdex key show on their side, read aloud).\n";

/* The key's text: arg itself, or the file it names.  A word with no space
 * and no "ssh-" is a file name even when the file is missing (66).  *what
 * gets how messages name it: 'FILE', or "the key text" (which may span
 * lines, and messages are one line). */
static int key_text(struct hrdex_buf *out, char *what, size_t size, const char *arg)
{
	if (hrdex_fs_exists(arg) || (!strpbrk(arg, " \t\n") && !strstr(arg, "ssh-"))) {
		hrdex_fmt_cut(what, size, "'%s'", arg); /* cut short, it still names the file */
		return hrdex_fs_read(out, arg, 64 * 1024);
	}
	hrdex_fmt_cut(what, size, "the key text");
	return hrdex_buf_puts(out, arg);
}

/*
 * The key KEY|FILE gives for pub.  Of several lines, an allowed_signers line
 * naming pub wins, then a bare key ('ssh-ed25519 AAAA... comment', a .pub
 * file), then the first allowed_signers line, whose principals *other gets
 * (else it is left empty): the caller decides whether that may bind.
 */
static int parse_key_arg(unsigned char pk[32], char *other, size_t size, char *what, size_t wsize,
			 const char *arg, const char *pub)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	unsigned char bare[32], first[32];
	char *line, *save = NULL;
	int have_bare = 0, have_first = 0, found = 0, ret = -1;

	other[0] = '\0';
	if (key_text(&text, what, wsize, arg) < 0)
		return -1;
	for (line = text.ptr ? strtok_r(text.ptr, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		struct hrdex_signers *sg = NULL;
		const char *k = strstr(line, "ssh-ed25519 ");
		size_t i;

		if (!k)
			continue;
		if (line + strspn(line, " \t") == k) {
			if (!have_bare && hrdex_key_parse_public(bare, k) < 0)
				goto cleanup;
			have_bare = 1;
			continue;
		}
		if (hrdex_signers_parse(&sg, line, strlen(line), what) < 0) {
			char why[512];

			hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
			hrdex_error_set(HRDEX_E_INVALID, "%s", why);
			goto cleanup;
		}
		for (i = 0; i < sg->count && !found; i++)
			if (!strcmp(sg->items[i].principal, pub)) {
				memcpy(pk, sg->items[i].pk, 32);
				found = 1;
			}
		for (i = 0; !found && !have_first && i < sg->count; i++) {
			size_t n = strlen(other);

			/* for the message only: a list cut short still names one */
			if (n + 1 < size)
				hrdex_fmt_cut(other + n, size - n, "%s%s", n ? "," : "", sg->items[i].principal);
			memcpy(first, sg->items[i].pk, 32);
		}
		have_first |= !found && sg->count > 0;
		hrdex_signers_free(sg);
	}
	if (found || have_bare) {
		if (!found)
			memcpy(pk, bare, 32);
		other[0] = '\0';
	} else if (have_first) {
		memcpy(pk, first, 32);
	} else {
		hrdex_error_set(HRDEX_E_INVALID, "no 'ssh-ed25519' public key in %s", what);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&text);
	return ret;
}

/* Rewrite allowed_signers without any grant to drop_principal (may be NULL),
 * then append extra (may be NULL). */
static int rewrite(const char *path, const char *drop_principal, const char *extra)
{
	struct hrdex_buf in = HRDEX_BUF_INIT, out = HRDEX_BUF_INIT;
	int ret = -1;

	if (hrdex_fs_exists(path) && hrdex_fs_read(&in, path, 16 << 20) < 0)
		return -1;
	if (drop_principal) {
		if (hrdex_signers_drop(&out, in.ptr ? in.ptr : "", in.len, drop_principal, NULL) < 0)
			goto cleanup;
	} else if (in.len && (hrdex_buf_put(&out, in.ptr, in.len) < 0 ||
			      (in.ptr[in.len - 1] != '\n' && hrdex_buf_putc(&out, '\n') < 0))) {
		goto cleanup;
	}
	if (extra && hrdex_buf_puts(&out, extra) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic(path, out.ptr ? out.ptr : "", out.len, 0644);
cleanup:
	hrdex_buf_free(&in);
	hrdex_buf_free(&out);
	return ret;
}

/*
 * pub is trusted again: a branch that an earlier 'trust remove' parked comes
 * back when its whole history passes the branch rules with today's
 * allowed_signers (the same check verify makes), so that re-trusting needs no
 * network.  Otherwise it stays parked and the next sync fetches the branch.
 */
static int restore_parked(struct hrdex_state *s, const char *pub)
{
	struct hrdex_accept a;
	struct hrdex_ledger *ledger;
	git_oid tip, parked;
	char msg[96];
	struct hrdex_refresh rf = { .message = msg };
	int r;

	r = hrdex_repo_tip(&tip, s->repo, pub);
	if (r != 1)
		return r; /* a branch already (0), or an error */
	r = hrdex_repo_parked(&parked, s->repo, pub);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (hrdex_state_ledger(s, &ledger) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.ledger = ledger;
	a.repo = s->repo;
	a.publisher = pub;
	a.signers = s->signers;
	a.schemas = s->schemas;
	a.limits = &s->config->limits;
	r = hrdex_accept_check(&a, &parked);
	if (r == 1)
		hrdex_text_line(stderr, "its earlier branch stays in %s%s (%s: %s); the next sync fetches the branch "
			"from peers", HRDEX_REF_UNTRUSTED, pub, a.rule, a.reason);
	hrdex_accept_release(&a);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (hrdex_repo_unpark(s->repo, pub, &parked) < 0)
		return -1;
	hrdex_fmt_cut(msg, sizeof(msg), "trust: %s trusted again", pub);
	hrdex_refresh(s, &rf);
	hrdex_text_line(stderr, "its branch is back from %s%s", HRDEX_REF_UNTRUSTED, pub);
	return 0;
}

static int trust_add(struct hrdex_state *s, const char *path, const char *pub, const char *arg, int force)
{
	struct hrdex_buf line = HRDEX_BUF_INIT;
	unsigned char pk[32];
	char other[256], what[512];
	size_t i;
	int ret = -1;

	if (parse_key_arg(pk, other, sizeof(other), what, sizeof(what), arg, pub) < 0)
		return -1;
	if (*other && !force)
		return hrdex_error_set(HRDEX_E_INVALID, "%s is a line for '%s', not '%s' (--force-bind trusts "
				       "its key as '%s' anyway)", what, other, pub, pub);
	{
		char rk[HRDEX_KEY_LINE_MAX], reg[HRDEX_PUBLISHER_MAX + 1];
		unsigned char rpk[32];

		if (hrdex_registry_trusted(s, pub, rk) && hrdex_key_parse_public(rpk, rk) == 0 &&
		    memcmp(rpk, pk, 32) && hrdex_registry_get(s->config, reg))
			hrdex_text_line(stderr, "this conflicts with the registry: '%s/member/%s' gives publisher '%s' "
					"another key; both keys are trusted (the registry's line stays while its member "
					"document does)", reg, pub, pub);
		hrdex_error_clear();
	}
	if (hrdex_signers_allow(s->signers, pub, pk, "git", 0) ||
	    hrdex_signers_allow(s->signers, pub, pk, "git", (int64_t)time(NULL))) {
		hrdex_text_line(stderr, "publisher '%s' already trusts this key", pub);
		return 0;
	}
	for (i = 0; s->signers && i < s->signers->count && !force; i++) {
		const struct hrdex_signer *e = &s->signers->items[i];

		if (!e->cert_authority && !memcmp(e->pk, pk, 32) && strcmp(e->principal, pub))
			return hrdex_error_set(HRDEX_E_INVALID, "this key is already trusted for publisher '%s' "
					       "(--force-bind trusts it for '%s' too)", e->principal, pub);
	}
	if (hrdex_buf_printf(&line, "%s namespaces=\"git\" ", pub) < 0 ||
	    hrdex_key_public_line(&line, pk, pub) < 0 || hrdex_buf_putc(&line, '\n') < 0 ||
	    rewrite(path, NULL, line.ptr) < 0 || hrdex_state_reload_signers(s) < 0)
		goto cleanup;
	hrdex_text_line(stderr, "publisher '%s' trusted", pub);
	ret = restore_parked(s, pub);
cleanup:
	hrdex_buf_free(&line);
	return ret;
}

/*
 * The branch is parked first: killed before allowed_signers is rewritten,
 * the publisher is still trusted, so running the command again finishes
 * (and a sync meanwhile would fetch the branch back, as for a trusted one).
 */
static int trust_remove(struct hrdex_state *s, const char *path, const char *pub)
{
	char parked[96], msg[96];
	struct hrdex_refresh rf = { .message = msg };
	git_oid tip;
	char rk[HRDEX_KEY_LINE_MAX], reg[HRDEX_PUBLISHER_MAX + 1];
	int trusted = hrdex_signers_has(s->signers, pub), r;
	int by_registry = hrdex_registry_trusted(s, pub, rk) && hrdex_registry_get(s->config, reg);

	if (!strcmp(pub, s->config->publisher))
		return hrdex_error_set(HRDEX_E_USAGE, "'%s' is this agent's own publisher; its key stays", pub);
	r = hrdex_repo_tip(&tip, s->repo, pub);
	if (r < 0)
		return -1;
	if (!trusted && r == 1)
		return hrdex_error_set(HRDEX_E_INVALID, "publisher '%s' is not trusted", pub);
	if (r == 0 && hrdex_repo_park(s->repo, pub, parked, sizeof(parked)) < 0)
		return -1;
	if (trusted && (rewrite(path, pub, NULL) < 0 || hrdex_state_reload_signers(s) < 0))
		return -1;
	if (hrdex_signers_has(s->signers, pub))
		return hrdex_error_set(HRDEX_E_INTERNAL, "publisher '%s' is still in '%s'", pub, path);
	if (r == 0) {
		hrdex_fmt_cut(msg, sizeof(msg), "trust: %s no longer trusted", pub);
		hrdex_refresh(s, &rf);
		hrdex_text_line(stderr, "publisher '%s' is no longer trusted; its documents left main, view/ and the "
			"cache, its branch is kept as %s", pub, parked);
	} else {
		hrdex_text_line(stderr, "publisher '%s' is no longer trusted", pub);
	}
	if (by_registry)
		hrdex_text_line(stderr, "the registry '%s' trusts it again when its branch next moves, while "
				"'%s/member/%s' stands", reg, reg, pub);
	return 0;
}

static int trust_reset(struct hrdex_state *s, const char *pub, const char *commit, const char *arg, int yes)
{
	struct hrdex_reset_plan p;
	char other[256], what[512], hex[GIT_OID_HEXSZ + 1], tip[GIT_OID_HEXSZ + 1];

	if (!strcmp(pub, s->config->publisher))
		return hrdex_error_set(HRDEX_E_USAGE, "'%s' is this agent's own publisher: trust reset is for "
				       "another publisher's branch", pub);
	if (!hrdex_signers_has(s->signers, pub))
		return hrdex_error_set(HRDEX_E_INVALID, "publisher '%s' is not trusted", pub);
	memset(&p, 0, sizeof(p));
	p.publisher = pub;
	if (parse_key_arg(p.key, other, sizeof(other), what, sizeof(what), arg, pub) < 0)
		return -1;
	if (*other)
		return hrdex_error_set(HRDEX_E_INVALID, "%s is a line for '%s', not '%s'", what, other, pub);
	if (hrdex_reset_check_key(s, pub, p.key) < 0 || hrdex_reset_resolve(&p.commit, s, pub, commit) < 0 || hrdex_reset_prepare(&p, s) < 0)
		return -1;
	git_oid_tostr(hex, sizeof(hex), &p.commit);
	git_oid_tostr(tip, sizeof(tip), &p.tip);
	if (!yes)
		return hrdex_error_set(HRDEX_E_USAGE, "trust reset would move '%s' back from %.12s to %.12s (%zu "
				       "commit%s after it kept as %s%s/TIME, not served), trust the key %s for it "
				       "and accept after %.12s only commits it signs; nothing done: add "
				       "--yes-reset-branch to do it", pub, tip, hex, p.abandoned,
				       p.abandoned == 1 ? "" : "s", HRDEX_REF_ABANDONED, pub, p.fingerprint, hex);
	if (hrdex_reset_apply(&p, s) < 0)
		return -1;
	hrdex_text_line(stderr, "publisher '%s' reset from %.12s to %.12s; %zu commit%s kept as %s; after it only "
			"key %s signs", pub, tip, hex, p.abandoned, p.abandoned == 1 ? "" : "s",
			p.abandoned_ref[0] ? p.abandoned_ref : "(none)", p.fingerprint);
	return 0;
}

static int trust_list(struct hrdex_state *s, int json)
{
	const struct hrdex_signers *signers = s->signers;
	cJSON *list = json ? cJSON_CreateArray() : NULL;
	size_t i;
	int ret;

	if (json && !list)
		return cmd_oom();
	for (i = 0; signers && i < signers->count; i++) {
		struct hrdex_buf key = HRDEX_BUF_INIT;
		const struct hrdex_signer *e = &signers->items[i];

		if (hrdex_key_public_line(&key, e->pk, "") < 0) {
			cJSON_Delete(list);
			return cmd_fail();
		}
		if (json) {
			/* A principal may hold '"' or '\\' (a quoted allowed_signers
			 * entry): written by the JSON encoder, not pasted. */
			cJSON *o = cmd_json_push_object(list);

			if (!o || !cJSON_AddStringToObject(o, "publisher", e->principal) ||
			    !cJSON_AddStringToObject(o, "key", key.ptr) ||
			    !cJSON_AddBoolToObject(o, "self", !strcmp(e->principal, s->config->publisher))) {
				hrdex_buf_free(&key);
				cJSON_Delete(list);
				return cmd_oom();
			}
		} else {
			hrdex_text_line(stdout, "%-32s %s%s", e->principal, key.ptr,
					strcmp(e->principal, s->config->publisher) ? "" : "  (this agent)");
		}
		hrdex_buf_free(&key);
	}
	ret = json && cmd_print_json(list) < 0 ? cmd_fail() : 0;
	cJSON_Delete(list);
	return ret;
}

int cmd_trust(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	char *dir = NULL, *path = NULL;
	const char *sub = argc > 1 ? argv[1] : NULL, *pos[3] = { NULL, NULL, NULL };
	int ret = -1, json = 0, force = 0, yes = 0, npos = 0, first, i;
	const struct cmd_opt opts[] = {
		{ "force-bind", 0, CMD_FLAG, &force, NULL, "add: bind the key to PUBLISHER although the line\nor another entry says otherwise" },
		{ "json", 0, CMD_FLAG, &json, NULL, "list: print the entries as JSON" },
		{ "yes-reset-branch", 0, CMD_FLAG, &yes, NULL, "reset: do it (without: say what it would do, exit 64)" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	if (!sub)
		return cmd_usage_error(usage, "trust needs add, list, remove or reset");
	if (cmd_wants_help(argc, argv)) {
		cmd_help(stdout, &spec);
		return 0;
	}
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "remove") && strcmp(sub, "reset"))
		return cmd_usage_error(usage, "unknown trust command '%s'", sub);
	if ((ret = cmd_parse(argc - 1, argv + 1, &spec, &first)) != CMD_GO)
		return ret;
	ret = -1;
	if ((json && strcmp(sub, "list")) || (force && strcmp(sub, "add")) || (yes && strcmp(sub, "reset")))
		return cmd_usage_error(usage, "%s is not an option of trust %s",
				       json ? "--json" : force ? "--force-bind" : "--yes-reset-branch", sub);
	json |= g->json;
	for (i = first + 1; i < argc; i++) {
		if (npos < 3)
			pos[npos++] = argv[i];
		else
			return cmd_usage_error(usage, "too many arguments for trust %s", sub);
	}
	if (!strcmp(sub, "reset") && npos != 3)
		return cmd_usage_error(usage, "trust reset needs PUBLISHER, COMMIT and KEY");
	if (!strcmp(sub, "add") && npos != 2)
		return cmd_usage_error(usage, "trust add needs PUBLISHER and KEY");
	if (!strcmp(sub, "remove") && npos != 1)
		return cmd_usage_error(usage, "trust remove needs PUBLISHER");
	if (!strcmp(sub, "list") && npos)
		return cmd_usage_error(usage, "trust list takes no arguments");
	if (strcmp(sub, "list") && !hrdex_publisher_valid(pos[0]))
		return cmd_usage_error(NULL, "'%s' is not a valid publisher id", pos[0]);
	if (cmd_open(g, strcmp(sub, "list") ? HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS : 0,
		     &dir, &s) < 0)
		goto fail;
	if (!strcmp(sub, "list")) {
		ret = trust_list(s, json);
		goto cleanup;
	}
	path = hrdex_state_path(s, "allowed_signers");
	if (!path)
		goto fail;
	if ((!strcmp(sub, "remove") ? trust_remove(s, path, pos[0])
	     : !strcmp(sub, "reset") ? trust_reset(s, pos[0], pos[1], pos[2], yes)
				     : trust_add(s, path, pos[0], pos[1], force)) < 0)
		goto fail;
	ret = 0;
	goto cleanup;
fail:
	ret = cmd_fail();
cleanup:
	hrdex_state_free(s);
	free(path);
	free(dir);
	return ret;
}
