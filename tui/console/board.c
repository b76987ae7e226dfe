/*
 * tui/console/board.c - the fan-out results board inside the console: one
 * command run on the broadcast set through the engine's fan-out, a live
 * row per host, identical results grouped, full output of a host or group
 * on Enter, re-run on the failed hosts, jump to a host's shell pane. Owns
 * the run and its output; board_draw.c shows it. A board closed while its
 * run goes on aborts the run and frees itself when the run reports done,
 * so closing never waits on the loop.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/console/board.h"

static void board_start(tui_board *b);

static void
on_data(eng_fanout *f, size_t i, int stream, const char *buf, size_t len, void *ud)
{
	tui_board *b = ud;

	(void)f;
	(void)stream;
	/* Bounded per host: the board is a summary, the shell pane the full view. */
	if (b->rows[i].out.len < BOARD_MAX_OUTPUT)
		tui_buf_add(&b->rows[i].out, buf, len);
	if (!b->closing)
		tui_console_dirty(b->con);
}

static void
on_state(eng_fanout *f, size_t i, void *ud)
{
	tui_board *b = ud;

	(void)f;
	(void)i;
	if (!b->closing)
		tui_console_dirty(b->con);
}

static int
same_result(tui_board *b, size_t i, size_t j)
{
	tui_result x = { eng_fanout_host_get(b->f, i), &b->rows[i].out, NULL };
	tui_result y = { eng_fanout_host_get(b->f, j), &b->rows[j].out, NULL };

	return tui_result_cmp(&x, &y) == 0;
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

static void board_free(tui_board *b);

static void
on_done(eng_fanout *f, void *ud)
{
	tui_board *b = ud;

	(void)f;
	b->finished = 1;
	if (b->closing) {
		board_free(b);
		return;
	}
	regroup(b);
	tui_console_dirty(b->con);
}

static void
on_host_done(eng_fanout *f, size_t i, void *ud)
{
	tui_board *b = ud;

	(void)f;
	(void)i;
	if (!b->closing)
		tui_console_dirty(b->con);
}

static void
board_start(tui_board *b)
{
	static const eng_fanout_cbs cbs = { on_state, on_data, on_host_done, on_done };
	cfg_run run;
	size_t i;

	for (i = 0; i < b->n; i++)
		tui_buf_free(&b->rows[i].out);
	b->finished = 0;
	/* The panes' settings: inventory, command line, the console's prompts. */
	cfg_run_build(b->con->inv, b->hosts, b->n, &b->con->ov, &run);
	if (eng_fanout_new(b->con->ctx, run.conn, b->n, b->command, &run.fanout, &cbs, b,
	    &b->f) == 0)
		eng_fanout_start(b->f);
	else
		b->finished = 1;
	cfg_run_free(&run);
}

tui_board *
tui_board_new(tui_console *con, const char *command, tui_pane **targets, int n)
{
	tui_board *b = util_xcalloc(1, sizeof(*b));
	int i;

	b->con = con;
	b->command = util_xstrdup(command);
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

	eng_fanout_free(b->f);
	for (i = 0; i < b->n; i++)
		tui_buf_free(&b->rows[i].out);
	cfg_hosts_free(b->hosts, b->n);
	free(b->rows);
	free(b->command);
	free(b);
}

void
tui_board_close(tui_board *b)
{
	if (b == NULL)
		return;
	if (b->f != NULL && !b->finished) {
		/* Its on_done frees it; the hosts' callbacks see closing meanwhile. */
		b->closing = 1;
		eng_fanout_abort(b->f);
		return;
	}
	board_free(b);
}

/* ---- keys ---- */

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
	keep = util_xcalloc(b->n, sizeof(cfg_host));
	for (i = 0; i < b->n; i++) {
		if (b->f != NULL && eng_fanout_host_get(b->f, i)->state != ENG_HOST_OK)
			keep[k++] = b->hosts[i];
		else
			cfg_host_clear(&b->hosts[i]);
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

	con->board = NULL;
	tui_board_close(b);
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
	} else if (ch == 'g') {
		b->grouped = !b->grouped;
		b->sel = b->rows[b->sel].group;
	} else if (ch == 'r') {
		tui_board_rerun_failed(b);
	} else if (ch == 's') {
		tui_board_open_shell(b);
	} else if (ch == 'q' || ch == 27 || key == TUI_KEY_ESC) {
		con->board = NULL;
		tui_board_close(b);
		con->full_dirty = 1;
	} else {
		return 1;   /* the board is modal: nothing leaks to the shells */
	}
	tui_console_dirty(con);
	return 1;
}
