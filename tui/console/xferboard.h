/*
 * tui/console/xferboard.h - the transfer board's state, shared by
 * xferboard.c (the transfers, keys) and xferboard_draw.c (drawing) only.
 */
#ifndef DROVER_TUI_XFERBOARD_H
#define DROVER_TUI_XFERBOARD_H

#include "tui/console/console.h"

enum { XB_QUEUED, XB_RUNNING, XB_OK, XB_FAILED, XB_CANCELLED };

typedef struct tui_xrow {
	char *name;                 /* the host (its pane's) */
	eng_xfer *x;                /* while it runs */
	eng_xfer_progress prog;
	int st;                     /* XB_* */
	char *error;
	char *local;                /* get: LOCALDIR/HOST */
	uint64_t start_ms, end_ms;
	uint64_t rate_ms, rate_bytes;   /* the last rate sample */
	double rate;                /* bytes/s, smoothed */
	struct tui_xboard *xb;
} tui_xrow;

struct tui_xboard {
	tui_console *con;
	eng_xfer_dir dir;
	char *label;                /* "put a b -> /dst" as typed, paths made absolute */
	char **src;                 /* put: local (absolute), get: remote */
	size_t nsrc;
	char *dst;                  /* put: remote, get: local directory (absolute) */
	eng_xfer_opts o;
	tui_xrow *rows;
	size_t n;
	int running;
	int sel, top;
	int closing;                /* closed while running: freed by the last transfer */
};

/* Counts of rows by state, for the header and the status line. */
void tui__xboard_counts(const tui_xboard *xb, int count[XB_CANCELLED + 1]);

#endif
