/*
 * tui/console/console.c - `drover [TARGETS]`: the console's life. Parses
 * its arguments, loads console.ini and the inventory, sets up curses, the
 * engine context and the loop's handles (terminal input, resize, TERM/HUP,
 * frames, the feeder, the reconnect timer), runs the loop until the user
 * leaves, then winds down: panes closed, the engine drained, the terminal
 * restored. Everything the console does happens in the other files of
 * tui/console/, driven from these handles.
 */
#include <locale.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/console/console.h"
#include "tui/console/provide_curses.h"
#include "tui/console/server.h"

static const char console_usage[] =
"usage: drover [-F ssh_config] [-i inventory] [options] [TARGETS]\n"
"\n"
"Opens the console in a new session: a pane with an interactive shell per\n"
"host TARGETS names (or the inventory in a sidebar when none are given).\n"
"The session outlives the terminal: detach with the prefix then d, come\n"
"back with drover attach (drover sessions lists them).\n"
"\n"
"  -s NAME        the session's name (default: the next free number)\n"
"  -c FILE        console config (default $XDG_CONFIG_HOME/drover/console.ini)\n"
"  --accept-new   record unknown host keys without asking\n"
"  --layout NAME  tiled, even-horizontal, even-vertical, main-stack\n"
"  --tail FILE    follow FILE (a path or glob) on TARGETS in the tail pane\n"
"\n"
"Keys: press the prefix (shown in the status bar), then ? for the bindings.\n";

void
tui_console_read_size(tui_console *con)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		con->rows = ws.ws_row;
		con->cols = ws.ws_col;
	} else {
		con->rows = LINES;
		con->cols = COLS;
	}
}

static void
on_winch(uv_signal_t *s, int signum)
{
	tui_console *con = s->data;

	(void)signum;
	tui_console_read_size(con);
	resizeterm(con->rows, con->cols);
	tui_console_layout_changed(con);
}

int
tui_console_help(void)
{
	fputs(console_usage, stdout);
	return 0;
}

static void
on_quit_signal(uv_signal_t *s, int signum)
{
	tui_console *con = s->data;

	(void)signum;
	con->quit = 1;
	uv_stop(con->loop);
}

/* The engine's notices (ssh config keywords not applied): the status bar. */
static void
on_engine_warning(const char *host, const char *text, void *ud)
{
	char *safe = tui_sanitize_str(text);

	(void)host;
	tui_console_flash(ud, "warning: %s", safe);
	free(safe);
}

static void
on_ignored_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
}

static int
parse_args(tui_console *con, int argc, char **argv, const char **cfgpath,
    const char **targets, const char **workspace)
{
	const char *layout = NULL, **want;
	tui_arg o;
	int i, k;

	for (i = 0; i < argc; i++) {
		tui_arg_split(argv[i], &o);
		want = strcmp(o.name, "-c") == 0 ? cfgpath :
		    strcmp(o.name, "--layout") == 0 ? &layout :
		    strcmp(o.name, "--tail") == 0 ? &con->tail_path :
		    strcmp(o.name, "--workspace") == 0 && con->srv != NULL ? workspace : NULL;
		if (want != NULL) {
			if (o.value == NULL && i + 1 >= argc) {
				fprintf(stderr, "drover: %s needs a value\n(see drover --help)\n", o.name);
				return 2;
			}
			*want = o.value != NULL ? o.value : argv[++i];
		} else if (strcmp(o.name, "--accept-new") == 0 && o.value == NULL) {
			con->ov.accept_new = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(console_usage, stdout);
			return 0;
		} else if (strcmp(o.name, "-s") == 0 && con->srv == NULL) {
			/* The session name is the client's (session/client.c). */
			if (o.value == NULL)
				i++;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "drover: unknown option '%s'\n(see drover --help)\n", argv[i]);
			return 2;
		} else if (*targets == NULL) {
			*targets = argv[i];
		} else {
			fprintf(stderr, "drover: one TARGETS expression, got '%s' too\n", argv[i]);
			return 2;
		}
	}
	con->layout = TUI_LAYOUT__COUNT;
	for (k = 0; layout != NULL && k < TUI_LAYOUT__COUNT; k++)
		if (strcmp(tui_layout_name((tui_layout_kind)k), layout) == 0)
			con->layout = (tui_layout_kind)k;
	if (layout != NULL && con->layout == TUI_LAYOUT__COUNT) {
		fprintf(stderr, "drover: --layout: '%s' is not tiled, even-horizontal, "
		    "even-vertical or main-stack\n", layout);
		return 2;
	}
	if (layout == NULL)
		con->layout = TUI_LAYOUT_TILED;
	return -1;
}

/*
 * A word that names nothing (a typo like `drover tial`) must not become a
 * pane that retries forever: every target is an inventory host, an
 * ssh_config alias, or a name that resolves.
 */
static int
check_targets(const tui_console *con, const char *expr)
{
	struct addrinfo hints, *ai = NULL;
	const char *like;
	cfg_host *hosts = NULL;
	size_t n = 0, i;
	char *cause = NULL, *safe;
	int rc = 0;

	if (cfg_targets_resolve(con->inv, expr, &hosts, &n, &cause) != 0) {
		safe = tui_sanitize_str(cause);
		fprintf(stderr, "drover: %s\n", safe);
		free(safe);
		free(cause);
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	for (i = 0; i < n && rc == 0; i++) {
		if (hosts[i].in_inventory || hosts[i].address != NULL ||
		    util_list_has(con->inv->aliases, hosts[i].name))
			continue;
		if (getaddrinfo(hosts[i].name, NULL, &hints, &ai) == 0) {
			freeaddrinfo(ai);
			continue;
		}
		like = tui_suggest(hosts[i].name, tui_subcommand_names);

		safe = tui_sanitize_str(hosts[i].name);
		fprintf(stderr, "drover: '%s' is not a command, an inventory host, an "
		    "ssh_config alias or a name that resolves%s%s%s\n(see drover --help)\n",
		    safe, like ? " (did you mean '" : "", like ? like : "", like ? "'?)" : "");
		free(safe);
		rc = 2;
	}
	cfg_hosts_free(hosts, n);
	return rc;
}

static void
curses_start(tui_console *con)
{
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	if (con->cfg->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	tui_draw_init(con);
}

static void
signal_start(tui_console *con, uv_signal_t *h, uv_signal_cb cb, int signum)
{
	uv_signal_init(con->loop, h);
	h->data = con;
	uv_signal_start(h, cb, signum);
}

static void
handles_start(tui_console *con)
{
	tui_frame_init(con);
	tui__feed_init(con);
	tui__retry_init(con);
	tui_input_start(con);
	signal_start(con, &con->winch, on_winch, SIGWINCH);
	signal_start(con, &con->sigterm, on_quit_signal, SIGTERM);
	/* A session server has no terminal to lose: SIGHUP is not an ending. */
	signal_start(con, &con->sighup, con->srv != NULL ? on_ignored_signal : on_quit_signal,
	    SIGHUP);
}

/* Close every pane, the board and the handles; the engine finishes. */
static void
wind_down(tui_console *con)
{
	con->quit = 1;
	if (con->srv != NULL) {
		char *why = util_xasprintf("[session %s ended]", con->srv->name);

		tui_server_stop(con->srv, why);
		free(why);
	}
	tui_tailpane_close(con->tail);
	con->tail = NULL;
	tui_xboard_close(con->xboard);
	con->xboard = NULL;
	tui_windows_close_all(con);
	tui_dialogs_free(con);
	/* A run still going is aborted and frees itself in the loop below. */
	tui_board_close(con->board);
	con->board = NULL;
	tui_frame_close(con);
	tui__feed_close(con);
	tui__retry_close(con);
	uv_close((uv_handle_t *)&con->in, NULL);
	uv_close((uv_handle_t *)&con->winch, NULL);
	uv_close((uv_handle_t *)&con->sigterm, NULL);
	uv_close((uv_handle_t *)&con->sighup, NULL);
	uv_run(con->loop, UV_RUN_DEFAULT);
}

static int
console_main(int argc, char **argv, const char *ssh_config, const char *inventory,
    tui_server *srv)
{
	tui_console con;
	eng_ctx_opts eo;
	cfg_run run;
	char *cause = NULL, *msg;
	const char *cfgpath = NULL, *targets = NULL, *workspace = NULL;
	int rc;

	memset(&con, 0, sizeof(con));
	con.srv = srv;
	if ((rc = parse_args(&con, argc, argv, &cfgpath, &targets, &workspace)) >= 0)
		return rc;
	rc = 0;
	if (cfg_console_load(cfgpath, tui_commands(), &con.cfg, &cause) != 0 ||
	    cfg_inventory_load(inventory, &con.inv, &cause) != 0 ||
	    cfg_inventory_add_ssh_aliases(con.inv, ssh_config, &cause) != 0) {
		msg = tui_sanitize_str(cause);
		fprintf(stderr, "drover: %s\n", msg);
		free(msg);
		free(cause);
		cfg_console_free(con.cfg);
		cfg_inventory_free(con.inv);
		return 2;
	}
	if ((targets != NULL && (rc = check_targets(&con, targets)) != 0) ||
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		if (rc == 0)
			fprintf(stderr, "drover: the console needs a terminal (use drover exec "
			    "for scripts)\n");
		cfg_console_free(con.cfg);
		cfg_inventory_free(con.inv);
		return 2;
	}
	con.zoom = -1;
	tui_windows_init(&con, targets);
	con.ov.ssh_config = ssh_config;
	con.ov.ask_hostkey = 1;
	con.sidebar = targets == NULL && workspace == NULL;
	tui_sidebar_build(&con);

	setlocale(LC_ALL, "");
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	if (initscr() == NULL) {
		fprintf(stderr, "drover: cannot initialise the terminal\n");
		cfg_console_free(con.cfg);
		cfg_inventory_free(con.inv);
		return 2;
	}
	curses_start(&con);
	/* Every pane holds a socket for as long as it is open. */
	eng_fd_limit_raise();
	con.loop = uv_default_loop();
	/* The run-wide settings (handshakes per server) as exec has them. */
	cfg_run_build(con.inv, NULL, 0, &con.ov, &run);
	memset(&eo, 0, sizeof(eo));
	eo.prompt = tui__on_prompt;
	eo.prompt_cancel = tui__on_prompt_cancel;
	eo.prompt_ud = &con;
	eo.warn = on_engine_warning;
	eo.max_handshakes = run.max_handshakes;
	eo.log_path = getenv("DROVER_LOG");
	cfg_run_free(&run);
	eng_ctx_new(con.loop, &eo, &con.ctx);
	handles_start(&con);
	tui_console_read_size(&con);
	if (targets != NULL && tui_console_add_targets(&con, targets) != 0)
		rc = 2;
	if (rc == 0 && workspace != NULL && tui_workspace_open(&con, workspace, srv->name,
	    &cause) != 0) {
		/* Still the starting client's stderr: it prints this and exits 2. */
		msg = tui_sanitize_str(cause);
		fprintf(stderr, "drover: %s\n", msg);
		free(msg);
		free(cause);
		rc = 2;
	}
	if (rc == 0 && con.tail_path != NULL && con.npanes > 0) {
		con.tail = tui_tailpane_new(&con, con.tail_path, con.panes, con.npanes);
		con.tail_shown = 1;
	}
	if (rc == 0 && srv != NULL && tui_server_start(srv, &con) != 0)
		rc = 2;
	tui_console_layout_changed(&con);
	if (rc == 0)
		uv_run(con.loop, UV_RUN_DEFAULT);
	wind_down(&con);
	endwin();
	eng_ctx_free(con.ctx);
	uv_loop_close(con.loop);
	free(con.panes);
	free(con.search);
	free(con.ws_path);
	util_strv_clear(&con.side);
	cfg_inventory_free(con.inv);
	cfg_console_free(con.cfg);
	if (rc != 0 && con.status[0] != '\0')
		fprintf(stderr, "drover: %s\n", con.status);
	return rc;
}

int
tui_console_run(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	return console_main(argc, argv, ssh_config, inventory, NULL);
}

int
tui_console_serve(const tui_serve_opts *o, int argc, char **argv,
    const char *ssh_config, const char *inventory)
{
	tui_server srv;
	int rc;

	/* A client that vanishes mid-write is a dropped client, not our end. */
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	if (tui_server_pty(&srv, o) != 0)
		return 1;
	rc = console_main(argc, argv, ssh_config, inventory, &srv);
	tui_server_free(&srv);
	return rc;
}
