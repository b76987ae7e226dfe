/*
 * tests/config/test_keymap.c - key bindings (config/keymap.c): key spec
 * parsing and its normal form, a keymap built from a command table,
 * rebinding with clash detection, the help text. console.ini is
 * test_console_ini.c.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "cmdtable.h"
#include "config/config.h"

TestSuite(keymap, .init = tdir_setup, .fini = tdir_teardown);

/* ---- key specs ----------------------------------------------------- */

static void
key_is(const char *spec, int key, int mods, const char *canonical)
{
	char *cause = NULL, *f;
	int k = -1, m = -1;

	cr_assert_eq(cfg_key_parse(spec, &k, &m, &cause), 0, "'%s': %s", spec,
	    cause ? cause : "?");
	cr_assert_eq(k, key, "'%s': key %#x, want %#x", spec, k, key);
	cr_assert_eq(m, mods, "'%s': mods %d, want %d", spec, m, mods);
	f = cfg_key_format(k, m);
	cr_assert_str_eq(f, canonical, "'%s' formats as '%s'", spec, f);
	/* The canonical form reads back the same. */
	cr_assert_eq(cfg_key_parse(f, &k, &m, NULL), 0);
	cr_assert(k == key && m == mods, "'%s' does not round-trip", f);
	free(f);
}

static void
key_bad(const char *spec)
{
	char *cause = NULL, want[64];
	int k, m;

	cr_assert_eq(cfg_key_parse(spec, &k, &m, &cause), -1, "'%s' parsed",
	    spec);
	snprintf(want, sizeof want, "bad key '%s'", spec);
	cr_assert_str_eq(cause, want);
	free(cause);
}

Test(keymap, key_spec_parsing)
{
	key_is("C-a", 'a', CFG_MOD_CTRL, "C-a");
	key_is("C-A", 'a', CFG_MOD_CTRL, "C-a");
	key_is("M-x", 'x', CFG_MOD_ALT, "M-x");
	key_is("M-X", 'X', CFG_MOD_ALT, "M-X");
	key_is("C-M-x", 'x', CFG_MOD_CTRL | CFG_MOD_ALT, "C-M-x");
	key_is("M-C-x", 'x', CFG_MOD_CTRL | CFG_MOD_ALT, "C-M-x");
	key_is("F5", CFG_KEY_F1 + 4, 0, "F5");
	key_is("f12", CFG_KEY_F12, 0, "F12");
	key_is("S-F5", CFG_KEY_F1 + 4, CFG_MOD_SHIFT, "S-F5");
	key_is("Up", CFG_KEY_UP, 0, "Up");
	key_is("up", CFG_KEY_UP, 0, "Up");
	key_is("M-Left", CFG_KEY_LEFT, CFG_MOD_ALT, "M-Left");
	key_is("C-S-Right", CFG_KEY_RIGHT, CFG_MOD_CTRL | CFG_MOD_SHIFT,
	    "C-S-Right");
	key_is("PageUp", CFG_KEY_PGUP, 0, "PageUp");
	key_is("PgUp", CFG_KEY_PGUP, 0, "PageUp");
	key_is("PPage", CFG_KEY_PGUP, 0, "PageUp");
	key_is("NPage", CFG_KEY_PGDN, 0, "PageDown");
	key_is("Home", CFG_KEY_HOME, 0, "Home");
	key_is("End", CFG_KEY_END, 0, "End");
	key_is("IC", CFG_KEY_INSERT, 0, "Insert");
	key_is("Delete", CFG_KEY_DELETE, 0, "Delete");
	key_is("Enter", CFG_KEY_ENTER, 0, "Enter");
	key_is("Return", CFG_KEY_ENTER, 0, "Enter");
	key_is("C-m", CFG_KEY_ENTER, 0, "Enter");
	key_is("Tab", CFG_KEY_TAB, 0, "Tab");
	key_is("C-i", CFG_KEY_TAB, 0, "Tab");
	key_is("BTab", CFG_KEY_TAB, CFG_MOD_SHIFT, "BTab");
	key_is("S-Tab", CFG_KEY_TAB, CFG_MOD_SHIFT, "BTab");
	key_is("Escape", CFG_KEY_ESCAPE, 0, "Escape");
	key_is("Esc", CFG_KEY_ESCAPE, 0, "Escape");
	key_is("C-[", CFG_KEY_ESCAPE, 0, "Escape");
	key_is("BSpace", CFG_KEY_BACKSPACE, 0, "Backspace");
	key_is("C-?", CFG_KEY_BACKSPACE, 0, "Backspace");
	key_is("Space", ' ', 0, "Space");
	key_is("C-Space", ' ', CFG_MOD_CTRL, "C-Space");
	key_is("C-@", ' ', CFG_MOD_CTRL, "C-Space");
	key_is("M-Space", ' ', CFG_MOD_ALT, "M-Space");
	key_is("?", '?', 0, "?");
	key_is(":", ':', 0, ":");
	key_is("-", '-', 0, "-");
	key_is("M--", '-', CFG_MOD_ALT, "M--");
	key_is("C", 'C', 0, "C");
	key_is("S-a", 'A', 0, "A");
	key_is("C-\\", '\\', CFG_MOD_CTRL, "C-\\");
	key_is("C-]", ']', CFG_MOD_CTRL, "C-]");
	key_is("\xc3\xa9", 0xe9, 0, "\xc3\xa9");
	key_is("M-\xe2\x82\xac", 0x20ac, CFG_MOD_ALT, "M-\xe2\x82\xac");

	key_bad("");
	key_bad("C-");
	key_bad("M-");
	key_bad("S-");
	key_bad("C-C-a");
	key_bad("Ctrl-a");
	key_bad("ab");
	key_bad("C-1");
	key_bad("C-\xc3\xa9");
	key_bad("S-1");
	key_bad("S-Space");
	key_bad(" ");
	key_bad("\x01");
	key_bad("\x7f");
	key_bad("\xff");
	key_bad("\xc2\x85");            /* C1 control */
	key_bad("\xed\xa0\x80");        /* surrogate */
	key_bad("\xc1\x81");            /* overlong */
	key_bad("F0");
	key_bad("F13");
	key_bad("F05");
	key_bad("F1x");
	key_bad("Upp");
}

Test(keymap, normal_form)
{
	static const struct {
		int key, mods, want_key, want_mods;
	} cases[] = {
		{ 0x01, 0, 'a', CFG_MOD_CTRL },
		{ 0x07, 0, 'g', CFG_MOD_CTRL },
		{ 0x08, 0, 'h', CFG_MOD_CTRL },
		{ 0x09, 0, CFG_KEY_TAB, 0 },
		{ 0x0d, 0, CFG_KEY_ENTER, 0 },
		{ 0x1b, 0, CFG_KEY_ESCAPE, 0 },
		{ 0x7f, 0, CFG_KEY_BACKSPACE, 0 },
		{ 0x00, 0, ' ', CFG_MOD_CTRL },
		{ 0x1c, 0, '\\', CFG_MOD_CTRL },
		{ 0x1f, 0, '_', CFG_MOD_CTRL },
		{ 0x01, CFG_MOD_ALT, 'a', CFG_MOD_CTRL | CFG_MOD_ALT },
		{ 'A', CFG_MOD_SHIFT, 'A', 0 },
		{ 'a', CFG_MOD_CTRL | CFG_MOD_SHIFT, 'a', CFG_MOD_CTRL },
		{ 'G', CFG_MOD_CTRL, 'g', CFG_MOD_CTRL },
		{ CFG_KEY_UP, CFG_MOD_SHIFT, CFG_KEY_UP, CFG_MOD_SHIFT },
		{ 'x', 0x40 | CFG_MOD_ALT, 'x', CFG_MOD_ALT },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int k = cases[i].key, m = cases[i].mods;

		cfg_key_normalize(&k, &m);
		cr_assert(k == cases[i].want_key && m == cases[i].want_mods,
		    "case %zu: got %#x/%d, want %#x/%d", i, k, m,
		    cases[i].want_key, cases[i].want_mods);
	}
}

/* ---- a keymap from a command table --------------------------------------------- */

Test(keymap, defaults)
{
	static const char *const required[] = {
		"prefix", "split-layout-next", "layout-tiled",
		"layout-even-horizontal", "layout-even-vertical",
		"layout-main-stack", "zoom", "focus-left", "focus-right",
		"focus-up", "focus-down", "focus-next", "focus-prev", "select-window-1",
		"select-window-5", "select-window-9", "close-pane", "add-host",
		"broadcast-toggle", "arm-toggle", "arm-by-target", "run-command",
		"reconnect", "scroll-mode", "search", "help", "detach",
		"sidebar-toggle", "rerun-failed", "open-shell-from-board",
		"send-prefix",
	};
	cfg_keymap *km = keymap_default();
	const cfg_binding *b, *all;
	size_t i, n;

	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		b = cfg_keymap_get(km, required[i]);
		cr_assert_not_null(b, "no command %s", required[i]);
		cr_assert_neq(b->key, CFG_KEY_NONE, "%s unbound", required[i]);
		cr_assert_not_null(b->description);
		cr_assert_gt(strlen(b->description), 5);
	}
	cr_assert_null(cfg_keymap_get(km, "zom"));

	/* The prefix is C-g and direct; the rest follow it. */
	b = cfg_keymap_get(km, "prefix");
	cr_assert_eq(b->key, 'g');
	cr_assert_eq(b->mods, CFG_MOD_CTRL);
	cr_assert_eq(b->direct, 1);
	cr_assert_str_eq(cfg_keymap_prefix_name(km), "C-g");
	cr_assert_str_eq(cfg_keymap_lookup(km, 0x07, 0, 0), "prefix");
	cr_assert_str_eq(cfg_keymap_lookup(km, 'g', CFG_MOD_CTRL, 0), "prefix");
	cr_assert_str_eq(cfg_keymap_lookup(km, 'G', CFG_MOD_CTRL, 0), "prefix");
	cr_assert_str_eq(cfg_keymap_lookup(km, 0x07, 0, 1), "send-prefix");
	cr_assert_str_eq(cfg_keymap_lookup(km, 'z', 0, 1), "zoom");
	cr_assert_null(cfg_keymap_lookup(km, 'z', 0, 0), "typing stays typing");
	cr_assert_str_eq(cfg_keymap_lookup(km, ':', 0, 1), "run-command");
	cr_assert_str_eq(cfg_keymap_lookup(km, '?', 0, 1), "help");
	cr_assert_str_eq(cfg_keymap_lookup(km, '?', CFG_MOD_SHIFT, 1), "help");
	cr_assert_str_eq(cfg_keymap_lookup(km, ' ', 0, 1), "split-layout-next");
	cr_assert_str_eq(cfg_keymap_lookup(km, '3', 0, 1), "select-window-3");
	cr_assert_str_eq(cfg_keymap_lookup(km, CFG_KEY_LEFT, 0, 1), "focus-left");
	cr_assert_str_eq(cfg_keymap_lookup(km, '5', CFG_MOD_ALT, 1),
	    "layout-tiled");
	cr_assert_null(cfg_keymap_lookup(km, 'Q', 0, 1));
	cr_assert_null(cfg_keymap_lookup(km, CFG_KEY_NONE, 0, 1));

	/* No two defaults share a key: each one's key finds itself. */
	all = cfg_keymap_bindings(km, &n);
	cr_assert_geq(n, sizeof required / sizeof required[0]);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(cfg_keymap_lookup(km, all[i].key, all[i].mods,
		    !all[i].direct), all[i].command);
	cfg_keymap_free(km);
	cfg_keymap_free(NULL);
}

/* ---- rebinding ----------------------------------------------------- */

static void
set_fails(cfg_keymap *km, const char *cmd, const char *spec, const char *want)
{
	char *cause = NULL;

	cr_assert_eq(cfg_keymap_set(km, cmd, spec, &cause), -1, "%s = %s", cmd,
	    spec);
	cr_assert_str_eq(cause, want);
	free(cause);
}

Test(keymap, set_and_lookup)
{
	cfg_keymap *km = keymap_default();
	char *cause = NULL;

	cr_assert_eq(cfg_keymap_set(km, "zoom", "Z", &cause), 0);
	cr_assert_str_eq(cfg_keymap_lookup(km, 'Z', 0, 1), "zoom");
	cr_assert_null(cfg_keymap_lookup(km, 'z', 0, 1));

	set_fails(km, "zom", "z", "unknown command 'zom'");
	set_fails(km, "zoom", "C-", "bad key 'C-'");
	set_fails(km, "zoom", "x",
	    "key 'x' is bound to both 'zoom' and 'close-pane'");
	cr_assert_str_eq(cfg_keymap_lookup(km, 'Z', 0, 1), "zoom",
	    "unchanged after an error");
	cr_assert_str_eq(cfg_keymap_lookup(km, 'x', 0, 1), "close-pane");

	/* Direct bindings live in their own space. */
	cr_assert_eq(cfg_keymap_set(km, "focus-left", "direct:M-Left", &cause), 0);
	cr_assert_str_eq(cfg_keymap_lookup(km, CFG_KEY_LEFT, CFG_MOD_ALT, 0),
	    "focus-left");
	cr_assert_null(cfg_keymap_lookup(km, CFG_KEY_LEFT, 0, 1));
	cr_assert_null(cfg_keymap_lookup(km, CFG_KEY_LEFT, CFG_MOD_ALT, 1));
	set_fails(km, "focus-right", "direct:M-Left",
	    "key 'direct:M-Left' is bound to both 'focus-right' and "
	    "'focus-left'");
	cr_assert_eq(cfg_keymap_set(km, "focus-right", "M-Left", &cause), 0,
	    "the same key after the prefix is another binding");
	set_fails(km, "zoom", "direct:x", "bad key 'direct:x' (a direct key "
	    "needs C- or M-, or a function key, so that typing still works)");
	set_fails(km, "zoom", "direct:Up", "bad key 'direct:Up' (a direct key "
	    "needs C- or M-, or a function key, so that typing still works)");
	cr_assert_eq(cfg_keymap_set(km, "zoom", "direct:F11", &cause), 0);
	cr_assert_eq(cfg_keymap_set(km, "scroll-mode", "direct:S-PageUp",
	    &cause), 0);
	cr_assert_str_eq(cfg_keymap_lookup(km, CFG_KEY_PGUP, CFG_MOD_SHIFT, 0),
	    "scroll-mode");
	set_fails(km, "zoom", "direct:", "bad key 'direct:'");

	/* Unbinding. */
	cr_assert_eq(cfg_keymap_set(km, "help", "none", &cause), 0);
	cr_assert_null(cfg_keymap_lookup(km, '?', 0, 1));
	cr_assert_eq(cfg_keymap_get(km, "help")->key, CFG_KEY_NONE);
	cr_assert_eq(cfg_keymap_set(km, "reconnect", "NONE", &cause), 0);
	cr_assert_eq(cfg_keymap_set(km, "select-window-1", "none", &cause), 0,
	    "two unbound commands do not clash");
	cfg_keymap_free(km);
}

Test(keymap, prefix_rules)
{
	cfg_keymap *km = keymap_default();
	char *cause = NULL;

	cr_assert_eq(cfg_keymap_set(km, "prefix", "C-a", &cause), 0);
	cr_assert_str_eq(cfg_keymap_lookup(km, 0x01, 0, 0), "prefix");
	cr_assert_null(cfg_keymap_lookup(km, 0x07, 0, 0));
	cr_assert_str_eq(cfg_keymap_prefix_name(km), "C-a");
	cr_assert_eq(cfg_keymap_get(km, "prefix")->direct, 1);
	/* direct: is implied and allowed. */
	cr_assert_eq(cfg_keymap_set(km, "prefix", "direct:C-b", &cause), 0);
	cr_assert_str_eq(cfg_keymap_prefix_name(km), "C-b");
	set_fails(km, "prefix", "x", "bad key 'x' (the prefix needs C- or M-, "
	    "or a function key, so that typing still works)");
	set_fails(km, "prefix", "C-i", "bad key 'C-i' (the prefix needs C- or "
	    "M-, or a function key, so that typing still works)");
	set_fails(km, "prefix", "none", "the prefix cannot be unbound");
	cr_assert_eq(cfg_keymap_set(km, "focus-left", "direct:C-h", &cause), 0);
	set_fails(km, "prefix", "C-h",
	    "key 'C-h' is bound to both 'prefix' and 'focus-left'");
	cr_assert_str_eq(cfg_keymap_prefix_name(km), "C-b");
	cfg_keymap_free(km);
}

Test(keymap, help_text)
{
	cfg_keymap *km = keymap_default();
	char *text, *line, *zoom, *help, *direct;
	size_t n;

	text = cfg_keymap_format(km);
	cr_assert_not_null(strstr(text, "C-g z"), "%s", text);
	zoom = strstr(text, "C-g z ");
	line = strstr(zoom, "zoom");
	cr_assert_not_null(line);
	cr_assert_lt(line - zoom, 20, "key and command on one line");
	cr_assert_not_null(strstr(text, "C-g ?"));
	cr_assert_not_null(strstr(text, "the prefix key"));
	cfg_keymap_bindings(km, &n);
	cr_assert_eq((size_t)tcount(NULL), 0);
	{
		size_t lines = 0;
		const char *p;

		for (p = text; *p != '\0'; p++)
			lines += *p == '\n';
		cr_assert_eq(lines, n, "one line per command");
	}
	free(text);

	cfg_keymap_set(km, "prefix", "C-a", NULL);
	cfg_keymap_set(km, "help", "none", NULL);
	cfg_keymap_set(km, "focus-up", "direct:M-Up", NULL);
	text = cfg_keymap_format(km);
	cr_assert_not_null(strstr(text, "C-a z "), "%s", text);
	cr_assert_null(strstr(text, "C-g z"));
	help = strstr(text, "\n-  ");
	cr_assert_not_null(help, "unbound shown as '-': %s", text);
	cr_assert_not_null(strstr(help, "help"));
	direct = strstr(text, "\nM-Up ");
	cr_assert_not_null(direct, "direct key without prefix: %s", text);
	cr_assert(direct < help, "direct before unbound");
	free(text);
	cfg_keymap_free(km);
}

Test(keymap, bad_command_tables_are_refused)
{
	static const cfg_command noprefix[] = { { "zoom", "z", "zoom" } };
	static const cfg_command twice[] = {
		{ "prefix", "C-g", "the prefix" }, { "zoom", "z", "zoom" }, { "zoom", "y", "again" },
	};
	static const cfg_command clash[] = {
		{ "prefix", "C-g", "the prefix" }, { "zoom", "z", "zoom" }, { "close", "z", "close" },
	};
	static const cfg_command badkey[] = {
		{ "prefix", "C-g", "the prefix" }, { "zoom", "C-", "zoom" },
	};
	cfg_commands t;
	char *cause = NULL;

	t = (cfg_commands){ noprefix, 1, sizeof noprefix[0] };
	cr_assert_null(cfg_keymap_new(&t, &cause));
	cr_assert_not_null(strstr(cause, "'prefix'"), "%s", cause);
	free(cause);
	t = (cfg_commands){ twice, 3, sizeof twice[0] };
	cr_assert_null(cfg_keymap_new(&t, &cause));
	cr_assert_not_null(strstr(cause, "'zoom' twice"), "%s", cause);
	free(cause);
	t = (cfg_commands){ clash, 3, sizeof clash[0] };
	cr_assert_null(cfg_keymap_new(&t, &cause));
	cr_assert_not_null(strstr(cause, "bound to both"), "%s", cause);
	free(cause);
	t = (cfg_commands){ badkey, 2, sizeof badkey[0] };
	cr_assert_null(cfg_keymap_new(&t, &cause));
	cr_assert_not_null(strstr(cause, "bad key"), "%s", cause);
	free(cause);
	cr_assert_null(cfg_keymap_new(NULL, NULL));
}
