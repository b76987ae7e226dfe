/*
 * tui/console/board.c - the fan-out results board inside the console: one
 * command run on the broadcast set, on the panes' own connections (a new
 * channel each: no second login, no second password), a live row per
 * host, identical results grouped as they finish, full output of a host
 * or group on Enter, re-run on the failed hosts, jump to a host's shell
 * pane. Owns the run and its output; board_draw.c shows it. A board closed
 * while its run goes on kills its commands and frees itself when the last
 * one reports done, so closing never waits on the loop.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/console/board.h"

static void board_free(tui_board *b);
static void start_more(tui_board *b);

static tui_board_row *
row_of(tui_board *b, eng_exec *x)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->rows[i].x == x)
			return &b->rows[i];
	return NULL;
}

static void
on_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	tui_board *b = ud;
	tui_board_row *r = row_of(b, x);

	(void)stream;
	if (r == NULL)
		return;
	if (r->h.state == ENG_HOST_CONNECTING)
		r->h.state = ENG_HOST_RUNNING;
	if (r->out.len < BOARD_MAX_OUTPUT)
		tui_buf_add(&r->out, buf, len < BOARD_MAX_OUTPUT - r->out.len ? len :
		    BOARD_MAX_OUTPUT - r->out.len);
	if (!b->closing)
		tui_console_dirty(b->con);
}

static int
same_result(const tui_board *b, size_t i, size_t j)
{
	tui_result x = { &b->rows[i].h, &b->rows[i].out, NULL };
	tui_result y = { &b->rows[j].h, &b->rows[j].out, NULL };

	return tui_result_cmp(&x, &y) == 0;
}

static int
final(const tui_board_row *r)
{
	return r->h.state >= ENG_HOST_OK;
}

/*
 * Groups as they stand: finished hosts with the same result fold into the
 * first of them; a host still going is a row of its own.
 */
static void
regroup(tui_board *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		b->rows[i].group = (int)i;
		b->rows[i].count = 1;
		if (!final(&b->rows[i]))
			continue;
		for (j = 0; j < i; j++) {
			if (b->rows[j].group == (int)j && final(&b->rows[j]) &&
			    same_result(b, i, j)) {
				b->rows[i].group = (int)j;
				b->rows[j].count++;
				break;
			}
		}
	}
}

/* What an exec's end means for its host's row. */
static void
record_result(tui_board_row *r, const eng_exec_result *res, uint64_t now)
{
	r->h.end_ms = now;
	r->h.exit_status = res->exit_status;
	if (res->signal != NULL) {
		snprintf(r->signal, sizeof(r->signal), "%s", res->signal);
		r->h.signal = r->signal;
	}
	free(r->error);
	r->error = NULL;
	if (res->sudo_denied && res->error == NULL && !res->timed_out && !res->killed) {
		r->h.state = ENG_HOST_FAILED;
		r->error = util_xstrdup("sudo: authentication failed");
	} else if (res->error != NULL) {
		r->h.fail = res->fail;
		r->h.state = res->fail == ENG_FAIL_CANCELLED ? ENG_HOST_CANCELLED :
		    ENG_HOST_UNREACHABLE;
		r->error = util_xstrdup(res->error);
	} else if (res->timed_out) {
		r->h.state = ENG_HOST_TIMEOUT;
		r->error = util_xstrdup("command timed out; remote process group killed");
	} else if (res->killed) {
		r->h.state = ENG_HOST_CANCELLED;
		r->error = util_xstrdup("cancelled");
	} else if (res->signal != NULL) {
		r->h.state = ENG_HOST_FAILED;
		r->error = util_xasprintf("killed by signal %s", r->signal);
	} else if (res->exit_status != 0) {
		r->h.state = ENG_HOST_FAILED;
		r->error = util_xasprintf("exit status %d", res->exit_status);
	} else {
		r->h.state = ENG_HOST_OK;
	}
	r->h.error = r->error;
}

static void
on_done(eng_exec *x, const eng_exec_result *res, void *ud)
{
	tui_board *b = ud;
	tui_board_row *r = row_of(b, x);

	if (r != NULL) {
		r->x = NULL;
		record_result(r, res, uv_now(b->con->loop));
	}
	b->running--;
	if (b->closing) {
		if (b->running == 0)
			board_free(b);
		return;
	}
	start_more(b);
	regroup(b);
	tui_console_dirty(b->con);
}

/* A row that never got to run. */
static void
row_unstarted(tui_board *b, tui_board_row *r, eng_host_state st, const char *why)
{
	r->h.state = st;
	r->h.start_ms = r->h.end_ms = uv_now(b->con->loop);
	free(r->error);
	r->error = util_xstrdup(why);
	r->h.error = r->error;
}

/*
 * Starts commands up to the fan-out limit, each on its host's pane
 * connection (queued by the engine until that connection is ready).
 */
static void
start_more(tui_board *b)
{
	static const eng_exec_cbs cbs = { on_data, on_done };

	while (b->running < b->max_parallel && b->next < b->n) {
		tui_board_row *r = &b->rows[b->next++];
		int at = tui_console_find(b->con, r->h.name);
		tui_pane *p = at >= 0 ? b->con->panes[at] : NULL;

		if (p == NULL || p->c == NULL) {
			row_unstarted(b, r, ENG_HOST_UNREACHABLE, p == NULL ? "no pane for this host" :
			    "not connected (its pane is reconnecting or closed)");
			continue;
		}
		r->h.state = p->st == TUI_PANE_READY ? ENG_HOST_RUNNING : ENG_HOST_CONNECTING;
		r->h.start_ms = uv_now(b->con->loop);
		if (eng_exec_start(p->c, b->command, &b->xo, &cbs, b, &r->x) != 0) {
			r->x = NULL;
			row_unstarted(b, r, ENG_HOST_UNREACHABLE, "cannot start the command");
			continue;
		}
		b->running++;
	}
	if (b->running == 0 && b->next == b->n)
		b->finished = 1;
}

static void
board_start(tui_board *b)
{
	cfg_run run;
	size_t i;

	for (i = 0; i < b->n; i++) {
		tui_board_row *r = &b->rows[i];

		tui_buf_free(&r->out);
		free(r->error);
		memset(r, 0, sizeof(*r));
		r->h.name = b->hosts[i].name;
		r->h.state = ENG_HOST_QUEUED;
		r->h.exit_status = -1;
		r->group = (int)i;
		r->count = 1;
	}
	b->finished = 0;
	b->running = b->next = 0;
	/* The console's settings: inventory and command line (hostopts.c). */
	cfg_run_build(b->con->inv, NULL, 0, &b->con->ov, &run);
	memset(&b->xo, 0, sizeof(b->xo));
	b->xo.timeout_ms = run.fanout.command_timeout_ms;
	b->xo.sudo = b->sudo;
	b->max_parallel = (size_t)run.fanout.max_parallel;
	cfg_run_free(&run);
	start_more(b);
	regroup(b);
}

tui_board *
tui_board_new(tui_console *con, const char *command, tui_pane **targets, int n)
{
	return tui_board_new_sudo(con, command, command, NULL, targets, n);
}

tui_board *
tui_board_new_sudo(tui_console *con, const char *label, const char *command, eng_sudo *sudo,
    tui_pane **targets, int n)
{
	tui_board *b = util_xcalloc(1, sizeof(*b));
	int i;

	b->con = con;
	b->command = util_xstrdup(command);
	b->label = util_xstrdup(label);
	b->sudo = sudo;
	b->n = (size_t)n;
	b->hosts = util_xcalloc((size_t)n, sizeof(cfg_host));
	b->rows = util_xcalloc((size_t)n, sizeof(tui_board_row));
	for (i = 0; i < n; i++)
		cfg_host_copy(&b->hosts[i], &targets[i]->host);
	board_start(b);
	return b;
}

static void
board_free(tui_board *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		tui_buf_free(&b->rows[i].out);
		free(b->rows[i].error);
	}
	cfg_hosts_free(b->hosts, b->n);
	free(b->rows);
	free(b->command);
	free(b->label);
	eng_sudo_free(b->sudo);
	tui_buf_free(&b->diff);
	free(b);
}

void
tui_board_close(tui_board *b)
{
	size_t i;

	if (b == NULL)
		return;
	if (b->running > 0) {
		/*
		 * Each kill ends in on_done; the last one frees the board. A kill
		 * may finish at once, so a hold keeps the board until the loop
		 * is done with it.
		 */
		b->closing = 1;
		b->running++;
		for (i = 0; i < b->n; i++)
			if (b->rows[i].x != NULL)
				eng_exec_kill(b->rows[i].x);
		if (--b->running > 0)
			return;
	}
	board_free(b);
}

char *
tui_board_hosts(const tui_board *b)
{
	const char **names = util_xcalloc(b->n, sizeof(*names));
	size_t i;
	char *s;

	for (i = 0; i < b->n; i++)
		names[i] = b->hosts[i].name;
	s = tui_fold_hosts(names, b->n);
	free(names);
	return s;
}

char *
tui__board_group_names(const tui_board *b, size_t i)
{
	const char **names = util_xcalloc(b->n, sizeof(*names));
	size_t j, k = 0;
	char *s;

	for (j = 0; j < b->n; j++)
		if (j == i || (b->rows[j].group == (int)i && final(&b->rows[j])))
			names[k++] = b->rows[j].h.name;
	s = tui_fold_hosts(names, k);
	free(names);
	return s;
}

/* ---- keys ---- */

/*
 * Key d: the selected group's output as a unified diff against the
 * majority's (the largest group of finished hosts), like exec -o diff.
 */
static void
make_diff(tui_board *b)
{
	size_t i, major = (size_t)-1;
	char *mnames, *snames, *mlabel;
	const tui_buf *m, *s;

	regroup(b);
	for (i = 0; i < b->n; i++)
		if (final(&b->rows[i]) && b->rows[i].group == (int)i &&
		    (major == (size_t)-1 || b->rows[i].count > b->rows[major].count))
			major = i;
	tui_buf_reset(&b->diff);
	if (major == (size_t)-1) {
		tui_buf_addstr(&b->diff, "no host has finished yet\n");
		return;
	}
	if ((size_t)b->rows[b->sel].group == major) {
		tui_buf_addstr(&b->diff, "this is the majority's output (no difference)\n");
		return;
	}
	m = &b->rows[major].out;
	s = &b->rows[b->sel].out;
	mnames = tui__board_group_names(b, major);
	snames = tui__board_group_names(b, (size_t)b->rows[b->sel].group);
	mlabel = util_xasprintf("%s (majority)", mnames);
	if (tui_diff(&b->diff, m->p, m->len, s->p, s->len, mlabel, snames) != 0)
		tui_buf_addstr(&b->diff, "too large to diff line by line\n");
	free(mlabel);
	free(mnames);
	free(snames);
}

static void
move_sel(tui_board *b, int d)
{
	int i = b->sel;

	do {
		i += d;
	} while (i >= 0 && i < (int)b->n && !tui__board_visible(b, (size_t)i));
	if (i >= 0 && i < (int)b->n)
		b->sel = i;
}

void
tui_board_rerun_failed(tui_board *b)
{
	cfg_host *keep;
	size_t i, k = 0;

	if (!b->finished) {
		tui_console_flash(b->con, "the run is still going");
		return;
	}
	for (i = 0; i < b->n; i++)
		k += b->rows[i].h.state != ENG_HOST_OK;
	if (k == 0) {
		tui_console_flash(b->con, "no failed hosts to re-run");
		return;
	}
	keep = util_xcalloc(k, sizeof(cfg_host));
	for (i = 0, k = 0; i < b->n; i++) {
		if (b->rows[i].h.state != ENG_HOST_OK)
			keep[k++] = b->hosts[i];
		else
			cfg_host_clear(&b->hosts[i]);
	}
	for (i = 0; i < b->n; i++) {
		tui_buf_free(&b->rows[i].out);
		free(b->rows[i].error);
	}
	memset(b->rows, 0, b->n * sizeof(*b->rows));
	free(b->hosts);
	b->hosts = keep;
	b->n = k;
	b->sel = b->top = 0;
	board_start(b);
}

void
tui_board_open_shell(tui_board *b)
{
	tui_console *con = b->con;
	char *name = util_xstrdup(b->hosts[b->sel].name);
	int i;

	/* Hidden, not gone: show-board brings it back. */
	con->board_shown = 0;
	if ((i = tui_console_find(con, name)) >= 0)
		tui_console_set_focus(con, i);
	else
		tui_console_add_targets(con, name);
	free(name);
	con->full_dirty = 1;
	tui_console_dirty(con);
}

int
tui_board_key(tui_board *b, int key, int mods, uint32_t ch)
{
	tui_console *con = b->con;

	(void)mods;
	if (b->detail) {
		if (ch == 27 || ch == 'q' || key == TUI_KEY_ESC)
			b->detail = 0;
		else if (key == TUI_KEY_PGDN || ch == ' ')
			b->detail_top += 10;
		else if ((key == TUI_KEY_PGUP || ch == 'b') && b->detail_top > 0)
			b->detail_top = b->detail_top > 10 ? b->detail_top - 10 : 0;
		tui_console_dirty(con);
		return 1;
	}
	if (key == TUI_KEY_UP || ch == 'k')
		move_sel(b, -1);
	else if (key == TUI_KEY_DOWN || ch == 'j')
		move_sel(b, 1);
	else if (ch == '\r' || key == TUI_KEY_ENTER) {
		b->detail = 1;
		b->detail_top = 0;
		b->detail_diff = 0;
	} else if (ch == 'd') {
		make_diff(b);
		b->detail = 1;
		b->detail_top = 0;
		b->detail_diff = 1;
	} else if (ch == 'g') {
		b->grouped = !b->grouped;
		b->sel = b->rows[b->sel].group;
		b->top = 0;
	} else if (ch == 'r') {
		tui_board_rerun_failed(b);
	} else if (ch == 's') {
		tui_board_open_shell(b);
	} else if (ch == 'q' || ch == 27 || key == TUI_KEY_ESC) {
		/* Hidden, not gone: the run goes on, show-board brings it back. */
		con->board_shown = 0;
		con->full_dirty = 1;
	} else {
		return 1;   /* the board is modal: nothing leaks to the shells */
	}
	tui_console_dirty(con);
	return 1;
}
