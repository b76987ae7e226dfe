/*
 * tui/console/palette.c - colours on the operator's terminal: theme
 * elements to curses attributes, terminal cell colours to colour numbers
 * (util/color.c's conversion, the one the themes use too), and a cache of
 * (fg, bg) -> colour pair with extended pairs, never init_color. Owns the
 * pair cache and the mono decision (NO_COLOR, the mono theme, or a
 * terminal without colours).
 */
#include <string.h>

#include "tui/console/console.h"
#include "tui/console/provide_curses.h"

#define PAIR_SLOTS 4096

static struct {
	int fg, bg, pair;
} pairs[PAIR_SLOTS];
static int npairs_used;
static int mono;

static unsigned
slot_of(int fg, int bg)
{
	return ((unsigned)fg * 31u + (unsigned)bg * 7u + 17u) % PAIR_SLOTS;
}

int
tui_palette_pair(int fg, int bg)
{
	unsigned h = slot_of(fg, bg);
	int tries;

	if (fg == -1 && bg == -1)
		return 0;
	for (tries = 0; tries < PAIR_SLOTS; tries++, h = (h + 1) % PAIR_SLOTS) {
		if (pairs[h].pair == 0)
			break;
		if (pairs[h].fg == fg && pairs[h].bg == bg)
			return pairs[h].pair;
	}
	if (npairs_used + 1 >= COLOR_PAIRS - 1 || npairs_used + 1 >= PAIR_SLOTS / 2) {
		/* Full: start over (the next frame redraws everything anyway). */
		memset(pairs, 0, sizeof(pairs));
		npairs_used = 0;
		h = slot_of(fg, bg);
	}
	pairs[h].fg = fg;
	pairs[h].bg = bg;
	pairs[h].pair = ++npairs_used;
	init_extended_pair(pairs[h].pair, fg, bg);
	return pairs[h].pair;
}

int
tui_palette_color(const tui_color *c)
{
	switch (c->kind) {
	case TUI_COLOR_INDEXED:
		return util_color_from_index(c->index, COLORS);
	case TUI_COLOR_RGB:
		return util_color_from_rgb(c->r, c->g, c->b, COLORS);
	default:
		return -1;
	}
}

int
tui_palette_mono(void)
{
	return mono;
}

void
tui_palette_use(const tui_console *con, cfg_element el)
{
	static const struct {
		unsigned cfg;
		attr_t curses;
	} attrs[] = {
		{ CFG_ATTR_BOLD, A_BOLD }, { CFG_ATTR_UNDERLINE, A_UNDERLINE },
		{ CFG_ATTR_REVERSE, A_REVERSE }, { CFG_ATTR_DIM, A_DIM },
		{ CFG_ATTR_ITALIC, A_ITALIC }, { CFG_ATTR_BLINK, A_BLINK },
	};
	const cfg_style *s = cfg_theme_style(con->theme, el);
	attr_t a = A_NORMAL;
	int pair = 0;
	size_t i;

	for (i = 0; i < UTIL_NELEM(attrs); i++)
		if (s->attrs & attrs[i].cfg)
			a |= attrs[i].curses;
	if (has_colors() && !mono)
		pair = tui_palette_pair(cfg_color_index(&s->fg, COLORS),
		    cfg_color_index(&s->bg, COLORS));
	/* Extended pairs travel through the opts pointer. */
	attr_set(a, (short)0, &pair);
}

void
tui_draw_init(tui_console *con)
{
	int colors = has_colors() && !util_no_color();

	if (colors) {
		start_color();
		use_default_colors();
	}
	con->theme = colors ? con->cfg->theme : cfg_theme_monochrome();
	/* By name: a mono.ini loaded from disk is not the built-in object. */
	mono = !colors || strcmp(cfg_theme_name(con->theme), "mono") == 0;
	curs_set(0);
}
