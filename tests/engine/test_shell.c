/*
 * tests/engine/test_shell.c - interactive channels on a real sshd: a login
 * shell on a pty (size, TERM, window changes, zero sizes never sent), stdin
 * to a plain command with EOF, and several channels sharing one session.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "testutil.h"

typedef struct {
	uv_loop_t loop;
	eng_ctx *ctx;
	eng_conn *c;
	uv_timer_t guard, step;
	char out[65536];
	size_t outlen;
	int done, exit_status, stage;
	eng_exec *x;
} fx;

static void
on_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	fx *f = ud;

	(void)x;
	(void)stream;
	if (f->outlen + len < sizeof(f->out)) {
		memcpy(f->out + f->outlen, buf, len);
		f->outlen += len;
		f->out[f->outlen] = '\0';
	}
}

static void
on_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	fx *f = ud;

	(void)x;
	cr_assert_null(r->error, "%s", r->error);
	f->exit_status = r->exit_status;
	f->done = 1;
	f->x = NULL;
	eng_conn_close(f->c);
}

static void
on_guard(uv_timer_t *t)
{
	fx *f = t->data;

	cr_assert_fail("timed out; output so far:\n%s", f->out);
}

static void
fx_open(fx *f)
{
	eng_conn_opts o;

	memset(f, 0, sizeof(*f));
	unsetenv("SSH_AUTH_SOCK");
	cr_assert_eq(uv_loop_init(&f->loop), 0);
	cr_assert_eq(eng_ctx_new(&f->loop, NULL, &f->ctx), 0);
	memset(&o, 0, sizeof(o));
	o.name = "h1";
	o.ssh_config = tu_fleet("FLEET_SSH_CONFIG");
	cr_assert_eq(eng_conn_open(f->ctx, &o, NULL, f, &f->c), 0);
	uv_timer_init(&f->loop, &f->guard);
	f->guard.data = f;
	uv_timer_start(&f->guard, on_guard, 20000, 0);
	uv_unref((uv_handle_t *)&f->guard);
}

static void
fx_run_and_free(fx *f)
{
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	eng_ctx_free(f->ctx);
	cr_assert_eq(uv_loop_close(&f->loop), 0, "handles left open");
}

/* Waits for a marker in the output, then does the next stage. */
static void
on_step(uv_timer_t *t)
{
	fx *f = t->data;

	switch (f->stage) {
	case 0:
		/* The pty echoes the typed line: wait for the output marker. */
		if (strstr(f->out, "SIZE1END") == NULL)
			return;
		/* Zero sizes are never sent; the real change is. */
		eng_exec_resize(f->x, 0, 50);
		eng_exec_resize(f->x, 120, 0);
		eng_exec_resize(f->x, 132, 43);
		f->stage = 1;
		/* Give the window-change a moment to land before asking. */
		uv_timer_start(&f->step, on_step, 300, 100);
		return;
	case 1:
		eng_exec_write(f->x, "echo SIZE2 $(stty size) SIZE2\"\"END; exit 3\n", 43);
		f->stage = 2;
		/* FALLTHROUGH */
	default:
		uv_timer_stop(&f->step);
		uv_close((uv_handle_t *)&f->step, NULL);
	}
}

Test(shell, pty_size_term_and_window_change, .timeout = 60)
{
	fx f;
	eng_exec_opts xo = { .pty = 1, .term = "xterm-256color", .cols = 97, .rows = 31 };
	static const eng_exec_cbs cbs = { on_data, on_done };
	const char *cmd = "echo SIZE1 $(stty size) $TERM SIZE1\"\"END\n";

	fx_open(&f);
	cr_assert_eq(eng_exec_start(f.c, NULL, &xo, &cbs, &f, &f.x), 0);
	/* Typed before the shell is even up: queued, not lost. */
	cr_assert_eq(eng_exec_write(f.x, cmd, strlen(cmd)), 0);
	uv_timer_init(&f.loop, &f.step);
	f.step.data = &f;
	uv_timer_start(&f.step, on_step, 50, 50);
	fx_run_and_free(&f);
	cr_assert(f.done);
	cr_assert(strstr(f.out, "SIZE1 31 97 xterm-256color SIZE1END") != NULL, "%s", f.out);
	cr_assert(strstr(f.out, "SIZE2 43 132 SIZE2END") != NULL, "%s", f.out);
	cr_assert_eq(f.exit_status, 3);
}

Test(shell, stdin_and_eof_to_a_command, .timeout = 60)
{
	fx f;
	static const eng_exec_cbs cbs = { on_data, on_done };

	fx_open(&f);
	cr_assert_eq(eng_exec_start(f.c, "tr a-z A-Z", NULL, &cbs, &f, &f.x), 0);
	cr_assert_eq(eng_exec_write(f.x, "hello ", 6), 0);
	cr_assert_eq(eng_exec_write(f.x, "drover\n", 7), 0);
	eng_exec_send_eof(f.x);
	fx_run_and_free(&f);
	cr_assert_str_eq(f.out, "HELLO DROVER\n");
	cr_assert_eq(f.exit_status, 0);
}

typedef struct {
	fx *f;
	int idx;
	char out[256];
	size_t len;
	int done;
} many;

static int many_left;

static void
many_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	many *m = ud;

	(void)x;
	(void)stream;
	if (m->len + len < sizeof(m->out)) {
		memcpy(m->out + m->len, buf, len);
		m->len += len;
	}
}

static void
many_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	many *m = ud;

	(void)x;
	cr_assert_null(r->error);
	cr_assert_eq(r->exit_status, 0);
	m->done = 1;
	if (--many_left == 0)
		eng_conn_close(m->f->c);
}

Test(shell, many_channels_share_one_session, .timeout = 60)
{
	fx f;
	many m[8];
	static const eng_exec_cbs cbs = { many_data, many_done };
	char cmd[64], want[64];
	int i;

	fx_open(&f);
	many_left = 8;
	for (i = 0; i < 8; i++) {
		eng_exec *x;

		memset(&m[i], 0, sizeof(m[i]));
		m[i].f = &f;
		m[i].idx = i;
		/* Different durations: completion order differs from start order. */
		snprintf(cmd, sizeof(cmd), "sleep 0.%d; echo chan%d", 8 - i, i);
		cr_assert_eq(eng_exec_start(f.c, cmd, NULL, &cbs, &m[i], &x), 0);
	}
	fx_run_and_free(&f);
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "chan%d\n", i);
		m[i].out[m[i].len] = '\0';
		cr_assert(m[i].done);
		cr_assert_str_eq(m[i].out, want);
	}
}

/* ---- backpressure ---- */

typedef struct {
	fx *f;
	uint64_t got, at_pause;
	int paused_once, resumed;
	uv_timer_t t;
} bp;

static void
bp_resume(uv_timer_t *t)
{
	bp *b = t->data;

	/* Nothing may arrive while paused. */
	cr_assert_eq(b->got, b->at_pause, "got %llu bytes while paused",
	    (unsigned long long)(b->got - b->at_pause));
	b->resumed = 1;
	eng_exec_pause(b->f->x, 0);
	uv_close((uv_handle_t *)t, NULL);
}

static void
bp_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	bp *b = ud;

	(void)stream;
	(void)buf;
	b->got += len;
	if (!b->paused_once && b->got > 100000) {
		b->paused_once = 1;
		b->at_pause = b->got;
		eng_exec_pause(x, 1);
		uv_timer_init(&b->f->loop, &b->t);
		b->t.data = b;
		uv_timer_start(&b->t, bp_resume, 700, 0);
	}
}

static void
bp_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	bp *b = ud;

	(void)x;
	cr_assert_null(r->error, "%s", r->error);
	b->f->exit_status = r->exit_status;
	b->f->done = 1;
	b->f->x = NULL;
	eng_conn_close(b->f->c);
}

Test(shell, paused_output_waits_and_arrives_whole, .timeout = 60)
{
	fx f;
	bp b;
	static const eng_exec_cbs cbs = { bp_data, bp_done };

	fx_open(&f);
	memset(&b, 0, sizeof(b));
	b.f = &f;
	cr_assert_eq(eng_exec_start(f.c, "head -c 20000000 /dev/zero", NULL, &cbs, &b, &f.x), 0);
	fx_run_and_free(&f);
	cr_assert(f.done);
	cr_assert(b.paused_once && b.resumed);
	cr_assert_eq(b.got, 20000000u, "got %llu", (unsigned long long)b.got);
	cr_assert_eq(f.exit_status, 0);
}
