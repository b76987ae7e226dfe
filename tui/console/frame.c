/*
 * tui/console/frame.c - when the console draws: damage schedules a frame at
 * most once per 1/fps (floods coalesce into one draw), a key's echo may ask
 * for one right away, and every frame first applies a pending layout
 * (pane rectangles, emulator sizes, the remote pty sizes) and then hands a
 * settled state to draw.c, which only reads it. Owns the frame timer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tui/console/console.h"
#include "tui/console/server.h"

/* Columns of the inventory sidebar, its border included. */
#define SIDEBAR_COLS 22

tui_rect
tui_console_area(const tui_console *con)
{
	tui_rect area;

	area.x = con->sidebar ? SIDEBAR_COLS : 0;
	area.y = 0;
	area.w = con->cols - area.x;
	area.h = con->rows - 1;   /* status bar */
	return area;
}

/*
 * Pane rectangles for the current layout; emulators and remote ptys follow
 * their pane's new size. Runs before drawing, never inside it.
 */
static void
apply_layout(tui_console *con)
{
	tui_rect area = tui_console_area(con), *r;
	int i;

	con->layout_dirty = 0;
	con->full_dirty = 1;
	if (area.w < 1 || area.h < 1 || con->npanes == 0)
		return;
	con->compact = con->zoom < 0 && tui_layout_too_small(con->layout, con->npanes, area,
	    con->cfg->min_pane_cols, con->cfg->min_pane_rows);
	r = util_xcalloc((size_t)con->npanes, sizeof(*r));
	tui_layout_compute(con->layout, con->npanes, area, con->compact ? -1 : con->zoom, r);
	for (i = 0; i < con->npanes; i++) {
		tui_pane *p = con->panes[i];
		int slot = i;

		/* main-stack: the focused pane in the main slot, the rest in order. */
		if (con->layout == TUI_LAYOUT_MAIN_STACK && con->zoom < 0)
			slot = i == con->focus ? 0 : i < con->focus ? i + 1 : i;
		p->rect = r[slot];
		p->inner = tui_layout_inner(r[slot], area);
		if (con->compact) {
			p->rect.w = p->rect.h = p->inner.w = p->inner.h = 0;
			continue;
		}
		/* 0-sized panes (zoomed away) keep their size: never sent. */
		if (p->inner.w > 0 && p->inner.h > 0 &&
		    tui_term_resize(p->term, p->inner.h, p->inner.w) && p->x != NULL)
			eng_exec_resize(p->x, p->inner.w, p->inner.h);
		tui_term_touch(p->term);
		p->title_dirty = 1;
	}
	free(r);
}

static void
on_frame(uv_timer_t *t)
{
	tui_console *con = t->data;

	con->frame_pending = 0;
	con->last_frame = uv_now(con->loop);
	if (con->layout_dirty)
		apply_layout(con);
	tui_draw_frame(con);
	if (con->srv != NULL)
		tui_ctl_frame(con);
}

void
tui_console_frame_now(tui_console *con)
{
	/* Keys come at human speed, so these are few; a flood still gets one
	 * frame per interval. */
	if (con->quit)
		return;
	con->frame_pending = 1;
	uv_timer_start(&con->frame, on_frame, 0, 0);
}

void
tui_console_dirty(tui_console *con)
{
	uint64_t now, gap, due;

	if (con->frame_pending || con->quit)
		return;
	gap = 1000 / (uint64_t)(con->cfg->fps > 0 ? con->cfg->fps : 30);
	now = uv_now(con->loop);
	due = con->last_frame + gap > now ? con->last_frame + gap - now : 0;
	con->frame_pending = 1;
	uv_timer_start(&con->frame, on_frame, due, 0);
}

void
tui_console_layout_changed(tui_console *con)
{
	con->layout_dirty = 1;
	tui_console_dirty(con);
}

void
tui_console_flash(tui_console *con, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(con->status, sizeof(con->status), fmt, ap);
	va_end(ap);
	con->status_until = uv_now(con->loop) + 4000;
	tui_console_dirty(con);
}

void
tui_frame_init(tui_console *con)
{
	uv_timer_init(con->loop, &con->frame);
	con->frame.data = con;
}

void
tui_frame_close(tui_console *con)
{
	uv_close((uv_handle_t *)&con->frame, NULL);
}
