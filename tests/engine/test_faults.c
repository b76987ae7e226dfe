/*
 * tests/engine/test_faults.c - exec and shell sessions through
 * drover-faultproxy (tests/support/faultproxy.c: delay, bandwidth cap,
 * stall, reset after N bytes) in front of one fleet host, side by side with
 * a host reached directly:
 *   latency     results byte-identical to the direct host's, the command
 *               timeout honoured (remote process group killed);
 *   bandwidth   a large output arrives whole at the capped rate, with our
 *               memory bounded, and the direct host is not held back;
 *   stall       mid-session: the stalled host times out (or is found dead
 *               by keepalives) with the right state, the other finishes on
 *               time; a shell on the direct host answers at once meanwhile;
 *   reset       after N bytes mid-command: the host is `lost` (not an
 *               unreachable/protocol failure), the other finishes whole; a
 *               reset during the handshake is the contrast.
 * Against the demo fleet's real sshds (h1 behind the proxy, h2 direct).
 */
#include <sys/resource.h>

#include "engtest.h"

TestSuite(faults, .fini = et_cleanup, .timeout = 120);

/* ---- the proxy ---------------------------------------------------------- */

typedef struct proxy {
	pid_t pid;
	int port;
	char known_hosts[1024];
} proxy;

/* Starts drover-faultproxy in front of h1 with extra options (NULL-terminated). */
static void
proxy_start(et_env *e, proxy *p, const char *const *extra)
{
	char target[128];

	snprintf(target, sizeof(target), "%s:%s", et_fleet("FLEET_ADDR_1"), et_fleet("FLEET_PORT"));
	p->pid = tu_proxy_start(target, extra, &p->port);
	/* Another address:port: a known_hosts of its own, learnt on first use. */
	snprintf(p->known_hosts, sizeof(p->known_hosts), "%s/kh-%d", et_tmp(e), p->port);
}

static void
proxy_stop(proxy *p)
{
	tu_proxy_stop(p->pid);
	p->pid = 0;
}

/* h1 through the proxy. */
static void
proxy_conn_opts(eng_conn_opts *o, const proxy *p)
{
	et_conn_opts_init(o, "h1");
	o->address = "127.0.0.1";
	o->port = p->port;
	o->known_hosts = p->known_hosts;
	o->accept_new = 1;
}

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ASan's quarantine keeps freed memory resident: bounds for the real build. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_BOUND_KB(kb) (1L << 40)
#else
#define RSS_BOUND_KB(kb) (kb)
#endif

/* ---- one fan-out: [0] h1 through the proxy, [1] h2 direct --------------- */

typedef struct frun {
	et_env *e;
	eng_fanout *f;
	double t_start, t_end[2], t_first[2];
	uint64_t bytes[2];
	uint64_t hash[2];           /* FNV-1a of stdout */
	int done;
	/* A stall of everything when host 0 has seen this many bytes. */
	pid_t stall_pid;
	uint64_t stall_after;
	int stalled;
	double t_stalled;
} frun;

static void
fr_state(eng_fanout *f, size_t i, void *ud)
{
	(void)f;
	(void)i;
	(void)ud;
}

static void
fr_data(eng_fanout *f, size_t i, int stream, const char *buf, size_t len, void *ud)
{
	frun *r = ud;
	size_t k;

	(void)f;
	if (i > 1 || stream != 1)
		return;
	if (r->bytes[i] == 0)
		r->t_first[i] = tu_now();
	r->bytes[i] += len;
	for (k = 0; k < len; k++)
		r->hash[i] = (r->hash[i] ^ (unsigned char)buf[k]) * 1099511628211ull;
	if (i == 0 && r->stall_pid > 0 && !r->stalled && r->bytes[0] >= r->stall_after) {
		kill(r->stall_pid, SIGUSR1);
		r->stalled = 1;
		r->t_stalled = tu_now();
	}
}

static void
fr_host_done(eng_fanout *f, size_t i, void *ud)
{
	frun *r = ud;

	(void)f;
	if (i < 2)
		r->t_end[i] = tu_now();
}

static void
fr_done(eng_fanout *f, void *ud)
{
	frun *r = ud;

	(void)f;
	r->done = 1;
}

static const eng_fanout_cbs fr_cbs = { fr_state, fr_data, fr_host_done, fr_done };

/*
 * Runs cmd on [0] = hosts[0] (through the proxy), [1] = h2 direct; fails if
 * the whole run takes longer than limit_s.
 */
static void
fr_run(et_env *e, frun *r, const eng_conn_opts *proxied, const char *cmd, int timeout_ms,
    double limit_s)
{
	eng_conn_opts hosts[2];
	eng_fanout_opts fo;

	r->e = e;
	r->hash[0] = r->hash[1] = 1469598103934665603ull;
	hosts[0] = *proxied;
	et_conn_opts_init(&hosts[1], "h2");
	memset(&fo, 0, sizeof(fo));
	fo.command_timeout_ms = timeout_ms;
	cr_assert_eq(eng_fanout_new(e->ctx, hosts, 2, cmd, &fo, &fr_cbs, r, &r->f), 0);
	r->t_start = tu_now();
	eng_fanout_start(r->f);
	et_run(e, limit_s);
	cr_assert(r->done, "the fan-out never finished");
}

static const eng_fanout_host *
fr_host(frun *r, size_t i)
{
	return eng_fanout_host_get(r->f, i);
}

static void
fr_free(frun *r)
{
	eng_fanout_free(r->f);
	r->f = NULL;
}

/* ---- exec --------------------------------------------------------------- */

/* 40 ms each way: the same bytes and status as the direct host. */
Test(faults, exec_latency_results_identical)
{
	static const char *const opts[] = { "-d", "40", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	frun r;
	const eng_fanout_host *h0, *h1;

	memset(&r, 0, sizeof(r));
	et_init(&e, 0);
	proxy_start(&e, &p, opts);
	proxy_conn_opts(&o, &p);
	fr_run(&e, &r, &o, "seq 1 300000; echo to-stderr >&2; exit 3", 0, 60);
	proxy_stop(&p);
	h0 = fr_host(&r, 0);
	h1 = fr_host(&r, 1);
	cr_assert_eq(h1->state, ENG_HOST_FAILED, "direct host: %s", h1->error);
	cr_assert_eq(h0->state, ENG_HOST_FAILED, "proxied host: %s %s",
	    eng_host_state_name(h0->state), h0->error);
	cr_assert_eq(h0->exit_status, 3);
	cr_assert_eq(h1->exit_status, 3);
	cr_assert_eq(r.bytes[0], 1988895, "proxied host sent %llu bytes",
	    (unsigned long long)r.bytes[0]);
	cr_assert_eq(r.bytes[0], r.bytes[1]);
	cr_assert_eq(r.hash[0], r.hash[1], "output differs through the proxy");
	/* 80 ms RTT: the handshake alone takes several round trips. */
	cr_assert_gt(r.t_end[0] - r.t_start, 0.4, "no delay seen: %.3f s", r.t_end[0] - r.t_start);
	fr_free(&r);
	et_fini(&e);
}

/* At 200 ms RTT a timeout is still a deadline, and the kill still lands. */
Test(faults, exec_latency_timeout_kills_remote_group)
{
	static const char *const opts[] = { "-d", "100", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	frun r;
	const eng_fanout_host *h0;
	double took;

	memset(&r, 0, sizeof(r));
	et_init(&e, 0);
	proxy_start(&e, &p, opts);
	proxy_conn_opts(&o, &p);
	fr_run(&e, &r, &o, "echo started; sleep $((42420+1)); echo never", 2000, 60);
	h0 = fr_host(&r, 0);
	took = (double)(h0->end_ms - h0->start_ms) / 1000.0;
	cr_assert_eq(h0->state, ENG_HOST_TIMEOUT, "proxied host: %s %s",
	    eng_host_state_name(h0->state), h0->error);
	cr_assert_eq(fr_host(&r, 1)->state, ENG_HOST_TIMEOUT);
	cr_assert(strstr(h0->error, "remote process group killed") != NULL, "%s", h0->error);
	/* Handshake (~8 RTT) + 2 s + the kill's round trips, well under the grace. */
	cr_assert(took >= 2.0 && took < 6.0, "timed out after %.2f s", took);
	cr_assert_eq(et_remote_wait_gone("sleep 4242[1]", 5), 0, "the remote command survived");
	proxy_stop(&p);
	fr_free(&r);
	et_fini(&e);
}

/* 3 MB/s: 16 MB arrive whole, slowly, memory flat; the direct host is not held back. */
Test(faults, exec_bandwidth_cap_large_output)
{
	static const char *const opts[] = { "-r", "3000000", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	frun r;
	long rss0, grew;
	double t0, t1;

	memset(&r, 0, sizeof(r));
	et_init(&e, 0);
	proxy_start(&e, &p, opts);
	proxy_conn_opts(&o, &p);
	rss0 = maxrss_kb();
	fr_run(&e, &r, &o, "head -c 16000000 /dev/zero | tr '\\0' x", 0, 90);
	proxy_stop(&p);
	grew = maxrss_kb() - rss0;
	cr_assert_eq(fr_host(&r, 0)->state, ENG_HOST_OK, "%s", fr_host(&r, 0)->error);
	cr_assert_eq(fr_host(&r, 1)->state, ENG_HOST_OK, "%s", fr_host(&r, 1)->error);
	cr_assert_eq(r.bytes[0], 16000000);
	cr_assert_eq(r.hash[0], r.hash[1]);
	t0 = r.t_end[0] - r.t_start;
	t1 = r.t_end[1] - r.t_start;
	/* 16 MB at 3 MB/s is over 5 s; loaded machine or not, never under 4. */
	cr_assert_gt(t0, 4.0, "the cap did not hold: %.2f s", t0);
	/* Not held back: done before the capped one (however slow the build). */
	cr_assert_lt(t1, t0, "the direct host waited for the capped one: %.2f s vs %.2f s",
	    t1, t0);
	cr_assert_lt(grew, RSS_BOUND_KB(48 * 1024), "peak RSS grew %ld KiB", grew);
	fprintf(stderr, "faults: 16 MB at a 3 MB/s cap in %.2f s (direct %.2f s), RSS +%ld KiB\n",
	    t0, t1, grew);
	fr_free(&r);
	et_fini(&e);
}

/*
 * Everything through the proxy stops once the command has started: with a
 * command timeout the host is given up at the kill (timeout, "not
 * responding"), the direct host finishes on time.
 */
Test(faults, exec_stall_mid_command_times_out_alone)
{
	et_env e;
	proxy p;
	eng_conn_opts o;
	frun r;
	const eng_fanout_host *h0, *h1;
	double took;

	memset(&r, 0, sizeof(r));
	et_init(&e, 0);
	proxy_start(&e, &p, NULL);
	proxy_conn_opts(&o, &p);
	r.stall_pid = p.pid;
	r.stall_after = 1;
	fr_run(&e, &r, &o, "echo started; sleep 3; echo end", 2000, 60);
	h0 = fr_host(&r, 0);
	h1 = fr_host(&r, 1);
	cr_assert(r.stalled, "host 0 never started");
	cr_assert_eq(h1->state, ENG_HOST_TIMEOUT, "direct host: %s", eng_host_state_name(h1->state));
	cr_assert_eq(h0->state, ENG_HOST_TIMEOUT, "stalled host: %s %s",
	    eng_host_state_name(h0->state), h0->error);
	cr_assert(strstr(h0->error, "not responding") != NULL, "%s", h0->error);
	/* 2 s + the kill's grace (2 s), not the stall's length (forever). */
	took = (double)(h0->end_ms - h0->start_ms) / 1000.0;
	cr_assert_lt(took, 7.0, "stalled host took %.2f s", took);
	cr_assert_lt(r.t_end[1] - r.t_start, 4.5, "the direct host was held up: %.2f s",
	    r.t_end[1] - r.t_start);
	proxy_stop(&p);
	fr_free(&r);
	et_fini(&e);
}

/* The same stall without a timeout: keepalives find the peer dead: `lost`. */
Test(faults, exec_stall_without_timeout_is_lost_by_keepalive)
{
	et_env e;
	proxy p;
	eng_conn_opts o;
	frun r;
	const eng_fanout_host *h0, *h1;
	double took;

	memset(&r, 0, sizeof(r));
	et_init(&e, 0);
	proxy_start(&e, &p, NULL);
	proxy_conn_opts(&o, &p);
	o.keepalive_ms = 500;
	r.stall_pid = p.pid;
	r.stall_after = 1;
	fr_run(&e, &r, &o, "echo started; sleep 4; echo end", 0, 60);
	h0 = fr_host(&r, 0);
	h1 = fr_host(&r, 1);
	cr_assert(r.stalled, "host 0 never started");
	cr_assert_eq(h1->state, ENG_HOST_OK, "direct host: %s", h1->error);
	cr_assert_eq(h0->state, ENG_HOST_UNREACHABLE, "stalled host: %s %s",
	    eng_host_state_name(h0->state), h0->error);
	cr_assert_eq(h0->fail, ENG_FAIL_LOST, "fail %d: %s", h0->fail, h0->error);
	took = r.t_end[0] - r.t_stalled;
	cr_assert(took > 0.9 && took < 4.0, "found dead %.2f s after the stall", took);
	cr_assert_lt(r.t_end[1] - r.t_start, 6.5, "the direct host was held up: %.2f s",
	    r.t_end[1] - r.t_start);
	proxy_stop(&p);
	fr_free(&r);
	et_fini(&e);
}

/*
 * A reset 2 MB into a 14 MB output: `lost` (the link died during the
 * command), the direct host's output whole. A reset 600 bytes in (the key
 * exchange) never had a session: not lost.
 */
Test(faults, exec_reset_mid_output_is_lost)
{
	static const char *const mid[] = { "-x", "2000000", NULL };
	static const char *const early[] = { "-x", "600", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	frun r;
	const eng_fanout_host *h0, *h1;
	const unsigned char *s;

	memset(&r, 0, sizeof(r));
	et_init(&e, 0);
	proxy_start(&e, &p, mid);
	proxy_conn_opts(&o, &p);
	fr_run(&e, &r, &o, "seq 1 2000000", 0, 60);
	proxy_stop(&p);
	h0 = fr_host(&r, 0);
	h1 = fr_host(&r, 1);
	cr_assert_eq(h1->state, ENG_HOST_OK, "direct host: %s", h1->error);
	cr_assert_eq(r.bytes[1], 14888896);
	cr_assert_eq(h0->state, ENG_HOST_UNREACHABLE, "reset host: %s %s",
	    eng_host_state_name(h0->state), h0->error);
	cr_assert_eq(h0->fail, ENG_FAIL_LOST, "fail %d: %s", h0->fail, h0->error);
	cr_assert(r.bytes[0] > 0 && r.bytes[0] < 2000000, "%llu bytes before the reset",
	    (unsigned long long)r.bytes[0]);
	for (s = (const unsigned char *)h0->error; *s != '\0'; s++)
		cr_assert(*s >= 0x20 && *s != 0x7f, "control character in '%s'", h0->error);
	fr_free(&r);

	memset(&r, 0, sizeof(r));
	proxy_start(&e, &p, early);
	proxy_conn_opts(&o, &p);
	fr_run(&e, &r, &o, "echo hi", 0, 60);
	proxy_stop(&p);
	h0 = fr_host(&r, 0);
	cr_assert_eq(fr_host(&r, 1)->state, ENG_HOST_OK);
	cr_assert_eq(h0->state, ENG_HOST_UNREACHABLE, "%s", eng_host_state_name(h0->state));
	cr_assert_neq(h0->fail, ENG_FAIL_LOST, "a reset in the handshake called lost: %s",
	    h0->error);
	fr_free(&r);
	et_fini(&e);
}

/* ---- shells ------------------------------------------------------------- */

typedef struct shells {
	et_env e;
	proxy p;
	et_conn ca, cb;                 /* a: through the proxy, b: h2 direct */
	et_exec xa, xb;
	uv_timer_t step;
	int stage;
	double t_typed, t_answer_b, t_stall;
	const char *typed_a;            /* what to type into a once it answers */
} shells;

static void
sh_start(shells *s, const char *const *proxy_opts, int keepalive_ms)
{
	eng_conn_opts o;
	eng_exec_opts xo;

	et_init(&s->e, 0);
	proxy_start(&s->e, &s->p, proxy_opts);
	proxy_conn_opts(&o, &s->p);
	o.keepalive_ms = keepalive_ms;
	et_open(&s->e, &s->ca, &o);
	et_conn_opts_init(&o, "h2");
	et_open(&s->e, &s->cb, &o);
	s->ca.close_when_idle = s->cb.close_when_idle = 1;
	memset(&xo, 0, sizeof(xo));
	xo.pty = 1;
	et_exec_start_opts(&s->ca, &s->xa, NULL, &xo);
	et_exec_start_opts(&s->cb, &s->xb, NULL, &xo);
	eng_exec_write(s->xa.x, "echo A$((40+2))Z\n", 17);
	eng_exec_write(s->xb.x, "echo B$((50+5))Z\n", 17);
	uv_timer_init(&s->e.loop, &s->step);
	s->step.data = s;
}

static void
sh_finish(shells *s)
{
	proxy_stop(&s->p);
	et_exec_free(&s->xa);
	et_exec_free(&s->xb);
	et_fini(&s->e);
}

/*
 * Stall: both shells answer (a at 60 ms RTT); then the proxy stalls; the
 * direct shell answers a new line at once; the stalled one is found dead
 * by keepalives (lost), its exec ends with the error.
 */
static void
stall_step(uv_timer_t *t)
{
	shells *s = t->data;

	switch (s->stage) {
	case 0:
		if (strstr(s->xa.out, "A42Z\r") == NULL || strstr(s->xb.out, "B55Z\r") == NULL)
			return;
		kill(s->p.pid, SIGUSR1);
		s->t_stall = tu_now();
		eng_exec_write(s->xa.x, "echo C$((60+6))Z\n", 17);
		s->t_typed = tu_now();
		eng_exec_write(s->xb.x, "echo D$((70+7))Z\n", 17);
		s->stage = 1;
		return;
	case 1:
		if (s->t_answer_b == 0 && strstr(s->xb.out, "D77Z\r") != NULL) {
			s->t_answer_b = tu_now();
			eng_exec_write(s->xb.x, "exit\n", 5);
		}
		if (s->t_answer_b == 0 || !s->xa.done)
			return;
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, NULL);
		s->stage = 2;
		return;
	}
}

Test(faults, shell_stall_is_lost_and_the_other_shell_answers)
{
	static const char *const opts[] = { "-d", "30", NULL };
	shells s;

	memset(&s, 0, sizeof(s));
	sh_start(&s, opts, 500);
	uv_timer_start(&s.step, stall_step, 20, 20);
	et_run(&s.e, 30);
	cr_assert_eq(s.stage, 2, "stage %d; a: %s / b: %s", s.stage, s.xa.out, s.xb.out);
	cr_assert_lt(s.t_answer_b - s.t_typed, 1.0, "the direct shell answered after %.2f s",
	    s.t_answer_b - s.t_typed);
	cr_assert_null(strstr(s.xa.out, "C66Z"), "answered through a stalled proxy?");
	cr_assert(s.xa.has_error, "stalled shell ended without an error");
	cr_assert_eq(s.xa.fail, ENG_FAIL_LOST, "fail %d: %s", s.xa.fail, s.xa.error);
	cr_assert_eq(s.ca.fail, ENG_FAIL_LOST, "%s", s.ca.error);
	cr_assert(s.xa.t_done - s.t_stall > 0.9 && s.xa.t_done - s.t_stall < 4.0,
	    "found dead %.2f s after the stall", s.xa.t_done - s.t_stall);
	cr_assert_eq(s.xb.exit_status, 0);
	et_assert_ready_closed(&s.cb);
	sh_finish(&s);
}

/* Reset: a shell's flood is cut 300 KB in; that shell is lost, the other ends normally. */
static void
reset_step(uv_timer_t *t)
{
	shells *s = t->data;

	switch (s->stage) {
	case 0:
		if (strstr(s->xa.out, "A42Z\r") == NULL || strstr(s->xb.out, "B55Z\r") == NULL)
			return;
		eng_exec_write(s->xa.x, "seq 1 500000\n", 13);
		eng_exec_write(s->xb.x, "seq 1 50000 | tail -1; exit\n", 28);
		s->stage = 1;
		return;
	case 1:
		if (!s->xa.done || !s->xb.done)
			return;
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, NULL);
		s->stage = 2;
		return;
	}
}

Test(faults, shell_reset_mid_output_is_lost)
{
	static const char *const opts[] = { "-x", "300000", NULL };
	shells s;

	memset(&s, 0, sizeof(s));
	sh_start(&s, opts, 0);
	uv_timer_start(&s.step, reset_step, 20, 20);
	et_run(&s.e, 30);
	cr_assert_eq(s.stage, 2, "stage %d", s.stage);
	cr_assert(s.xa.has_error, "reset shell ended without an error");
	cr_assert_eq(s.xa.fail, ENG_FAIL_LOST, "fail %d: %s", s.xa.fail, s.xa.error);
	et_assert_failed_any(&s.ca, ENG_FAIL_LOST);
	cr_assert(s.xa.outlen < 400000, "%zu bytes through a 300 KB reset", s.xa.outlen);
	cr_assert(strstr(s.xb.out, "50000\r") != NULL, "direct shell: %s", s.xb.out);
	cr_assert_eq(s.xb.exit_status, 0);
	sh_finish(&s);
}
