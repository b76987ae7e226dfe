/*
 * tests/tui/test_layout.c - the layout arithmetic of tui/layout.c: every
 * layout tiles its area exactly for 1..12 panes in many sizes, each kind
 * has its shape, zoom, the inner (terminal) area, the too-small switch,
 * focus by direction and mouse hits.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/layout.h"

static const tui_layout_kind kinds[] = {
	TUI_LAYOUT_TILED, TUI_LAYOUT_EVEN_H, TUI_LAYOUT_EVEN_V,
	TUI_LAYOUT_MAIN_STACK,
};

static tui_rect
R(int x, int y, int w, int h)
{
	tui_rect r = { x, y, w, h };

	return r;
}

#define assert_rect(got, X, Y, W, H) do { \
	tui_rect g_ = (got); \
	cr_assert(g_.x == (X) && g_.y == (Y) && g_.w == (W) && g_.h == (H), \
	    "%s = {%d,%d,%d,%d}, want {%d,%d,%d,%d}", #got, g_.x, g_.y, \
	    g_.w, g_.h, (X), (Y), (W), (H)); \
} while (0)

/* Each cell of the area covered exactly once, nothing outside. */
static void
assert_tiles(tui_layout_kind kind, int n, tui_rect a)
{
	tui_rect r[12];
	unsigned char *cover;
	long sum = 0;
	int i, x, y;

	cr_assert_eq(tui_layout_compute(kind, n, a, -1, r), 0);
	cover = calloc((size_t)(a.w * a.h) + 1, 1);
	cr_assert_not_null(cover);
	for (i = 0; i < n; i++) {
		cr_assert(r[i].w >= 0 && r[i].h >= 0);
		sum += (long)r[i].w * r[i].h;
		if (r[i].w == 0 || r[i].h == 0)
			continue;
		cr_assert(r[i].x >= a.x && r[i].y >= a.y &&
		    r[i].x + r[i].w <= a.x + a.w && r[i].y + r[i].h <= a.y + a.h,
		    "%s n=%d %dx%d: pane %d outside", tui_layout_name(kind), n,
		    a.w, a.h, i);
		for (y = r[i].y; y < r[i].y + r[i].h; y++)
			for (x = r[i].x; x < r[i].x + r[i].w; x++) {
				unsigned char *c = &cover[(y - a.y) * a.w + (x - a.x)];

				cr_assert_eq(*c, 0, "%s n=%d %dx%d: overlap at "
				    "%d,%d", tui_layout_name(kind), n, a.w, a.h,
				    x, y);
				*c = 1;
			}
	}
	cr_assert_eq(sum, (long)a.w * a.h, "%s n=%d %dx%d: areas sum to %ld",
	    tui_layout_name(kind), n, a.w, a.h, sum);
	for (i = 0; i < a.w * a.h; i++)
		cr_assert_eq(cover[i], 1, "%s n=%d %dx%d: gap at cell %d",
		    tui_layout_name(kind), n, a.w, a.h, i);
	free(cover);
}

Test(layout, exact_tiling_all_kinds_and_sizes)
{
	static const tui_rect areas[] = {
		{ 0, 0, 80, 24 }, { 0, 1, 200, 59 }, { 3, 2, 7, 5 },
		{ 0, 0, 1, 1 }, { 5, 5, 13, 11 }, { 0, 0, 3, 40 },
		{ 0, 0, 41, 2 }, { 10, 0, 101, 37 }, { 0, 0, 12, 12 },
	};
	size_t k, a;
	int n;

	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		for (a = 0; a < sizeof areas / sizeof areas[0]; a++)
			for (n = 1; n <= 12; n++)
				assert_tiles(kinds[k], n, areas[a]);
}

Test(layout, bad_arguments)
{
	tui_rect r[2];

	cr_assert_eq(tui_layout_compute(TUI_LAYOUT_TILED, 0, R(0, 0, 80, 24),
	    -1, r), -1);
	cr_assert_eq(tui_layout_compute(TUI_LAYOUT__COUNT, 2, R(0, 0, 80, 24),
	    -1, r), -1);
	cr_assert_eq(tui_layout_compute((tui_layout_kind)-1, 2,
	    R(0, 0, 80, 24), -1, r), -1);
	/* A negative area is taken as empty, not as a crash. */
	cr_assert_eq(tui_layout_compute(TUI_LAYOUT_TILED, 2, R(0, 0, -5, 10),
	    -1, r), 0);
	cr_assert_eq(r[0].w + r[1].w, 0);
}

Test(layout, tiled_shapes)
{
	tui_rect r[12];

	tui_layout_compute(TUI_LAYOUT_TILED, 1, R(0, 0, 80, 24), -1, r);
	assert_rect(r[0], 0, 0, 80, 24);

	tui_layout_compute(TUI_LAYOUT_TILED, 2, R(0, 0, 80, 24), -1, r);
	assert_rect(r[0], 0, 0, 40, 24);
	assert_rect(r[1], 40, 0, 40, 24);

	tui_layout_compute(TUI_LAYOUT_TILED, 4, R(0, 0, 80, 24), -1, r);
	assert_rect(r[0], 0, 0, 40, 12);
	assert_rect(r[1], 40, 0, 40, 12);
	assert_rect(r[2], 0, 12, 40, 12);
	assert_rect(r[3], 40, 12, 40, 12);

	/* 3: two on top, the last row's single pane spans the width. */
	tui_layout_compute(TUI_LAYOUT_TILED, 3, R(0, 0, 81, 25), -1, r);
	assert_rect(r[0], 0, 0, 41, 13);
	assert_rect(r[1], 41, 0, 40, 13);
	assert_rect(r[2], 0, 13, 81, 12);

	/* 5: 3 columns, 2 rows; the last row has 2 wider panes. */
	tui_layout_compute(TUI_LAYOUT_TILED, 5, R(0, 0, 90, 20), -1, r);
	assert_rect(r[0], 0, 0, 30, 10);
	assert_rect(r[2], 60, 0, 30, 10);
	assert_rect(r[3], 0, 10, 45, 10);
	assert_rect(r[4], 45, 10, 45, 10);

	/* 7: 3+3+1; 10: 4+4+2; 9: 3x3. */
	tui_layout_compute(TUI_LAYOUT_TILED, 7, R(0, 0, 90, 30), -1, r);
	assert_rect(r[5], 60, 10, 30, 10);
	assert_rect(r[6], 0, 20, 90, 10);
	tui_layout_compute(TUI_LAYOUT_TILED, 10, R(0, 0, 80, 30), -1, r);
	assert_rect(r[3], 60, 0, 20, 10);
	assert_rect(r[7], 60, 10, 20, 10);
	assert_rect(r[8], 0, 20, 40, 10);
	assert_rect(r[9], 40, 20, 40, 10);
	tui_layout_compute(TUI_LAYOUT_TILED, 9, R(2, 1, 30, 9), -1, r);
	assert_rect(r[0], 2, 1, 10, 3);
	assert_rect(r[4], 12, 4, 10, 3);
	assert_rect(r[8], 22, 7, 10, 3);
}

Test(layout, even_horizontal_and_vertical_shapes)
{
	tui_rect r[4];

	tui_layout_compute(TUI_LAYOUT_EVEN_H, 3, R(0, 0, 80, 24), -1, r);
	assert_rect(r[0], 0, 0, 27, 24);
	assert_rect(r[1], 27, 0, 27, 24);
	assert_rect(r[2], 54, 0, 26, 24);

	tui_layout_compute(TUI_LAYOUT_EVEN_V, 4, R(1, 2, 80, 25), -1, r);
	assert_rect(r[0], 1, 2, 80, 7);
	assert_rect(r[1], 1, 9, 80, 6);
	assert_rect(r[2], 1, 15, 80, 6);
	assert_rect(r[3], 1, 21, 80, 6);
}

Test(layout, main_stack_shape)
{
	tui_rect r[4];

	tui_layout_compute(TUI_LAYOUT_MAIN_STACK, 1, R(0, 0, 100, 30), -1, r);
	assert_rect(r[0], 0, 0, 100, 30);

	tui_layout_compute(TUI_LAYOUT_MAIN_STACK, 3, R(0, 0, 100, 30), -1, r);
	assert_rect(r[0], 0, 0, 60, 30);
	assert_rect(r[1], 60, 0, 40, 15);
	assert_rect(r[2], 60, 15, 40, 15);

	tui_layout_compute(TUI_LAYOUT_MAIN_STACK, 4, R(0, 0, 81, 31), -1, r);
	assert_rect(r[0], 0, 0, 49, 31);
	assert_rect(r[1], 49, 0, 32, 11);
	assert_rect(r[3], 49, 21, 32, 10);

	/* Two columns: both sides keep one. */
	tui_layout_compute(TUI_LAYOUT_MAIN_STACK, 2, R(0, 0, 2, 5), -1, r);
	assert_rect(r[0], 0, 0, 1, 5);
	assert_rect(r[1], 1, 0, 1, 5);
}

Test(layout, zoom)
{
	tui_rect r[4], a = R(0, 1, 80, 23);
	int i;

	cr_assert_eq(tui_layout_compute(TUI_LAYOUT_TILED, 4, a, 2, r), 0);
	assert_rect(r[2], 0, 1, 80, 23);
	for (i = 0; i < 4; i++)
		if (i != 2)
			cr_assert(r[i].w == 0 && r[i].h == 0, "pane %d hidden", i);
	cr_assert_eq(tui_layout_hit(r, 4, 0, 1), 2);
	cr_assert_eq(tui_layout_hit(r, 4, 79, 23), 2);
	cr_assert_eq(tui_layout_neighbor(r, 4, 2, TUI_DIR_LEFT), -1);
	cr_assert_eq(tui_layout_neighbor(r, 4, 2, TUI_DIR_DOWN), -1);
	/* A zoomed pane has no separator: it touches the right edge. */
	assert_rect(tui_layout_inner(r[2], a), 0, 2, 80, 22);
	assert_rect(tui_layout_inner(r[0], a), 0, 1, 0, 0);

	/* An index out of range means no zoom. */
	tui_layout_compute(TUI_LAYOUT_EVEN_H, 2, a, 2, r);
	assert_rect(r[0], 0, 1, 40, 23);
	assert_rect(r[1], 40, 1, 40, 23);
}

Test(layout, inner_area)
{
	tui_rect a = R(0, 0, 80, 24), r[4];

	tui_layout_compute(TUI_LAYOUT_TILED, 4, a, -1, r);
	/* Left panes give their last column to the separator. */
	assert_rect(tui_layout_inner(r[0], a), 0, 1, 39, 11);
	assert_rect(tui_layout_inner(r[1], a), 40, 1, 40, 11);
	assert_rect(tui_layout_inner(r[2], a), 0, 13, 39, 11);
	assert_rect(tui_layout_inner(r[3], a), 40, 13, 40, 11);
	/* Slivers: never negative. */
	assert_rect(tui_layout_inner(R(0, 0, 1, 1), a), 0, 1, 0, 0);
	assert_rect(tui_layout_inner(R(0, 0, 0, 5), a), 0, 0, 0, 0);
}

Test(layout, too_small_thresholds)
{
	tui_rect a = R(0, 0, 80, 24);

	/* even-h, 4 panes: widths 20 -> terminals 19,19,19,20 cols, 23 rows */
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_EVEN_H, 4, a, 19, 23), 0);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_EVEN_H, 4, a, 20, 23), 1);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_EVEN_H, 4, a, 19, 24), 1);
	/* tiled 4: 39x11 at the smallest */
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 4, a, 39, 11), 0);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 4, a, 40, 11), 1);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 4, a, 39, 12), 1);
	/* 12 hosts in 80x24 with 20x5 minimum: 4x3 grid of 20x8 -> 19x7 */
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 12, a, 20, 5), 1);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 12, a, 19, 5), 0);
	/* 12 stacked: 2 rows each -> 1 row of terminal */
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_EVEN_V, 12, a, 10, 2), 1);
	/* More panes than cells. */
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 12, R(0, 0, 3, 3),
	    1, 1), 1);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT_TILED, 0, a, 1, 1), 0);
	cr_assert_eq(tui_layout_too_small(TUI_LAYOUT__COUNT, 2, a, 1, 1), 1);
}

Test(layout, neighbor_grid)
{
	tui_rect r[5];

	tui_layout_compute(TUI_LAYOUT_TILED, 4, R(0, 0, 80, 24), -1, r);
	cr_assert_eq(tui_layout_neighbor(r, 4, 0, TUI_DIR_RIGHT), 1);
	cr_assert_eq(tui_layout_neighbor(r, 4, 0, TUI_DIR_DOWN), 2);
	cr_assert_eq(tui_layout_neighbor(r, 4, 0, TUI_DIR_LEFT), -1);
	cr_assert_eq(tui_layout_neighbor(r, 4, 0, TUI_DIR_UP), -1);
	cr_assert_eq(tui_layout_neighbor(r, 4, 3, TUI_DIR_LEFT), 2);
	cr_assert_eq(tui_layout_neighbor(r, 4, 3, TUI_DIR_UP), 1);
	cr_assert_eq(tui_layout_neighbor(r, 4, 9, TUI_DIR_UP), -1);
	cr_assert_eq(tui_layout_neighbor(r, 4, -1, TUI_DIR_UP), -1);

	/* 3: the wide bottom pane goes up to the aligned one (0). */
	tui_layout_compute(TUI_LAYOUT_TILED, 3, R(0, 0, 80, 24), -1, r);
	cr_assert_eq(tui_layout_neighbor(r, 3, 2, TUI_DIR_UP), 0);
	cr_assert_eq(tui_layout_neighbor(r, 3, 1, TUI_DIR_DOWN), 2);
	cr_assert_eq(tui_layout_neighbor(r, 3, 2, TUI_DIR_RIGHT), -1);

	/* 5 in 90x20: 30|30|30 over 45|45; longest shared edge wins. */
	tui_layout_compute(TUI_LAYOUT_TILED, 5, R(0, 0, 90, 20), -1, r);
	cr_assert_eq(tui_layout_neighbor(r, 5, 3, TUI_DIR_UP), 0);
	cr_assert_eq(tui_layout_neighbor(r, 5, 4, TUI_DIR_UP), 2);
	cr_assert_eq(tui_layout_neighbor(r, 5, 0, TUI_DIR_DOWN), 3);
	cr_assert_eq(tui_layout_neighbor(r, 5, 2, TUI_DIR_DOWN), 4);
	cr_assert_eq(tui_layout_neighbor(r, 5, 3, TUI_DIR_RIGHT), 4);
}

Test(layout, neighbor_main_stack_and_rows)
{
	tui_rect r[4];

	tui_layout_compute(TUI_LAYOUT_MAIN_STACK, 4, R(0, 0, 100, 30), -1, r);
	cr_assert_eq(tui_layout_neighbor(r, 4, 0, TUI_DIR_RIGHT), 1,
	    "the top of the stack, best aligned");
	cr_assert_eq(tui_layout_neighbor(r, 4, 3, TUI_DIR_LEFT), 0);
	cr_assert_eq(tui_layout_neighbor(r, 4, 1, TUI_DIR_DOWN), 2);
	cr_assert_eq(tui_layout_neighbor(r, 4, 2, TUI_DIR_UP), 1);
	cr_assert_eq(tui_layout_neighbor(r, 4, 3, TUI_DIR_DOWN), -1);

	tui_layout_compute(TUI_LAYOUT_EVEN_H, 3, R(0, 0, 90, 10), -1, r);
	cr_assert_eq(tui_layout_neighbor(r, 3, 0, TUI_DIR_RIGHT), 1);
	cr_assert_eq(tui_layout_neighbor(r, 3, 1, TUI_DIR_RIGHT), 2);
	cr_assert_eq(tui_layout_neighbor(r, 3, 2, TUI_DIR_RIGHT), -1);
	cr_assert_eq(tui_layout_neighbor(r, 3, 2, TUI_DIR_LEFT), 1);
	cr_assert_eq(tui_layout_neighbor(r, 3, 1, TUI_DIR_UP), -1);

	/* Not adjacent but further along the same band: the nearest. */
	r[0] = R(0, 0, 10, 10);
	r[1] = R(30, 0, 10, 10);
	r[2] = R(15, 0, 10, 10);
	cr_assert_eq(tui_layout_neighbor(r, 3, 0, TUI_DIR_RIGHT), 2);
	cr_assert_eq(tui_layout_neighbor(r, 3, 1, TUI_DIR_LEFT), 2);
}

Test(layout, hit)
{
	tui_rect r[4];

	tui_layout_compute(TUI_LAYOUT_TILED, 4, R(0, 1, 80, 24), -1, r);
	cr_assert_eq(tui_layout_hit(r, 4, 0, 1), 0);
	cr_assert_eq(tui_layout_hit(r, 4, 39, 5), 0, "separator column");
	cr_assert_eq(tui_layout_hit(r, 4, 40, 12), 1);
	cr_assert_eq(tui_layout_hit(r, 4, 40, 13), 3, "title row");
	cr_assert_eq(tui_layout_hit(r, 4, 79, 24), 3);
	cr_assert_eq(tui_layout_hit(r, 4, 80, 5), -1);
	cr_assert_eq(tui_layout_hit(r, 4, 5, 0), -1, "status line");
	cr_assert_eq(tui_layout_hit(r, 4, -1, 5), -1);
}

Test(layout, names_cycle)
{
	tui_layout_kind k = TUI_LAYOUT_TILED;
	int i;

	cr_assert_str_eq(tui_layout_name(TUI_LAYOUT_TILED), "tiled");
	cr_assert_str_eq(tui_layout_name(TUI_LAYOUT_EVEN_H), "even-horizontal");
	cr_assert_str_eq(tui_layout_name(TUI_LAYOUT_EVEN_V), "even-vertical");
	cr_assert_str_eq(tui_layout_name(TUI_LAYOUT_MAIN_STACK), "main-stack");
	cr_assert_null(tui_layout_name(TUI_LAYOUT__COUNT));
	for (i = 0; i < TUI_LAYOUT__COUNT; i++)
		k = tui_layout_next(k);
	cr_assert_eq(k, TUI_LAYOUT_TILED);
	cr_assert_eq(tui_layout_next(TUI_LAYOUT_TILED), TUI_LAYOUT_EVEN_H);
}
