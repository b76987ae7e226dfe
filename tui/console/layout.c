/*
 * tui/console/layout.c - pane geometry as pure arithmetic: the four layouts
 * (tiled, even-horizontal, even-vertical, main + stack), zoom, the
 * too-small test that switches the console to its one-line-per-host list,
 * focus by direction and mouse hit testing. No curses, no state: the
 * console calls these with the screen area and draws into the rectangles.
 *
 * Every layout splits the area into rectangles that tile it exactly: sizes
 * are integer divisions with the remainder handed out one cell at a time
 * to the first panes, so nothing is lost to rounding and nothing overlaps.
 * The border and title live inside each pane's rectangle (see
 * tui_layout_inner in layout.h), so there is no shared border to account
 * for between neighbours.
 */
#include <limits.h>
#include <stdlib.h>

#include "tui/console/layout.h"

static const char *const names[TUI_LAYOUT__COUNT] = {
	[TUI_LAYOUT_TILED] = "tiled",
	[TUI_LAYOUT_EVEN_H] = "even-horizontal",
	[TUI_LAYOUT_EVEN_V] = "even-vertical",
	[TUI_LAYOUT_MAIN_STACK] = "main-stack",
};

/* Share the main pane gets in main-stack, in percent (tmux uses 50-66). */
#define MAIN_PERCENT 60

const char *
tui_layout_name(tui_layout_kind kind)
{
	if ((int)kind < 0 || kind >= TUI_LAYOUT__COUNT)
		return NULL;
	return names[kind];
}

tui_layout_kind
tui_layout_next(tui_layout_kind kind)
{
	if ((int)kind < 0 || kind >= TUI_LAYOUT__COUNT)
		return TUI_LAYOUT_TILED;
	return (tui_layout_kind)((kind + 1) % TUI_LAYOUT__COUNT);
}

/* Part i of k equal parts of total: offset and size, remainder first. */
static void
part(int total, int k, int i, int *off, int *size)
{
	int base = total / k, extra = total % k;

	*size = base + (i < extra);
	*off = i * base + (i < extra ? i : extra);
}

static tui_rect
rect(int x, int y, int w, int h)
{
	tui_rect r = { x, y, w, h };

	return r;
}

/* n panes in a row (horizontal) or a column, within r. */
static void
even(tui_rect r, int n, int horizontal, tui_rect *out)
{
	int i, off, size;

	for (i = 0; i < n; i++) {
		if (horizontal) {
			part(r.w, n, i, &off, &size);
			out[i] = rect(r.x + off, r.y, size, r.h);
		} else {
			part(r.h, n, i, &off, &size);
			out[i] = rect(r.x, r.y + off, r.w, size);
		}
	}
}

static int
tiled_cols(int n)
{
	int c = 1;

	while (c * c < n)       /* ceil(sqrt(n)) without floating point */
		c++;
	return c;
}

static void
tiled(tui_rect a, int n, tui_rect *out)
{
	int cols = tiled_cols(n), rows = (n + cols - 1) / cols;
	int row, k, done = 0, off, size;

	for (row = 0; row < rows; row++) {
		/* The last row takes what is left, spread over the width. */
		k = row == rows - 1 ? n - done : cols;
		part(a.h, rows, row, &off, &size);
		even(rect(a.x, a.y + off, a.w, size), k, 1, out + done);
		done += k;
	}
}

static void
main_stack(tui_rect a, int n, tui_rect *out)
{
	int mw;

	if (n == 1) {
		out[0] = a;
		return;
	}
	mw = (a.w * MAIN_PERCENT + 50) / 100;
	/* Both sides keep a column when the area has two. */
	if (a.w >= 2) {
		if (mw < 1)
			mw = 1;
		if (mw > a.w - 1)
			mw = a.w - 1;
	}
	out[0] = rect(a.x, a.y, mw, a.h);
	even(rect(a.x + mw, a.y, a.w - mw, a.h), n - 1, 0, out + 1);
}

int
tui_layout_compute(tui_layout_kind kind, int n, tui_rect area, int zoomed,
    tui_rect *out)
{
	int i;

	if (n < 1 || (int)kind < 0 || kind >= TUI_LAYOUT__COUNT)
		return -1;
	if (area.w < 0)
		area.w = 0;
	if (area.h < 0)
		area.h = 0;
	if (zoomed >= 0 && zoomed < n) {
		for (i = 0; i < n; i++)
			out[i] = rect(area.x, area.y, 0, 0);
		out[zoomed] = area;
		return 0;
	}
	switch (kind) {
	case TUI_LAYOUT_TILED:
		tiled(area, n, out);
		break;
	case TUI_LAYOUT_EVEN_H:
		even(area, n, 1, out);
		break;
	case TUI_LAYOUT_EVEN_V:
		even(area, n, 0, out);
		break;
	case TUI_LAYOUT_MAIN_STACK:
		main_stack(area, n, out);
		break;
	default:
		return -1;
	}
	return 0;
}

tui_rect
tui_layout_inner(tui_rect pane, tui_rect area)
{
	tui_rect in = pane;
	int sep = pane.x + pane.w < area.x + area.w;

	if (pane.w <= 0 || pane.h <= 0)
		return rect(pane.x, pane.y, 0, 0);
	in.y = pane.y + 1;
	in.h = pane.h - 1;
	in.w = pane.w - sep;
	if (in.w < 0)
		in.w = 0;
	return in;
}

int
tui_layout_too_small(tui_layout_kind kind, int n, tui_rect area, int min_cols,
    int min_rows)
{
	tui_rect *r, in;
	int i, small = 0;

	if (n < 1)
		return 0;
	if ((r = calloc((size_t)n, sizeof *r)) == NULL)
		abort();
	if (tui_layout_compute(kind, n, area, -1, r) != 0) {
		free(r);
		return 1;
	}
	for (i = 0; i < n && !small; i++) {
		in = tui_layout_inner(r[i], area);
		small = in.w < min_cols || in.h < min_rows;
	}
	free(r);
	return small;
}

/* Length of the overlap of [a0, a0+al) and [b0, b0+bl), 0 if none. */
static int
overlap(int a0, int al, int b0, int bl)
{
	int lo = a0 > b0 ? a0 : b0;
	int hi = a0 + al < b0 + bl ? a0 + al : b0 + bl;

	return hi > lo ? hi - lo : 0;
}

int
tui_layout_neighbor(const tui_rect *r, int n, int from, tui_dir dir)
{
	int best = -1, best_d = INT_MAX, best_ov = 0, best_skew = INT_MAX;
	int j, d, ov, skew;
	tui_rect f, c;

	if (from < 0 || from >= n)
		return -1;
	f = r[from];
	for (j = 0; j < n; j++) {
		c = r[j];
		if (j == from || c.w <= 0 || c.h <= 0)
			continue;
		switch (dir) {
		case TUI_DIR_LEFT:
			d = f.x - (c.x + c.w);
			ov = overlap(f.y, f.h, c.y, c.h);
			skew = abs(c.y - f.y);
			break;
		case TUI_DIR_RIGHT:
			d = c.x - (f.x + f.w);
			ov = overlap(f.y, f.h, c.y, c.h);
			skew = abs(c.y - f.y);
			break;
		case TUI_DIR_UP:
			d = f.y - (c.y + c.h);
			ov = overlap(f.x, f.w, c.x, c.w);
			skew = abs(c.x - f.x);
			break;
		case TUI_DIR_DOWN:
			d = c.y - (f.y + f.h);
			ov = overlap(f.x, f.w, c.x, c.w);
			skew = abs(c.x - f.x);
			break;
		default:
			return -1;
		}
		/* Entirely on that side and sharing a stretch of edge. */
		if (d < 0 || ov == 0)
			continue;
		if (d < best_d || (d == best_d && (ov > best_ov ||
		    (ov == best_ov && skew < best_skew)))) {
			best = j;
			best_d = d;
			best_ov = ov;
			best_skew = skew;
		}
	}
	return best;
}

int
tui_layout_hit(const tui_rect *r, int n, int x, int y)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].w > 0 && r[i].h > 0 && x >= r[i].x &&
		    x < r[i].x + r[i].w && y >= r[i].y && y < r[i].y + r[i].h)
			return i;
	return -1;
}
