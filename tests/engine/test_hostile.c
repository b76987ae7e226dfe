/*
 * tests/engine/test_hostile.c - the engine against a server that abuses the
 * protocol (tests/support/hostile_sshd.c, libssh's server API), always in
 * one fan-out with a real fleet host: no crash, the fleet host is never held
 * up, memory stays bounded, and what the engine reports (errors, signal
 * names) carries no control characters however the server dressed it.
 * Besides the exec abuses: channel request floods (some wanting replies),
 * a channel closed before the exec reply, channels the server opens
 * towards us (x11, forwarded-tcpip, an agent: refused), and the plaintext
 * part of the protocol written by hand (text before the banner, a huge
 * banner, a 4 GB packet length, an absurd KEXINIT, silence).
 */
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "engtest.h"

extern char **environ;

static pid_t hs_pid;

static void
hs_stop(void)
{
	if (hs_pid > 0) {
		kill(hs_pid, SIGKILL);   /* its children follow (PDEATHSIG) */
		waitpid(hs_pid, NULL, 0);
		hs_pid = 0;
	}
}

static void
suite_fini(void)
{
	hs_stop();
	et_cleanup();
}

TestSuite(hostile, .fini = suite_fini, .timeout = 120);

/* Starts the hostile server in mode on 127.0.0.1; returns its port. */
static int
hs_start(const char *mode)
{
	const char *bin = getenv("DROVER_HOSTILE");
	char *argv[] = { (char *)"hostile_sshd", (char *)"127.0.0.1", (char *)mode, NULL };
	posix_spawn_file_actions_t fa;
	char buf[64];
	int pfd[2], port = 0;
	ssize_t n;
	size_t got = 0;

	cr_assert_not_null(bin, "DROVER_HOSTILE not set (run through ctest)");
	cr_assert_eq(pipe(pfd), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	cr_assert_eq(posix_spawn(&hs_pid, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	while (got < sizeof(buf) - 1 && (n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n') != NULL)
			break;
	}
	close(pfd[0]);
	cr_assert(sscanf(buf, "PORT %d", &port) == 1, "hostile_sshd said '%.*s'", (int)got, buf);
	return port;
}

/* ---- one fan-out: [0] the hostile server, [1] fleet host h1 ---------------- */

typedef struct hr {
	et_env *e;
	eng_fanout *f;
	double t_start, t_end[2], t_done;
	uint64_t bytes[2];
	char out1[256];
	char out0[256];
	int done;
} hr;

static void
hr_state(eng_fanout *f, size_t i, void *ud)
{
	(void)f;
	(void)i;
	(void)ud;
}

static void
hr_data(eng_fanout *f, size_t i, int stream, const char *buf, size_t len, void *ud)
{
	hr *r = ud;
	size_t have;

	(void)f;
	(void)stream;
	r->bytes[i] += len;
	if (i == 0 && (have = strlen(r->out0)) + len < sizeof(r->out0)) {
		memcpy(r->out0 + have, buf, len);
		r->out0[have + len] = '\0';
	}
	if (i == 1 && (have = strlen(r->out1)) + len < sizeof(r->out1)) {
		memcpy(r->out1 + have, buf, len);
		r->out1[have + len] = '\0';
	}
}

static void
hr_host_done(eng_fanout *f, size_t i, void *ud)
{
	hr *r = ud;

	(void)f;
	r->t_end[i] = tu_now();
}

static void
hr_done(eng_fanout *f, void *ud)
{
	hr *r = ud;

	(void)f;
	r->done = 1;
	r->t_done = tu_now();
}

static const eng_fanout_cbs hr_cbs = { hr_state, hr_data, hr_host_done, hr_done };

/*
 * Peak resident size. Under AddressSanitizer freed memory sits in a
 * quarantine instead of being reused, so churn looks like growth: the
 * bounds are checked in the plain build only.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_BOUND_KB(kb) (1L << 40)
#else
#define RSS_BOUND_KB(kb) (kb)
#endif

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* No control character, bounded length. */
static void
assert_clean(const char *what, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	cr_assert_lt(strlen(s), 1024, "%s is %zu bytes long", what, strlen(s));
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		cr_assert(*p >= 0x20 && *p != 0x7f, "%s has byte 0x%02x at %zu: '%s'", what, *p,
		    (size_t)(p - (const unsigned char *)s), s);
}

/*
 * Runs "echo ok" on both with the given command timeout; the loop must end
 * within limit_s. Returns the hostile host's record.
 */
/* Connect (handshake) deadline for the hostile host; 0: the default 10 s. */
static int hr_connect_timeout_ms;

static const eng_fanout_host *
hr_run(et_env *e, hr *r, const char *mode, int timeout_ms, double limit_s, long *rss_growth)
{
	eng_conn_opts hosts[2];
	eng_fanout_opts fo;
	char *kh;
	long rss0;
	int port = hs_start(mode);
	const eng_fanout_host *h1;

	memset(r, 0, sizeof(*r));
	r->e = e;
	kh = et_write(et_tmp(e), "known_hosts", "");
	et_conn_opts_init(&hosts[0], "hostile");
	hosts[0].address = "127.0.0.1";
	hosts[0].port = port;
	hosts[0].known_hosts = kh;
	hosts[0].accept_new = 1;
	hosts[0].connect_timeout_ms = hr_connect_timeout_ms;
	et_conn_opts_init(&hosts[1], "h1");
	memset(&fo, 0, sizeof(fo));
	fo.command_timeout_ms = timeout_ms;
	cr_assert_eq(eng_fanout_new(e->ctx, hosts, 2, "echo ok", &fo, &hr_cbs, r, &r->f), 0);
	free(kh);
	rss0 = maxrss_kb();
	r->t_start = tu_now();
	eng_fanout_start(r->f);
	et_run(e, limit_s);
	if (rss_growth != NULL)
		*rss_growth = maxrss_kb() - rss0;
	cr_assert(r->done, "fan-out not done");
	/* The fleet host is never held up by its neighbour. */
	h1 = eng_fanout_host_get(r->f, 1);
	cr_assert_eq(h1->state, ENG_HOST_OK, "h1: %s (%s)", eng_host_state_name(h1->state),
	    h1->error ? h1->error : "");
	cr_assert_str_eq(r->out1, "ok\n");
	cr_assert_lt(r->t_end[1] - r->t_start, 3.0, "h1 took %.2fs", r->t_end[1] - r->t_start);
	h1 = eng_fanout_host_get(r->f, 0);
	assert_clean("error", h1->error);
	assert_clean("signal", h1->signal);
	return h1;
}

static void
hr_free(et_env *e, hr *r)
{
	eng_fanout_free(r->f);
	hs_stop();
	et_fini(e);
}

Test(hostile, normal_control)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "normal", 0, 20, NULL);
	cr_assert_eq(h->state, ENG_HOST_OK, "%s", h->error ? h->error : "");
	cr_assert_eq(r.bytes[0], 6);
	hr_free(&e, &r);
}

Test(hostile, exit_signal_with_escapes_is_sanitised)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "signal-escapes", 0, 20, NULL);
	cr_assert_eq(h->state, ENG_HOST_FAILED, "%s", eng_host_state_name(h->state));
	cr_assert_not_null(h->signal);
	cr_assert_leq(strlen(h->signal), 32, "signal name kept at %zu bytes", strlen(h->signal));
	cr_assert(strstr(h->signal, "KILL") != NULL, "signal: %s", h->signal);
	hr_free(&e, &r);
}

Test(hostile, absurd_exit_status)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "status-absurd", 0, 20, NULL);
	cr_assert_eq(h->state, ENG_HOST_FAILED, "%s", eng_host_state_name(h->state));
	cr_assert_eq(h->exit_status, 2147483647);
	hr_free(&e, &r);
}

Test(hostile, flood_of_exit_status_requests)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	h = hr_run(&e, &r, "status-flood", 0, 30, &grow);
	cr_assert_eq(h->state, ENG_HOST_FAILED, "%s", eng_host_state_name(h->state));
	cr_assert_eq(h->exit_status, 3);
	cr_assert_lt(grow, RSS_BOUND_KB(64 * 1024), "memory grew by %ld KB", grow);
	hr_free(&e, &r);
}

Test(hostile, flood_of_exit_signal_requests)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	h = hr_run(&e, &r, "signal-flood", 0, 30, &grow);
	cr_assert_eq(h->state, ENG_HOST_FAILED, "%s", eng_host_state_name(h->state));
	cr_assert_str_eq(h->signal, "TERM");
	cr_assert_lt(grow, RSS_BOUND_KB(64 * 1024), "memory grew by %ld KB", grow);
	hr_free(&e, &r);
}

Test(hostile, requests_after_close)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "after-close", 0, 20, NULL);
	cr_assert(h->state == ENG_HOST_OK || h->state == ENG_HOST_FAILED,
	    "%s (%s)", eng_host_state_name(h->state), h->error ? h->error : "");
	hr_free(&e, &r);
}

Test(hostile, never_an_exit_status)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "no-exit-status", 0, 20, NULL);
	cr_assert_eq(h->state, ENG_HOST_FAILED, "%s", eng_host_state_name(h->state));
	cr_assert_eq(h->exit_status, -1);
	cr_assert(strstr(h->error, "without an exit status") != NULL, "%s", h->error);
	hr_free(&e, &r);
}

Test(hostile, flood_of_global_requests)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	h = hr_run(&e, &r, "global-flood", 0, 30, &grow);
	cr_assert_eq(h->state, ENG_HOST_OK, "%s (%s)", eng_host_state_name(h->state),
	    h->error ? h->error : "");
	cr_assert_lt(grow, RSS_BOUND_KB(64 * 1024), "memory grew by %ld KB", grow);
	hr_free(&e, &r);
}

Test(hostile, output_flood_memory_bounded)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	h = hr_run(&e, &r, "flood", 0, 60, &grow);
	cr_assert_eq(h->state, ENG_HOST_OK, "%s (%s)", eng_host_state_name(h->state),
	    h->error ? h->error : "");
	cr_assert_eq(r.bytes[0], (uint64_t)64 << 20);
	/* Passed through as it came: nothing like the 64 MB held at once. */
	cr_assert_lt(grow, RSS_BOUND_KB(32 * 1024), "memory grew by %ld KB", grow);
	hr_free(&e, &r);
}

Test(hostile, stall_after_auth_meets_the_timeout)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "stall-after-auth", 1500, 20, NULL);
	cr_assert_eq(h->state, ENG_HOST_TIMEOUT, "%s (%s)", eng_host_state_name(h->state),
	    h->error ? h->error : "");
	/* 1.5 s timeout + 2 s grace for the kill + slack; the keepalive would take 45 s. */
	cr_assert_lt(r.t_end[0] - r.t_start, 6.0, "took %.2fs", r.t_end[0] - r.t_start);
	hr_free(&e, &r);
}

Test(hostile, stall_after_exec_meets_the_timeout)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "stall-after-exec", 1500, 20, NULL);
	cr_assert_eq(h->state, ENG_HOST_TIMEOUT, "%s (%s)", eng_host_state_name(h->state),
	    h->error ? h->error : "");
	cr_assert_lt(r.t_end[0] - r.t_start, 6.0, "took %.2fs", r.t_end[0] - r.t_start);
	hr_free(&e, &r);
}

/* ---- channel requests, early closes, channels opened towards us ---- */

Test(hostile, flood_of_channel_requests_some_wanting_replies)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	h = hr_run(&e, &r, "request-flood", 0, 60, &grow);
	cr_assert_eq(h->state, ENG_HOST_OK, "%s (%s)", eng_host_state_name(h->state),
	    h->error ? h->error : "");
	cr_assert_str_eq(r.out0, "hello\n");
	cr_assert_lt(grow, RSS_BOUND_KB(64 * 1024), "memory grew by %ld KB", grow);
	hr_free(&e, &r);
}

Test(hostile, channel_closed_before_the_exec_reply)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;

	et_init(&e, 0);
	h = hr_run(&e, &r, "close-before-reply", 0, 20, NULL);
	cr_assert_neq(h->state, ENG_HOST_OK, "a command that never ran is ok");
	cr_assert_not_null(h->error);
	cr_assert_lt(r.t_end[0] - r.t_start, 5.0, "took %.2fs", r.t_end[0] - r.t_start);
	hr_free(&e, &r);
}

/* x11, forwarded-tcpip and agent channels we never asked for are refused. */
Test(hostile, channels_opened_towards_the_client_are_refused)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	/* An agent a refusal could wrongly hand out. */
	setenv("SSH_AUTH_SOCK", et_fleet("FLEET_AGENT_SOCK"), 1);
	h = hr_run(&e, &r, "open-to-client", 0, 30, &grow);
	cr_assert_eq(h->state, ENG_HOST_OK, "%s (%s)", eng_host_state_name(h->state),
	    h->error ? h->error : "");
	cr_assert_str_eq(r.out0, "x11=refused fwd=refused agent=refused\nhello\n");
	cr_assert_lt(grow, RSS_BOUND_KB(64 * 1024), "memory grew by %ld KB", grow);
	hr_free(&e, &r);
}

/* ---- the plaintext part of the protocol, by hand ---- */

/* The host fails within its connect deadline; nothing it sent shows raw. */
static void
raw_case(const char *mode, eng_fail want)
{
	et_env e;
	hr r;
	const eng_fanout_host *h;
	long grow;

	et_init(&e, 0);
	hr_connect_timeout_ms = 3000;
	h = hr_run(&e, &r, mode, 0, 20, &grow);
	hr_connect_timeout_ms = 0;
	cr_assert_eq(h->state, ENG_HOST_UNREACHABLE, "%s: %s", mode, eng_host_state_name(h->state));
	cr_assert_not_null(h->error);
	if (want != ENG_FAIL_NONE)
		cr_assert_eq(h->fail, want, "%s: fail %d: %s", mode, h->fail, h->error);
	cr_assert_lt(r.t_end[0] - r.t_start, 5.0, "%s: took %.2fs", mode, r.t_end[0] - r.t_start);
	cr_assert_lt(grow, RSS_BOUND_KB(64 * 1024), "%s: memory grew by %ld KB", mode, grow);
	fprintf(stderr, "hostile %s: %s\n", mode, h->error);
	hr_free(&e, &r);
}

Test(hostile, raw_text_flood_before_the_banner)
{
	raw_case("raw-prebanner-flood", ENG_FAIL_NONE);
}

Test(hostile, raw_huge_identification_line)
{
	raw_case("raw-banner-huge", ENG_FAIL_NONE);
}

Test(hostile, raw_packet_length_of_four_gigabytes)
{
	raw_case("raw-packet-huge", ENG_FAIL_NONE);
}

Test(hostile, raw_kexinit_with_absurd_name_lists)
{
	raw_case("raw-kexinit-absurd", ENG_FAIL_NONE);
}

Test(hostile, raw_silence_after_the_banner_meets_the_connect_deadline)
{
	raw_case("raw-silence", ENG_FAIL_TIMEOUT);
}
