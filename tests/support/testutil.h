/*
 * tests/support/testutil.h - shared by the engine and CLI tests: the demo
 * fleet's facts (fleet.env written by tests/fleet/fleet.sh), running the
 * drover binary with captured stdout/stderr (optionally inside a pty that
 * answers prompts), scratch directories, small file and process helpers.
 */
#ifndef DROVER_TESTUTIL_H
#define DROVER_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Value of KEY in $DROVER_FLEET/fleet.env; aborts the test if missing. */
const char *tu_fleet(const char *key);
/* 1 if fleet.env has KEY with a non-empty value. */
int tu_fleet_has(const char *key);

typedef struct tu_run {
	char *out, *err;        /* NUL-terminated; in pty mode both in out */
	size_t outlen, errlen;
	int status;             /* exit code, or 128+signal */
	double secs;
	int prompts;            /* pty mode: prompts answered */
} tu_run;

/*
 * Runs $DROVER_BIN with args (NULL-terminated), optional extra environment
 * entries ("K=V", NULL-terminated, may be NULL); SSH_AUTH_SOCK is removed
 * unless given in env. Fails the test if it runs longer than timeout_s.
 */
void tu_drover(tu_run *r, int timeout_s, const char *const *env, const char *const *args);
/*
 * Same inside a pseudo-terminal: whenever the output shows a new line
 * ending in `prompt_tail` (e.g. "password: "), writes answer + "\n"; an
 * answer "a\nb\nc" answers the prompts in turn, the last one repeating.
 */
void tu_drover_pty(tu_run *r, int timeout_s, const char *prompt_tail,
    const char *answer, const char *const *env, const char *const *args);
void tu_run_free(tu_run *r);

/* Output of `sh -c cmd` (stdout), exit status in *status if non-NULL. */
char *tu_sh(const char *cmd, int *status);

char *tu_read_file(const char *path, size_t *len);
void tu_write_file(const char *path, const char *data);
/* 1 if the two files have the same bytes (cmp -s). */
int tu_same_file(const char *a, const char *b);
/* mkdtemp under $TMPDIR or /tmp; tu_rmrf removes a tree. */
char *tu_tmpdir(void);
/* A tu_tmpdir both the test (root) and the fleet's user write in. */
char *tu_shared_dir(void);
char *tu_path2(const char *dir, const char *name);   /* "dir/name", allocated */
/* dir/name: len bytes from a seed (not compressible, differs by seed), 0644. */
char *tu_mkfile(const char *dir, const char *name, size_t len, unsigned seed);
void tu_rmrf(const char *path);
int tu_count(const char *hay, const char *needle);

/*
 * Starts drover-faultproxy (beside $DROVER_BIN) listening on 127.0.0.1, any
 * port, forwarding to target ("addr:port") with extra options (e.g. "-d",
 * "100"; NULL-terminated, may be NULL). Returns its pid; *port is where it
 * listens. tu_proxy_stop ends it and reaps it.
 */
pid_t tu_proxy_start(const char *target, const char *const *extra, int *port);
void tu_proxy_stop(pid_t pid);
/*
 * A proxy in front of the fleet's h1 with extra options, and an ssh config
 * in dir naming it "px" (h1's key known at the proxy's address, the fleet's
 * hosts after it). Returns the config's path (malloc'd); *pid the proxy.
 */
char *tu_proxy_h1(const char *dir, const char *const *extra, pid_t *pid);

/*
 * Driving a console inside tmux (a real terminal) on the tmux server named
 * sock: tu_tmux runs a tmux command (printf-style arguments), tu_tmux_screen
 * is what pane "t" shows, tu_tmux_wait polls it until needle shows up count
 * times (failing the test after secs, with the screen in the message).
 */
void tu_tmux(const char *sock, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *tu_tmux_screen(const char *sock);
char *tu_tmux_wait(const char *sock, const char *needle, int count, double secs);
double tu_now(void);

#endif
