/*
 * tui/cli/batch_int.h - the result batch's insides, shared by batch.c (the
 * results, files and final print) and batch_live.c (the live view).
 */
#ifndef DROVER_TUI_CLI_BATCH_INT_H
#define DROVER_TUI_CLI_BATCH_INT_H

#include <stdio.h>

#include "tui/cli/cli.h"

typedef struct bhost {
	char *name;         /* sanitised */
	tui_buf line[3];    /* partial line per stream (stream mode) */
	tui_buf cap[3];     /* output kept per stream (group/json), at most b->cap */
	uint64_t total[3];  /* bytes the host sent per stream */
	int fd[3];          /* --outdir temp files */
	char *tmp[3], *dst[3];
	int werr;
	int done;
} bhost;

struct tui_batch {
	tui_batch_opts o;
	size_t n;
	bhost *h;
	size_t cap;         /* bytes kept per host and stream */
	int out_errno;      /* a write to stdout failed */
	int live_lines;     /* rows of the live view on screen now */
	int live_dirty;
	int file_errno;     /* a write under --outdir failed */
};

/* Writes to stdout / stderr; a failed write to stdout is remembered. */
void tui__batch_out_write(tui_batch *b, FILE *f, const char *p, size_t len);
void tui__batch_out_flush(tui_batch *b);
/* Sorts host indexes ord[0..n) so that equal results (grouping) are adjacent. */
void tui__batch_order(const tui_batch *b, const eng_fanout_host *const *hosts, size_t *ord,
    size_t n);
/* After tui__batch_order: hosts i and j have the same result. */
int tui__batch_same(size_t i, size_t j);

#endif
