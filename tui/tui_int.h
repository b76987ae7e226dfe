/*
 * tui/tui_int.h - shared inside tui/: the batch printers and the headless
 * /dev/tty prompter used by the CLI, and the console's layout arithmetic.
 */
#ifndef DROVER_TUI_INT_H
#define DROVER_TUI_INT_H

#include <stdint.h>

#include "engine/engine.h"
#include "tui/tui.h"

typedef enum { TUI_OUT_STREAM, TUI_OUT_GROUP, TUI_OUT_JSON } tui_out_mode;

typedef struct tui_batch_opts {
	tui_out_mode mode;
	const char *outdir;     /* raw per-host files, NULL for none */
	int color_out, color_err;
	int verbose;            /* a line per finished host */
	int quiet;              /* no summary */
} tui_batch_opts;

typedef struct tui_batch tui_batch;

tui_batch *tui_batch_new(const tui_batch_opts *o, size_t n, const char *const *names);
/* Creates the output directory; -1 with *cause on error. */
int tui_batch_prepare(tui_batch *b, char **cause);
void tui_batch_data(tui_batch *b, size_t host, int stream, const char *buf, size_t len);
void tui_batch_host_done(tui_batch *b, size_t host, const eng_fanout_host *h);
/* Grouped output (if any) and the summary; returns the exit code. */
int tui_batch_finish(tui_batch *b, const eng_fanout *f, uint64_t total_ms);
void tui_batch_free(tui_batch *b);

/* Headless prompts on /dev/tty with echo off; declines when there is none. */
typedef struct tui_ttyprompt tui_ttyprompt;
tui_ttyprompt *tui_ttyprompt_new(uv_loop_t *loop);
void tui_ttyprompt_ask(eng_conn *c, const eng_prompt *p, void *ud);
void tui_ttyprompt_cancel(eng_conn *c, void *ud);
void tui_ttyprompt_free(tui_ttyprompt *t);   /* restores the terminal */

/* ==== layout (tui/layout.c): pane geometry, pure arithmetic ============ */

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
/* ==== end of layout ===================================================== */

/* ==== console (tui/console*.c) ========================================== */

#include "config/config.h"
#include "tui/term.h"

typedef enum {
	TUI_PANE_CONNECTING, TUI_PANE_AUTH, TUI_PANE_READY, TUI_PANE_LOST,
	TUI_PANE_FAILED, TUI_PANE_CLOSED
} tui_pane_state;

typedef struct tui_console tui_console;

typedef struct tui_pane {
	tui_console *con;
	char *name;
	cfg_host host;              /* resolved target (owned) */
	eng_conn *c;
	eng_exec *x;
	tui_term *term;
	tui_pane_state st;
	char *why;                  /* failure / loss reason, raw */
	int armed;
	int color;                  /* host colour slot */
	tui_rect rect, inner;
	int title_dirty;
	int zombie;                 /* closed by the user, engine still winding down */
	tui_buf inq;                /* remote output not yet fed to the emulator */
	size_t inq_off;
	int paused;                 /* its exec is paused (inq too full) */
	uint64_t echo_until;        /* uv_now before which output is a typed key's echo */
	struct tui_pane *next_zombie;
	/* Automatic reconnect (console.c): */
	int had_session;            /* was ready once: failing now is "lost" */
	int attempts;               /* failures in a row (the backoff's exponent) */
	int retry_marked;           /* "[drover: reconnecting]" already in the pane */
	uint64_t ready_at;          /* uv_now when it last became ready, 0: not since */
	uint64_t retry_at;          /* uv_now of the next automatic attempt, 0: none */
} tui_pane;

typedef struct tui_dialog {
	eng_conn *c;                /* NULL: a console question (add host, run) */
	eng_prompt_kind kind;
	int console_kind;           /* TUI_ASK_* when c == NULL */
	char *title, *text, *detail;
	int echo;
	char input[512];
	size_t len;
	struct tui_dialog *next;
} tui_dialog;

enum { TUI_ASK_NONE, TUI_ASK_ADD, TUI_ASK_RUN, TUI_ASK_ARM, TUI_ASK_SEARCH };

typedef struct tui_board tui_board;

struct tui_console {
	uv_loop_t *loop;
	eng_ctx *ctx;
	cfg_inventory *inv;
	cfg_console *cfg;
	const cfg_theme *theme;
	char *ssh_config;
	int accept_new;
	tui_pane **panes;
	int npanes;
	int focus;
	tui_pane *zombies;
	tui_layout_kind layout;
	int zoom;                   /* pane index or -1 */
	int broadcast;
	int prefix;                 /* the prefix key was just pressed */
	int scroll_mode;
	int sidebar, sidebar_sel;
	int compact, compact_sel;
	int help;
	tui_dialog *dialogs;
	tui_board *board;
	char *search;
	char status[256];
	uint64_t status_until;
	int rows, cols;
	int layout_dirty, full_dirty;
	uv_poll_t in;
	uv_signal_t winch, sigterm, sighup;
	uv_timer_t frame;
	uv_idle_t feeder;           /* feeds emulators on a time budget */
	uv_timer_t retry;           /* next reconnect or countdown second, any pane */
	uint32_t rng;               /* backoff jitter */
	int feeding, feed_rr;
	int frame_pending;
	uint64_t last_frame;
	int quit;
};

/* console.c */
void tui_console_dirty(tui_console *con);           /* schedule a frame */
void tui_console_flash(tui_console *con, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int tui_console_add_targets(tui_console *con, const char *expr);
void tui_console_close_pane(tui_console *con, int idx);
/* Reconnects a lost / failed pane now (also cutting short a backoff wait). */
void tui_console_reconnect(tui_console *con, tui_pane *p);
void tui_console_ask(tui_console *con, int kind, const char *title, const char *text);
void tui_console_relayout(tui_console *con);
tui_pane **tui_console_targets(tui_console *con, int *n); /* broadcast set, malloc'd */
void tui_host_copy(cfg_host *dst, const cfg_host *src);   /* deep */
void tui_host_clear(cfg_host *h);
void tui_dialog_free(tui_dialog *d);

/* console_draw.c */
void tui_draw_init(tui_console *con);
void tui_draw_frame(tui_console *con);
/*
 * Remote or local text at (y, x), sanitised (control and escape bytes shown
 * escaped), cut to at most w columns; returns the columns used.
 */
int tui_draw_text(int y, int x, int w, const char *s, size_t len);

/* console_input.c */
void tui_input_key(tui_console *con, int key, int mods, uint32_t ch);
void tui_input_mouse(tui_console *con, int x, int y, int button);
void tui_input_paste(tui_console *con, const char *text, size_t len);

/* board.c: the fan-out results board */
tui_board *tui_board_new(tui_console *con, const char *command, tui_pane **targets, int n);
void tui_board_free(tui_board *b);
void tui_board_draw(tui_board *b, tui_rect area);
/* Returns 1 if the key was used. */
int tui_board_key(tui_board *b, int key, int mods, uint32_t ch);

/* ==== end of console ==================================================== */

/* ==== pane emulator internals (tui/term_sb.c, tui/term_guard.c) =========
 * Used by tui/term.c only; vterm-free so that term.c stays the one file
 * that includes <vterm.h>.
 */

#include "tui/term.h"

/* term_sb.c: a bounded ring of scrolled-off lines, oldest dropped first. */
typedef struct tui_sb tui_sb;

tui_sb *tui_sb_new(int max_lines);         /* max_lines <= 0: keeps none */
void tui_sb_free(tui_sb *sb);
int tui_sb_count(const tui_sb *sb);
/*
 * Appends a line (trailing blank cells are not stored). Returns 1 if the
 * ring was full and its oldest line went, 0 otherwise.
 */
int tui_sb_push(tui_sb *sb, const tui_cell *cells, int ncols);
/* Cell col of line (0 = oldest); past a line's end: blank. -1 if no line. */
int tui_sb_cell(const tui_sb *sb, int line, int col, tui_cell *out);
/* Removes the newest line into cells[0..ncols-1]; 0 if the ring is empty. */
int tui_sb_pop(tui_sb *sb, tui_cell *cells, int ncols);

/*
 * term_grid.c: the cells of one screen buffer, filled by term.c from
 * libvterm's state callbacks. Rows are line pointers (a scroll moves
 * pointers); a line's cells past len read as its fill.
 */
/* malloc that never returns NULL: out of memory ends the program. */
void *tui_xrealloc(void *p, size_t size);
void *tui_xcalloc(size_t n, size_t size);

/* Internal attribute bit: written while DECSCA protection was on. */
#define TUI_ATTR__PROTECTED (1u << 15)

typedef struct tui_line {
	int len;                /* cells[0 .. len-1] were written */
	int cap;                /* room in cells[] */
	tui_cell fill;          /* what cells len .. cols-1 read as */
	tui_cell cells[];
} tui_line;

typedef struct tui_grid {
	int rows, cols;
	tui_line **line;        /* rows of them, top first */
} tui_grid;

void tui_grid_init(tui_grid *g, int rows, int cols, const tui_cell *fill);
void tui_grid_done(tui_grid *g);
/* Keeps the top-left part; new lines read as fill. */
void tui_grid_resize(tui_grid *g, int rows, int cols, const tui_cell *fill);
/* A glyph (0-terminated chars, width 1 or 2) at row/col in pen's style. */
void tui_grid_put(tui_grid *g, int row, int col, const uint32_t *chars,
    int width, const tui_cell *pen);
/* Cells [start, end) of row go blank in pen's colours; selective spares
 * protected cells. */
void tui_grid_erase(tui_grid *g, int row, int start, int end,
    const tui_cell *pen, int selective);
/*
 * Full-width rows [top, bottom) scroll up by n lines (n > 0) or down by -n;
 * the lines that come in are blank in pen's colours. When scrolling up,
 * gone (if not NULL) sees each line that leaves, top first, before reuse.
 */
void tui_grid_scroll(tui_grid *g, int top, int bottom, int n,
    const tui_cell *pen, void (*gone)(const tui_line *l, int cols, void *ud),
    void *ud);
/* Moves a rectangle by down/right and erases what it left (ICH, DCH...). */
void tui_grid_move_rect(tui_grid *g, int r0, int r1, int c0, int c1, int down,
    int right, const tui_cell *pen);
/* The cell at row/col (both in range). */
const tui_cell *tui_grid_at(const tui_grid *g, int row, int col);
/* Row becomes cells[0 .. n-1], the rest fill (lines back from scrollback). */
void tui_grid_set_row(tui_grid *g, int row, const tui_cell *cells, int n,
    const tui_cell *fill);

/*
 * term_guard.c: the filter remote bytes pass on their way into libvterm
 * 0.1.4, keeping away input that crashes or hangs it (see the file). What
 * passes goes to sink, in order, in pieces of at most 4096 bytes.
 */
typedef struct tui_guard tui_guard;

tui_guard *tui_guard_new(void (*sink)(const char *bytes, size_t len, void *ud),
    void *ud);
void tui_guard_free(tui_guard *g);
/* cols: the emulator's width now (bounds a repeat). */
void tui_guard_feed(tui_guard *g, const char *bytes, size_t len, int cols);
/*
 * Someone else wrote complete sequences to libvterm (term.c after a
 * resize): its parser is in the ground state again, whatever the host had
 * half-sent.
 */
void tui_guard_ground(tui_guard *g);
/* ==== end of pane emulator internals ==================================== */

#endif
