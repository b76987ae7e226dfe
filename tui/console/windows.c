/*
 * tui/console/windows.c - windows (tmux's tabs): each has its own panes
 * and layout. The window on screen keeps its panes in the console's own
 * fields, so drawing, layout and input never learn about windows; the
 * others are parked here and swapped in on select. Panes of every window
 * stay connected and fed (feed.c and reconnect.c go through all of them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/console.h"

static void
park(tui_console *con)
{
	tui_window *w = &con->wins[con->cur];

	w->panes = con->panes;
	w->npanes = con->npanes;
	w->focus = con->focus;
	w->zoom = con->zoom;
	w->layout = con->layout;
}

static void
unpark(tui_console *con, int i)
{
	tui_window *w = &con->wins[i];

	con->cur = i;
	con->panes = w->panes;
	con->npanes = w->npanes;
	con->focus = w->focus;
	con->zoom = w->zoom;
	con->layout = w->layout;
	con->scroll_mode = 0;
	tui_console_layout_changed(con);
}

void
tui_windows_init(tui_console *con, const char *name)
{
	con->wins = util_xcalloc(1, sizeof(*con->wins));
	con->nwins = 1;
	con->cur = 0;
	con->wins[0].name = util_xstrdup(name != NULL ? name : "0");
}

int
tui_window_new(tui_console *con, const char *name)
{
	tui_window *w;
	int i = con->nwins;

	park(con);
	con->wins = util_xreallocarray(con->wins, (size_t)con->nwins + 1, sizeof(*con->wins));
	w = &con->wins[con->nwins++];
	memset(w, 0, sizeof(*w));
	w->name = name != NULL && name[0] != '\0' ? util_xstrdup(name) : util_xasprintf("%d", i);
	w->zoom = -1;
	w->layout = con->layout;
	unpark(con, i);
	return i;
}

void
tui_window_select(tui_console *con, int i)
{
	if (i < 0 || i >= con->nwins || i == con->cur)
		return;
	park(con);
	unpark(con, i);
}

void
tui_window_rename(tui_console *con, int i, const char *name)
{
	if (i < 0 || i >= con->nwins || name == NULL || name[0] == '\0')
		return;
	free(con->wins[i].name);
	con->wins[i].name = util_xstrdup(name);
	tui_console_dirty(con);
}

/*
 * Closes window i's panes (the window parked). Each is taken out of every
 * list first: disposing one walks all panes (the retry timer), which must
 * not meet the ones already gone.
 */
static void
dispose_all(tui_console *con, int i)
{
	tui_window *w = &con->wins[i];
	tui_pane **v = w->panes;
	int n = w->npanes, k;

	w->panes = NULL;
	w->npanes = 0;
	if (i == con->cur) {
		con->panes = NULL;
		con->npanes = 0;
	}
	for (k = n; k > 0; k--) {
		/* The rest stay findable (a ctl wait on them) until their turn. */
		w->npanes = k - 1;
		w->panes = v;
		if (i == con->cur) {
			con->panes = v;
			con->npanes = k - 1;
		}
		tui__pane_dispose(con, v[k - 1]);
	}
	w->panes = NULL;
	w->npanes = 0;
	if (i == con->cur) {
		con->panes = NULL;
		con->npanes = 0;
	}
	free(v);
}

void
tui_window_kill(tui_console *con, int i)
{
	tui_window *w;

	if (i < 0 || i >= con->nwins)
		return;
	if (con->nwins == 1) {
		/* No window left is no session left (as in tmux). */
		con->quit = 1;
		uv_stop(con->loop);
		return;
	}
	park(con);
	w = &con->wins[i];
	dispose_all(con, i);
	free(w->name);
	free(w->ws_dir);
	free(w->ws_command);
	memmove(&con->wins[i], &con->wins[i + 1], (size_t)(con->nwins - i - 1) * sizeof(*w));
	con->nwins--;
	if (con->cur > i || con->cur >= con->nwins)
		con->cur = con->cur > 0 ? con->cur - 1 : 0;
	unpark(con, con->cur);
}

void
tui_windows_close_all(tui_console *con)
{
	int i;

	if (con->wins == NULL)
		return;
	park(con);
	for (i = 0; i < con->nwins; i++) {
		dispose_all(con, i);
		free(con->wins[i].name);
		free(con->wins[i].ws_dir);
		free(con->wins[i].ws_command);
	}
	free(con->wins);
	con->wins = NULL;
	con->nwins = con->cur = 0;
	con->panes = NULL;
	con->npanes = con->focus = 0;
	con->zoom = -1;
}

int
tui_window_find(const tui_console *con, const char *spec)
{
	char *end;
	long n;
	int i;

	for (i = 0; i < con->nwins; i++)
		if (strcmp(con->wins[i].name, spec) == 0)
			return i;
	n = strtol(spec, &end, 10);
	if (end != spec && *end == '\0' && n >= 0 && n < con->nwins)
		return (int)n;
	return -1;
}

int
tui_console_npanes_all(const tui_console *con)
{
	int i, n = con->npanes;

	for (i = 0; i < con->nwins; i++)
		if (i != con->cur)
			n += con->wins[i].npanes;
	return n;
}

tui_pane *
tui_console_pane_at(const tui_console *con, int k, int *win, int *idx)
{
	int i, n;

	if (con->nwins == 0) {
		/* Before the first window exists: the panes are window 0's. */
		if (k >= con->npanes)
			return NULL;
		if (win != NULL)
			*win = 0;
		if (idx != NULL)
			*idx = k;
		return con->panes[k];
	}
	for (i = 0; i < con->nwins; i++) {
		tui_pane **v = i == con->cur ? con->panes : con->wins[i].panes;

		n = i == con->cur ? con->npanes : con->wins[i].npanes;
		if (k < n) {
			if (win != NULL)
				*win = i;
			if (idx != NULL)
				*idx = k;
			return v[k];
		}
		k -= n;
	}
	return NULL;
}

void
tui_console_close_any(tui_console *con, tui_pane *p)
{
	tui_window *w;
	int k, n = tui_console_npanes_all(con), wi = -1, idx = -1;

	for (k = 0; k < n && p != NULL; k++)
		if (tui_console_pane_at(con, k, &wi, &idx) == p)
			break;
	if (p == NULL || k == n || wi < 0 || idx < 0)
		return;
	if (wi == con->cur) {
		tui_console_close_pane(con, idx);
		return;
	}
	w = &con->wins[wi];
	memmove(&w->panes[idx], &w->panes[idx + 1], (size_t)(w->npanes - idx - 1) * sizeof(*w->panes));
	w->npanes--;
	if (w->focus >= w->npanes)
		w->focus = w->npanes > 0 ? w->npanes - 1 : 0;
	w->zoom = -1;
	tui__pane_dispose(con, p);
	tui_console_dirty(con);
}
