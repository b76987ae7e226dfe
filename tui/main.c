/*
 * tui/main.c - drover's entry point: global options, then the command
 * (the console by default, exec for scripts, demo; `complete` is the
 * hidden query behind the shell completions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

static const char usage[] =
"usage: drover [-F ssh_config] [-i inventory] [console options] [TARGETS]\n"
"       drover [-F ssh_config] [-i inventory] exec [options] TARGETS -- COMMAND...\n"
"       drover [-F ssh_config] [-i inventory] tail [options] TARGETS -- FILE...\n"
"       drover [-F ssh_config] [-i inventory] put|get|ls|cat [options] TARGETS -- PATH...\n"
"       drover demo [N] [drover arguments]\n"
"       drover attach [NAME] | sessions | kill-session [NAME] | kill-server\n"
"       drover [-w WORKSPACE] | save NAME FILE   (sessions from and to a file)\n"
"       drover ctl COMMAND [ARGS]     (commands for scripts: drover ctl --help)\n"
"\n"
"drover is an operator console for fleets of SSH hosts.\n"
"\n"
"  drover TARGETS   opens the console in a new session: a pane with a shell\n"
"                   per host; the session outlives the terminal (detach: the\n"
"                   prefix then d; drover attach comes back)\n"
"  drover           opens the console with the inventory in a sidebar\n"
"  drover exec ...  runs a command on many hosts (drover exec --help)\n"
"  drover tail ...  follows log files on many hosts (drover tail --help)\n"
"  drover put ...   copies files to many hosts; get: from them (drover put --help)\n"
"  drover ls ...    lists, cat prints, remote files on many hosts (drover ls --help)\n"
"  drover demo [N]  tries it on a throw-away local fleet of N sshd (default 4)\n"
"\n"
"  -F FILE        ssh config file instead of ~/.ssh/config\n"
"  -i FILE        inventory file (default $XDG_CONFIG_HOME/drover/inventory.ini)\n"
"  -h, --help     this help\n"
"  --version      print the versions of drover and its libraries\n"
"\n"
"console options:\n"
"  -s NAME        the new session's name (default: the next free number)\n"
"  -w FILE        open the sessions a workspace file declares (attach if running)\n"
"  -c FILE        console config (default $XDG_CONFIG_HOME/drover/console.ini)\n"
"  --accept-new   record unknown host keys without asking\n"
"  --layout NAME  tiled, even-horizontal, even-vertical, main-stack\n"
"  --tail FILE    follow FILE (a path or glob) on TARGETS in the tail pane\n"
"\n"
"Long options also take their value after '=' (--layout=tiled).\n"
"Manual: man drover (and drover-inventory(5), drover-console(5),\n"
"drover-themes(5)).\n";

int
main(int argc, char **argv)
{
	const char *ssh_config = NULL, *inventory = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-F") == 0 || strcmp(argv[i], "-i") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "drover: %s needs a file\n", argv[i]);
				return 2;
			}
			if (argv[i][1] == 'F')
				ssh_config = argv[++i];
			else
				inventory = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			return tui_cli_version();
		} else {
			break;
		}
	}
	if (i < argc && strcmp(argv[i], "exec") == 0)
		return tui_cli_exec(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "tail") == 0)
		return tui_cli_tail(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "put") == 0)
		return tui_cli_put(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "get") == 0)
		return tui_cli_get(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "ls") == 0)
		return tui_cli_ls(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "cat") == 0)
		return tui_cli_cat(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "demo") == 0)
		return tui_cli_demo(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "complete") == 0)
		return tui_cli_complete(argc - i, argv + i, ssh_config, inventory);
	if (i < argc && strcmp(argv[i], "attach") == 0)
		return tui_cli_attach(argc - i, argv + i);
	if (i < argc && strcmp(argv[i], "sessions") == 0)
		return tui_cli_sessions(argc - i, argv + i);
	if (i < argc && strcmp(argv[i], "kill-session") == 0)
		return tui_cli_kill_session(argc - i, argv + i);
	if (i < argc && strcmp(argv[i], "kill-server") == 0)
		return tui_cli_kill_server(argc - i, argv + i);
	if (i < argc && strcmp(argv[i], "ctl") == 0)
		return tui_cli_ctl(argc - i, argv + i);
	if (i < argc && strcmp(argv[i], "save") == 0)
		return tui_cli_save(argc - i, argv + i);
	/* The demo's fleet lives only as long as the demo: its console runs in place. */
	if (getenv("DROVER_IN_PLACE") != NULL)
		return tui_console_run(argc - i, argv + i, ssh_config, inventory);
	return tui_session_main(argc - i, argv + i, ssh_config, inventory);
}
