/*
 * tests/tui/test_commands.c - the console's command table (tui/console/
 * commands.c): every command has a handler, a help line and a default key
 * that does not clash, the keymap and the help screen are generated from
 * it (one line per command, with the key it is bound to), and console.ini
 * rebinds by the same names.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/console.h"

Test(commands, table_builds_a_keymap)
{
	const cfg_commands *cmds = tui_commands();
	char *cause = NULL;
	cfg_keymap *km = cfg_keymap_new(cmds, &cause);
	const cfg_binding *b;
	size_t i, n;

	cr_assert_not_null(km, "%s", cause ? cause : "");
	b = cfg_keymap_bindings(km, &n);
	cr_assert_eq(n, cmds->n);
	cr_assert_geq(n, 30);
	for (i = 0; i < n; i++) {
		cr_assert_not_null(b[i].description, "%s", b[i].command);
		cr_assert_gt(strlen(b[i].description), 5, "%s", b[i].command);
		cr_assert_neq(b[i].key, CFG_KEY_NONE, "%s unbound by default", b[i].command);
		/* Each key finds its own command: no clash. */
		cr_assert_str_eq(cfg_keymap_lookup(km, b[i].key, b[i].mods, !b[i].direct),
		    b[i].command);
	}
	cr_assert_str_eq(cfg_keymap_prefix_name(km), "C-g");
	cr_assert_str_eq(cfg_keymap_lookup(km, 'c', 0, 1), "add-host");
	cr_assert_str_eq(cfg_keymap_lookup(km, ':', 0, 1), "run-command");
	cfg_keymap_free(km);
}

Test(commands, help_is_generated_from_the_table)
{
	cfg_keymap *km = cfg_keymap_new(tui_commands(), NULL);
	char *text, *line;
	size_t n, lines = 0;
	const char *p;

	cr_assert_not_null(km);
	cfg_keymap_bindings(km, &n);
	text = cfg_keymap_format(km);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, n, "one line per command:\n%s", text);
	line = strstr(text, "C-g c ");
	cr_assert_not_null(line, "%s", text);
	cr_assert_lt(strstr(line, "add-host") - line, 20, "key and command on one line");
	free(text);
	cfg_keymap_set(km, "add-host", "a", NULL);
	text = cfg_keymap_format(km);
	cr_assert_not_null(strstr(text, "C-g a "), "%s", text);
	cr_assert_null(strstr(text, "C-g c "), "%s", text);
	free(text);
	cfg_keymap_free(km);
}

Test(commands, console_ini_rebinds_by_the_tables_names)
{
	char path[] = "/tmp/drover-cmds-XXXXXX";
	int fd = mkstemp(path);
	cfg_console *c = NULL;
	char *cause = NULL;
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs("[keys]\nzoom = Z\nrerun-failed = none\n", f);
	fclose(f);
	cr_assert_eq(cfg_console_load(path, tui_commands(), &c, &cause), 0, "%s",
	    cause ? cause : "");
	cr_assert_str_eq(cfg_keymap_lookup(c->keys, 'Z', 0, 1), "zoom");
	cr_assert_eq(cfg_keymap_get(c->keys, "rerun-failed")->key, CFG_KEY_NONE);
	cfg_console_free(c);
	f = fopen(path, "w");
	fputs("[keys]\nno-such-command = z\n", f);
	fclose(f);
	cr_assert_eq(cfg_console_load(path, tui_commands(), &c, &cause), -1);
	cr_assert_not_null(strstr(cause, "unknown command 'no-such-command'"), "%s", cause);
	free(cause);
	unlink(path);
}
