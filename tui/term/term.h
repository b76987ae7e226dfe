/*
 * tui/term/term.h - the terminal emulator of one shell pane: remote bytes in,
 * cells, damage, cursor and scrollback out; keys and pastes in, bytes for
 * that pane's host out. Built on libvterm, which only term.c sees: nothing
 * here exposes a vterm type, so the renderer and the console stay free of
 * it.
 *
 * Coordinates. Screen rows and columns are 0-based, row 0 at the top.
 * "View" rows are what the renderer draws: with a view offset k > 0 (the
 * user scrolled back k lines), view row r shows history line
 * (sb_lines - k + r), see below; with k == 0 the view is the screen.
 *
 * History lines (search, tui_term_line_text, tui_term_scroll_to) number the
 * retained scrollback and the screen as one sequence:
 *     0 .. sb_lines-1                 scrollback, oldest first
 *     sb_lines .. sb_lines+rows-1     screen rows 0 .. rows-1
 * where sb_lines = tui_term_sb_lines(). The numbers move: every line that
 * scrolls off the screen adds one to sb_lines (the screen's numbers grow),
 * and once the ring is full the oldest line drops (every number shrinks by
 * one). Use them right after asking, within one loop turn.
 *
 * Safety. Nothing the remote sends is passed on: titles are stored (raw,
 * the caller sanitises before showing), OSC 52 clipboard and other unknown
 * OSC/DCS strings are dropped, the bell is counted. Answers to device
 * queries (DA, DSR, cursor position) go to cbs->on_output, i.e. only to this
 * pane's own host.
 */
#ifndef DROVER_TUI_TERM_H
#define DROVER_TUI_TERM_H

#include <stddef.h>
#include <stdint.h>

typedef struct tui_term tui_term;

typedef struct tui_term_cbs {
	/*
	 * Bytes for this pane's host: keyboard encoding, pastes, answers to
	 * device queries. Called synchronously from tui_term_feed (answers)
	 * and the input functions; must not call back into this tui_term.
	 */
	void (*on_output)(const char *bytes, size_t len, void *ud);
	/* The remote rang the bell (BEL). Optional. */
	void (*on_bell)(void *ud);
	/* The remote set the window title (OSC 0/2); raw, read it with
	 * tui_term_title(). Optional. */
	void (*on_title)(void *ud);
} tui_term_cbs;

/* Most code points in one cell: a base character and combining marks. */
#define TUI_CELL_MAX_CHARS 6

typedef enum {
	TUI_COLOR_DEFAULT,      /* the outer terminal's default fg / bg */
	TUI_COLOR_INDEXED,      /* index: 0-7 ANSI, 8-15 bright, 16-255 xterm */
	TUI_COLOR_RGB           /* r, g, b: direct colour (38;2;r;g;b) */
} tui_color_kind;

typedef struct tui_color {
	uint8_t kind;           /* tui_color_kind */
	uint8_t index;
	uint8_t r, g, b;
} tui_color;

enum {
	TUI_ATTR_BOLD = 1 << 0,
	TUI_ATTR_UNDERLINE = 1 << 1,
	TUI_ATTR_ITALIC = 1 << 2,
	TUI_ATTR_BLINK = 1 << 3,
	TUI_ATTR_REVERSE = 1 << 4,
	TUI_ATTR_STRIKE = 1 << 5,
	TUI_ATTR_DIM = 1 << 6   /* SGR 2: libvterm 0.1.4 ignores it, never set */
};

typedef struct tui_cell {
	/*
	 * nchars code points (base first, then combining marks); the rest
	 * are 0. nchars == 0: an empty cell, draw a space.
	 */
	uint32_t chars[TUI_CELL_MAX_CHARS];
	uint8_t nchars;
	/*
	 * 1 normal, 2 the left half of a wide character (CJK, emoji),
	 * 0 the right half of one: draw nothing there.
	 */
	uint8_t width;
	uint16_t attrs;         /* TUI_ATTR_* */
	tui_color fg, bg;
} tui_cell;

/* Special keys for tui_term_key(). Printable input goes to tui_term_char. */
typedef enum {
	TUI_KEY_NONE,
	TUI_KEY_ENTER,
	TUI_KEY_TAB,
	TUI_KEY_BACKSPACE,
	TUI_KEY_ESC,
	TUI_KEY_UP,
	TUI_KEY_DOWN,
	TUI_KEY_LEFT,
	TUI_KEY_RIGHT,
	TUI_KEY_INS,
	TUI_KEY_DEL,
	TUI_KEY_HOME,
	TUI_KEY_END,
	TUI_KEY_PGUP,
	TUI_KEY_PGDN,
	TUI_KEY_F1,             /* F1 .. F12 are consecutive */
	TUI_KEY_F12 = TUI_KEY_F1 + 11,
	TUI_KEY__COUNT
} tui_key;

/* Modifier bits; the same values as CFG_MOD_* in config/config.h. */
enum {
	TUI_MOD_SHIFT = 1 << 0,
	TUI_MOD_ALT = 1 << 1,
	TUI_MOD_CTRL = 1 << 2
};

/*
 * A rows x cols emulator keeping at most scrollback_lines lines that
 * scrolled off the top (0: none). Sizes below 1 are raised to 1. cbs is
 * copied; on_output may be NULL (output is then dropped).
 */
tui_term *tui_term_new(int rows, int cols, int scrollback_lines,
    const tui_term_cbs *cbs, void *ud);
void tui_term_free(tui_term *t);

/*
 * Remote output, any amount, split anywhere. Marks damaged rows dirty; may
 * call on_output (answers). It first passes an input guard that keeps
 * libvterm 0.1.4 from crashing or hanging on hostile input (term_guard.c):
 * UTF-8 C1 controls become U+FFFD, a CSI with more than 16 parameters is
 * dropped, REP (CSI n b) repeats the last character like printing it
 * (wrapping, as xterm does), and a restored cursor is kept on screen.
 */
void tui_term_feed(tui_term *t, const char *bytes, size_t len);

/*
 * New size. rows or cols below 1 are ignored (returns 0): a 0-sized pane
 * must never reach the emulator or the remote. Returns 1 if the size
 * changed (then every row is dirty and the caller should send a
 * window-change to the host), 0 otherwise. Scroll margins are reset and the
 * cursor kept on screen, as xterm and tmux do. A 1-column pane is emulated
 * 2 wide (libvterm needs room for a wide character) and shows column 0.
 */
int tui_term_resize(tui_term *t, int rows, int cols);
void tui_term_size(const tui_term *t, int *rows, int *cols);

/*
 * The cell at view row/col (see the top comment: the scrollback view offset
 * applies). Returns 0, or -1 (and a blank *out) outside the view.
 * Scrollback lines narrower than the view read as blank past their end; a
 * wide character whose right half would fall off the view (a line kept
 * from a wider screen) reads as a blank cell of width 1, so a renderer
 * that draws width-2 cells never spills into the next pane.
 */
int tui_term_cell(tui_term *t, int row, int col, tui_cell *out);

/*
 * Copies the dirty flags of the view rows into rows_out (one byte per view
 * row, 1 = redraw) and clears them. Returns 1 if any row was dirty.
 */
int tui_term_take_dirty(tui_term *t, unsigned char *rows_out);
/* Marks every row dirty (e.g. after the pane was covered). */
void tui_term_touch(tui_term *t);

/*
 * Cursor in view coordinates. *visible is 0 when the application hid it
 * (DECTCEM) or the view is scrolled back far enough to hide its row.
 */
void tui_term_cursor(const tui_term *t, int *row, int *col, int *visible);
/* 1 while the alternate screen (vim, less, top) is active. */
int tui_term_altscreen(const tui_term *t);
/* Last title set by the remote, raw (untrusted) UTF-8; "" if none. */
const char *tui_term_title(const tui_term *t);
/* Bells rung since tui_term_new. */
unsigned long tui_term_bells(const tui_term *t);

/*
 * Scrollback view. delta > 0 scrolls back (older lines), < 0 forward; the
 * offset stays within 0 .. sb_lines. Returns the new offset. While the view
 * is scrolled back it stays on the same text as new output arrives (until
 * that text leaves the ring). reset returns to the live screen.
 */
int tui_term_scroll(tui_term *t, int delta);
void tui_term_scroll_reset(tui_term *t);
int tui_term_view_offset(const tui_term *t);
/* Lines held in the scrollback ring now. */
int tui_term_sb_lines(const tui_term *t);
/* sb_lines + rows: history lines 0 .. this-1 exist. */
int tui_term_history_lines(const tui_term *t);
/*
 * Scrolls the view so that history line `line` is visible (on the top row
 * when it lies in the scrollback); returns the new offset, or -1 if there
 * is no such line.
 */
int tui_term_scroll_to(tui_term *t, int line);

/*
 * Text of one history line as malloc'd UTF-8, trailing blanks removed, the
 * right halves of wide characters skipped. NULL if no such line.
 */
char *tui_term_line_text(tui_term *t, int line);

/*
 * Finds needle (UTF-8, case-sensitive, within one line) in the history.
 * Forward from from_line (inclusive) towards newer lines, or backwards
 * towards older ones. from_line < 0 means "from the newest line" when
 * backwards, "from the oldest" otherwise; past the end it is clamped.
 * Returns a history line number or -1. An empty needle never matches.
 */
int tui_term_search(tui_term *t, const char *needle, int from_line, int backwards);

/*
 * Input, encoded by libvterm's keyboard encoder with this pane's modes
 * (application cursor keys, newline mode, bracketed paste), delivered via
 * on_output.
 *
 * tui_term_key: a TUI_KEY_* with TUI_MOD_* bits. tui_term_char: a Unicode
 * code point; raw control characters (0x01-0x1f, 0x7f) with no modifiers
 * are sent as they are, and Ctrl+letter / Ctrl+@[\]^_ / Ctrl+Space become
 * the C0 byte a terminal sends (prefixed by ESC with Alt).
 */
void tui_term_key(tui_term *t, int key, int mods);
void tui_term_char(tui_term *t, uint32_t codepoint, int mods);
/*
 * Pastes text. Line breaks (\r\n, \n) are sent as \r like a terminal does.
 * When the application enabled bracketed paste (ESC[?2004h) the text is
 * wrapped in ESC[200~ ... ESC[201~, and ESC bytes inside it are dropped so
 * that pasted text can never end the bracket early and run as keystrokes.
 */
void tui_term_paste(tui_term *t, const char *utf8, size_t len);

#endif
