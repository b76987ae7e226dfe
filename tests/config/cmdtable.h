/*
 * tests/config/cmdtable.h - a console command table for the keymap and
 * console.ini tests: config/ takes the front end's table as data, so its
 * tests bring their own (the console's real one is tested in
 * tests/tui/test_commands.c). Same names and keys as the console's.
 */
#ifndef DROVER_TEST_CMDTABLE_H
#define DROVER_TEST_CMDTABLE_H

#include <criterion/criterion.h>

#include "config/config.h"

static const cfg_command test_table[] = {
	{ "prefix", "C-g", "the prefix key: press it, then a command key" },
	{ "send-prefix", "C-g", "send the prefix key itself to the focused pane" },
	{ "split-layout-next", "Space", "switch to the next layout" },
	{ "layout-tiled", "M-5", "tiled layout (a grid)" },
	{ "layout-even-horizontal", "M-1", "panes side by side" },
	{ "layout-even-vertical", "M-2", "panes stacked" },
	{ "layout-main-stack", "M-4", "focused pane large on the left, the rest stacked" },
	{ "zoom", "z", "zoom the focused pane / unzoom" },
	{ "focus-left", "Left", "focus the pane to the left" },
	{ "focus-right", "Right", "focus the pane to the right" },
	{ "focus-up", "Up", "focus the pane above" },
	{ "focus-down", "Down", "focus the pane below" },
	{ "focus-next", "o", "focus the next pane" },
	{ "focus-prev", "O", "focus the previous pane" },
	{ "select-window-1", "1", "window 1" },
	{ "select-window-2", "2", "window 2" },
	{ "select-window-3", "3", "window 3" },
	{ "select-window-4", "4", "window 4" },
	{ "select-window-5", "5", "window 5" },
	{ "select-window-6", "6", "window 6" },
	{ "select-window-7", "7", "window 7" },
	{ "select-window-8", "8", "window 8" },
	{ "select-window-9", "9", "window 9" },
	{ "close-pane", "x", "close the focused pane" },
	{ "add-host", "c", "open panes for more hosts (target expression)" },
	{ "broadcast-toggle", "b", "type into every armed pane (all if none armed)" },
	{ "arm-toggle", "m", "arm / disarm the focused pane for broadcast" },
	{ "arm-by-target", "M", "arm the panes matching a target expression" },
	{ "run-command", ":", "run a command on the armed / selected hosts" },
	{ "reconnect", "r", "reconnect the focused pane now" },
	{ "scroll-mode", "[", "scroll back through the pane's history" },
	{ "search", "/", "search the pane's history" },
	{ "help", "?", "show the key bindings" },
	{ "detach", "d", "detach: leave the console, the session goes on" },
	{ "sidebar-toggle", "s", "show / hide the host sidebar" },
	{ "rerun-failed", "F", "run the last command again on the failed hosts" },
	{ "open-shell-from-board", "S", "open a shell pane on the board's selected host" },
};

static const cfg_commands test_cmds = {
	test_table, sizeof test_table / sizeof test_table[0], sizeof test_table[0]
};

static inline cfg_keymap *
keymap_default(void)
{
	char *cause = NULL;
	cfg_keymap *km = cfg_keymap_new(&test_cmds, &cause);

	cr_assert_not_null(km, "%s", cause ? cause : "");
	return km;
}

#endif
