/*
 * tui/cli/demo.c - `drover demo [N] [drover arguments]`: the demo fleet for
 * anyone who installed drover. The fleet itself (N real sshd on 127.0.0.2..,
 * keys, known_hosts, ssh_config, an inventory, a log written on each host,
 * teardown on exit) is the shell script the tests use, shipped in
 * share/drover/fleet/ (config/datadir.c finds it): this execs demo.sh with
 * this very binary as the drover to run, so an installed drover demos
 * itself and a build-tree drover the source tree's scripts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "tui/cli/cli.h"

static const char demo_usage[] =
"usage: drover demo [N] [drover arguments]\n"
"\n"
"Brings up a throw-away fleet of N (default 4, at most 253) real OpenSSH\n"
"servers on 127.0.0.2, .3, ... port $FLEET_PORT (2222), each with its own\n"
"host key, a log being appended and a generated client key, known_hosts,\n"
"ssh_config and inventory in a private temporary directory; then runs\n"
"drover on it and tears everything down when drover exits.\n"
"\n"
"  drover demo                 the console with a shell pane per demo host\n"
"                              (without a terminal: a fan-out command)\n"
"  drover demo 8 exec -o group @demo -- uptime\n"
"\n"
"Needs sshd (openssh-server), ssh-keygen and ssh-agent (openssh-client).\n"
"As root the hosts log in as the user drover-demo (created if missing).\n";

int
tui_cli_demo(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	char *dir = NULL, *script = NULL, *rerun = NULL, self[PATH_MAX];
	char **args = NULL;
	ssize_t n;
	int i = 1, hosts, k;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(demo_usage, stdout);
		return TUI_EXIT_OK;
	}
	if (ssh_config != NULL || inventory != NULL) {
		fprintf(stderr, "drover demo: -F and -i are the demo's own (it writes both)\n");
		return TUI_EXIT_USAGE;
	}
	if (i < argc && argv[i][0] >= '0' && argv[i][0] <= '9') {
		if (util_parse_int(argv[i], 1, 253, &hosts) != 0) {
			fprintf(stderr, "drover demo: N: '%s' is not a number from 1 to 253\n",
			    argv[i]);
			return TUI_EXIT_USAGE;
		}
		setenv("DEMO_HOSTS", argv[i], 1);
		rerun = util_xasprintf("drover demo %s", argv[i++]);
	}
	if ((dir = cfg_data_dir("fleet")) == NULL) {
		fprintf(stderr, "drover demo: the demo fleet scripts are not installed "
		    "(share/drover/fleet next to this drover)\n");
		free(rerun);
		return TUI_EXIT_USAGE;
	}
	script = util_xasprintf("%s/demo.sh", dir);
	/* The drover demo.sh runs is this one, wherever it is installed. */
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		setenv("DROVER_BIN", self, 1);
	}
	/* The banner's "rerun:" hint, as the user typed it. */
	setenv("DEMO_RERUN", rerun != NULL ? rerun : "drover demo", 1);
	args = util_xcalloc((size_t)(argc - i) + 2, sizeof *args);
	args[0] = script;
	for (k = 0; i < argc; i++, k++)
		args[k + 1] = argv[i];
	execv(script, args);
	fprintf(stderr, "drover demo: cannot run %s: %s\n", script, strerror(errno));
	free(args);
	free(rerun);
	free(script);
	free(dir);
	return TUI_EXIT_USAGE;
}
