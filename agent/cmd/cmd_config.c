/*
 * cmd_config.c - hrdex config check [-f FILE]
 */
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char config_usage[] =
	"usage: hrdex [-C DIR] config check [-f FILE]\n"
	"\n"
	"Check hrdex.conf (or FILE, e.g. a new version before installing it) and\n"
	"print \"configuration OK\", or name the bad key and exit 78.  hrdex.publisher\n"
	"must be the publisher allowed_signers trusts for this agent's key.  The\n"
	"running service re-reads its configuration on SIGHUP and keeps the old one\n"
	"when the new one is bad; check first.\n";

int cmd_config(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_config *c = NULL;
	struct hrdex_state *s = NULL;
	const char *file = NULL;
	char *dir = NULL, *path = NULL;
	int first, ret;
	const struct cmd_opt opts[] = {
		{ "file", 'f', CMD_VALUE, &file, "FILE", "check FILE instead of the state directory's hrdex.conf" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { config_usage, opts, NULL };

	if (argc < 2 || cmd_wants_help(2, argv)) {
		cmd_help(argc < 2 ? stderr : stdout, &spec);
		return argc < 2 ? HRDEX_EX_USAGE : 0;
	}
	if (strcmp(argv[1], "check"))
		return cmd_usage_error(config_usage, "unknown config subcommand '%s'", argv[1]);
	argc--;
	argv++;
	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (first < argc)
		return cmd_usage_error(config_usage, "config check takes no arguments");
	if (!file) {
		if (cmd_open(g, 0, &dir, NULL) < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
		if (!(path = hrdex_path_join(dir, "hrdex.conf"))) {
			ret = cmd_oom();
			goto cleanup;
		}
		file = path;
		if (hrdex_state_check_dir(dir) < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
	}
	if (!hrdex_fs_exists(file)) {
		hrdex_error_set(HRDEX_E_CONFIG, "'%s' does not exist", file);
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_config_load(&c, file) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	/* The key and the branches are the state directory's: a FILE checked
	 * elsewhere (-f) is compared with them when there is one. */
	if (!dir && cmd_open(g, 0, &dir, NULL) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_state_open(&s, dir, 0) < 0) {
		if (file == path) {
			ret = cmd_fail();
			goto cleanup;
		}
		hrdex_error_clear();
	} else if (hrdex_state_check_publisher(s, c) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	printf("configuration OK\n");
	ret = 0;
cleanup:
	hrdex_state_free(s);
	hrdex_config_free(c);
	free(path);
	free(dir);
	return ret;
}
