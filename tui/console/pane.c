/*
 * tui/console/pane.c - a pane: one host, its connection and interactive
 * shell on a pty, and the terminal emulator that shows it. Opening panes
 * for a target expression, closing them (the engine winds a closed pane's
 * connection down in the background: a zombie until it reports closed),
 * and the connection and shell callbacks, which only change the pane's
 * state and mark it for the next frame. Output goes through feed.c;
 * reconnecting after a failure is reconnect.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/console.h"

/* Output this soon after a key counts as its echo (feed.c). */
#define ECHO_WINDOW_MS 500

void
tui__pane_free(tui_pane *p)
{
	tui_buf_free(&p->inq);
	tui_term_free(p->term);
	cfg_host_clear(&p->host);
	free(p->why);
	free(p->ws_dir);
	free(p->ws_command);
	free(p);
}

static void
set_why(tui_pane *p, const char *why)
{
	free(p->why);
	p->why = util_xstrdup(why);
}

static void
forget_zombie(tui_pane *p)
{
	tui_pane **pp;

	for (pp = &p->con->zombies; *pp != NULL; pp = &(*pp)->next_zombie) {
		if (*pp == p) {
			*pp = p->next_zombie;
			break;
		}
	}
}

static void
on_conn_state(eng_conn *c, eng_conn_state st, void *ud)
{
	tui_pane *p = ud;

	switch (st) {
	case ENG_CONN_AUTH:
		p->st = TUI_PANE_AUTH;
		break;
	case ENG_CONN_READY:
		p->st = TUI_PANE_READY;
		p->had_session = 1;
		p->retry_marked = 0;
		p->ready_at = uv_now(p->con->loop);
		set_why(p, NULL);
		break;
	case ENG_CONN_FAILED:
	case ENG_CONN_CLOSED:
		/* A close after "shell exited" has no error: keep that reason. */
		if (eng_conn_error(c) != NULL)
			set_why(p, eng_conn_error(c));
		/*
		 * A pane that has had a session is lost (and stays so while
		 * reconnect attempts fail); one that never had one, failed.
		 */
		if (p->st != TUI_PANE_CLOSED) {
			p->st = p->had_session ? TUI_PANE_LOST : TUI_PANE_FAILED;
			p->fail = eng_conn_fail(c);
		}
		p->c = NULL;
		p->x = NULL;
		if (p->zombie) {
			/* Nothing refers to it any more. */
			forget_zombie(p);
			tui__pane_free(p);
			return;
		}
		/* CLOSED is always ours (a shell that exited, a close): no retry. */
		if (st == ENG_CONN_FAILED)
			tui__retry_schedule(p, eng_conn_fail(c));
		break;
	default:
		break;
	}
	p->title_dirty = 1;
	tui_console_dirty(p->con);
}

static void
on_shell_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	tui_pane *p = ud;

	(void)x;
	(void)stream;
	if (!p->zombie)
		tui__feed_data(p, buf, len);
}

static void
on_shell_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	tui_pane *p = ud;
	char msg[160];

	(void)x;
	p->x = NULL;
	p->paused = 0;
	if (!p->zombie) {
		/* What the host sent before it went comes before our marker. */
		tui__feed_pane(p, (size_t)-1);
		msg[0] = '\0';
		/*
		 * Only a session that was up gets a marker: a connect attempt that
		 * failed says why in the title (and retries would pile up lines).
		 */
		if (r->error != NULL && p->st == TUI_PANE_READY)
			snprintf(msg, sizeof(msg), "\r\n[drover: %s]\r\n", "connection lost");
		else if (r->error == NULL)
			snprintf(msg, sizeof(msg), "\r\n[drover: shell exited with status %d]\r\n",
			    r->exit_status);
		/* Our own text into the pane, marking where the session ended. */
		if (msg[0] != '\0')
			tui_term_feed(p->term, msg, strlen(msg));
		if (r->error == NULL) {
			set_why(p, "shell exited");
			p->st = TUI_PANE_LOST;
		}
		p->title_dirty = 1;
		tui_console_dirty(p->con);
	}
	if (p->c != NULL)
		eng_conn_close(p->c);
}

static void
on_term_output(const char *bytes, size_t len, void *ud)
{
	tui_pane *p = ud;

	/* Keys, pastes and query answers: only ever to this pane's own host. */
	if (p->x != NULL && p->st == TUI_PANE_READY) {
		eng_exec_write(p->x, bytes, len);
		p->echo_until = uv_now(p->con->loop) + ECHO_WINDOW_MS;
	}
}

void
tui__pane_connect(tui_console *con, tui_pane *p)
{
	static const eng_conn_cbs ccbs = { on_conn_state };
	static const eng_exec_cbs xcbs = { on_shell_data, on_shell_done };
	eng_exec_opts xo;
	cfg_run run;
	int rows = 24, cols = 80, r;

	p->st = TUI_PANE_CONNECTING;
	p->title_dirty = 1;
	cfg_run_build(con->inv, &p->host, 1, &con->ov, &run);
	r = eng_conn_open(con->ctx, &run.conn[0], &ccbs, p, &p->c);
	cfg_run_free(&run);
	if (r != 0) {
		p->st = p->had_session ? TUI_PANE_LOST : TUI_PANE_FAILED;
		set_why(p, "cannot start a connection");
		return;
	}
	tui_term_size(p->term, &rows, &cols);
	memset(&xo, 0, sizeof(xo));
	xo.pty = 1;
	xo.term = "xterm-256color";
	xo.rows = rows;
	xo.cols = cols;
	if (eng_exec_start(p->c, NULL, &xo, &xcbs, p, &p->x) != 0)
		p->x = NULL;
}

void
tui_console_reconnect(tui_console *con, tui_pane *p)
{
	/*
	 * Only once the old conn is gone (its callbacks would clobber a new
	 * one); a pane waiting for its next automatic attempt goes right now.
	 */
	if (p->c != NULL || p->zombie ||
	    (p->st != TUI_PANE_LOST && p->st != TUI_PANE_FAILED))
		return;
	tui__retry_now(con, p);
	tui__retry_arm(con);
}

static tui_pane *
pane_new(tui_console *con, const cfg_host *h)
{
	static const tui_term_cbs tcbs = { on_term_output, NULL, NULL };
	tui_pane *p = util_xcalloc(1, sizeof(*p));

	p->con = con;
	cfg_host_copy(&p->host, h);
	p->color = tui_console_npanes_all(con);
	p->term = tui_term_new(24, 80, con->cfg->scrollback, &tcbs, p);
	return p;
}

int
tui_console_find(const tui_console *con, const char *name)
{
	int i;

	for (i = 0; i < con->npanes; i++)
		if (strcmp(con->panes[i]->host.name, name) == 0)
			return i;
	return -1;
}

int
tui_console_add_targets(tui_console *con, const char *expr)
{
	cfg_host *hosts = NULL;
	size_t n = 0, i;
	char *cause = NULL;
	int first = -1;

	if (cfg_targets_resolve(con->inv, expr, &hosts, &n, &cause) != 0) {
		char *msg = tui_sanitize_str(cause);

		tui_console_flash(con, "%s", msg);
		free(msg);
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++) {
		tui_pane *p;
		int at = tui_console_find(con, hosts[i].name);

		if (at >= 0) {
			if (first < 0)
				first = at;
			continue;
		}
		p = pane_new(con, &hosts[i]);
		con->panes = util_xreallocarray(con->panes, (size_t)con->npanes + 1,
		    sizeof(*con->panes));
		if (first < 0)
			first = con->npanes;
		con->panes[con->npanes++] = p;
		tui__pane_connect(con, p);
	}
	cfg_hosts_free(hosts, n);
	/* The first host the expression named: new, or already open. */
	if (first >= 0)
		con->focus = first;
	tui_console_layout_changed(con);
	return 0;
}

void
tui_console_close_pane(tui_console *con, int idx)
{
	tui_pane *p;

	if (idx < 0 || idx >= con->npanes)
		return;
	p = con->panes[idx];
	memmove(&con->panes[idx], &con->panes[idx + 1],
	    (size_t)(con->npanes - idx - 1) * sizeof(*con->panes));
	con->npanes--;
	if (con->focus >= con->npanes)
		con->focus = con->npanes - 1;
	if (con->focus < 0)
		con->focus = 0;
	con->zoom = -1;
	tui__pane_dispose(con, p);
	tui_console_layout_changed(con);
}

void
tui__pane_dispose(tui_console *con, tui_pane *p)
{
	if (con->srv != NULL)
		tui_ctl_pane_gone(con, p);
	p->zombie = 1;
	p->st = TUI_PANE_CLOSED;
	if (p->c != NULL) {
		/* Freed when the engine reports the conn closed. */
		p->next_zombie = con->zombies;
		con->zombies = p;
		eng_conn_close(p->c);
	} else {
		tui__pane_free(p);
	}
	tui__retry_arm(con);
}

tui_pane *
tui_console_focused(tui_console *con)
{
	return con->npanes > 0 ? con->panes[con->focus] : NULL;
}

int
tui_console_types_into(const tui_console *con, const tui_pane *p)
{
	int i, armed = 0;

	if (con->npanes > 0 && con->panes[con->focus] == p)
		return 1;
	for (i = 0; i < con->npanes; i++)
		armed += con->panes[i]->armed;
	return armed == 0 || p->armed;
}

tui_pane **
tui_console_typing_targets(tui_console *con, int *n)
{
	tui_pane **v = tui_console_targets(con, n), *f = tui_console_focused(con);
	int i;

	/* What you type shows where you look: the focused pane always gets it. */
	for (i = 0; i < *n; i++)
		if (v[i] == f)
			return v;
	if (f != NULL)
		v[(*n)++] = f;
	return v;
}

tui_pane **
tui_console_targets(tui_console *con, int *n)
{
	tui_pane **v = util_xcalloc((size_t)con->npanes + 1, sizeof(*v));
	int i, k = 0, armed = 0;

	for (i = 0; i < con->npanes; i++)
		armed += con->panes[i]->armed;
	for (i = 0; i < con->npanes; i++)
		if (!armed || con->panes[i]->armed)
			v[k++] = con->panes[i];
	*n = k;
	return v;
}

void
tui_console_set_focus(tui_console *con, int i)
{
	if (i < 0 || i >= con->npanes || i == con->focus)
		return;
	con->panes[con->focus]->title_dirty = 1;
	con->focus = i;
	con->panes[i]->title_dirty = 1;
	if (con->zoom >= 0)
		con->zoom = i;
	/* A zoom and main-stack's main slot follow the focus. */
	if (con->zoom >= 0 || con->layout == TUI_LAYOUT_MAIN_STACK)
		tui_console_layout_changed(con);
}

tui_rect *
tui_console_pane_rects(const tui_console *con)
{
	tui_rect *r = util_xcalloc((size_t)con->npanes, sizeof(*r));
	int i;

	for (i = 0; i < con->npanes; i++)
		r[i] = con->panes[i]->rect;
	return r;
}
