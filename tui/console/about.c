/*
 * tui/console/about.c - what the console tells the rest of drover about
 * itself without opening: the curses library it runs with (drover
 * --version) and its layout names (shell completion of --layout). The
 * headless commands may not see console internals (tests/layers.sh), so
 * these go through tui.h.
 */
#include "tui/console/console.h"
#include "tui/console/provide_curses.h"

const char *
tui_console_curses_version(void)
{
	/* The loaded library's own "ncurses 6.4.20221231". */
	return curses_version();
}

const char *
tui_console_layout_at(int i)
{
	if (i < 0 || i >= TUI_LAYOUT__COUNT)
		return NULL;
	return tui_layout_name((tui_layout_kind)i);
}
