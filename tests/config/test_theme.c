/*
 * tests/config/test_theme.c - themes (config/theme.c): the three shipped
 * themes load and the built-ins match their files, colours / attributes /
 * inheritance mean what the header says, bad files fail with exact
 * "file:line: message" errors, lookup by name, and colour numbers for
 * terminals of 8, 16, 256 and 2^24 colours.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "config/config.h"

TestSuite(theme, .init = tdir_setup, .fini = tdir_teardown);

/* The source tree's themes/: $DROVER_SRC (ctest sets it) or from here. */
static const char *
themes_dir(void)
{
	static char dir[PATH_MAX];
	const char *src = getenv("DROVER_SRC");
	const char *slash;

	if (src != NULL && *src != '\0') {
		snprintf(dir, sizeof dir, "%s/themes", src);
	} else {
		/* __FILE__ is .../tests/config/test_theme.c */
		slash = strstr(__FILE__, "/tests/config/");
		cr_assert_not_null(slash, "set DROVER_SRC");
		snprintf(dir, sizeof dir, "%.*s/themes", (int)(slash - __FILE__),
		    __FILE__);
	}
	return dir;
}

static cfg_theme *
load_shipped(const char *name)
{
	char *path = NULL;
	cfg_theme *t = NULL;
	char *cause = NULL;

	cr_assert(asprintf(&path, "%s/%s.ini", themes_dir(), name) > 0);
	cr_assert_eq(cfg_theme_load(path, &t, &cause), 0, "%s: %s", path,
	    cause ? cause : "?");
	cr_assert_not_null(t);
	free(path);
	return t;
}

static cfg_theme *
tload_theme(const char *text)
{
	cfg_theme *t = NULL;
	char *cause = NULL;

	cr_assert_eq(cfg_theme_load(twrite("t.ini", text), &t, &cause), 0,
	    "load failed: %s", cause ? cause : "?");
	return t;
}

/* The error for text, with the file's path replaced by "FILE". */
static char *
terr(const char *text)
{
	const char *path = twrite("t.ini", text);
	cfg_theme *t = (cfg_theme *)1;
	char *cause = NULL, *msg;
	size_t plen = strlen(path);

	cr_assert_eq(cfg_theme_load(path, &t, &cause), -1, "loaded: %s", text);
	cr_assert_null(t);
	cr_assert_not_null(cause);
	cr_assert_eq(strncmp(cause, path, plen), 0, "'%s' lacks the path", cause);
	msg = malloc(strlen(cause) + 8);
	cr_assert_not_null(msg);
	sprintf(msg, "FILE%s", cause + plen);
	free(cause);
	return msg;
}

#define ERR_IS(text, want) do { \
	char *m_ = terr(text); \
	cr_assert_str_eq(m_, (want)); \
	free(m_); \
} while (0)

static int
same_color(const cfg_color *a, const cfg_color *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == CFG_COLOR_INDEXED)
		return a->index == b->index;
	if (a->kind == CFG_COLOR_RGB)
		return a->r == b->r && a->g == b->g && a->b == b->b;
	return 1;
}

static void
assert_same_theme(const cfg_theme *a, const cfg_theme *b)
{
	int el;

	for (el = 0; el < CFG_EL_COUNT; el++) {
		const cfg_style *x = cfg_theme_style(a, (cfg_element)el);
		const cfg_style *y = cfg_theme_style(b, (cfg_element)el);

		cr_assert(same_color(&x->fg, &y->fg) && same_color(&x->bg, &y->bg)
		    && x->attrs == y->attrs, "element %s differs",
		    cfg_element_name((cfg_element)el));
	}
}

static void
assert_indexed(const cfg_color *c, int index)
{
	cr_assert_eq(c->kind, CFG_COLOR_INDEXED);
	cr_assert_eq(c->index, index, "index %d, want %d", c->index, index);
}

/* ---- shipped themes ------------------------------------------------ */

Test(theme, shipped_themes_load)
{
	cfg_theme *d = load_shipped("default");
	cfg_theme *l = load_shipped("light");
	cfg_theme *m = load_shipped("mono");
	int el, colours = 0;

	cr_assert_str_eq(cfg_theme_name(d), "default");
	cr_assert_str_eq(cfg_theme_name(l), "light");
	cr_assert_str_eq(cfg_theme_name(m), "mono");

	/* The files and the built-ins are the same data. */
	assert_same_theme(d, cfg_theme_default());
	assert_same_theme(m, cfg_theme_monochrome());

	for (el = 0; el < CFG_EL_COUNT; el++) {
		const cfg_style *s = cfg_theme_style(m, (cfg_element)el);

		cr_assert_eq(s->fg.kind, CFG_COLOR_DEFAULT, "mono %s has a colour",
		    cfg_element_name((cfg_element)el));
		cr_assert_eq(s->bg.kind, CFG_COLOR_DEFAULT);
		s = cfg_theme_style(l, (cfg_element)el);
		colours += s->fg.kind != CFG_COLOR_DEFAULT;
	}
	cr_assert_gt(colours, CFG_EL_COUNT / 2, "light is a colour theme");

	/* A few facts of each. */
	assert_indexed(&cfg_theme_style(d, CFG_EL_PANE_BORDER)->fg, 240);
	assert_indexed(&cfg_theme_style(d, CFG_EL_PANE_BORDER_FOCUS)->fg, 6);
	cr_assert_eq(cfg_theme_style(d, CFG_EL_PANE_BORDER_FOCUS)->attrs,
	    CFG_ATTR_BOLD);
	assert_indexed(&cfg_theme_style(d, CFG_EL_STATUS_ERR)->fg, 9);
	/* status.ok sets only fg: bg comes from status.bar. */
	assert_indexed(&cfg_theme_style(d, CFG_EL_STATUS_OK)->bg, 235);
	assert_indexed(&cfg_theme_style(l, CFG_EL_PANE_BORDER_FOCUS)->fg, 4);
	cr_assert_eq(cfg_theme_style(m, CFG_EL_PANE_TITLE_FOCUS)->attrs,
	    CFG_ATTR_REVERSE | CFG_ATTR_BOLD);
	cr_assert_eq(cfg_theme_style(m, CFG_EL_BOARD_RUNNING)->attrs,
	    CFG_ATTR_DIM);
	/* Focus is visible without colour. */
	cr_assert_neq(cfg_theme_style(m, CFG_EL_PANE_BORDER_FOCUS)->attrs,
	    cfg_theme_style(m, CFG_EL_PANE_BORDER)->attrs);

	/* Every host colour differs from the others in the colour themes. */
	for (el = CFG_EL_HOST_1; el < CFG_EL_HOST_8; el++) {
		int k;

		for (k = el + 1; k <= CFG_EL_HOST_8; k++) {
			cr_assert(!same_color(&cfg_theme_style(d, (cfg_element)el)->fg,
			    &cfg_theme_style(d, (cfg_element)k)->fg));
			cr_assert(!same_color(&cfg_theme_style(l, (cfg_element)el)->fg,
			    &cfg_theme_style(l, (cfg_element)k)->fg));
		}
	}
	cfg_theme_free(d);
	cfg_theme_free(l);
	cfg_theme_free(m);
}

Test(theme, builtins_are_shared)
{
	cfg_theme *a = cfg_theme_default(), *m = cfg_theme_monochrome();

	cr_assert_eq(cfg_theme_default(), a);
	cr_assert_eq(cfg_theme_monochrome(), m);
	cr_assert_neq(a, m);
	cfg_theme_free(a);      /* ignored */
	cr_assert_str_eq(cfg_theme_name(cfg_theme_default()), "default");
	cr_assert_str_eq(cfg_theme_name(m), "mono");
}

/* ---- meaning ------------------------------------------------------- */

Test(theme, element_names)
{
	int i, j;

	cr_assert_str_eq(cfg_element_name(CFG_EL_DEFAULT), "default");
	cr_assert_str_eq(cfg_element_name(CFG_EL_PANE_BORDER_FOCUS),
	    "pane.border.focus");
	cr_assert_str_eq(cfg_element_name(CFG_EL_PANE_BROADCAST),
	    "pane.broadcast");
	cr_assert_str_eq(cfg_element_name(CFG_EL_STATUS_BAR), "status.bar");
	cr_assert_str_eq(cfg_element_name(CFG_EL_SEARCH_MATCH), "search.match");
	cr_assert_str_eq(cfg_element_name(CFG_EL_HOST_1), "host.1");
	cr_assert_str_eq(cfg_element_name(CFG_EL_HOST_8), "host.8");
	cr_assert_null(cfg_element_name(CFG_EL_COUNT));
	cr_assert_null(cfg_element_name((cfg_element)-1));
	for (i = 0; i < CFG_EL_COUNT; i++) {
		cr_assert_not_null(cfg_element_name((cfg_element)i));
		for (j = i + 1; j < CFG_EL_COUNT; j++)
			cr_assert_str_neq(cfg_element_name((cfg_element)i),
			    cfg_element_name((cfg_element)j));
	}
}

Test(theme, colours)
{
	cfg_color c;

	cr_assert_eq(cfg_color_parse("default", &c), 0);
	cr_assert_eq(c.kind, CFG_COLOR_DEFAULT);
	cr_assert_eq(cfg_color_parse("black", &c), 0);
	assert_indexed(&c, 0);
	cr_assert_eq(cfg_color_parse("White", &c), 0);
	assert_indexed(&c, 7);
	cr_assert_eq(cfg_color_parse("bright-black", &c), 0);
	assert_indexed(&c, 8);
	cr_assert_eq(cfg_color_parse("bright-magenta", &c), 0);
	assert_indexed(&c, 13);
	cr_assert_eq(cfg_color_parse("color0", &c), 0);
	assert_indexed(&c, 0);
	cr_assert_eq(cfg_color_parse("color255", &c), 0);
	assert_indexed(&c, 255);
	cr_assert_eq(cfg_color_parse("#0a1B2c", &c), 0);
	cr_assert_eq(c.kind, CFG_COLOR_RGB);
	cr_assert(c.r == 0x0a && c.g == 0x1b && c.b == 0x2c);

	cr_assert_eq(cfg_color_parse("color256", &c), -1);
	cr_assert_eq(cfg_color_parse("color-1", &c), -1);
	cr_assert_eq(cfg_color_parse("color", &c), -1);
	cr_assert_eq(cfg_color_parse("color1x", &c), -1);
	cr_assert_eq(cfg_color_parse("color0001", &c), -1);
	cr_assert_eq(cfg_color_parse("#12345", &c), -1);
	cr_assert_eq(cfg_color_parse("#1234567", &c), -1);
	cr_assert_eq(cfg_color_parse("#ggg000", &c), -1);
	cr_assert_eq(cfg_color_parse("purple", &c), -1);
	cr_assert_eq(cfg_color_parse("bright-", &c), -1);
	cr_assert_eq(cfg_color_parse("bright-default", &c), -1);
	cr_assert_eq(cfg_color_parse("", &c), -1);
}

Test(theme, attributes_and_inheritance)
{
	cfg_theme *t = tload_theme(
	    "[default]\nfg = red\n"
	    "[pane.border]\nbg = #102030\nattrs = bold underline\n"
	    "[pane.border.focus]\nfg = color33\n"
	    "[pane.title]\nattrs = none\n"
	    "[status.bar]\nattrs = reverse,dim, italic ,blink\n"
	    "[status.err]\nbg = default\n");
	const cfg_style *s;

	cr_assert_str_eq(cfg_theme_name(t), "t", "name from the file name");
	s = cfg_theme_style(t, CFG_EL_PANE_BORDER_FOCUS);
	assert_indexed(&s->fg, 33);
	cr_assert_eq(s->bg.kind, CFG_COLOR_RGB);
	cr_assert_eq(s->bg.g, 0x20);
	cr_assert_eq(s->attrs, CFG_ATTR_BOLD | CFG_ATTR_UNDERLINE);
	/* pane.title: attrs cleared, colours from pane.border / default. */
	s = cfg_theme_style(t, CFG_EL_PANE_TITLE);
	cr_assert_eq(s->attrs, 0);
	assert_indexed(&s->fg, 1);
	cr_assert_eq(s->bg.kind, CFG_COLOR_RGB);
	/* Grandchildren inherit through their parent. */
	s = cfg_theme_style(t, CFG_EL_PANE_TITLE_FOCUS);
	cr_assert_eq(s->attrs, 0);
	cr_assert_eq(s->bg.kind, CFG_COLOR_RGB);
	s = cfg_theme_style(t, CFG_EL_STATUS_OK);
	cr_assert_eq(s->attrs, CFG_ATTR_REVERSE | CFG_ATTR_DIM |
	    CFG_ATTR_ITALIC | CFG_ATTR_BLINK);
	assert_indexed(&s->fg, 1);
	s = cfg_theme_style(t, CFG_EL_HOST_5);
	assert_indexed(&s->fg, 1);
	cr_assert_eq(s->attrs, 0);
	/* Out of range: the default element; NULL theme: plain. */
	s = cfg_theme_style(t, CFG_EL_COUNT);
	assert_indexed(&s->fg, 1);
	s = cfg_theme_style(NULL, CFG_EL_PANE_BORDER);
	cr_assert_eq(s->fg.kind, CFG_COLOR_DEFAULT);
	cr_assert_eq(s->attrs, 0);
	cfg_theme_free(t);
}

Test(theme, syntax_niceties)
{
	cfg_theme *t = tload_theme(
	    "\xef\xbb\xbf; comment\n# comment\n\n"
	    "[ theme ]   ; trailing comment\n  name = My Theme  \n"
	    "[PANE.BORDER]\n  FG = Cyan ; inline comment\n\tbg=#000000\n");

	cr_assert_str_eq(cfg_theme_name(t), "My Theme");
	assert_indexed(&cfg_theme_style(t, CFG_EL_PANE_BORDER)->fg, 6);
	cr_assert_eq(cfg_theme_style(t, CFG_EL_PANE_BORDER)->bg.kind,
	    CFG_COLOR_RGB);
	cfg_theme_free(t);
	t = tload_theme("");
	cr_assert_str_eq(cfg_theme_name(t), "t");
	cr_assert_eq(cfg_theme_style(t, CFG_EL_STATUS_ERR)->fg.kind,
	    CFG_COLOR_DEFAULT);
	cfg_theme_free(t);
}

/* ---- errors -------------------------------------------------------- */

Test(theme, errors_name_file_and_line)
{
	ERR_IS("[theme]\nname = x\n[pane.bordr]\nfg = red\n",
	    "FILE:3: unknown section [pane.bordr]");
	ERR_IS("[pane.border]\n[nope]\n", "FILE:2: unknown section [nope]");
	ERR_IS("[pane.border]\nfg = red\nfgg = blue\n",
	    "FILE:3: unknown key 'fgg' in [pane.border]");
	ERR_IS("[pane.border]\nname = x\n",
	    "FILE:2: unknown key 'name' in [pane.border]");
	ERR_IS("[theme]\nfg = red\n", "FILE:2: unknown key 'fg' in [theme]");
	ERR_IS("[status.ok]\n\n; c\nfg = purple\n",
	    "FILE:4: bad colour 'purple' for 'fg' (default, black..white, "
	    "bright-black..bright-white, color0..color255 or #rrggbb)");
	ERR_IS("[status.ok]\nbg = color300\n",
	    "FILE:2: bad colour 'color300' for 'bg' (default, black..white, "
	    "bright-black..bright-white, color0..color255 or #rrggbb)");
	ERR_IS("[dialog]\nattrs = bold, blnk\n",
	    "FILE:2: unknown attribute 'blnk' (bold, underline, reverse, dim, "
	    "italic, blink or none)");
	ERR_IS("[dialog]\nattrs = none bold\n",
	    "FILE:2: 'none' mixed with attributes in 'none bold'");
	ERR_IS("[dialog]\nfg = red\n[sidebar]\n[dialog]\n",
	    "FILE:4: duplicate section [dialog] (first at line 1)");
	ERR_IS("[dialog]\nfg = red\nFG = blue\n",
	    "FILE:3: duplicate key 'FG' in [dialog] (first at line 2)");
	ERR_IS("fg = red\n[dialog]\n", "FILE:1: key 'fg' before any section");
	ERR_IS("[dialog]\nfg =\n", "FILE:2: missing value for 'fg'");
	ERR_IS("[dialog]\nfg red\n",
	    "FILE:2: syntax error: expected 'key = value'");
	ERR_IS("[dialog]\n= red\n",
	    "FILE:2: syntax error: expected 'key = value'");
	ERR_IS("[dialog\nfg = red\n", "FILE:1: missing ']' in section header");
	ERR_IS("[dialog] x\n", "FILE:1: invalid section header '[dialog] x'");
}

Test(theme, nul_and_long_lines)
{
	const char *path;
	cfg_theme *t = NULL;
	char *cause = NULL, *big;

	path = twrite_len("t.ini", "[dialog]\nfg = r\0ed\n", 19);
	cr_assert_eq(cfg_theme_load(path, &t, &cause), -1);
	cr_assert(strstr(cause, ":2: NUL byte in line") != NULL, "%s", cause);
	free(cause);
	big = malloc(6000);
	cr_assert_not_null(big);
	strcpy(big, "[dialog]\nfg = ");
	memset(big + 14, 'x', 5000);
	strcpy(big + 5014, "\n");
	path = twrite("t.ini", big);
	cr_assert_eq(cfg_theme_load(path, &t, &cause), -1);
	cr_assert(strstr(cause, ":2: line too long") != NULL, "%s", cause);
	free(cause);
	free(big);
}

Test(theme, missing_file)
{
	cfg_theme *t = (cfg_theme *)1;
	char *cause = NULL;

	cr_assert_eq(cfg_theme_load(tpath("nope.ini"), &t, &cause), -1);
	cr_assert_null(t);
	cr_assert(strstr(cause, "cannot read") != NULL, "%s", cause);
	cr_assert(strstr(cause, "nope.ini") != NULL);
	free(cause);
}

/* ---- lookup -------------------------------------------------------- */

Test(theme, find_by_name_and_path)
{
	const char *dirs[3];
	char d1[PATH_MAX], d2[PATH_MAX];
	cfg_theme *t = NULL;
	char *cause = NULL;

	twrite("a/themes/x.ini", "[theme]\nname = x-from-a\n");
	twrite("b/themes/x.ini", "[theme]\nname = x-from-b\n");
	twrite("b/themes/y.ini", "[theme]\nname = y-from-b\n");
	twrite("b/themes/bad.ini", "[dialog]\nfg = nope\n");
	snprintf(d1, sizeof d1, "%s", tpath("a/themes"));
	snprintf(d2, sizeof d2, "%s", tpath("b/themes"));
	dirs[0] = d1;
	dirs[1] = d2;
	dirs[2] = NULL;

	cr_assert_eq(cfg_theme_find("x", dirs, &t, &cause), 0);
	cr_assert_str_eq(cfg_theme_name(t), "x-from-a", "first dir wins");
	cfg_theme_free(t);
	cr_assert_eq(cfg_theme_find("y", dirs, &t, &cause), 0);
	cr_assert_str_eq(cfg_theme_name(t), "y-from-b");
	cfg_theme_free(t);
	cr_assert_eq(cfg_theme_find(tpath("b/themes/y.ini"), NULL, &t, &cause), 0);
	cr_assert_str_eq(cfg_theme_name(t), "y-from-b");
	cfg_theme_free(t);

	/* Built-ins when no file has the name. */
	cr_assert_eq(cfg_theme_find("default", dirs, &t, &cause), 0);
	cr_assert_eq(t, cfg_theme_default());
	cr_assert_eq(cfg_theme_find("mono", NULL, &t, &cause), 0);
	cr_assert_eq(t, cfg_theme_monochrome());
	cr_assert_eq(cfg_theme_find(NULL, NULL, &t, &cause), 0);
	cr_assert_eq(t, cfg_theme_default());

	cr_assert_eq(cfg_theme_find("zzz", dirs, &t, &cause), -1);
	cr_assert_null(t);
	cr_assert_str_eq(cause, "unknown theme 'zzz'");
	free(cause);
	cr_assert_eq(cfg_theme_find("bad", dirs, &t, &cause), -1);
	cr_assert(strstr(cause, "bad.ini:2: bad colour 'nope'") != NULL, "%s",
	    cause);
	free(cause);
	cr_assert_eq(cfg_theme_find("../x", dirs, &t, &cause), -1);
	free(cause);
	cr_assert_eq(cfg_theme_find("a b", dirs, &t, &cause), -1);
	cr_assert_str_eq(cause, "invalid theme name 'a b'");
	free(cause);
}

/* ---- colour numbers for curses ------------------------------------- */

Test(theme, colour_index_for_terminals)
{
	cfg_color def = { CFG_COLOR_DEFAULT, 0, 0, 0, 0 };
	cfg_color i5 = { CFG_COLOR_INDEXED, 5, 0, 0, 0 };
	cfg_color i196 = { CFG_COLOR_INDEXED, 196, 0, 0, 0 };
	cfg_color i244 = { CFG_COLOR_INDEXED, 244, 0, 0, 0 };
	cfg_color red = { CFG_COLOR_RGB, 0, 255, 0, 0 };
	cfg_color odd = { CFG_COLOR_RGB, 0, 0x12, 0x34, 0x56 };
	cfg_color black = { CFG_COLOR_RGB, 0, 0, 0, 0 };

	cr_assert_eq(cfg_color_index(&def, 256), -1);
	cr_assert_eq(cfg_color_index(&i5, 0), -1, "no colours");
	cr_assert_eq(cfg_color_index(NULL, 256), -1);

	cr_assert_eq(cfg_color_index(&i5, 8), 5);
	cr_assert_eq(cfg_color_index(&i5, 256), 5);
	cr_assert_eq(cfg_color_index(&i196, 256), 196);
	cr_assert_eq(cfg_color_index(&i196, 16), 9, "nearest bright red");
	cr_assert_eq(cfg_color_index(&i196, 8), 1);
	cr_assert_eq(cfg_color_index(&i244, 16), 8, "grey");

	cr_assert_eq(cfg_color_index(&red, 256), 196);
	cr_assert_eq(cfg_color_index(&red, 16), 9);
	cr_assert_eq(cfg_color_index(&odd, 256), 23);   /* #005f5f */
	cr_assert_eq(cfg_color_index(&black, 256), 16);

	cr_assert_eq(cfg_color_index(&red, 1 << 24), 0xff0000);
	cr_assert_eq(cfg_color_index(&odd, 1 << 24), 0x123456);
	cr_assert_eq(cfg_color_index(&i5, 1 << 24), 5);
	cr_assert_eq(cfg_color_index(&i196, 1 << 24), 0xff0000);
	cr_assert_eq(cfg_color_index(&black, 1 << 24), 8, "not ANSI black");
}
