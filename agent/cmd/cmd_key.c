/*
 * cmd_key.c - hrdex key show: this agent's public key and its fingerprint,
 * for reading aloud on the phone to a peer who trusts it; hrdex key rotate:
 * a new key, named by a signed commit of our branch (flow/rotate.h).
 */
#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "key.h"
#include "rotate.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char usage[] =
	"usage: hrdex [-C DIR] key show [--json]\n"
	"   or: hrdex [-C DIR] key rotate [--json]\n"
	"\n"
	"Print this agent's public key as the line keys/id_ed25519.pub holds, then\n"
	"its fingerprint exactly as 'ssh-keygen -lf keys/id_ed25519.pub' prints it\n"
	"(\"256 SHA256:... COMMENT (ED25519)\"): read the SHA256: part aloud to a\n"
	"peer, who compares it with 'ssh-keygen -lf' on the line you sent.  Peers\n"
	"trust it with 'hrdex trust add PUBLISHER KEY'.\n"
	"\n"
	"'key rotate' makes a new key pair and publishes PUBLISHER/key/N.json naming\n"
	"it, in a commit signed by the current key; every later commit is signed by\n"
	"the new key, and peers follow with no step of their own (their\n"
	"allowed_signers gains the new key, so stock 'git verify-commit' passes on\n"
	"the whole history).  The old private key moves to keys/retired/\n"
	"id_ed25519.N.  It takes the agent's lock, as publish does, so it is safe\n"
	"while 'hrdex run' serves the outbox.  Prints the new key and its\n"
	"fingerprint; read it to your peers as with 'key show'.\n";

/* The public key and its comment: keys/id_ed25519.pub, else the private key. */
static int own_key(struct hrdex_state *s, unsigned char pk[32], struct hrdex_buf *comment)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(s, "keys/id_ed25519.pub");
	int ret = -1;

	if (!path)
		return hrdex_error_oom();
	if (hrdex_fs_exists(path)) {
		const char *p, *end;

		if (hrdex_fs_read(&text, path, 64 * 1024) < 0)
			goto cleanup;
		if (hrdex_key_parse_public(pk, text.ptr ? text.ptr : "") < 0) {
			char why[256];

			hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
			hrdex_error_set(HRDEX_E_CONFIG, "'%s': %s", path, why);
			goto cleanup;
		}
		/* the comment: what follows "TYPE BASE64 ", to the end of the line */
		p = text.ptr + strspn(text.ptr, " \t");
		p += strcspn(p, " \t");
		p += strspn(p, " \t");
		p += strcspn(p, " \t\r\n");
		p += strspn(p, " \t");
		end = p + strcspn(p, "\r\n");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		ret = hrdex_buf_put(comment, p, (size_t)(end - p));
	} else {
		struct hrdex_key key;

		free(path);
		path = hrdex_state_path(s, "keys/id_ed25519");
		if (!path)
			goto cleanup;
		memset(&key, 0, sizeof(key));
		if (hrdex_key_load(&key, path) == 0) {
			memcpy(pk, key.pk, 32);
			ret = hrdex_buf_puts(comment, key.comment);
		}
		hrdex_key_wipe(&key);
	}
cleanup:
	hrdex_buf_free(&text);
	free(path);
	return ret;
}

static int key_show(struct hrdex_state *s, int json)
{
	struct hrdex_buf comment = HRDEX_BUF_INIT, line = HRDEX_BUF_INIT;
	unsigned char pk[32];
	char fp[64];
	cJSON *o = NULL;
	int ret = -1;

	if (own_key(s, pk, &comment) < 0 || hrdex_key_public_line(&line, pk, comment.ptr) < 0 ||
	    hrdex_key_fingerprint(fp, sizeof(fp), pk) < 0)
		goto cleanup;
	if (json) {
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddStringToObject(o, "publisher", s->config->publisher) ||
		    !cJSON_AddStringToObject(o, "key", line.ptr) || !cJSON_AddStringToObject(o, "fingerprint", fp)) {
			hrdex_error_oom();
			goto cleanup;
		}
		if (cmd_print_json(o) < 0)
			goto cleanup;
	} else {
		/* ssh-keygen -lf: bits, fingerprint, comment ("no comment" when
		 * none), key type */
		hrdex_text_line(stdout, "%s", line.ptr);
		hrdex_text_line(stdout, "256 %s %s (ED25519)", fp, comment.len ? comment.ptr : "no comment");
	}
	ret = 0;
cleanup:
	cJSON_Delete(o);
	hrdex_buf_free(&line);
	hrdex_buf_free(&comment);
	return ret;
}

static int key_rotate(struct hrdex_state *s, int json)
{
	struct hrdex_rotate_result res;
	char hex[GIT_OID_HEXSZ + 1];
	cJSON *o = NULL;
	int ret = -1;

	if (hrdex_rotate(s, &res) < 0)
		return -1;
	git_oid_tostr(hex, sizeof(hex), &res.commit);
	if (json) {
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddStringToObject(o, "publisher", s->config->publisher) ||
		    !cJSON_AddStringToObject(o, "key", res.line) ||
		    !cJSON_AddStringToObject(o, "fingerprint", res.fingerprint) ||
		    !cJSON_AddNumberToObject(o, "number", (double)res.number) ||
		    !cJSON_AddStringToObject(o, "previous", res.previous) ||
		    !cJSON_AddStringToObject(o, "document", res.ref) || !cJSON_AddStringToObject(o, "commit", hex) ||
		    !cJSON_AddStringToObject(o, "retired", res.retired)) {
			hrdex_error_oom();
			goto cleanup;
		}
		if (cmd_print_json(o) < 0)
			goto cleanup;
	} else {
		hrdex_text_line(stdout, "%s", res.line);
		hrdex_text_line(stdout, "256 %s %s (ED25519)", res.fingerprint, s->config->publisher);
		hrdex_text_line(stderr, "hrdex: key %lu of '%s' (%s) replaces %s in commit %.12s (%s); "
				"the old private key is in %s", res.number, s->config->publisher, res.fingerprint,
				res.previous, hex, res.ref, res.retired);
	}
	ret = 0;
cleanup:
	cJSON_Delete(o);
	return ret;
}

int cmd_key(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	char *dir = NULL;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int ret, json = 0, first;
	const struct cmd_opt opts[] = {
		{ "json", 0, CMD_FLAG, &json, NULL, "print {\"publisher\", \"key\", \"fingerprint\"}" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	if (cmd_wants_help(argc, argv)) {
		cmd_help(stdout, &spec);
		return 0;
	}
	if (!sub)
		return cmd_usage_error(usage, "key needs show or rotate");
	if (strcmp(sub, "show") && strcmp(sub, "rotate"))
		return cmd_usage_error(usage, "unknown key command '%s'", sub);
	if ((ret = cmd_parse(argc - 1, argv + 1, &spec, &first)) != CMD_GO)
		return ret;
	if (first + 1 < argc)
		return cmd_usage_error(usage, "key %s takes no arguments", sub);
	json |= g->json;
	if (!strcmp(sub, "rotate"))
		ret = cmd_open(g, HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, &dir, &s) < 0 ||
		      key_rotate(s, json) < 0 ? cmd_fail() : 0;
	else
		ret = cmd_open(g, 0, &dir, &s) < 0 || key_show(s, json) < 0 ? cmd_fail() : 0;
	hrdex_state_free(s);
	free(dir);
	return ret;
}
