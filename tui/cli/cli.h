/*
 * tui/cli/cli.h - shared by the headless commands (exec now; put, get, tail
 * and ctl next): the batch printers that turn fan-out events into stream,
 * grouped or JSON output, and the /dev/tty prompter for secrets.
 */
#ifndef DROVER_TUI_CLI_H
#define DROVER_TUI_CLI_H

#include <stdint.h>

#include "engine/engine.h"
#include "tui/tui.h"

/* Exit codes of the headless commands (documented in their --help). */
enum {
	TUI_EXIT_OK = 0,
	TUI_EXIT_FAILED = 1,        /* a command failed or timed out */
	TUI_EXIT_USAGE = 2,         /* usage or config error */
	TUI_EXIT_IOERR = 74,        /* writing output failed (sysexits' EX_IOERR) */
	TUI_EXIT_INTERRUPTED = 130, /* Ctrl-C (once or twice), TERM or HUP */
	TUI_EXIT_PIPE = 141,        /* stdout closed (128 + SIGPIPE, as shells show it) */
	TUI_EXIT_UNREACHABLE = 255  /* a host unreachable or refused (host key, auth) */
};

typedef enum { TUI_OUT_STREAM, TUI_OUT_GROUP, TUI_OUT_JSON, TUI_OUT_NONE, TUI_OUT_DIFF } tui_out_mode;

typedef struct tui_batch_opts {
	tui_out_mode mode;
	const char *outdir;     /* raw per-host files, NULL for none */
	int color_out, color_err;
	int verbose;            /* a line per finished host */
	int quiet;              /* no summary */
} tui_batch_opts;

typedef struct tui_batch tui_batch;

tui_batch *tui_batch_new(const tui_batch_opts *o, size_t n, const char *const *names);
/* Creates the output directory; -1 with *cause on error. */
int tui_batch_prepare(tui_batch *b, char **cause);
void tui_batch_data(tui_batch *b, size_t host, int stream, const char *buf, size_t len);
void tui_batch_host_done(tui_batch *b, size_t host, const eng_fanout_host *h);
/* errno of a failed write to stdout (EPIPE: closed), 0 if none. */
int tui_batch_write_error(const tui_batch *b);
/* Grouped output (if any) and the summary; returns the exit code. */
int tui_batch_finish(tui_batch *b, const eng_fanout *f, uint64_t total_ms);
void tui_batch_free(tui_batch *b);

/*
 * Records a finished run (ok and failed hosts) in the record of past runs
 * that @failed / @ok read; -1 with *cause if it cannot be written.
 */
int tui_lastrun_record(const char *command, const eng_fanout *f, char **cause);

/*
 * diff.c: a unified diff of b against a (lines, sanitised) into out, with
 * "--- name_a" / "+++ name_b" headers; -1 (nothing written) if the two
 * are too large to compare line by line.
 */
int tui_diff(tui_buf *out, const char *a, size_t alen, const char *b, size_t blen,
    const char *name_a, const char *name_b);

/* Headless prompts on /dev/tty with echo off; declines when there is none. */
typedef struct tui_ttyprompt tui_ttyprompt;
tui_ttyprompt *tui_ttyprompt_new(uv_loop_t *loop);
void tui_ttyprompt_ask(eng_conn *c, const eng_prompt *p, void *ud);
void tui_ttyprompt_cancel(eng_conn *c, void *ud);
/* eng_ctx_opts.warn: a notice on stderr, kept apart from a pending prompt. */
void tui_ttyprompt_warn(const char *host, const char *text, void *ud);
void tui_ttyprompt_free(tui_ttyprompt *t);   /* restores the terminal */

#endif
