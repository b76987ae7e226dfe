/*
 * tui/term/term_int.h - the pane emulator's insides, shared by the files of
 * tui/term/ only: the emulator object (term.c, term_view.c), the
 * scrollback ring (term_sb.c), the screen cells (term_grid.c) and the input
 * guard (term_guard.c). The one header that includes <vterm.h>: nothing
 * outside tui/term/ includes this.
 */
#ifndef DROVER_TUI_TERM_INT_H
#define DROVER_TUI_TERM_INT_H

#include <stddef.h>
#include <stdint.h>

#include <vterm.h>

#include "tui/term/term.h"
#include "util/util.h"

/* term_sb.c: a bounded ring of scrolled-off lines, oldest dropped first. */
typedef struct tui_sb tui_sb;

tui_sb *tui_sb_new(int max_lines);         /* max_lines <= 0: keeps none */
void tui_sb_free(tui_sb *sb);
int tui_sb_count(const tui_sb *sb);
/*
 * Appends a line (trailing blank cells are not stored); cont: it goes on
 * from the line before (a soft wrap, undone by a reflow). Returns 1 if the
 * ring was full and its oldest line went, 0 otherwise.
 */
int tui_sb_push(tui_sb *sb, const tui_cell *cells, int ncols, int cont);
/* Cell col of line (0 = oldest); past a line's end: blank. -1 if no line. */
int tui_sb_cell(const tui_sb *sb, int line, int col, tui_cell *out);
/* Cells stored for line (the rest read blank); its soft-wrap flag. */
int tui_sb_line_len(const tui_sb *sb, int line);
int tui_sb_cont(const tui_sb *sb, int line);
/*
 * Removes the newest line into cells[0..ncols-1] (its flag in *cont if not
 * NULL); 0 if the ring is empty.
 */
int tui_sb_pop(tui_sb *sb, tui_cell *cells, int ncols, int *cont);
/* Most lines kept; a lower cap drops the oldest lines beyond it. */
int tui_sb_cap(const tui_sb *sb);
void tui_sb_set_cap(tui_sb *sb, int cap);

/*
 * term_grid.c: the cells of one screen buffer, filled by term.c from
 * libvterm's state callbacks. Rows are line pointers (a scroll moves
 * pointers); a line's cells past len read as its fill.
 */

/* Internal attribute bit: written while DECSCA protection was on. */
#define TUI_ATTR__PROTECTED (1u << 15)

typedef struct tui_line {
	int len;                /* cells[0 .. len-1] were written */
	int cap;                /* room in cells[] */
	/*
	 * It goes on from the line before: the host's text ran past the right
	 * edge (a soft wrap). Cleared when either side of the wrap is erased.
	 */
	int cont;
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
    const tui_cell *fill, int cont);

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

/* ---- the emulator (term.c), read by term_view.c ---- */

/* Sanity bounds: a pane larger than this is a bug, not a terminal. */
#define TERM_MAX_ROWS 1024
#define TERM_MAX_COLS 4096
/*
 * libvterm 0.1.4 writes the right half of a wide character without checking
 * the edge: one emoji crashes a 1-column VTerm. The VTerm is never narrower
 * than this; a narrower pane shows its first columns.
 */
#define VTERM_MIN_COLS 2
/*
 * libvterm 0.1.4 decodes text into a stack array as long as the rest of the
 * buffer handed to vterm_input_write (a VLA): big writes could overflow the
 * stack, so input goes in slices of at most this many bytes.
 */
#define VTERM_MAX_WRITE 4096
/* Titles are for a pane's border; longer ones are cut (bytes). */
#define TERM_MAX_TITLE 1024

struct tui_term {
	VTerm *vt;
	VTermState *state;
	tui_term_cbs cbs;
	void *ud;
	int rows, cols;         /* the pane */
	int vcols;              /* the emulated width, >= VTERM_MIN_COLS */

	tui_grid grid[2];       /* primary, alternate (allocated on first use) */
	int alt;                /* the alternate screen is shown */
	tui_cell pen;           /* current attributes and colours, as a blank */
	int reverse;            /* DECSCNM: the whole screen in reverse video */

	tui_sb *sb;             /* scrollback ring (term_sb.c) */
	tui_cell *scratch;      /* one row, for the scrollback */
	int scratch_len;
	int offset;             /* view offset, 0 = live screen */

	/*
	 * The row whose right edge the last glyph reached (or came within a
	 * column of, where a wide character cannot fit) until the cursor
	 * moves, -1 none: where a soft wrap would come from. wrap_end: the
	 * column after that glyph.
	 */
	int wrap_row, wrap_end;
	int resize_row, resize_col;   /* the cursor after a resize */

	unsigned char *dirty;   /* per view row */
	int cursor_visible;
	char *title;
	unsigned long bells;

	tui_guard *guard;       /* remote bytes pass it first */

	/* Paste probe: counts the bytes vterm_keyboard_start_paste emits. */
	int probing;
	size_t probed;
};

void tui__term_mark_all(tui_term *t);
/* What libvterm sends to the host (answers, keys, pastes): the pane's on_output. */
void tui__term_output(const char *s, size_t len, void *user);
/*
 * term_reflow.c: the primary screen and the scrollback re-wrapped for a new
 * width (soft-wrapped lines joined and cut again), during on_resize; the
 * cursor (t->resize_row/col on entry) follows its character.
 */
void tui__term_reflow(tui_term *t, int rows, int cols);
void tui__term_blank_cell(tui_cell *out);
/* Cell col of history line `line` (see term.h); -1 outside. */
int tui__term_history_cell(tui_term *t, int line, int col, tui_cell *out);

#endif
