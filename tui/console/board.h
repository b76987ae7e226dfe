/*
 * tui/console/board.h - the fan-out board's state, shared by board.c (the
 * run and keys) and board_draw.c (drawing) only.
 */
#ifndef DROVER_TUI_BOARD_H
#define DROVER_TUI_BOARD_H

#include "tui/console/console.h"

/* Output kept per host: the board is a summary, the shell pane the full view. */
#define BOARD_MAX_OUTPUT (4u << 20)

typedef struct tui_board_row {
	eng_fanout_host h;          /* the host's record, as a fan-out keeps one */
	char *error;                /* owned text behind h.error */
	char signal[32];            /* behind h.signal */
	eng_exec *x;                /* its command while it runs */
	tui_buf out;                /* stdout and stderr, interleaved as they came */
	int group;                  /* index of the first host with the same result */
	int count;                  /* hosts in this group (for the first) */
} tui_board_row;

struct tui_board {
	tui_console *con;
	char *command;
	char *label;                /* the command as typed ("sudo -u pg ..."): drawn */
	eng_sudo *sudo;             /* under drover's sudo: its password, for re-runs too */
	cfg_host *hosts;
	size_t n;
	tui_board_row *rows;
	eng_exec_opts xo;           /* timeout from the inventory / command line */
	size_t max_parallel, running, next;
	int sel, top;
	int grouped;
	int detail;                 /* showing one host's (or group's) output */
	int detail_top;
	int detail_diff;            /* ... as a diff against the majority (key d) */
	tui_buf diff;               /* that diff, made when asked (drawing only reads) */
	int finished;
	int closing;                /* closed while running: freed by the last exec */
};

/* Row i is shown: not folded into an earlier host's group. */
static inline int
tui__board_visible(const tui_board *b, size_t i)
{
	return !b->grouped || b->rows[i].group == (int)i;
}

/* The host names of row i's group, folded ("n[001-005,009]"), malloc'd. */
char *tui__board_group_names(const tui_board *b, size_t i);

#endif
