/*
 * tui/console/commands.c - the console's commands: one table of {name,
 * default key, help, handler}. config/ builds the keymap from it (and lets
 * console.ini rebind by name), the help screen is generated from that
 * keymap, and input.c runs what a key names through tui_command_run: a
 * command cannot have a key without a handler or a help line that
 * disagrees with its binding.
 *
 * The default prefix is C-g, not tmux's C-b or screen's C-a: drover is
 * often run inside tmux or screen, and C-g is free in both by default.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "tui/console/console.h"
#include "tui/console/server.h"

typedef struct tui_command {
	cfg_command def;            /* name, default key, help: first (cfg_commands) */
	void (*run)(tui_console *con, int arg);
	int arg;
} tui_command;

/* ---- handlers ---- */

static void
cmd_prefix(tui_console *con, int arg)
{
	(void)arg;
	con->prefix = 1;
}

/* The prefix key itself, as bound, to the pane(s): C-g C-g sends ^G. */
static void
cmd_send_prefix(tui_console *con, int arg)
{
	const cfg_binding *b = cfg_keymap_get(con->cfg->keys, "prefix");
	uint32_t ch;

	(void)arg;
	if (b == NULL || b->key >= CFG_KEY_UP)
		return;
	ch = (uint32_t)b->key;
	if ((b->mods & CFG_MOD_CTRL) && ((ch >= 'a' && ch <= 'z') || ch == '@' ||
	    (ch >= '[' && ch <= '_')))
		ch &= 0x1f;
	else if ((b->mods & CFG_MOD_CTRL) && ch == ' ')
		ch = 0;
	else if ((b->mods & CFG_MOD_CTRL) && ch == '?')
		ch = 0x7f;
	tui_input_to_panes(con, TUI_KEY_NONE, b->mods & CFG_MOD_ALT, ch);
}

static void
cmd_layout_next(tui_console *con, int arg)
{
	(void)arg;
	con->layout = tui_layout_next(con->layout);
	tui_console_flash(con, "layout: %s", tui_layout_name(con->layout));
	tui_console_layout_changed(con);
}

static void
cmd_layout(tui_console *con, int kind)
{
	con->layout = (tui_layout_kind)kind;
	tui_console_layout_changed(con);
}

static void
cmd_zoom(tui_console *con, int arg)
{
	(void)arg;
	con->zoom = con->zoom >= 0 ? -1 : con->focus;
	tui_console_layout_changed(con);
}

static void
cmd_focus_dir(tui_console *con, int dir)
{
	tui_rect *r;
	int n;

	if (con->npanes == 0 || con->zoom >= 0 || con->compact)
		return;
	r = tui_console_pane_rects(con);
	n = tui_layout_neighbor(r, con->npanes, con->focus, (tui_dir)dir);
	free(r);
	tui_console_set_focus(con, n);
}

static void
cmd_focus_step(tui_console *con, int step)
{
	if (con->npanes > 0)
		tui_console_set_focus(con, (con->focus + step + con->npanes) % con->npanes);
}


static void
cmd_close_pane(tui_console *con, int arg)
{
	tui_pane *p = tui_console_focused(con);
	char *text;

	(void)arg;
	if (p == NULL)
		return;
	/* A live shell is asked about first, as tmux does. */
	if (p->st != TUI_PANE_READY || p->x == NULL) {
		tui_console_close_pane(con, con->focus);
		return;
	}
	text = util_xasprintf("close the shell on %s? (y/n) ", p->host.name);
	tui_console_ask(con, TUI_ASK_CLOSE, "close pane", text);
	con->dialogs->detail = util_xstrdup(p->host.name);
	free(text);
}

/* The run prompt says where the command will go. */
static void
ask_run(tui_console *con)
{
	tui_pane **t;
	const char **names;
	char *fold, *text;
	int n, i;

	t = tui_console_targets(con, &n);
	if (n == 0) {
		free(t);
		tui_console_flash(con, "no panes to run on");
		return;
	}
	names = util_xcalloc((size_t)n, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = t[i]->host.name;
	fold = tui_fold_hosts(names, (size_t)n);
	text = util_xasprintf("command for %d host%s (%s): ", n, n == 1 ? "" : "s", fold);
	tui_console_ask(con, TUI_ASK_RUN, "run on the broadcast set", text);
	free(text);
	free(fold);
	free(names);
	free(t);
}

static void
cmd_ask(tui_console *con, int kind)
{
	switch (kind) {
	case TUI_ASK_ADD:
		tui_console_ask(con, kind, "add hosts", "target expression: ");
		break;
	case TUI_ASK_ARM:
		tui_console_ask(con, kind, "arm panes", "target expression: ");
		break;
	case TUI_ASK_RUN:
		ask_run(con);
		break;
	case TUI_ASK_NEW_WINDOW:
		tui_console_ask(con, kind, "new window", "target expression: ");
		break;
	case TUI_ASK_RENAME_WINDOW:
		tui_console_ask(con, kind, "rename window", "name: ");
		break;
	case TUI_ASK_SEARCH:
		tui_console_ask(con, kind, "search scrollback", "text: ");
		break;
	default:
		break;
	}
}

static void
cmd_broadcast(tui_console *con, int arg)
{
	(void)arg;
	con->broadcast = !con->broadcast;
	tui_console_flash(con, "broadcast %s", con->broadcast ? "ON" : "off");
}

static void
cmd_arm(tui_console *con, int arg)
{
	tui_pane *p = tui_console_focused(con);

	(void)arg;
	if (p != NULL) {
		p->armed = !p->armed;
		p->title_dirty = 1;
	}
}

static void
cmd_reconnect(tui_console *con, int arg)
{
	tui_pane *p = tui_console_focused(con);

	(void)arg;
	if (p != NULL)
		tui_console_reconnect(con, p);
}

static void
cmd_scroll(tui_console *con, int arg)
{
	(void)arg;
	con->scroll_mode = 1;
}

static void
cmd_help(tui_console *con, int arg)
{
	(void)arg;
	con->help = !con->help;
	con->help_top = 0;
}

/* Leaves the console; the session goes on (run in place, as the demo is: ends). */
static void
cmd_detach(tui_console *con, int arg)
{
	(void)arg;
	if (con->srv != NULL) {
		tui_server_detach_current(con->srv);
		return;
	}
	con->quit = 1;
}

/* Shells still running in window w (-1: in every window). */
static int
live_shells(const tui_console *con, int w)
{
	int k, n = 0, wi;

	for (k = 0; k < tui_console_npanes_all(con); k++) {
		tui_pane *p = tui_console_pane_at(con, k, &wi, NULL);

		n += (w < 0 || wi == w) && p->x != NULL && p->st == TUI_PANE_READY;
	}
	return n;
}

static void
cmd_kill_session(tui_console *con, int arg)
{
	char *text;
	int n = live_shells(con, -1);

	(void)arg;
	if (n == 0) {
		con->quit = 1;
		return;
	}
	text = util_xasprintf("end the session and its %d running shell%s? (y/n) ", n,
	    n == 1 ? "" : "s");
	tui_console_ask(con, TUI_ASK_KILL_SESSION, "kill session", text);
	free(text);
}

static void
cmd_kill_window(tui_console *con, int arg)
{
	char *text;
	int n = live_shells(con, con->cur);

	(void)arg;
	if (n == 0) {
		tui_window_kill(con, con->cur);
		return;
	}
	text = util_xasprintf("close window %s and its %d running shell%s? (y/n) ",
	    con->wins[con->cur].name, n, n == 1 ? "" : "s");
	tui_console_ask(con, TUI_ASK_KILL_WINDOW, "kill window", text);
	free(text);
}

static void
cmd_window_select(tui_console *con, int arg)
{
	if (arg >= con->nwins)
		tui_console_flash(con, "no window %d", arg);
	tui_window_select(con, arg);
}

static void
cmd_window_step(tui_console *con, int arg)
{
	if (con->nwins > 1)
		tui_window_select(con, (con->cur + arg + con->nwins) % con->nwins);
}

/* To the workspace it came from, else $XDG_CONFIG_HOME/drover/workspaces/NAME.ini. */
static void
cmd_save_workspace(tui_console *con, int arg)
{
	char *path = con->ws_path != NULL ? util_xstrdup(con->ws_path) : NULL, *cause = NULL;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *dir;

	(void)arg;
	if (path == NULL) {
		dir = xdg != NULL && xdg[0] == '/' ? util_xasprintf("%s/drover", xdg) :
		    util_xasprintf("%s/.config/drover", home != NULL ? home : "");
		path = util_xasprintf("%s/workspaces", dir);
		mkdir(dir, 0700);
		mkdir(path, 0700);
		free(path);
		path = util_xasprintf("%s/workspaces/%s.ini", dir,
		    con->srv != NULL ? con->srv->name : "drover");
		free(dir);
	}
	if (tui_workspace_save(con, path, &cause) != 0) {
		tui_console_flash(con, "save: %s", cause);
		free(cause);
		free(path);
		return;
	}
	tui_console_flash(con, "saved to %s (drover -w opens it)", path);
	free(con->ws_path);
	con->ws_path = path;
}

static void
cmd_pick_pane(tui_console *con, int arg)
{
	(void)arg;
	con->pick_pane = con->npanes > 0;
}

static void
cmd_sidebar(tui_console *con, int arg)
{
	(void)arg;
	con->sidebar = !con->sidebar;
	tui_console_layout_changed(con);
}

static void
cmd_rerun_failed(tui_console *con, int arg)
{
	(void)arg;
	if (con->board == NULL) {
		tui_console_flash(con, "no fan-out run yet");
		return;
	}
	con->board_shown = 1;
	tui_board_rerun_failed(con->board);
}

static void
cmd_board_shell(tui_console *con, int arg)
{
	(void)arg;
	if (con->board == NULL || !con->board_shown)
		tui_console_flash(con, "no fan-out board open");
	else
		tui_board_open_shell(con->board);
}

static void
cmd_show_board(tui_console *con, int arg)
{
	(void)arg;
	if (con->board == NULL)
		tui_console_flash(con, "no fan-out run yet");
	else
		con->board_shown = !con->board_shown;
}

/* The tail pane on the armed (or all) panes' hosts; it asks for the file. */
static void
cmd_tail(tui_console *con, int arg)
{
	tui_pane **t;
	int n;

	(void)arg;
	if (con->tail != NULL && !con->tail_shown) {
		con->tail_shown = 1;
		return;
	}
	t = tui_console_targets(con, &n);
	tui_tailpane_close(con->tail);
	con->tail = tui_tailpane_new(con, NULL, t, n);
	con->tail_shown = 1;
	free(t);
}

static void
cmd_tail_hide(tui_console *con, int arg)
{
	(void)arg;
	con->tail_shown = 0;
}

static void
cmd_tail_close(tui_console *con, int arg)
{
	(void)arg;
	tui_tailpane_close(con->tail);
	con->tail = NULL;
	con->tail_shown = 0;
}

/*
 * The transfer board: shown again if hidden, else asks what to copy (a
 * new transfer replaces a finished board; one still running is kept).
 */
static void
cmd_transfer(tui_console *con, int arg)
{
	(void)arg;
	if (con->xboard != NULL && !con->xboard_shown) {
		con->xboard_shown = 1;
		return;
	}
	if (tui_xboard_running(con->xboard)) {
		tui_console_flash(con, "a transfer is running: C cancels it, x closes the board");
		return;
	}
	tui_console_ask(con, TUI_ASK_XFER, "transfer",
	    "put [-r] [-p] [--resume] LOCAL... REMOTE  or  get [...] REMOTE... LOCALDIR:");
}

static void
cmd_transfer_hide(tui_console *con, int arg)
{
	(void)arg;
	con->xboard_shown = 0;
}

static void
cmd_transfer_close(tui_console *con, int arg)
{
	(void)arg;
	tui_xboard_close(con->xboard);
	con->xboard = NULL;
	con->xboard_shown = 0;
}

/* ---- the table ---- */

static const tui_command table[] = {
	/* prefix must come first (config/keymap.c). */
	{ { "prefix", "C-g", "the prefix key: press it, then a command key" }, cmd_prefix, 0 },
	{ { "send-prefix", "C-g", "send the prefix key itself to the focused pane" },
	    cmd_send_prefix, 0 },
	{ { "split-layout-next", "Space", "switch to the next layout" }, cmd_layout_next, 0 },
	{ { "layout-tiled", "M-5", "tiled layout (a grid)" }, cmd_layout, TUI_LAYOUT_TILED },
	{ { "layout-even-horizontal", "M-1", "panes side by side" }, cmd_layout, TUI_LAYOUT_EVEN_H },
	{ { "layout-even-vertical", "M-2", "panes stacked" }, cmd_layout, TUI_LAYOUT_EVEN_V },
	{ { "layout-main-stack", "M-4", "focused pane large on the left, the rest stacked" },
	    cmd_layout, TUI_LAYOUT_MAIN_STACK },
	{ { "zoom", "z", "zoom the focused pane / unzoom" }, cmd_zoom, 0 },
	{ { "focus-left", "Left", "focus the pane to the left" }, cmd_focus_dir, TUI_DIR_LEFT },
	{ { "focus-right", "Right", "focus the pane to the right" }, cmd_focus_dir, TUI_DIR_RIGHT },
	{ { "focus-up", "Up", "focus the pane above" }, cmd_focus_dir, TUI_DIR_UP },
	{ { "focus-down", "Down", "focus the pane below" }, cmd_focus_dir, TUI_DIR_DOWN },
	{ { "focus-next", "o", "focus the next pane" }, cmd_focus_step, 1 },
	{ { "focus-prev", "O", "focus the previous pane" }, cmd_focus_step, -1 },
	{ { "pick-pane", "q", "show pane numbers; the next digit focuses that pane" },
	    cmd_pick_pane, 0 },
	{ { "close-pane", "x", "close the focused pane" }, cmd_close_pane, 0 },
	{ { "new-window", "C", "a new window with panes for a target expression" },
	    cmd_ask, TUI_ASK_NEW_WINDOW },
	{ { "rename-window", ",", "rename the window" }, cmd_ask, TUI_ASK_RENAME_WINDOW },
	{ { "kill-window", "&", "close the window and its panes" }, cmd_kill_window, 0 },
	{ { "save-workspace", "W", "save the session as a workspace file (drover -w opens it)" },
	    cmd_save_workspace, 0 },
	{ { "next-window", "n", "the next window" }, cmd_window_step, 1 },
	{ { "previous-window", "p", "the previous window" }, cmd_window_step, -1 },
	{ { "select-window-0", "0", "window 0" }, cmd_window_select, 0 },
	{ { "select-window-1", "1", "window 1" }, cmd_window_select, 1 },
	{ { "select-window-2", "2", "window 2" }, cmd_window_select, 2 },
	{ { "select-window-3", "3", "window 3" }, cmd_window_select, 3 },
	{ { "select-window-4", "4", "window 4" }, cmd_window_select, 4 },
	{ { "select-window-5", "5", "window 5" }, cmd_window_select, 5 },
	{ { "select-window-6", "6", "window 6" }, cmd_window_select, 6 },
	{ { "select-window-7", "7", "window 7" }, cmd_window_select, 7 },
	{ { "select-window-8", "8", "window 8" }, cmd_window_select, 8 },
	{ { "select-window-9", "9", "window 9" }, cmd_window_select, 9 },
	{ { "add-host", "c", "open panes for more hosts (target expression)" }, cmd_ask, TUI_ASK_ADD },
	{ { "broadcast-toggle", "b", "type into every armed pane (all if none armed)" },
	    cmd_broadcast, 0 },
	{ { "arm-toggle", "m", "arm / disarm the focused pane for broadcast" }, cmd_arm, 0 },
	{ { "arm-by-target", "M", "arm the panes matching a target expression" }, cmd_ask, TUI_ASK_ARM },
	{ { "run-command", ":", "run a command on the armed / all hosts: the fan-out board" },
	    cmd_ask, TUI_ASK_RUN },
	{ { "reconnect", "r", "reconnect the focused pane now" }, cmd_reconnect, 0 },
	{ { "scroll-mode", "[", "scroll back through the pane's history" }, cmd_scroll, 0 },
	{ { "search", "/", "search the pane's history" }, cmd_ask, TUI_ASK_SEARCH },
	{ { "help", "?", "show the key bindings" }, cmd_help, 0 },
	{ { "detach", "d", "detach: leave the console, the session goes on" }, cmd_detach, 0 },
	{ { "kill-session", "Q", "end the session (asks when shells are running)" },
	    cmd_kill_session, 0 },
	{ { "sidebar-toggle", "s", "show / hide the host sidebar" }, cmd_sidebar, 0 },
	{ { "rerun-failed", "F", "fan-out board: run the command again on the failed hosts" },
	    cmd_rerun_failed, 0 },
	{ { "open-shell-from-board", "S", "fan-out board: focus the selected host's shell pane" },
	    cmd_board_shell, 0 },
	{ { "show-board", "B", "show / hide the last fan-out board (kept until the next run)" },
	    cmd_show_board, 0 },
	{ { "tail", "t", "follow a file on the armed / all hosts: the tail pane (again: show it)" },
	    cmd_tail, 0 },
	{ { "tail-hide", "T", "hide the tail pane (it keeps following)" }, cmd_tail_hide, 0 },
	{ { "tail-close", "X", "close the tail pane and stop following" }, cmd_tail_close, 0 },
	{ { "transfer", "u", "copy files to / from the armed (all) hosts: the transfer board "
	    "(again: show it)" }, cmd_transfer, 0 },
	{ { "transfer-hide", "U", "hide the transfer board (transfers go on)" },
	    cmd_transfer_hide, 0 },
	{ { "transfer-close", "K", "close the transfer board, cancelling what still runs" },
	    cmd_transfer_close, 0 },
};

static const cfg_commands commands = { table, UTIL_NELEM(table), sizeof(table[0]) };

const cfg_commands *
tui_commands(void)
{
	return &commands;
}

int
tui_command_run(tui_console *con, const char *name)
{
	size_t i;

	for (i = 0; i < UTIL_NELEM(table); i++) {
		if (strcmp(table[i].def.name, name) == 0) {
			table[i].run(con, table[i].arg);
			con->full_dirty = 1;
			tui_console_dirty(con);
			return 0;
		}
	}
	return -1;
}

char *
tui_command_keys(const tui_console *con, const char *name)
{
	const cfg_binding *b = cfg_keymap_get(con->cfg->keys, name);
	char *k, *s;

	if (b == NULL || b->key == CFG_KEY_NONE)
		return util_xasprintf("(%s: unbound)", name);
	k = cfg_key_format(b->key, b->mods);
	if (b->direct)
		return k;
	s = util_xasprintf("%s %s", cfg_keymap_prefix_name(con->cfg->keys), k);
	free(k);
	return s;
}
