/*
 * util/color.c - the one conversion from theme and emulator colours to a
 * terminal's colour numbers (xterm's palette, nearest by RGB distance), and
 * the NO_COLOR convention. The console's themes and its panes both come
 * through here, so a colour looks the same wherever it is drawn.
 */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define DIRECT_COLORS (1L << 24)

void
util_palette_rgb(int i, unsigned char rgb[3])
{
	static const unsigned char ansi[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 },
		{ 229, 229, 229 }, { 127, 127, 127 }, { 255, 0, 0 },
		{ 0, 255, 0 }, { 255, 255, 0 }, { 92, 92, 255 },
		{ 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const unsigned char level[6] = { 0, 95, 135, 175, 215, 255 };

	if (i < 0)
		i = 0;
	if (i > 255)
		i = 255;
	if (i < 16) {
		memcpy(rgb, ansi[i], 3);
	} else if (i < 232) {
		i -= 16;
		rgb[0] = level[i / 36];
		rgb[1] = level[(i / 6) % 6];
		rgb[2] = level[i % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = (unsigned char)(8 + 10 * (i - 232));
	}
}

/* Nearest palette entry in [from, to) by squared RGB distance. */
static int
nearest(const unsigned char rgb[3], int from, int to)
{
	unsigned char p[3];
	long best_d = -1, d;
	int i, best = from, k;

	for (i = from; i < to; i++) {
		util_palette_rgb(i, p);
		for (d = 0, k = 0; k < 3; k++)
			d += (long)(p[k] - rgb[k]) * (p[k] - rgb[k]);
		if (best_d < 0 || d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

int
util_color_from_rgb(unsigned char r, unsigned char g, unsigned char b, int ncolors)
{
	unsigned char rgb[3] = { r, g, b };
	long v;

	if (ncolors <= 0)
		return -1;
	if (ncolors >= DIRECT_COLORS) {
		v = ((long)r << 16) | ((long)g << 8) | b;
		return v < 8 ? 8 : (int)v;      /* 0-7 would read as ANSI */
	}
	if (ncolors >= 256)
		return nearest(rgb, 16, 256);   /* the stable cube and greys */
	return nearest(rgb, 0, ncolors < 16 ? ncolors : 16);
}

int
util_color_from_index(int index, int ncolors)
{
	unsigned char rgb[3];

	if (ncolors <= 0 || index < 0)
		return -1;
	/* Direct-colour terminfo keeps only 0-7 as palette numbers. */
	if (index < (ncolors >= DIRECT_COLORS ? 8 : ncolors))
		return index;
	util_palette_rgb(index, rgb);
	return util_color_from_rgb(rgb[0], rgb[1], rgb[2], ncolors);
}

int
util_no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v != NULL && *v != '\0';
}
