/*
 * tui/console/workspace.c - a session built from a workspace file
 * (windows, their panes and layouts, each pane's start-up `cd` and
 * command typed into its shell once), and written back to one. What is
 * saved is the session as it is now: each window's panes as a host list,
 * its layout, and the start-up lines it was opened with.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/console/console.h"
#include "tui/console/server.h"

/* Typed into a new pane's shell (the pty holds it until the shell reads). */
static void
start_up(tui_pane *p, const char *dir, const char *command)
{
	tui_buf b = { 0 };

	if (p->x == NULL || (dir == NULL && command == NULL))
		return;
	if (dir != NULL) {
		char *q = util_shell_quote(dir);

		tui_buf_addstr(&b, "cd ");
		tui_buf_addstr(&b, q);
		free(q);
		tui_buf_addstr(&b, command != NULL ? " && " : "");
	}
	if (command != NULL)
		tui_buf_addstr(&b, command);
	tui_buf_addstr(&b, "\r");
	eng_exec_write(p->x, b.p, b.len);
	tui_buf_free(&b);
}

static int
layout_of(const char *name)
{
	int k;

	for (k = 0; name != NULL && k < TUI_LAYOUT__COUNT; k++)
		if (strcmp(tui_layout_name((tui_layout_kind)k), name) == 0)
			return k;
	return -1;
}

int
tui_workspace_open(tui_console *con, const char *path, const char *name, char **cause)
{
	cfg_workspace *ws;
	const cfg_ws_session *s;
	size_t j, k;
	int i, first;

	if (cfg_workspace_load(path, &ws, cause) != 0)
		return -1;
	if ((s = cfg_workspace_session(ws, name)) == NULL) {
		*cause = util_xasprintf("%s: no [session %s]", path, name);
		cfg_workspace_free(ws);
		return -1;
	}
	for (j = 0; j < s->nwindows; j++) {
		const cfg_ws_window *w = &s->windows[j];

		if (j > 0)
			tui_window_new(con, w->name);
		else
			tui_window_rename(con, 0, w->name);
		con->wins[con->cur].ws_dir = w->dir != NULL ? util_xstrdup(w->dir) : NULL;
		con->wins[con->cur].ws_command = w->command != NULL ? util_xstrdup(w->command) : NULL;
		con->layout = layout_of(w->layout) >= 0 ? (tui_layout_kind)layout_of(w->layout) :
		    TUI_LAYOUT_TILED;
		first = con->npanes;
		if (tui_console_add_targets(con, w->targets) != 0) {
			*cause = util_xasprintf("%s: [window %s/%s]: %s", path, s->name, w->name,
			    con->status);
			cfg_workspace_free(ws);
			return -1;
		}
		for (i = first; i < con->npanes; i++) {
			tui_pane *p = con->panes[i];
			const char *dir = w->dir, *cmd = w->command;

			for (k = 0; k < w->npanes; k++)
				if (strcmp(w->panes[k].host, p->host.name) == 0) {
					if (w->panes[k].dir != NULL)
						dir = p->ws_dir = util_xstrdup(w->panes[k].dir);
					if (w->panes[k].command != NULL)
						cmd = p->ws_command = util_xstrdup(w->panes[k].command);
				}
			start_up(p, dir, cmd);
		}
		con->focus = 0;
	}
	if (con->nwins > 1)
		tui_window_select(con, 0);
	free(con->ws_path);
	con->ws_path = util_xstrdup(path);
	cfg_workspace_free(ws);
	return 0;
}

char *
tui_workspace_text(tui_console *con, char **cause)
{
	cfg_ws_session s;
	tui_buf hosts[64];
	char *text = NULL;
	int k, wi, idx, i, n = tui_console_npanes_all(con);

	memset(&s, 0, sizeof(s));
	s.name = con->srv != NULL ? con->srv->name : "drover";
	s.nwindows = (size_t)con->nwins;
	s.windows = util_xcalloc(s.nwindows, sizeof(*s.windows));
	memset(hosts, 0, sizeof(hosts));
	if (con->nwins > (int)UTIL_NELEM(hosts)) {
		*cause = util_xasprintf("more than %d windows", (int)UTIL_NELEM(hosts));
		free(s.windows);
		return NULL;
	}
	for (i = 0; i < con->nwins; i++) {
		s.windows[i].name = con->wins[i].name;
		s.windows[i].dir = con->wins[i].ws_dir;
		s.windows[i].command = con->wins[i].ws_command;
		s.windows[i].layout = (char *)tui_layout_name(i == con->cur ? con->layout :
		    con->wins[i].layout);
		s.windows[i].panes = util_xcalloc((size_t)n + 1, sizeof(cfg_ws_pane));
	}
	for (k = 0; k < n; k++) {
		tui_pane *p = tui_console_pane_at(con, k, &wi, &idx);
		cfg_ws_window *w = &s.windows[wi];

		tui_buf_addf(&hosts[wi], "%s%s", hosts[wi].len > 0 ? "," : "", p->host.name);
		w->panes[w->npanes].host = p->host.name;
		w->panes[w->npanes].dir = p->ws_dir;
		w->panes[w->npanes].command = p->ws_command;
		w->npanes++;
	}
	for (i = 0; i < con->nwins; i++)
		s.windows[i].targets = hosts[i].len > 0 ? (char *)tui_buf_str(&hosts[i]) : NULL;
	if (cfg_workspace_format(&s, &text, cause) != 0)
		text = NULL;
	for (i = 0; i < con->nwins; i++) {
		free(s.windows[i].panes);
		tui_buf_free(&hosts[i]);
	}
	free(s.windows);
	return text;
}

int
tui_workspace_save(tui_console *con, const char *path, char **cause)
{
	char *text = tui_workspace_text(con, cause), *copy, *tmp;
	size_t len;
	int fd, r = -1;

	if (text == NULL)
		return -1;
	copy = util_xstrdup(path);
	tmp = util_xasprintf("%s/.%s.drover-XXXXXX", dirname(copy), strrchr(path, '/') != NULL ?
	    strrchr(path, '/') + 1 : path);
	/* mkstemp: exclusive, unpredictable, 0600 until the rename. */
	if ((fd = mkstemp(tmp)) < 0) {
		*cause = util_xasprintf("cannot write next to %s: %s", path, strerror(errno));
	} else {
		len = strlen(text);
		if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
			*cause = util_xasprintf("cannot write %s: %s", tmp, strerror(errno));
		else if (rename(tmp, path) != 0)
			*cause = util_xasprintf("cannot rename to %s: %s", path, strerror(errno));
		else
			r = 0;
		close(fd);
		if (r != 0)
			unlink(tmp);
	}
	free(tmp);
	free(copy);
	free(text);
	return r;
}
