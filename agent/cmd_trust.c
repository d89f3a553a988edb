/*
 * cmd_trust.c - hrdex trust add PUBLISHER KEY|FILE, trust list, trust remove
 *
 * allowed_signers is git's own format, so stock `git verify-commit` reads the
 * same file hrdex trusts.  Every edit rewrites it atomically under the lock.
 */
#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "sign.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

static const char usage[] =
	"usage: hrdex [-C DIR] trust add PUBLISHER KEY|FILE\n"
	"       hrdex [-C DIR] trust list [--json]\n"
	"       hrdex [-C DIR] trust remove PUBLISHER\n"
	"\n"
	"Edit allowed_signers, the publishers whose signed branches this agent\n"
	"accepts.  KEY is an OpenSSH public key ('ssh-ed25519 AAAA...'), the line\n"
	"'hrdex init' printed, or a file holding either (e.g. id_ed25519.pub).\n";

/* Find "ssh-ed25519 " in text (a key, a .pub file, or an allowed_signers line). */
static int parse_key_arg(unsigned char pk[32], const char *arg)
{
	struct hrdex_buf file = HRDEX_BUF_INIT;
	const char *text = arg, *k;
	int ret;

	if (!strstr(arg, "ssh-") && hrdex_fs_exists(arg)) {
		if (hrdex_fs_read(&file, arg, 64 * 1024) < 0)
			return -1;
		text = file.ptr;
	}
	k = strstr(text, "ssh-ed25519 ");
	if (!k) {
		hrdex_buf_free(&file);
		return hrdex_error_set(HRDEX_EX_DATAERR, "no 'ssh-ed25519' public key in '%s'", arg);
	}
	ret = hrdex_key_parse_public(pk, k);
	hrdex_buf_free(&file);
	return ret;
}

/* Rewrite allowed_signers keeping the lines for which keep() says yes, then
 * appending extra (may be NULL). */
static int rewrite(const char *path, const char *drop_principal, const char *extra)
{
	struct hrdex_buf in = HRDEX_BUF_INIT, out = HRDEX_BUF_INIT;
	char *line, *save = NULL;
	int ret = -1;

	if (hrdex_fs_exists(path) && hrdex_fs_read(&in, path, 16 << 20) < 0)
		return -1;
	for (line = in.ptr ? strtok_r(in.ptr, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = drop_principal ? strlen(drop_principal) : 0;

		if (n && !strncmp(line, drop_principal, n) && (line[n] == ' ' || line[n] == '\t'))
			continue;
		if (hrdex_buf_puts(&out, line) < 0 || hrdex_buf_putc(&out, '\n') < 0)
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

static int trust_list(struct hrdex_state *s, int json)
{
	const struct hrdex_signers *signers = s->signers;
	size_t i;

	if (json)
		putchar('[');
	for (i = 0; signers && i < signers->count; i++) {
		struct hrdex_buf key = HRDEX_BUF_INIT;
		const struct hrdex_signer *e = &signers->items[i];

		if (hrdex_key_public_line(&key, e->pk, "") < 0)
			return cmd_fail();
		if (json) {
			/* A principal may hold '"' or '\\' (a quoted allowed_signers
			 * entry): written by the JSON encoder, not pasted. */
			struct hrdex_buf obj = HRDEX_BUF_INIT;
			cJSON *o = cJSON_CreateObject();
			int bad = !o || !cJSON_AddStringToObject(o, "publisher", e->principal) ||
				  !cJSON_AddStringToObject(o, "key", key.ptr) ||
				  !cJSON_AddBoolToObject(o, "self", !strcmp(e->principal, s->config->publisher)) ||
				  hrdex_json_compact(&obj, o) < 0;

			if (!bad)
				printf("%s%s", i ? "," : "", obj.ptr);
			cJSON_Delete(o);
			hrdex_buf_free(&obj);
			if (bad) {
				hrdex_buf_free(&key);
				hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
				return cmd_fail();
			}
		} else {
			hrdex_text_line(stdout, "%-32s %s%s", e->principal, key.ptr,
					strcmp(e->principal, s->config->publisher) ? "" : "  (this agent)");
		}
		hrdex_buf_free(&key);
	}
	if (json)
		puts("]");
	return 0;
}

int cmd_trust(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	unsigned char pk[32];
	char *dir = NULL, *path = NULL;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int ret = -1, json = g->json;

	if (cmd_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (!sub)
		return cmd_usage_error(usage, "trust needs add, list or remove");
	if (!strcmp(sub, "add") && argc != 4)
		return cmd_usage_error(usage, "trust add needs PUBLISHER and KEY");
	if (!strcmp(sub, "remove") && argc != 3)
		return cmd_usage_error(usage, "trust remove needs PUBLISHER");
	if (!strcmp(sub, "list"))
		json |= argc > 2 && !strcmp(argv[2], "--json");
	else if (strcmp(sub, "add") && strcmp(sub, "remove"))
		return cmd_usage_error(usage, "unknown trust command '%s'", sub);
	if (strcmp(sub, "list") && !hrdex_publisher_valid(argv[2]))
		return cmd_usage_error(NULL, "'%s' is not a valid publisher id", argv[2]);
	dir = hrdex_state_resolve(g->state_dir);
	if (!dir || hrdex_state_open(&s, dir, strcmp(sub, "list") ? HRDEX_STATE_LOCK : 0) < 0)
		goto fail;
	if (!strcmp(sub, "list")) {
		ret = trust_list(s, json);
		goto cleanup;
	}
	path = hrdex_state_path(s, "allowed_signers");
	if (!path)
		goto fail;
	if (!strcmp(sub, "remove")) {
		if (!hrdex_signers_has(s->signers, argv[2])) {
			hrdex_error_set(HRDEX_EX_DATAERR, "publisher '%s' is not trusted", argv[2]);
			goto fail;
		}
		if (!strcmp(argv[2], s->config->publisher)) {
			hrdex_error_set(HRDEX_EX_USAGE, "'%s' is this agent's own publisher; its key stays",
					argv[2]);
			goto fail;
		}
		if (rewrite(path, argv[2], NULL) < 0)
			goto fail;
		hrdex_text_line(stderr, "publisher '%s' is no longer trusted", argv[2]);
		ret = 0;
		goto cleanup;
	}
	if (parse_key_arg(pk, argv[3]) < 0)
		goto fail;
	if (hrdex_signers_allow(s->signers, argv[2], pk, "git", 0) ||
	    hrdex_signers_allow(s->signers, argv[2], pk, "git", (int64_t)time(NULL))) {
		hrdex_text_line(stderr, "publisher '%s' already trusts this key", argv[2]);
		ret = 0;
		goto cleanup;
	}
	if (hrdex_buf_printf(&line, "%s namespaces=\"git\" ", argv[2]) < 0 ||
	    hrdex_key_public_line(&line, pk, argv[2]) < 0 || hrdex_buf_putc(&line, '\n') < 0 ||
	    rewrite(path, NULL, line.ptr) < 0)
		goto fail;
	hrdex_text_line(stderr, "publisher '%s' trusted", argv[2]);
	ret = 0;
	goto cleanup;
fail:
	ret = cmd_fail();
cleanup:
	hrdex_buf_free(&line);
	hrdex_state_free(s);
	free(path);
	free(dir);
	return ret;
}
