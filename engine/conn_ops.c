/*
 * engine/conn_ops.c - how the rest of the engine talks through a
 * connection without stepping on libssh: the op queue (a libssh call that
 * may return SSH_AGAIN is re-issued unchanged until done; one channel's
 * calls one at a time and in order, different channels' side by side) and
 * the prompt a conn puts to the front end
 * (passphrase, password, kbd-interactive, unknown host key).
 *
 * Owns the queued ops and the outstanding prompt's answer (a secret,
 * wiped when dropped). Used by auth.c, hostkey.c, exec.c and jump.c; run
 * from the state machine in conn.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

/* ---- prompts --------------------------------------------------------------- */

void
eng__conn_prompt(eng_conn *c, eng_prompt_kind kind, const char *text,
    const char *detail, int echo, eng_answer_fn cb)
{
	eng_prompt p;

	c->prompt_out = 1;
	c->prompt_cb = cb;
	c->answer_ready = 0;
	/* Time spent waiting for a human does not count against the deadline. */
	uv_timer_stop(&c->t_deadline);
	p.kind = kind;
	p.host = c->name;
	p.text = text;
	p.detail = detail;
	p.echo = echo;
	if (c->ctx->opts.prompt != NULL)
		c->ctx->opts.prompt(c, &p, c->ctx->opts.prompt_ud);
	else
		eng_conn_answer(c, NULL);
}

void
eng_conn_answer(eng_conn *c, const char *answer)
{
	if (c == NULL || c->dead || !c->prompt_out || c->answer_ready)
		return;
	c->answer_ready = 1;
	util_secure_free(c->answer);
	c->answer = util_xstrdup(answer);
	/* Always continue from a timer: the caller may be inside our callback. */
	eng__conn_kick(c);
}

int
eng__conn_deliver_answer(eng_conn *c)
{
	eng_answer_fn cb;
	char *ans;

	if (!c->prompt_out || !c->answer_ready)
		return 0;
	cb = c->prompt_cb;
	ans = c->answer;
	c->answer = NULL;
	c->prompt_out = 0;
	c->answer_ready = 0;
	c->prompt_cb = NULL;
	if (c->st < ENG_CONN_READY)
		eng__conn_deadline_start(c);
	cb(c, ans);   /* takes ownership of the secret */
	return 1;
}

/* ---- op queue --------------------------------------------------------------- */

void
eng__conn_op_push(eng_conn *c, int (*run)(eng_conn *, void *),
    void (*done)(eng_conn *, void *, int), void *arg)
{
	eng_op *op = util_xcalloc(1, sizeof(*op));

	op->run = run;
	op->done = done;
	op->arg = arg;
	if (c->ops_tail != NULL)
		c->ops_tail->next = op;
	else
		c->ops = op;
	c->ops_tail = op;
	eng__conn_kick(c);
}

void
eng__conn_op_cancel(eng_conn *c, void *arg)
{
	eng_op **pp = &c->ops, *op;

	c->ops_tail = NULL;
	while ((op = *pp) != NULL) {
		if (op->arg == arg) {
			*pp = op->next;
			if (op == c->op_running)
				op->cancelled = 1;   /* its runner frees it */
			else
				free(op);
		} else {
			c->ops_tail = op;
			pp = &op->next;
		}
	}
}

static void
op_unlink(eng_conn *c, eng_op *op)
{
	eng_op **pp, *prev = NULL;

	for (pp = &c->ops; *pp != NULL; prev = *pp, pp = &(*pp)->next)
		if (*pp == op) {
			*pp = op->next;
			if (c->ops_tail == op)
				c->ops_tail = prev;
			return;
		}
}

/* The first op not yet run in this pass and not behind one of its own arg. */
static eng_op *
op_next(eng_conn *c, unsigned pass)
{
	eng_op *op, *e;

	for (op = c->ops; op != NULL; op = op->next) {
		if (op->pass == pass)
			continue;
		for (e = c->ops; e != op && e->arg != op->arg; e = e->next)
			;
		if (e == op)
			return op;
	}
	return NULL;
}

/*
 * Runs every op that can make progress. Ops of different channels are
 * independent in libssh (each channel keeps its own open and request
 * state), so they are all in flight at once: opening a dozen SFTP streams
 * costs two round trips, not two dozen. Ops with the same arg (one
 * channel's open, pty, exec, close) stay in order.
 *
 * An op's run() reads whatever packets have come, which may complete an
 * op already tried in this pass: after a completion, or once after a pass
 * that ran more than one op, the queue is walked again.
 */
void
eng__conn_run_ops(eng_conn *c)
{
	eng_op *op;
	unsigned pass = ++c->ops_pass;
	int rc, ran = 0, again = 0;

	while (!c->dead) {
		if ((op = op_next(c, pass)) == NULL) {
			if (ran < 2 || again)
				break;
			again = 1;
			ran = 0;
			pass = ++c->ops_pass;
			continue;
		}
		op->pass = pass;
		ran++;
		c->op_running = op;
		rc = op->run(c, op->arg);
		c->op_running = NULL;
		if (op->cancelled) {
			free(op);   /* already out of the queue */
			continue;
		}
		if (rc == SSH_AGAIN)
			continue;
		op_unlink(c, op);
		op->done(c, op->arg, rc);
		free(op);
		again = 0;
		ran = 0;
		pass = ++c->ops_pass;
	}
}
