/*
 * tui/console/xferboard_draw.c - drawing the transfer board (xferboard.c):
 * a header with the counts and the keys, what is copied where, then a row
 * per host: its state, a progress bar, bytes done of the total, rate, ETA
 * (or the time it took), files done of the total, and the error of a host
 * that failed. Reads the board only; names from hosts are sanitised by
 * tui_draw_text.
 */
#include <stdio.h>
#include <string.h>

#include "tui/console/provide_curses.h"
#include "tui/console/xferboard.h"

static const char *const state_words[] = { "queued", "running", "ok", "failed", "cancelled" };

static void
human(char *out, size_t len, double bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, len, u == 0 ? "%.0f %s" : "%.1f %s", bytes, unit[u]);
}

static void
draw_row(const tui_xboard *xb, const tui_xrow *r, int y, int x, int w, int selected, int namew)
{
	char bar[24], done[16], total[16], rate[20], when[24], line[200];
	const eng_xfer_progress *p = &r->prog;
	uint64_t now = uv_now(xb->con->loop);
	int i, fill = 0, pct = 0;
	cfg_element el = r->st == XB_OK ? CFG_EL_BOARD_OK : r->st == XB_RUNNING ?
	    CFG_EL_BOARD_RUNNING : r->st == XB_QUEUED ? CFG_EL_DEFAULT : CFG_EL_BOARD_FAIL;

	if (p->bytes_total > 0) {
		pct = (int)(p->bytes_done * 100 / p->bytes_total);
		fill = (int)(p->bytes_done * 20 / p->bytes_total);
	} else if (r->st == XB_OK) {
		pct = 100;
		fill = 20;
	}
	for (i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[20] = '\0';
	human(done, sizeof(done), (double)p->bytes_done);
	human(total, sizeof(total), (double)p->bytes_total);
	if (r->st == XB_RUNNING && r->rate > 0) {
		human(rate, sizeof(rate), r->rate);
		strcat(rate, "/s");
		snprintf(when, sizeof(when), "ETA %.0fs", p->bytes_total > p->bytes_done ?
		    (double)(p->bytes_total - p->bytes_done) / r->rate : 0.0);
	} else {
		rate[0] = '\0';
		snprintf(when, sizeof(when), "%.1fs", (double)((r->end_ms ? r->end_ms : now) -
		    r->start_ms) / 1000.0);
	}
	snprintf(line, sizeof(line), " %-9s [%s] %3d%%  %s / %s  %-12s %-10s files %zu/%zu",
	    state_words[r->st], bar, pct, done, total, rate, when, p->files_done,
	    p->files_total);
	tui_palette_use(xb->con, selected ? CFG_EL_SIDEBAR_SELECTED : CFG_EL_DEFAULT);
	tui_draw_fill(y, x, w);
	tui_draw_text(y, x, namew, r->name, strlen(r->name));
	tui_palette_use(xb->con, selected ? CFG_EL_SIDEBAR_SELECTED : el);
	tui_draw_str(y, x + namew, w - namew, line);
	if (r->error != NULL && (int)strlen(line) + namew + 2 < w) {
		int at = namew + (int)strlen(line) + 2;

		tui_palette_use(xb->con, CFG_EL_BOARD_FAIL);
		tui_draw_text(y, x + at, w - at, r->error, strlen(r->error));
	}
}

void
tui_xboard_draw(tui_xboard *xb, tui_rect a)
{
	int count[XB_CANCELLED + 1], y, namew = 4, rows = a.h - 3, k;
	char line[300];
	size_t i;

	if (a.h < 4 || a.w < 20)
		return;
	tui__xboard_counts(xb, count);
	for (i = 0; i < xb->n; i++) {
		k = (int)strlen(xb->rows[i].name) + 1;
		if (k > namew)
			namew = k;
	}
	if (namew > 24)
		namew = 24;
	snprintf(line, sizeof(line), " transfer: %zu hosts, %d ok, %d running, %d failed%s  "
	    "(c cancel host, C cancel all%s, q hide, x close)", xb->n, count[XB_OK],
	    count[XB_RUNNING] + count[XB_QUEUED], count[XB_FAILED] + count[XB_CANCELLED],
	    count[XB_CANCELLED] ? " or cancelled" : "",
	    xb->running == 0 && count[XB_FAILED] + count[XB_CANCELLED] > 0 ? ", r retry failed" : "");
	tui_palette_use(xb->con, CFG_EL_BOARD_HEADER);
	tui_draw_fill(a.y, a.x, a.w);
	tui_draw_str(a.y, a.x, a.w, line);
	tui_palette_use(xb->con, CFG_EL_DEFAULT);
	tui_draw_fill(a.y + 1, a.x, a.w);
	tui_draw_text(a.y + 1, a.x + 1, a.w - 1, xb->label, strlen(xb->label));
	/* Keep the selected row in view. */
	if (xb->sel < xb->top)
		xb->top = xb->sel;
	if (rows > 0 && xb->sel >= xb->top + rows)
		xb->top = xb->sel - rows + 1;
	for (y = 0; y < a.h - 2; y++) {
		tui_palette_use(xb->con, CFG_EL_DEFAULT);
		tui_draw_fill(a.y + 2 + y, a.x, a.w);
	}
	for (y = 0, i = (size_t)xb->top; i < xb->n && y < a.h - 2; i++, y++)
		draw_row(xb, &xb->rows[i], a.y + 2 + y, a.x, a.w, (int)i == xb->sel, namew);
}
