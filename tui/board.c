/*
 * tui/board.c - the fan-out results board inside the console: one command
 * run on the broadcast set through the engine's fan-out, a live row per host
 * (state, exit, duration, first output line), identical results grouped with
 * host counts, full output of a host or group on Enter, re-run on the failed
 * hosts, jump to a host's shell pane. Remote text is sanitised on display.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/provide_curses.h"
#include "tui/tui_int.h"

typedef struct brow {
	tui_buf out;                /* stdout and stderr, interleaved as they came */
	int group;                  /* index of the first host with the same result */
	int count;                  /* hosts in this group (for the first) */
} brow;

struct tui_board {
	tui_console *con;
	char *command;
	eng_fanout *f;
	cfg_host *hosts;
	size_t n;
	brow *rows;
	int sel, top;
	int grouped;
	int detail;                 /* showing one host's output */
	int detail_top;
	int finished;
};

static void board_start(tui_board *b);

static void
on_data(eng_fanout *f, size_t i, int stream, const char *buf, size_t len, void *ud)
{
	tui_board *b = ud;

	(void)f;
	(void)stream;
	/* Bounded per host: the board is a summary, the shell pane the full view. */
	if (b->rows[i].out.len < 4u << 20)
		tui_buf_add(&b->rows[i].out, buf, len);
	tui_console_dirty(b->con);
}

static void
on_state(eng_fanout *f, size_t i, void *ud)
{
	tui_board *b = ud;

	(void)f;
	(void)i;
	tui_console_dirty(b->con);
}

static int
same_result(tui_board *b, size_t i, size_t j)
{
	const eng_fanout_host *x = eng_fanout_host_get(b->f, i), *y = eng_fanout_host_get(b->f, j);

	return x->state == y->state && x->exit_status == y->exit_status &&
	    b->rows[i].out.len == b->rows[j].out.len &&
	    (b->rows[i].out.len == 0 ||
	    memcmp(b->rows[i].out.p, b->rows[j].out.p, b->rows[i].out.len) == 0);
}

static void
regroup(tui_board *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		b->rows[i].group = (int)i;
		b->rows[i].count = 1;
		for (j = 0; j < i; j++) {
			if (b->rows[j].group == (int)j && same_result(b, i, j)) {
				b->rows[i].group = (int)j;
				b->rows[j].count++;
				break;
			}
		}
	}
}

static void
on_done(eng_fanout *f, void *ud)
{
	tui_board *b = ud;

	(void)f;
	b->finished = 1;
	regroup(b);
	tui_console_dirty(b->con);
}

static void
on_host_done(eng_fanout *f, size_t i, void *ud)
{
	(void)f;
	(void)i;
	tui_console_dirty(((tui_board *)ud)->con);
}

static void
board_start(tui_board *b)
{
	static const eng_fanout_cbs cbs = { on_state, on_data, on_host_done, on_done };
	eng_conn_opts *o = calloc(b->n, sizeof(*o));
	size_t i;

	if (o == NULL)
		abort();
	for (i = 0; i < b->n; i++) {
		o[i].name = b->hosts[i].name;
		o[i].address = b->hosts[i].address;
		o[i].user = b->hosts[i].user;
		o[i].port = b->hosts[i].port;
		o[i].keys = (const char *const *)b->hosts[i].keys;
		o[i].jump = b->hosts[i].jump;
		o[i].ssh_config = b->con->ssh_config;
		o[i].accept_new = b->con->accept_new;
		o[i].ask_hostkey = 1;
		tui_buf_free(&b->rows[i].out);
	}
	b->finished = 0;
	if (eng_fanout_new(b->con->ctx, o, b->n, b->command, NULL, &cbs, b, &b->f) == 0)
		eng_fanout_start(b->f);
	free(o);
}

tui_board *
tui_board_new(tui_console *con, const char *command, tui_pane **targets, int n)
{
	tui_board *b = calloc(1, sizeof(*b));
	int i;

	if (b == NULL)
		abort();
	b->con = con;
	b->command = strdup(command);
	b->n = (size_t)n;
	b->hosts = calloc((size_t)n, sizeof(cfg_host));
	b->rows = calloc((size_t)n, sizeof(brow));
	if (b->hosts == NULL || b->rows == NULL)
		abort();
	for (i = 0; i < n; i++)
		tui_host_copy(&b->hosts[i], &targets[i]->host);
	board_start(b);
	return b;
}

static void
board_stop(tui_board *b)
{
	if (b->f == NULL)
		return;
	/* Finish in the background: the fan-out frees itself when done. */
	if (!b->finished) {
		eng_fanout_abort(b->f);
		return;   /* leaked to the loop until its on_done: see free below */
	}
	eng_fanout_free(b->f);
	b->f = NULL;
}

void
tui_board_free(tui_board *b)
{
	size_t i;

	if (b == NULL)
		return;
	if (b->f != NULL && !b->finished) {
		/* Let the aborted run drain before freeing what it points to. */
		eng_fanout_abort(b->f);
		while (!b->finished && uv_run(b->con->loop, UV_RUN_ONCE) != 0)
			;
	}
	board_stop(b);
	for (i = 0; i < b->n; i++)
		tui_buf_free(&b->rows[i].out);
	cfg_hosts_free(b->hosts, b->n);
	free(b->rows);
	free(b->command);
	free(b);
}

/* ---- drawing ---- */

static void
put(int y, int x, int w, const char *s, size_t len)
{
	tui_draw_text(y, x, w, s, len);
}

static void
puts_(int y, int x, int w, const char *s)
{
	put(y, x, w, s, strlen(s));
}

static int
visible(tui_board *b, size_t i)
{
	return !b->grouped || !b->finished || b->rows[i].group == (int)i;
}

void
tui_board_draw(tui_board *b, tui_rect a)
{
	size_t i;
	int y, shown = 0, ok = 0, bad = 0, run = 0;
	char line[256];

	for (y = 0; y < a.h; y++) {
		move(a.y + y, a.x);
		clrtoeol();
	}
	for (i = 0; i < b->n; i++) {
		eng_host_state st = eng_fanout_host_get(b->f, i)->state;

		ok += st == ENG_HOST_OK;
		bad += st >= ENG_HOST_FAILED;
		run += st < ENG_HOST_OK;
	}
	attron(A_BOLD);
	snprintf(line, sizeof(line), " board: %zu hosts, %d ok, %d failed, %d running  "
	    "(Enter output, g group, r re-run failed, s shell, q close)", b->n, ok, bad, run);
	puts_(a.y, a.x, a.w, line);
	put(a.y + 1, a.x + 1, a.w - 1, b->command, strlen(b->command));
	attroff(A_BOLD);
	if (b->detail) {
		const tui_buf *o = &b->rows[b->sel].out;
		const char *p = o->p, *end = o->p + o->len, *nl;
		int ln = 0;

		snprintf(line, sizeof(line), "--- %s (%d host%s) --- Esc back, PgUp/PgDn",
		    b->hosts[b->sel].name, b->rows[b->sel].count,
		    b->rows[b->sel].count == 1 ? "" : "s");
		puts_(a.y + 2, a.x, a.w, line);
		for (y = 3; p != NULL && p < end && y < a.h; ln++) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (ln >= b->detail_top)
				put(a.y + y++, a.x, a.w, p, (size_t)((nl ? nl : end) - p));
			p = nl ? nl + 1 : end;
		}
		return;
	}
	y = 3;
	for (i = 0; i < b->n && y < a.h; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(b->f, i);
		const char *o = b->rows[i].out.p, *nl;
		char dur[32] = "";
		size_t first;

		if (!visible(b, i))
			continue;
		if (shown++ < b->top)
			continue;
		if (h->end_ms > 0)
			eng_format_duration(h->end_ms - h->start_ms, dur, sizeof(dur));
		if ((int)i == b->sel)
			attron(A_REVERSE);
		if (b->grouped && b->finished && b->rows[i].count > 1)
			snprintf(line, sizeof(line), "%-20.20s +%-3d", h->name, b->rows[i].count - 1);
		else
			snprintf(line, sizeof(line), "%-24.24s", h->name);
		puts_(a.y + y, a.x, 25, line);
		snprintf(line, sizeof(line), "%-11s", eng_host_state_name(h->state));
		if (h->state == ENG_HOST_OK)
			attron(A_BOLD);
		puts_(a.y + y, a.x + 25, 11, line);
		attroff(A_BOLD);
		if (h->exit_status >= 0)
			snprintf(line, sizeof(line), "%4d", h->exit_status);
		else
			snprintf(line, sizeof(line), "   -");
		puts_(a.y + y, a.x + 37, 5, line);
		puts_(a.y + y, a.x + 43, 9, dur);
		first = 0;
		if (o != NULL) {
			nl = memchr(o, '\n', b->rows[i].out.len);
			first = nl ? (size_t)(nl - o) : b->rows[i].out.len;
		} else if (h->error != NULL) {
			o = h->error;
			first = strlen(o);
		}
		if (o != NULL)
			put(a.y + y, a.x + 53, a.w - 53, o, first);
		if ((int)i == b->sel)
			attroff(A_REVERSE);
		y++;
	}
}

/* ---- keys ---- */

static void
move_sel(tui_board *b, int d)
{
	int i = b->sel;

	do {
		i += d;
	} while (i >= 0 && i < (int)b->n && !visible(b, (size_t)i));
	if (i >= 0 && i < (int)b->n)
		b->sel = i;
}

static void
rerun_failed(tui_board *b)
{
	cfg_host *keep;
	size_t i, k = 0;

	if (!b->finished)
		return;
	keep = calloc(b->n, sizeof(cfg_host));
	if (keep == NULL)
		abort();
	for (i = 0; i < b->n; i++) {
		if (eng_fanout_host_get(b->f, i)->state != ENG_HOST_OK)
			keep[k++] = b->hosts[i];
		else
			tui_host_clear(&b->hosts[i]);
	}
	if (k == 0) {
		free(keep);
		tui_console_flash(b->con, "no failed hosts to re-run");
		return;
	}
	eng_fanout_free(b->f);
	b->f = NULL;
	for (i = 0; i < b->n; i++)
		tui_buf_free(&b->rows[i].out);
	free(b->hosts);
	b->hosts = keep;
	b->n = k;
	b->sel = b->top = 0;
	board_start(b);
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
	} else if (ch == 'g') {
		b->grouped = !b->grouped;
		b->sel = b->rows[b->sel].group;
	} else if (ch == 'r') {
		rerun_failed(b);
	} else if (ch == 's') {
		char *name = strdup(b->hosts[b->sel].name);
		int i;

		con->board = NULL;
		tui_board_free(b);
		for (i = 0; i < con->npanes; i++)
			if (strcmp(con->panes[i]->name, name) == 0)
				con->focus = i;
		if (i == con->npanes)
			tui_console_add_targets(con, name);
		free(name);
		con->full_dirty = 1;
	} else if (ch == 'q' || ch == 27 || key == TUI_KEY_ESC) {
		con->board = NULL;
		tui_board_free(b);
		con->full_dirty = 1;
	} else {
		return 1;   /* the board is modal: nothing leaks to the shells */
	}
	tui_console_dirty(con);
	return 1;
}
