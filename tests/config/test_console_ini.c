/*
 * tests/config/test_console_ini.c - console.ini (config/console_ini.c):
 * defaults, every key, key rebinding in any order, errors with file:line,
 * theme lookup.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "cmdtable.h"
#include "config/config.h"

TestSuite(console, .init = tdir_setup, .fini = tdir_teardown);

#define cfg_console_load_t(path, out, cause) cfg_console_load((path), &test_cmds, (out), (cause))

/* ---- console.ini --------------------------------------------------- */

static cfg_console *
cload(const char *text)
{
	cfg_console *c = NULL;
	char *cause = NULL;

	cr_assert_eq(cfg_console_load_t(twrite("console.ini", text), &c, &cause),
	    0, "load failed: %s", cause ? cause : "?");
	cr_assert_not_null(c);
	return c;
}

static char *
cerr(const char *text)
{
	const char *path = twrite("console.ini", text);
	cfg_console *c = (cfg_console *)1;
	char *cause = NULL, *msg;
	size_t plen = strlen(path);

	cr_assert_eq(cfg_console_load_t(path, &c, &cause), -1, "loaded: %s", text);
	cr_assert_null(c);
	cr_assert_not_null(cause);
	cr_assert_eq(strncmp(cause, path, plen), 0, "'%s' lacks the path",
	    cause);
	msg = malloc(strlen(cause) + 8);
	cr_assert_not_null(msg);
	sprintf(msg, "FILE%s", cause + plen);
	free(cause);
	return msg;
}

#define CERR_IS(text, want) do { \
	char *m_ = cerr(text); \
	cr_assert_str_eq(m_, (want)); \
	free(m_); \
} while (0)

Test(console, defaults_without_a_file)
{
	cfg_console *c = NULL;
	char *cause = NULL, *p;

	setenv("XDG_CONFIG_HOME", tdir, 1);
	p = cfg_console_default_path();
	cr_assert_str_eq(p, tpath("drover/console.ini"));
	free(p);
	cr_assert_eq(cfg_console_load_t(NULL, &c, &cause), 0, "%s", cause);
	cr_assert_null(c->path);
	cr_assert_str_eq(c->theme_name, "default");
	cr_assert_str_eq(cfg_theme_name(c->theme), "default");
	cr_assert_eq(c->scrollback, 10000);
	cr_assert_eq(c->mouse, 1);
	cr_assert_eq(c->fps, 30);
	cr_assert_eq(c->min_pane_cols, 20);
	cr_assert_eq(c->min_pane_rows, 5);
	cr_assert_eq(c->reconnect, 1);
	cr_assert_eq(c->reconnect_max, 30);
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 0x07, 0, 0), "prefix");
	cfg_console_free(c);
	cfg_console_free(NULL);

	/* A user's themes/default.ini is used even without console.ini. */
	twrite("drover/themes/default.ini", "[theme]\nname = my-default\n");
	cr_assert_eq(cfg_console_load_t(NULL, &c, &cause), 0, "%s", cause);
	cr_assert_str_eq(cfg_theme_name(c->theme), "my-default");
	cfg_console_free(c);

	/* A relative XDG_CONFIG_HOME is ignored (XDG spec). */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	setenv("HOME", tdir, 1);
	p = cfg_console_default_path();
	cr_assert_str_eq(p, tpath(".config/drover/console.ini"));
	free(p);

	/* An explicit file must exist. */
	c = (cfg_console *)1;
	cr_assert_eq(cfg_console_load_t(tpath("nope.ini"), &c, &cause), -1);
	cr_assert_null(c);
	cr_assert(strstr(cause, "cannot read") != NULL, "%s", cause);
	free(cause);
}

Test(console, full_file)
{
	cfg_console *c = cload(
	    "; drover console settings\n"
	    "[console]\n"
	    "theme = mono\n"
	    "scrollback = 500\n"
	    "prefix = C-a\n"
	    "mouse = no\n"
	    "fps = 60\n"
	    "min_pane_cols = 30\n"
	    "min_pane_rows = 8\n"
	    "reconnect = off\n"
	    "reconnect_max = 120\n"
	    "\n[keys]\n"
	    "zoom = Z\n"
	    "focus-left = direct:M-Left\n"
	    "help = none\n");

	cr_assert_str_eq(c->path, tpath("console.ini"));
	cr_assert_str_eq(c->theme_name, "mono");
	/* The built-in, or themes/mono.ini if the build points at it. */
	cr_assert_str_eq(cfg_theme_name(c->theme), "mono");
	cr_assert_eq(cfg_theme_style(c->theme, CFG_EL_STATUS_ERR)->fg.kind,
	    CFG_COLOR_DEFAULT);
	cr_assert_eq(cfg_theme_style(c->theme, CFG_EL_STATUS_ERR)->attrs,
	    cfg_theme_style(cfg_theme_monochrome(), CFG_EL_STATUS_ERR)->attrs);
	cr_assert_eq(c->scrollback, 500);
	cr_assert_eq(c->mouse, 0);
	cr_assert_eq(c->fps, 60);
	cr_assert_eq(c->min_pane_cols, 30);
	cr_assert_eq(c->min_pane_rows, 8);
	cr_assert_eq(c->reconnect, 0);
	cr_assert_eq(c->reconnect_max, 120);
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 0x01, 0, 0), "prefix");
	cr_assert_str_eq(cfg_keymap_prefix_name(c->keys), "C-a");
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 'Z', 0, 1), "zoom");
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, CFG_KEY_LEFT, CFG_MOD_ALT,
	    0), "focus-left");
	cr_assert_null(cfg_keymap_lookup(c->keys, '?', 0, 1));
	cfg_console_free(c);

	c = cload("[keys]\nprefix = C-b\n[console]\nscrollback = 0\n");
	cr_assert_str_eq(cfg_keymap_prefix_name(c->keys), "C-b");
	cr_assert_eq(c->scrollback, 0);
	cfg_console_free(c);
}

Test(console, a_rebound_prefix_takes_send_prefix_along)
{
	cfg_console *c = cload("[console]\nprefix = C-b\n");
	const cfg_binding *b = cfg_keymap_get(c->keys, "send-prefix");

	cr_assert_eq(b->key, 'b');
	cr_assert_eq(b->mods, CFG_MOD_CTRL);
	cr_assert_eq(b->direct, 0);
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 'b', CFG_MOD_CTRL, 1), "send-prefix");
	cfg_console_free(c);
	/* Bound in the file: it stays where the file says. */
	c = cload("[console]\nprefix = C-b\n[keys]\nsend-prefix = a\n");
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 'a', 0, 1), "send-prefix");
	cfg_console_free(c);
}

Test(console, swapping_keys_in_any_order)
{
	cfg_console *c = cload("[keys]\nzoom = x\nclose-pane = z\n");

	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 'x', 0, 1), "zoom");
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 'z', 0, 1), "close-pane");
	cfg_console_free(c);
}

Test(console, errors_name_file_and_line)
{
	CERR_IS("[keys]\nzom = z\n", "FILE:2: unknown command 'zom'");
	CERR_IS("[keys]\n\nzoom = C-\n", "FILE:3: bad key 'C-'");
	CERR_IS("[keys]\nzoom = x\n",
	    "FILE:2: key 'x' is bound to both 'zoom' and 'close-pane'");
	CERR_IS("[keys]\nzoom = q\nhelp = q\n",
	    "FILE:3: key 'q' is bound to both 'help' and 'zoom'");
	CERR_IS("[keys]\nsearch = M-a\nhelp = q\nzoom = M-a\nreconnect = q\n",
	    "FILE:4: key 'M-a' is bound to both 'zoom' and 'search'");
	CERR_IS("[keys]\nzoom = Z\nzoom = Y\n",
	    "FILE:3: duplicate binding for 'zoom' (first at line 2)");
	CERR_IS("[console]\nprefix = C-a\n[keys]\nprefix = C-b\n",
	    "FILE:4: duplicate binding for 'prefix' (first at line 2)");
	CERR_IS("[console]\nprefix = x\n", "FILE:2: bad key 'x' (the prefix "
	    "needs C- or M-, or a function key, so that typing still works)");
	CERR_IS("[console]\nprefix = C-b\n[keys]\nzoom = C-b\n",
	    "FILE:4: 'zoom' is bound to the prefix key 'C-b' (after the prefix it "
	    "sends the prefix key itself)");
	CERR_IS("[keys]\nzoom = C-g\n", "FILE:2: 'zoom' is bound to the prefix key 'C-g' "
	    "(after the prefix it sends the prefix key itself)");
	CERR_IS("[console]\nfps = 0\n", "FILE:2: invalid fps '0' (1 to 240)");
	CERR_IS("[console]\nfps = 30fps\n",
	    "FILE:2: invalid fps '30fps' (1 to 240)");
	CERR_IS("[console]\nscrollback = -1\n",
	    "FILE:2: invalid scrollback '-1' (0 to 1000000 lines)");
	CERR_IS("[console]\nmin_pane_rows = 0\n",
	    "FILE:2: invalid min_pane_rows '0' (1 to 1000)");
	CERR_IS("[console]\nmouse = maybe\n",
	    "FILE:2: invalid mouse 'maybe' (yes or no)");
	CERR_IS("[console]\nfps = 30\n\nreconnect = sometimes\n",
	    "FILE:4: invalid reconnect 'sometimes' (yes or no)");
	CERR_IS("[console]\nreconnect_max = 0\n",
	    "FILE:2: invalid reconnect_max '0' (1 to 3600 seconds)");
	CERR_IS("[console]\nreconnect_max = 30s\n",
	    "FILE:2: invalid reconnect_max '30s' (1 to 3600 seconds)");
	CERR_IS("[console]\nreconnect_max = 3601\n",
	    "FILE:2: invalid reconnect_max '3601' (1 to 3600 seconds)");
	CERR_IS("[console]\nreconnect = no\nreconnect = yes\n",
	    "FILE:3: duplicate key 'reconnect' in [console] (first at line 2)");
	CERR_IS("[console]\nfps = 30\nfps = 31\n",
	    "FILE:3: duplicate key 'fps' in [console] (first at line 2)");
	CERR_IS("[console]\ncolour = x\n",
	    "FILE:2: unknown key 'colour' in [console]");
	CERR_IS("[consol]\n", "FILE:1: unknown section [consol]");
	CERR_IS("[console]\n[keys]\n[console]\n",
	    "FILE:3: duplicate section [console] (first at line 1)");
	CERR_IS("fps = 3\n", "FILE:1: key 'fps' before any section");
	CERR_IS("[console]\ntheme =\n", "FILE:2: missing value for 'theme'");
	CERR_IS("[console]\nfps\n",
	    "FILE:2: syntax error: expected 'key = value'");
	CERR_IS("[keys]\n[console]\ntheme = nosuch\n",
	    "FILE:3: unknown theme 'nosuch'");
}

Test(console, theme_lookup)
{
	cfg_console *c;
	cfg_console *bad = (cfg_console *)1;
	char *cause = NULL, dir[PATH_MAX];
	const char *src = getenv("DROVER_SRC");

	/* Next to console.ini. */
	twrite("themes/mine.ini", "[theme]\nname = mine\n[dialog]\nfg = red\n");
	c = cload("[console]\ntheme = mine\n");
	cr_assert_str_eq(cfg_theme_name(c->theme), "mine");
	cfg_console_free(c);

	/* A path relative to console.ini's directory. */
	twrite("sub/t.ini", "[theme]\nname = by-path\n");
	c = cload("[console]\ntheme = sub/t.ini\n");
	cr_assert_str_eq(c->theme_name, tpath("sub/t.ini"));
	cr_assert_str_eq(cfg_theme_name(c->theme), "by-path");
	cfg_console_free(c);

	/* A broken theme file fails with its own file:line. */
	twrite("themes/broken.ini", "[dialog]\n\nfg = nope\n");
	cr_assert_eq(cfg_console_load_t(twrite("console.ini",
	    "[console]\ntheme = broken\n"), &bad, &cause), -1);
	cr_assert_null(bad);
	snprintf(dir, sizeof dir, "%s:3: bad colour 'nope'",
	    tpath("themes/broken.ini"));
	cr_assert(strncmp(cause, dir, strlen(dir)) == 0, "%s", cause);
	free(cause);

	/* $DROVER_THEME_DIR: the shipped light theme. */
	if (src != NULL && *src != '\0')
		snprintf(dir, sizeof dir, "%s/themes", src);
	else
		snprintf(dir, sizeof dir, "%.*s/themes",
		    (int)(strstr(__FILE__, "/tests/config/") - __FILE__), __FILE__);
	setenv("DROVER_THEME_DIR", dir, 1);
	c = cload("[console]\ntheme = light\n");
	cr_assert_str_eq(cfg_theme_name(c->theme), "light");
	cfg_console_free(c);
}
