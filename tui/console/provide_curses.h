/*
 * tui/console/provide_curses.h - the one place that includes curses. Console files
 * that draw or read keys include this header, nothing else in the project
 * sees curses (the engine and config layers never do).
 */
#ifndef DROVER_PROVIDE_CURSES_H
#define DROVER_PROVIDE_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>

#endif
