/*
 * tui/cli/cli.h - shared by the headless commands (exec now; put, get, tail
 * and ctl next): the batch printers that turn fan-out events into stream,
 * grouped or JSON output, and the /dev/tty prompter for secrets.
 */
#ifndef DROVER_TUI_CLI_H
#define DROVER_TUI_CLI_H

#include <stdint.h>

#include "config/config.h"
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

/*
 * cliopts.c: the options every command that reaches hosts takes, and its
 * TARGETS turned into hosts. Messages start "drover CMD:".
 */
typedef struct tui_cli_common {
	const char *cmd;            /* "exec", "put" ... */
	unsigned modes;             /* -o values taken: 1u << TUI_OUT_*; 0: no -o */
	char port_letter;           /* 'p' (exec: -p PORT) or 'P' (put/get: -p keeps modes) */
	int fds_per_host;           /* descriptors a host holds besides its conn's */
	const char *inventory, *targets, *log;
	cfg_overrides ov;           /* -F -l -p -k --auth -f ... */
	const char **keys;          /* -k, NULL-terminated (owned array) */
	size_t nkeys;
	int verbose, quiet;
	int color;                  /* -1 auto, 0, 1 */
	tui_out_mode mode;
} tui_cli_common;

/* "drover CMD: message" + the --help hint on stderr; returns TUI_EXIT_USAGE. */
int tui_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The option's value: after '=' ("--color=never") or the next word; -1 said why. */
int tui_cli_value(const char *cmd, int argc, char **argv, int *i, const char **out,
    const tui_arg *o);
/* A flag written with "=value" is a mistake worth saying: -1. */
int tui_cli_flag(const char *cmd, const tui_arg *o);
int tui_cli_int(const char *cmd, const char *opt, const char *v, int min, int max, int *out);
/*
 * One of the shared options (-F -i -f --connect-timeout --keepalive
 * --max-handshakes -l -p/-P -k --auth --accept-new -o --log --color -v -vv
 * -q) at argv[*i], split into o: 1 taken, 0 not one of them, -1 bad (said).
 */
int tui_cli_option(tui_cli_common *cc, int argc, char **argv, int *i, const tui_arg *o);
int tui_cli_want_color(int setting, int fd);

typedef struct tui_cli_hosts {
	cfg_inventory *inv;
	cfg_host *hosts;
	size_t n;
	cfg_run run;                /* run.conn[i] for hosts[i]; fan-out clamped to the fds */
	const char **names;         /* hosts[i].name */
} tui_cli_hosts;

/* Inventory + aliases + TARGETS + options: 0, or an exit code (said why). */
int tui_cli_resolve(tui_cli_common *cc, tui_cli_hosts *out);
void tui_cli_hosts_free(tui_cli_hosts *h);

typedef struct tui_batch_opts {
	tui_out_mode mode;
	const char *outdir;     /* raw per-host files, NULL for none */
	int color_out, color_err;
	int verbose;            /* a line per finished host */
	int quiet;              /* no summary */
	int live;               /* -o group on a terminal: tui_batch_live redraws */
} tui_batch_opts;

typedef struct tui_batch tui_batch;

tui_batch *tui_batch_new(const tui_batch_opts *o, size_t n, const char *const *names);
/* Creates the output directory; -1 with *cause on error. */
int tui_batch_prepare(tui_batch *b, char **cause);
void tui_batch_data(tui_batch *b, size_t host, int stream, const char *buf, size_t len);
void tui_batch_host_done(tui_batch *b, size_t host, const eng_fanout_host *h);
/* Redraws the live group view if something changed (rows x cols terminal). */
void tui_batch_live(tui_batch *b, const eng_fanout *f, int rows, int cols);
/* --cli: command `cmd` of host answered buf (raw bytes). */
void tui_batch_command(tui_batch *b, size_t host, const char *cmd, const char *buf,
    size_t len);
/* errno of a failed write to stdout (EPIPE: closed), 0 if none. */
int tui_batch_write_error(const tui_batch *b);
/* Grouped output (if any) and the summary; returns the exit code. */
int tui_batch_finish(tui_batch *b, const eng_fanout *f, uint64_t total_ms);
/* The same for hosts run without a fan-out (transfers): hosts[i] per host. */
int tui_batch_finish_hosts(tui_batch *b, const eng_fanout_host *const *hosts,
    uint64_t total_ms);
void tui_batch_free(tui_batch *b);

/*
 * Records a finished run (ok and failed hosts) in the record of past runs
 * that @failed / @ok read; -1 with *cause if it cannot be written.
 */
int tui_lastrun_record(const char *command, const eng_fanout *f, char **cause);


/*
 * secret.c: one secret for the whole run (sudo password, enable secret),
 * asked before any host is contacted: SSH_ASKPASS when there is no
 * terminal or SSH_ASKPASS_REQUIRE=force, else /dev/tty with echo off.
 * -1 with *cause when there is neither. Free with tui_secret_free (wipes).
 */
int tui_secret_ask(const char *question, char **out, char **cause);
void tui_secret_free(char *s);

/* input.c: drover's stdin read once for every host (see there). */
typedef struct tui_input {
	const char *data;   /* NULL: no input (terminal, closed); else len bytes */
	size_t len;
	void *map;          /* private */
	size_t maplen;
	char *heap;
} tui_input;
int tui_input_load(tui_input *in, char **cause);
void tui_input_free(tui_input *in);

/* drover tail --outdir (tail_out.c): lines appended to DIR/HOST/FILE. */
typedef struct tui_tail_out tui_tail_out;
int tui_tail_out_new(const char *dir, tui_tail_out **out, char **cause);
/* file NULL: a command's output. -1: this file failed (reported on stderr). */
int tui_tail_out_write(tui_tail_out *o, const char *host, const char *file,
    const char *buf, size_t len, int newline);
void tui_tail_out_free(tui_tail_out *o);

/* Headless prompts on /dev/tty with echo off; declines when there is none. */
typedef struct tui_ttyprompt tui_ttyprompt;
tui_ttyprompt *tui_ttyprompt_new(uv_loop_t *loop);
void tui_ttyprompt_ask(eng_conn *c, const eng_prompt *p, void *ud);
void tui_ttyprompt_cancel(eng_conn *c, void *ud);
/* eng_ctx_opts.warn: a notice on stderr, kept apart from a pending prompt. */
void tui_ttyprompt_warn(const char *host, const char *text, void *ud);
void tui_ttyprompt_free(tui_ttyprompt *t);   /* restores the terminal */

#endif
