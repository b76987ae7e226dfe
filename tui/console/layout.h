/*
 * tui/console/layout.h - pane geometry for the console: pure arithmetic on
 * rectangles (layout.c), no curses, no state; unit-tested on its own.
 */
#ifndef DROVER_TUI_LAYOUT_H
#define DROVER_TUI_LAYOUT_H

/* Screen cells: x columns from the left, y rows from the top. */
typedef struct tui_rect {
	int x, y, w, h;
} tui_rect;

typedef enum {
	TUI_LAYOUT_TILED,       /* grid: ceil(sqrt(n)) columns, last row wider */
	TUI_LAYOUT_EVEN_H,      /* side by side */
	TUI_LAYOUT_EVEN_V,      /* stacked */
	TUI_LAYOUT_MAIN_STACK,  /* pane 0 left (~60%), the rest stacked right */
	TUI_LAYOUT__COUNT
} tui_layout_kind;

typedef enum { TUI_DIR_LEFT, TUI_DIR_RIGHT, TUI_DIR_UP, TUI_DIR_DOWN } tui_dir;

/* "tiled", "even-horizontal", "even-vertical", "main-stack"; NULL if bad. */
const char *tui_layout_name(tui_layout_kind kind);
/* The layout after kind, cycling (split-layout-next). */
tui_layout_kind tui_layout_next(tui_layout_kind kind);

/*
 * Splits area into n pane rectangles, out[0..n-1] in pane order. They
 * tile the area exactly (no gaps, no overlaps; remainders go one cell at a
 * time to the first panes); in an area too small for n panes some come out
 * 0 wide or 0 high. zoomed in 0..n-1: that pane gets the whole area and the
 * others are 0x0 at the area's origin; -1: no zoom. Returns 0, or -1 for
 * n < 1 or an unknown kind.
 *
 * A pane rectangle includes its decoration: its top row is the title /
 * border row, and its rightmost column is the vertical separator unless
 * the pane touches the area's right edge. What remains is the terminal:
 * see tui_layout_inner.
 */
int tui_layout_compute(tui_layout_kind kind, int n, tui_rect area, int zoomed,
    tui_rect *out);
/*
 * The terminal (content) part of a pane rectangle laid out in area:
 * {x, y + 1, w - (1 if a separator column), h - 1}; 0x0 for an empty pane.
 * These are the rows/cols given to tui_term_resize and the remote PTY.
 */
tui_rect tui_layout_inner(tui_rect pane, tui_rect area);
/*
 * 1 if laying out n panes (unzoomed) would leave some terminal smaller than
 * min_cols x min_rows: the console then shows its one-line-per-host list.
 */
int tui_layout_too_small(tui_layout_kind kind, int n, tui_rect area,
    int min_cols, int min_rows);
/*
 * Focus by direction: among the non-empty panes entirely on that side of
 * pane `from` and sharing some of its edge span, the nearest; ties go to
 * the longest shared span, then the one best aligned with `from`'s
 * top / left edge, then the lowest index. -1 if none (no wrap-around).
 */
int tui_layout_neighbor(const tui_rect *rects, int n, int from, tui_dir dir);
/* The pane containing cell (x, y), decoration included; -1 if none. */
int tui_layout_hit(const tui_rect *rects, int n, int x, int y);

#endif
