/*
 * tui/cli/xfer_int.h - put and get (xfer.c, xfer_show.c): a host's job and
 * the command's state.
 */
#ifndef DROVER_TUI_CLI_XFER_INT_H
#define DROVER_TUI_CLI_XFER_INT_H

#include <errno.h>

#include "tui/cli/xfer.h"

/* A tree's files and their SHA-256 (--skip-same=sum -r), sorted by path. */
typedef struct xsums {
	char **path, **hex;
	size_t n;
} xsums;

/* A host's job, in order. */
enum { XJ_WAIT, XJ_SUMS, XJ_XFER, XJ_VERIFY, XJ_CLEAN, XJ_DONE };

typedef struct xjob {
	xhost *h;
	int phase;                  /* XJ_* */
	eng_xfer *x;
	eng_xfer_progress prog;
	size_t nok, nfail, nskip;
	uint64_t bytes;             /* of the files copied */
	char *error;                /* the first problem, for the host's line */
	char *local;                /* get: LOCALDIR/HOST */
	const char **src;           /* this host's sources (skip-same=sum drops some) */
	size_t nsrc;
	/* files copied: for --verify */
	char **ok_local, **ok_remote;
	size_t nokf;
	/* checksums: pending answers, and the results */
	int sums_pending;
	char **lsum, **rsum;
	size_t nlsum, nrsum;
	xsums *tree_local, *tree_remote;   /* --skip-same=sum -r: both sides */
	char **sum, **sum_path;     /* verified digests (json) */
	size_t nsum;
	int verified;
	char **leftover;            /* remote temporaries to remove after a reconnect */
	size_t nleftover;
	int cancelled, conn_gone;
	eng_sftp *clean;
	size_t clean_next, clean_pending;
} xjob;

typedef struct xcli {
	xrun run;
	tui_cli_common cc;
	tui_cli_hosts th;
	eng_xfer_dir dir;
	int recursive, preserve, resume, verify;
	int skip_same;              /* 0, 1 size+mtime, 2 checksum */
	const char **src;           /* LOCAL... (put) or REMOTE... (get) */
	size_t nsrc;
	const char *dst;            /* REMOTE (put) or LOCALDIR (get) */
	unsigned char *data;        /* put '-': stdin, read once */
	size_t datalen;
	int use_data;
	int bars;                   /* progress on the terminal */
	int drawn;                  /* bar lines on the screen now */
	uv_timer_t bar_timer;
	int out_errno;
	/* put --skip-same=sum -r: the local trees, hashed once for every host */
	xsums *put_sums;
	int put_sums_state;         /* 0 not started, 1 hashing, 2 done */
	xjob **put_sums_wait;
	size_t nput_sums_wait;
} xcli;

/* xfer.c */
void xfer_set_error(xjob *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xfer_finish(xjob *j);                    /* the host's final state */
void xfer_note(xjob *j, const char *what);    /* "drover: HOST: what" on stderr */
void xfer_start(xjob *j);                     /* the copy itself */
/* xfer_check.c */
void xfer_verify_start(xjob *j);
void xfer_sums_start(xjob *j);
void xfer_tree_sums_start(xjob *j);
int xfer_tree_same(const char *src, const char *dst, void *ud);
void xfer_tree_sums_free(xjob *j);
void xfer_put_sums_free(xcli *x);
void xfer_free_strv(char **v, size_t n);
/* xfer_show.c */
void xfer_human(uint64_t n, char *buf, size_t len);
void xfer_show_start(xrun *r);
void xfer_show_clear(xrun *r);
void xfer_show_json(xcli *x, xhost *h);

#endif
