/*
 * tui/term/term_sb.c - a pane's scrollback: a bounded ring of the lines that
 * scrolled off its screen, oldest dropped first. term.c pushes lines as
 * they leave the top of the screen, pops them back when the screen grows,
 * and reads cells for a scrolled-back view and search.
 *
 * Scrollback dominates a pane's memory (10,000 lines by default, times many
 * panes) and, in a flood, its time: a pane printing `yes` pushes and drops
 * millions of lines a second. So lines are stored compactly (trailing
 * blank cells dropped, 20-byte cells instead of tui_cell's 40, combining
 * marks after the line's cells) and not allocated one by one: they are
 * appended to blocks of cells, each block counting the lines still in it
 * and freed (or kept as the next block) when the last one goes. A push is
 * a copy into memory just written, a drop a decrement: no malloc, no free
 * of a line allocated long ago and long gone from the cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term_int.h"

typedef struct sbcell {
	uint32_t ch;            /* base character (0 empty), or a mark */
	uint16_t comb_off;      /* its marks: cells[ncells + comb_off ...] */
	uint8_t ncomb;
	uint8_t attrs;          /* TUI_ATTR_* (all fit in 8 bits) */
	uint8_t width;          /* 0 right half of a wide character, 1, 2 */
	tui_color fg, bg;
} sbcell;

/* Blocks start small (an idle pane keeps a few lines) and double. */
#define SB_BLOCK_MIN 128
#define SB_BLOCK_MAX 4096

typedef struct sbblock {
	int live;               /* lines stored here still in the ring */
	int used, size;         /* cells */
	sbcell cells[];
} sbblock;

typedef struct sbline {
	sbblock *block;
	int off;                /* first cell in the block */
	uint16_t ncells;        /* cells of the line; then its marks */
	uint16_t nslots;        /* cells + marks */
	uint8_t cont;           /* goes on from the line before (a soft wrap) */
} sbline;

struct tui_sb {
	sbline *slot;           /* ring of lines */
	int cap;                /* most lines kept */
	int alloc, head, count;
	sbblock *cur;           /* where new lines go */
	sbblock *spare;         /* an emptied block kept for reuse */
	int next_size;          /* of the next new block */
};

static const sbcell *
line_cells(const sbline *l)
{
	return &l->block->cells[l->off];
}

static sbline *
line_get(const tui_sb *sb, int i)
{
	return &sb->slot[(sb->head + i) % sb->alloc];
}

/* The line is gone from the ring: its block may go too. */
static void
line_release(tui_sb *sb, sbline *l)
{
	sbblock *b = l->block;

	if (b == NULL)
		return;
	l->block = NULL;
	if (--b->live > 0 || b == sb->cur)
		return;
	if (sb->spare == NULL && b->size == SB_BLOCK_MAX) {
		b->used = 0;
		sb->spare = b;
	} else
		free(b);
}

/* Room for n cells in the current block. */
static sbblock *
block_for(tui_sb *sb, int n)
{
	sbblock *b = sb->cur;
	int size;

	if (b != NULL && b->size - b->used >= n)
		return b;
	if (b != NULL && b->live == 0) {
		if (b->size >= n) {
			b->used = 0;    /* all its lines went: start over */
			return b;
		}
		free(b);
	}
	if (sb->spare != NULL && sb->spare->size >= n) {
		b = sb->spare;
		sb->spare = NULL;
	} else {
		size = sb->next_size > n ? sb->next_size : n;
		b = util_xrealloc(NULL, sizeof *b + (size_t)size * sizeof(sbcell));
		b->size = size;
		b->used = 0;
		b->live = 0;
		if (sb->next_size < SB_BLOCK_MAX)
			sb->next_size *= 2;
	}
	sb->cur = b;
	return b;
}

/* Shows nothing, so a run of them at the end need not be kept. */
static int
blank(const tui_cell *c)
{
	return c->nchars == 0 && c->width == 1 && c->bg.kind == TUI_COLOR_DEFAULT &&
	    (c->attrs & (TUI_ATTR_REVERSE | TUI_ATTR_UNDERLINE |
	    TUI_ATTR_STRIKE)) == 0;
}

tui_sb *
tui_sb_new(int cap)
{
	tui_sb *sb = util_xcalloc(1, sizeof *sb);

	sb->cap = cap > 0 ? cap : 0;
	sb->next_size = SB_BLOCK_MIN;
	return sb;
}

void
tui_sb_free(tui_sb *sb)
{
	int i;

	if (sb == NULL)
		return;
	for (i = 0; i < sb->count; i++)
		line_release(sb, line_get(sb, i));
	free(sb->cur);
	free(sb->spare);
	free(sb->slot);
	free(sb);
}

int
tui_sb_count(const tui_sb *sb)
{
	return sb->count;
}

int
tui_sb_cap(const tui_sb *sb)
{
	return sb->cap;
}

int
tui_sb_line_len(const tui_sb *sb, int line)
{
	return line >= 0 && line < sb->count ? line_get(sb, line)->ncells : 0;
}

int
tui_sb_cont(const tui_sb *sb, int line)
{
	return line >= 0 && line < sb->count ? line_get(sb, line)->cont : 0;
}

void
tui_sb_set_cap(tui_sb *sb, int cap)
{
	if (cap < 0)
		cap = 0;
	while (sb->count > cap) {
		line_release(sb, line_get(sb, 0));
		sb->head = sb->alloc > 0 ? (sb->head + 1) % sb->alloc : 0;
		sb->count--;
	}
	sb->cap = cap;
}

int
tui_sb_push(tui_sb *sb, const tui_cell *cells, int ncols, int cont)
{
	int n = ncols, i, j, ncomb = 0, dropped = 0;
	sbblock *b;
	sbcell *c;
	sbline *l;

	if (sb->cap == 0)
		return 0;
	while (n > 0 && blank(&cells[n - 1]))
		n--;
	if (n > UINT16_MAX / TUI_CELL_MAX_CHARS)
		n = UINT16_MAX / TUI_CELL_MAX_CHARS;
	for (i = 0; i < n; i++)
		if (cells[i].nchars > 1)
			ncomb += cells[i].nchars - 1;
	if (sb->count == sb->cap) {
		/* Full: the oldest line goes, its slot takes the new one. */
		line_release(sb, line_get(sb, 0));
		sb->head = (sb->head + 1) % sb->alloc;
		sb->count--;
		dropped = 1;
	} else if (sb->count == sb->alloc) {
		/* Not yet full, so the head is still slot 0: plain growth. */
		sb->alloc = sb->alloc ? sb->alloc * 2 : 64;
		if (sb->alloc > sb->cap)
			sb->alloc = sb->cap;
		sb->slot = util_xrealloc(sb->slot, (size_t)sb->alloc *
		    sizeof *sb->slot);
	}
	b = block_for(sb, n + ncomb);
	l = line_get(sb, sb->count);
	l->block = b;
	l->off = b->used;
	l->ncells = (uint16_t)n;
	l->nslots = (uint16_t)(n + ncomb);
	l->cont = cont != 0;
	b->used += n + ncomb;
	b->live++;
	sb->count++;

	c = &b->cells[l->off];
	ncomb = 0;
	for (i = 0; i < n; i++, c++) {
		const tui_cell *tc = &cells[i];

		c->ch = tc->nchars > 0 ? tc->chars[0] : 0;
		c->comb_off = (uint16_t)ncomb;
		c->ncomb = 0;
		c->attrs = (uint8_t)tc->attrs;
		c->width = tc->width;
		c->fg = tc->fg;
		c->bg = tc->bg;
		for (j = 1; j < tc->nchars; j++) {
			b->cells[l->off + n + ncomb].ch = tc->chars[j];
			ncomb++;
			c->ncomb++;
		}
	}
	return dropped;
}

int
tui_sb_cell(const tui_sb *sb, int line, int col, tui_cell *out)
{
	const sbline *l;
	const sbcell *c, *cells;
	int i;

	memset(out, 0, sizeof *out);
	out->width = 1;
	if (line < 0 || line >= sb->count || col < 0)
		return -1;
	l = line_get(sb, line);
	if (col >= l->ncells)
		return 0;
	cells = line_cells(l);
	c = &cells[col];
	out->attrs = c->attrs;
	out->fg = c->fg;
	out->bg = c->bg;
	out->width = c->width;
	if (c->ch == 0)
		return 0;
	out->chars[0] = c->ch;
	for (i = 0; i < c->ncomb && i + 1 < TUI_CELL_MAX_CHARS; i++)
		out->chars[i + 1] = cells[l->ncells + c->comb_off + i].ch;
	out->nchars = (uint8_t)(1 + i);
	return 0;
}

int
tui_sb_pop(tui_sb *sb, tui_cell *cells, int ncols, int *cont)
{
	sbline *l;
	int i;

	if (sb->count == 0)
		return 0;
	for (i = 0; i < ncols; i++)
		tui_sb_cell(sb, sb->count - 1, i, &cells[i]);
	l = line_get(sb, sb->count - 1);
	if (cont != NULL)
		*cont = l->cont;
	/* The newest line is the last thing in its block: give it back. */
	if (l->block == sb->cur && l->off + l->nslots == sb->cur->used)
		sb->cur->used = l->off;
	line_release(sb, l);
	sb->count--;
	return 1;
}
