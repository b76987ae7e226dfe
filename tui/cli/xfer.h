/*
 * tui/cli/xfer.h - private to the transfer commands (xfer*.c): the host
 * runner they share (xfer_run.c) and the commands' entry points.
 *
 * The runner is exec's fan-out rules for work that is not one command:
 * a connection per host, at most -f hosts in flight, the command's job
 * started when a host's connection is ready, per-host final states
 * (eng_fanout_host, so the batch printers, the summary and the exit code
 * are exec's), Ctrl-C once: start no more hosts, twice: cancel the jobs,
 * three times: exit at once. TERM and HUP abort like Ctrl-C twice.
 */
#ifndef DROVER_TUI_CLI_XFER_H
#define DROVER_TUI_CLI_XFER_H

#include "tui/cli/cli.h"

typedef struct xrun xrun;

typedef struct xhost {
	xrun *r;
	size_t idx;
	eng_conn *c;                /* NULL once closed */
	eng_fanout_host pub;        /* state, error, times: the batch printers' view */
	char *error;
	int ready;                  /* the job was started on c */
	int again;                  /* c is a reconnect (xrun_reconnect) */
	int final;
	int slot;                   /* counted in r->running */
	void *job;                  /* the command's */
} xhost;

typedef struct xrun_ops {
	/* h's connection is ready (again, after xrun_reconnect). */
	void (*start)(xhost *h);
	/* Abort: end h's work soon; it still calls xrun_host_done. */
	void (*cancel)(xhost *h);
	/* h reached its final state (after the batch printer saw it). */
	void (*host_done)(xhost *h);
	/*
	 * h's connection ended before its job did (the job goes on ending),
	 * or a reconnect failed (h->again; eng_conn_error said why: in error).
	 */
	void (*conn_lost)(xhost *h, const char *error);
	/* At the end of the run: free h->job. */
	void (*free_job)(xhost *h);
} xrun_ops;

struct xrun {
	tui_cli_common *cc;
	tui_cli_hosts *th;
	const xrun_ops *ops;
	void *ud;
	uv_loop_t *loop;
	eng_ctx *ctx;
	tui_ttyprompt *tp;
	tui_batch *batch;
	xhost *h;
	size_t n, next, running, nfinal;
	uv_signal_t sigint, sigterm, sighup;
	int interrupts, stopped, aborted, done, out_aborted;
	uint64_t t0;
	/* The loop exists and the hosts are about to start, may be NULL. */
	void (*on_start)(xrun *r);
	/* Before anything is printed to stderr (progress bars clear), may be NULL. */
	void (*before_print)(xrun *r);
};

/*
 * Runs the hosts of th to the end; bo: how the batch printer shows hosts
 * (its data and summary). Returns the exit code (exec's rules).
 */
int xrun_main(xrun *r, const tui_batch_opts *bo);
/* h's job ended: st one of OK, FAILED, UNREACHABLE, CANCELLED; error copied. */
void xrun_host_done(xhost *h, eng_host_state st, eng_fail fail, const char *error);
/* A new connection for h (its old one is gone): start() runs again on it. */
int xrun_reconnect(xhost *h);
/* Output that nobody reads any more: abort the run (exec's rule). */
void xrun_check_output(xrun *r);
/* Calls before_print: the caller prints to stderr next. */
void xrun_before_print(xrun *r);

#endif
