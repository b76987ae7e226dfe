/*
 * tests/support/engtest.h - shared by the engine tests (one Criterion
 * executable per tests/engine/test_*.c): a uv loop with an engine context,
 * a scripted prompt answerer that records every question, recorders for
 * connection state changes and exec output, a watchdog that fails a test
 * whose loop does not drain in time, and helpers that look at the demo
 * fleet from outside (sshd logs, remote processes of *this* fleet only).
 *
 * Compiled once (tests/support/engtest.c) into every engine test.
 */
#ifndef DROVER_ENGTEST_H
#define DROVER_ENGTEST_H

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "engine/engine.h"
#include "testutil.h"


#define ET_MAXST 32
#define ET_MAXPROMPTS 16

/*
 * 1: every test asserts in et_fini that no file descriptor was left open
 * (a test that opens descriptors on purpose clears e->check_fds).
 */
#define ET_CHECK_FDS_DEFAULT 1

/* tu_fleet, cached: one reachable copy per key (clean under LeakSanitizer). */
const char *et_fleet(const char *key);

/* ---- prompts ------------------------------------------------------------ */

typedef struct et_pending {
	uv_timer_t t;
	eng_conn *c;        /* NULL once the engine cancelled the prompt */
	char *answer;       /* NULL declines */
	struct et_pending *next;
} et_pending;

typedef struct et_prompter {
	int n;                          /* prompts asked */
	eng_prompt_kind kind[ET_MAXPROMPTS];
	char host[ET_MAXPROMPTS][64];
	char text[ET_MAXPROMPTS][512];
	char detail[ET_MAXPROMPTS][512];
	int echo[ET_MAXPROMPTS];
	/* the i-th prompt gets answers[min(i, nanswers - 1)]; none: decline */
	const char *answers[ET_MAXPROMPTS];
	int nanswers;
	int delay_ms;                   /* > 0: answer later, from a timer */
	int cancels;                    /* prompt_cancel calls */
	et_pending *pending;
	uv_loop_t *loop;
} et_prompter;

void et_pending_closed(uv_handle_t *h);

void et_pending_fire(uv_timer_t *t);

void et_prompt_cb(eng_conn *c, const eng_prompt *p, void *ud);

void et_prompt_cancel_cb(eng_conn *c, void *ud);

/* ---- loop, context, watchdog -------------------------------------------- */

typedef struct et_env {
	uv_loop_t loop;
	eng_ctx *ctx;
	et_prompter pr;
	uv_timer_t guard;
	int guard_fired;
	double t0;
	char *tmp;                      /* scratch dir, removed by et_fini */
	int nfds;                       /* open fds before the engine existed */
	char fdlist[2048];
	int check_fds;                  /* et_fini: assert no fd was left open */
} et_env;

/* Open file descriptors of this process, with a listing for messages. */
int et_count_fds(char *list, size_t len);

void et_guard_fire(uv_timer_t *t);

/*
 * Loop + context. SSH_AUTH_SOCK is removed: a developer's own agent must not
 * make auth tests pass (tests of the agent set it again themselves).
 */
void et_init(et_env *e, int max_handshakes);


const char *et_tmp(et_env *e);

/* For a suite's .fini: removes the scratch dir a failed test left behind. */
void et_cleanup(void);

/*
 * Runs the loop until nothing is left to do (every conn closed or failed,
 * every handle closed); fails the test if that takes longer than limit_s.
 */
void et_run(et_env *e, double limit_s);

void et_walk_report(uv_handle_t *h, void *arg);

/* Frees the context after the loop drained; every handle must be closed. */
void et_fini(et_env *e);

/* ---- connections -------------------------------------------------------- */

typedef struct et_conn et_conn;
struct et_conn {
	et_env *e;
	eng_conn *c;                    /* NULL after CLOSED/FAILED */
	char name[256];
	eng_conn_state st[ET_MAXST];
	double at[ET_MAXST];            /* seconds since et_init */
	int nst;
	int final;
	eng_fail fail;                  /* copied on CLOSED/FAILED */
	char error[1024];
	int has_error;
	double t_open, t_ready, t_final;
	int close_on_ready;             /* eng_conn_close from on_state(READY) */
	int execs_open;                 /* started, on_done not yet seen */
	int close_when_idle;            /* close after the last exec ends */
	void (*hook)(et_conn *ec, eng_conn_state st);
	void *ud;
};

void et_conn_state_cb(eng_conn *c, eng_conn_state st, void *ud);

void et_conn_opts_init(eng_conn_opts *o, const char *name);

void et_open(et_env *e, et_conn *ec, const eng_conn_opts *o);

int et_saw(const et_conn *ec, eng_conn_state st);

/* "resolving connecting ... " for messages. */
const char *et_states_str(const et_conn *ec);

void et_assert_ready_closed(const et_conn *ec);

void et_assert_failed_any(const et_conn *ec, eng_fail f);

/* Failed with f, never having been ready. */
void et_assert_failed(const et_conn *ec, eng_fail f);

/* ---- exec --------------------------------------------------------------- */

typedef struct et_exec et_exec;
struct et_exec {
	et_conn *ec;
	eng_exec *x;
	char *out, *err;
	size_t outlen, errlen, outcap, errcap;
	uint64_t sum_out, sum_err;      /* sum of chunk lengths */
	int nchunks;
	int done, ndone;
	double t_start, t_first, t_done;
	eng_conn_state conn_state_at_first;   /* conn state at the first chunk */
	int exit_status;
	char signal[32];
	int has_signal, timed_out, killed;
	char error[512];
	int has_error;
	eng_fail fail;
	uint64_t out_bytes, err_bytes;
	void (*hook)(et_exec *ex);      /* after on_done was recorded */
	void *ud;
};

void et_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n);

void et_exec_data_cb(eng_exec *x, int stream, const char *buf, size_t len, void *ud);

void et_exec_done_cb(eng_exec *x, const eng_exec_result *r, void *ud);

void et_exec_start_opts(et_conn *ec, et_exec *ex, const char *cmd, const eng_exec_opts *o);

void et_exec_start(et_conn *ec, et_exec *ex, const char *cmd, int timeout_ms);

void et_exec_free(et_exec *ex);

/* ---- looking at the fleet from outside ---------------------------------- */

/* Size of a file, 0 if missing. */
size_t et_file_size(const char *path);

/* Bytes appended to path since offset `mark` (NUL-terminated, caller frees). */
char *et_file_since(const char *path, size_t mark);

char *et_hostdir_file(int host, const char *file);

/* "SHA256:..." of a public key file. */
char *et_fingerprint(const char *pubfile);

/*
 * Waits up to secs for `needle` in what h<host>'s sshd logged after `mark`;
 * returns the new log text (caller frees) and sets *found.
 */
char *et_sshd_log_wait(int host, size_t mark, const char *needle, double secs, int *found);

/* The first line in s containing both a and b (copy, caller frees) or NULL. */
char *et_line_with(const char *s, const char *a, const char *b);

/*
 * Waits up to secs for a line with a (and b, if not NULL) in what h<host>'s
 * sshd logged after `mark`; returns that line or NULL, *log gets the text.
 */
char *et_sshd_log_line(int host, size_t mark, const char *a, const char *b, double secs,
    char **log);

size_t et_sshd_log_mark(int host);

/* 1 if /proc/pid/environ has DROVER_FLEET_HOST set to a host dir of our fleet. */
int et_pid_in_fleet(long pid);

/*
 * Pids of live processes started through *this* fleet's sshds whose command
 * line matches the extended regex `pattern` (pgrep -f). Write the pattern so
 * that it does not match itself, e.g. 'sleep 4141[4]'. Returns the count and
 * fills pids (up to max).
 */
int et_remote_pids(const char *pattern, long *pids, int max);

/* Waits up to secs until no process matches; returns how many are left. */
int et_remote_wait_gone(const char *pattern, double secs);

/* Kills (SIGKILL) whatever of ours still matches: cleanup after a failure. */
void et_remote_kill(const char *pattern);

/* Parent pid and command line of pid; 0 on failure. */
long et_proc_info(long pid, char *cmdline, size_t len);

/* ---- sockets for unreachable endpoints ---------------------------------- */

/* A TCP socket bound to 127.0.0.1:0; *port gets the port. */
int et_bound_socket(int *port);

/* Whole file into a malloc'd NUL-terminated string (the fleet's secrets). */
char *et_secret(const char *fleet_key);

/* Writes data to dir/name, returns the path (caller frees). */
char *et_write(const char *dir, const char *name, const char *data);

#endif
