/*
 * tui/term_sb.c - a pane's scrollback: a bounded ring of the lines that
 * scrolled off its screen, oldest dropped first. term.c pushes lines as
 * libvterm hands them over (sb_pushline), pops them back when the screen
 * grows (sb_popline), and reads cells for a scrolled-back view and search.
 *
 * Scrollback dominates a pane's memory (10,000 lines by default, times many
 * panes), so lines are stored compactly: trailing blank cells are dropped,
 * cells are 20 bytes instead of tui_cell's 40, combining marks (rare) live
 * in a per-line pool, and the slot array grows only as lines arrive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui_int.h"

typedef struct sbcell {
	uint32_t ch;            /* base character, 0 empty */
	uint16_t comb_off;      /* first combining mark in the line's pool */
	uint8_t ncomb;
	uint8_t attrs;          /* TUI_ATTR_* (all fit in 8 bits) */
	uint8_t width;          /* 0 right half of a wide character, 1, 2 */
	tui_color fg, bg;
} sbcell;

typedef struct sbline {
	int ncells;
	uint32_t *comb;         /* combining marks, NULL if none */
	sbcell cells[];
} sbline;

struct tui_sb {
	sbline **slot;
	int cap;                /* most lines kept */
	int alloc, head, count;
};

static void
line_free(sbline *l)
{
	if (l != NULL)
		free(l->comb);
	free(l);
}

static sbline *
line_get(const tui_sb *sb, int i)
{
	return sb->slot[(sb->head + i) % sb->alloc];
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
	tui_sb *sb = tui_xrealloc(NULL, sizeof *sb);

	memset(sb, 0, sizeof *sb);
	sb->cap = cap > 0 ? cap : 0;
	return sb;
}

void
tui_sb_free(tui_sb *sb)
{
	int i;

	if (sb == NULL)
		return;
	for (i = 0; i < sb->count; i++)
		line_free(line_get(sb, i));
	free(sb->slot);
	free(sb);
}

int
tui_sb_count(const tui_sb *sb)
{
	return sb->count;
}

int
tui_sb_push(tui_sb *sb, const tui_cell *cells, int ncols)
{
	int n = ncols, i, j, ncomb = 0;
	sbline *l;

	if (sb->cap == 0)
		return 0;
	while (n > 0 && blank(&cells[n - 1]))
		n--;
	l = tui_xrealloc(NULL, sizeof *l + (size_t)n * sizeof(sbcell));
	memset(l, 0, sizeof *l + (size_t)n * sizeof(sbcell));
	l->ncells = n;
	for (i = 0; i < n; i++) {
		const tui_cell *tc = &cells[i];
		sbcell *c = &l->cells[i];

		c->attrs = (uint8_t)tc->attrs;
		c->width = tc->width;
		c->fg = tc->fg;
		c->bg = tc->bg;
		if (tc->nchars == 0)
			continue;
		c->ch = tc->chars[0];
		c->comb_off = (uint16_t)ncomb;
		for (j = 1; j < tc->nchars; j++) {
			l->comb = tui_xrealloc(l->comb, (size_t)(ncomb + 1) *
			    sizeof *l->comb);
			l->comb[ncomb++] = tc->chars[j];
			c->ncomb++;
		}
	}
	if (sb->count == sb->cap) {
		/* Full: the oldest line goes. */
		line_free(sb->slot[sb->head]);
		sb->slot[sb->head] = l;
		sb->head = (sb->head + 1) % sb->alloc;
		return 1;
	}
	if (sb->count == sb->alloc) {
		/* Not yet full, so the head is still slot 0: plain growth. */
		sb->alloc = sb->alloc ? sb->alloc * 2 : 64;
		if (sb->alloc > sb->cap)
			sb->alloc = sb->cap;
		sb->slot = tui_xrealloc(sb->slot, (size_t)sb->alloc * sizeof *sb->slot);
	}
	sb->slot[(sb->head + sb->count) % sb->alloc] = l;
	sb->count++;
	return 0;
}

int
tui_sb_cell(const tui_sb *sb, int line, int col, tui_cell *out)
{
	const sbline *l;
	const sbcell *c;
	int i;

	memset(out, 0, sizeof *out);
	out->width = 1;
	if (line < 0 || line >= sb->count || col < 0)
		return -1;
	l = line_get(sb, line);
	if (col >= l->ncells)
		return 0;
	c = &l->cells[col];
	out->attrs = c->attrs;
	out->fg = c->fg;
	out->bg = c->bg;
	out->width = c->width;
	if (c->ch == 0)
		return 0;
	out->chars[0] = c->ch;
	for (i = 0; i < c->ncomb && i + 1 < TUI_CELL_MAX_CHARS; i++)
		out->chars[i + 1] = l->comb[c->comb_off + i];
	out->nchars = (uint8_t)(1 + i);
	return 0;
}

int
tui_sb_pop(tui_sb *sb, tui_cell *cells, int ncols)
{
	int i, last;

	if (sb->count == 0)
		return 0;
	last = sb->count - 1;
	for (i = 0; i < ncols; i++)
		tui_sb_cell(sb, last, i, &cells[i]);
	line_free(line_get(sb, last));
	sb->slot[(sb->head + last) % sb->alloc] = NULL;
	sb->count--;
	return 1;
}
