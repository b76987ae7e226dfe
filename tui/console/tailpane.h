/*
 * tui/console/tailpane.h - the tail pane's state, shared by tailpane.c
 * (the tails, the ring of lines, keys) and tailpane_draw.c (drawing) only.
 */
#ifndef DROVER_TUI_TAILPANE_H
#define DROVER_TUI_TAILPANE_H

#include <regex.h>

#include "tui/console/console.h"

/* Lines kept: the view scrolls back this far; older ones are dropped. */
#define TAILPANE_RING 20000u
#define TAILPANE_MAXLINE 4096u  /* bytes of a line kept for display */

typedef struct tui_tail_src {
	char *name;                 /* the host (pane name) */
	int color;                  /* host colour slot: CFG_EL_HOST_1 + color % 8 */
	eng_tail *t;
	eng_conn *c;                /* the conn it runs on (the pane's) */
	eng_tail_state st;
	struct tui_tailpane *tp;
} tui_tail_src;

typedef struct tui_tail_line {
	uint32_t src;
	uint32_t flags;             /* ENG_TAIL_PARTIAL..., or TAILPANE_MARK */
	uint32_t gen;               /* filter generation of `pass` */
	int pass;                   /* passes the include / exclude filters */
	char *text;                 /* raw remote bytes (sanitised when drawn) */
	size_t len;
} tui_tail_line;

#define TAILPANE_MARK 0x100u

enum { TP_EDIT_NONE, TP_EDIT_PATH, TP_EDIT_INCLUDE, TP_EDIT_EXCLUDE, TP_EDIT_HIGHLIGHT,
	TP_EDIT_SEARCH };

struct tui_tailpane {
	tui_console *con;
	char *path;
	char **targets;             /* host names to follow (opened before the path) */
	size_t ntargets;
	tui_tail_src *src;
	size_t nsrc;
	tui_tail_line *ring;        /* TAILPANE_RING entries, line seq s at s % RING */
	uint64_t total;             /* lines ever added: the next seq */
	int paused;
	int split;                  /* a band per host instead of one merged view (key s) */
	uint64_t anchor;            /* paused: seq of the bottom line shown */
	uint64_t paused_total;      /* total when paused: what came since is "new" */
	char inc[256], exc[256], hl[256], search[256];
	regex_t inc_re, exc_re, hl_re;
	int have_inc, have_exc, have_hl;
	uint32_t gen;               /* bumped when inc / exc change */
	int edit;                   /* TP_EDIT_* being typed */
	char ebuf[256];
	size_t elen;
	char msg[160];              /* a one-line note (bad regex, not found) */
	uv_timer_t rebind;          /* continues detached tails on reconnected panes */
	int closing;
};

/* 1 if line seq passes the include / exclude filters (cached per line). */
int tui__tailpane_pass(tui_tailpane *tp, uint64_t seq);
/* The oldest seq still in the ring. */
uint64_t tui__tailpane_oldest(const tui_tailpane *tp);

#endif
