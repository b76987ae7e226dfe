/*
 * tui/tui.h - drover's front ends, as main.c sees them: the console
 * (tui/console/), the headless commands (tui/cli/), and what both use:
 * a growable buffer, the sanitiser, host-name folding, result grouping and
 * option spelling (the files at the top of tui/).
 */
#ifndef DROVER_TUI_H
#define DROVER_TUI_H

#include <stddef.h>

#include "engine/engine.h"
#include "util/util.h"

/* `drover [TARGETS]`: the console; returns the process exit code. */
int tui_console_run(int argc, char **argv, const char *ssh_config, const char *inventory);

/* What a starting client hands its session server (session/client.c). */
typedef struct tui_serve_opts {
	const char *dir, *name;     /* socket directory and session name */
	int rows, cols;             /* the first client's terminal */
	const char *term;
	int errfd;                  /* start-up errors go here, closed once up */
} tui_serve_opts;
/*
 * The console as session name's server, on a pseudo-terminal of its own
 * (called in the daemon the client forked); returns the exit code.
 */
int tui_console_serve(const tui_serve_opts *o, int argc, char **argv,
    const char *ssh_config, const char *inventory);
/* The console's --help text to stdout; returns 0. */
int tui_console_help(void);

/* `drover [-s NAME] [TARGETS]`: a new session, attached (session/client.c). */
int tui_session_main(int argc, char **argv, const char *ssh_config, const char *inventory);
int tui_cli_attach(int argc, char **argv);
int tui_cli_sessions(int argc, char **argv);
int tui_cli_kill_session(int argc, char **argv);
int tui_cli_kill_server(int argc, char **argv);
int tui_cli_ctl(int argc, char **argv);
int tui_cli_save(int argc, char **argv);

/* `drover tail …`; returns the process exit code. */
int tui_cli_tail(int argc, char **argv, const char *ssh_config, const char *inventory);

/* `drover exec …`; returns the process exit code. */
int tui_cli_exec(int argc, char **argv, const char *ssh_config, const char *inventory);

/* `drover put|get|ls|cat …` (cli/xfer*.c); return the process exit code. */
int tui_cli_put(int argc, char **argv, const char *ssh_config, const char *inventory);
int tui_cli_get(int argc, char **argv, const char *ssh_config, const char *inventory);
int tui_cli_ls(int argc, char **argv, const char *ssh_config, const char *inventory);
int tui_cli_cat(int argc, char **argv, const char *ssh_config, const char *inventory);

/* `drover --version`: drover's version and the libraries' (cli/version.c). */
int tui_cli_version(void);
/* `drover demo [N] [ARGS]`: the demo fleet around drover (cli/demo.c). */
int tui_cli_demo(int argc, char **argv, const char *ssh_config, const char *inventory);
/* `drover complete WORDS...`: the shell completion query (cli/complete.c). */
int tui_cli_complete(int argc, char **argv, const char *ssh_config, const char *inventory);

/* The curses library the console runs with, "ncurses 6.4.20221231". */
const char *tui_console_curses_version(void);
/* The console's layout names by index, NULL past the last. */
const char *tui_console_layout_at(int i);

/* Appends a terminal-safe rendering of remote bytes to a malloc'd buffer. */
typedef struct tui_buf {
	char *p;
	size_t len, cap;
} tui_buf;

void tui_buf_add(tui_buf *b, const void *data, size_t len);
void tui_buf_addstr(tui_buf *b, const char *s);
void tui_buf_addf(tui_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *tui_buf_str(tui_buf *b);   /* NUL-terminated view */
void tui_buf_reset(tui_buf *b);
void tui_buf_free(tui_buf *b);

/*
 * Remote text made safe for a terminal: control bytes, C1 controls,
 * bidirectional overrides, invisible format characters (U+200B, U+2028,
 * U+FEFF ...) and invalid UTF-8 are shown escaped (\e, \r, \xHH,
 * \u202e); printable UTF-8 and tabs pass. Backslashes are not escaped.
 */
void tui_sanitize(tui_buf *out, const char *in, size_t len);
/* Same for a NUL-terminated string, into a static-free malloc'd copy. */
char *tui_sanitize_str(const char *s);
/* JSON string body: ", \, controls, C1, bidi and format characters escaped;
 * invalid UTF-8 -> U+FFFD. */
void tui_json_escape(tui_buf *out, const char *in, size_t len);

/*
 * One host's result as grouping sees it: its fan-out record and output
 * (err NULL when stdout and stderr are kept together).
 */
typedef struct tui_result {
	const eng_fanout_host *host;
	const tui_buf *out, *err;
} tui_result;
/*
 * Orders results; 0 means the same result (grouped together): same state,
 * exit status, signal, output and, for hosts that never ran, the same reason.
 */
int tui_result_cmp(const tui_result *a, const tui_result *b);

/*
 * A host's final state in words for people: "ok", "failed", "timeout",
 * and for hosts that never ran what happened: "auth failed", "host key",
 * "lost" (the link died during the command), "unreachable".
 */
const char *tui_host_state_label(const eng_fanout_host *h);

/*
 * The same as one of TUI_OUTCOMES outcomes (summaries count them), and as
 * a JSON word: "ok", "failed", "timeout", "unreachable", "auth_failed",
 * "host_key", "lost", "cancelled".
 */
enum { TUI_OUTCOMES = 8 };
int tui_host_outcome(const eng_fanout_host *h);
const char *tui_outcome_label(int outcome);
const char *tui_outcome_word(int outcome);

/* A host's name made safe as one file name (get's LOCALDIR/HOST), malloc'd. */
char *tui_host_dirname(const char *host);

/* Reconnect policy (backoff.c): worth another try? */
int tui_backoff_transient(eng_fail f);
/* The wait before try number attempt (1, 2 ...): jittered, at most max_ms. */
uint64_t tui_backoff_delay(int attempt, uint64_t max_ms, uint32_t *rng);

/* One command-line word as an option: "--color=never" -> "--color", "never". */
typedef struct tui_arg {
	char name[64];          /* the option without any "=value" */
	const char *value;      /* after '=', NULL if none (points into the word) */
} tui_arg;
void tui_arg_split(const char *word, tui_arg *out);
/* drover's subcommands, NULL-terminated. */
extern const char *const tui_subcommand_names[];
/* The word of words within two edits of word (a typo), NULL if none. */
const char *tui_suggest(const char *word, const char *const *words);

/* Folds host names into ranges: h1,h2,h3,web1 -> "h[1-3],web1". */
char *tui_fold_hosts(const char *const *names, size_t n);

/*
 * tui/cli/diff.c (exec -o diff, the console board's d key): a unified
 * diff of b against a (lines, sanitised) into out, with "--- name_a" /
 * "+++ name_b" headers; -1 (nothing written) if the two are too large to
 * compare line by line.
 */
int tui_diff(tui_buf *out, const char *a, size_t alen, const char *b, size_t blen,
    const char *name_a, const char *name_b);

#endif
