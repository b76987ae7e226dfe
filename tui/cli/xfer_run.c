/*
 * tui/cli/xfer_run.c - the host runner of the transfer commands (put, get,
 * ls, cat): see xfer.h. A host holds its slot (one of -f) from its connect
 * until its job is final and its connection has gone.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/cli/xfer.h"

static void launch(xrun *r);

void
xrun_before_print(xrun *r)
{
	if (r->before_print != NULL)
		r->before_print(r);
}

static void
check_done(xrun *r)
{
	if (r->done || r->nfinal < r->n || r->running > 0)
		return;
	r->done = 1;
	uv_close((uv_handle_t *)&r->sigint, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
	uv_close((uv_handle_t *)&r->sighup, NULL);
}

/* The slot is free when the job is final and the connection gone. */
static void
release(xhost *h)
{
	xrun *r = h->r;

	if (!h->slot || !h->final || h->c != NULL)
		return;
	h->slot = 0;
	r->running--;
	launch(r);
	check_done(r);
}

void
xrun_check_output(xrun *r)
{
	size_t i;

	if (r->out_aborted || tui_batch_write_error(r->batch) == 0)
		return;
	r->out_aborted = 1;
	r->stopped = r->aborted = 1;
	for (i = 0; i < r->n; i++)
		if (!r->h[i].final && r->h[i].slot && r->h[i].ready)
			r->ops->cancel(&r->h[i]);
	launch(r);
}

void
xrun_host_done(xhost *h, eng_host_state st, eng_fail fail, const char *error)
{
	xrun *r = h->r;

	if (h->final)
		return;
	h->final = 1;
	h->pub.state = st;
	h->pub.fail = fail;
	free(h->error);
	h->error = error != NULL ? util_xstrdup(error) : NULL;
	h->pub.error = h->error;
	h->pub.end_ms = uv_now(r->loop);
	if (h->pub.start_ms == 0)
		h->pub.start_ms = h->pub.end_ms;
	r->nfinal++;
	xrun_before_print(r);
	tui_batch_host_done(r->batch, h->idx, &h->pub);
	if (r->ops->host_done != NULL)
		r->ops->host_done(h);
	xrun_check_output(r);
	if (h->c != NULL)
		eng_conn_close(h->c);
	release(h);
	check_done(r);
}

static void
on_conn_state(eng_conn *c, eng_conn_state st, void *ud)
{
	xhost *h = ud;

	(void)c;
	if (st == ENG_CONN_AUTH && !h->final) {
		h->pub.state = ENG_HOST_AUTH;
	}
	if (st == ENG_CONN_READY && !h->final) {
		h->pub.state = ENG_HOST_RUNNING;
		h->ready = 1;
		if (h->r->aborted)
			h->r->ops->cancel(h);
		else
			h->r->ops->start(h);
		return;
	}
	if (st != ENG_CONN_CLOSED && st != ENG_CONN_FAILED)
		return;
	h->c = NULL;
	if (!h->final) {
		if (!h->ready && !h->again) {
			xrun_host_done(h, h->r->aborted ? ENG_HOST_CANCELLED : ENG_HOST_UNREACHABLE,
			    h->r->aborted ? ENG_FAIL_CANCELLED : eng_conn_fail(c),
			    eng_conn_error(c) != NULL ? eng_conn_error(c) : "connection closed");
			return;
		}
		/* The job sees its channels end and reports; nothing to do here. */
		if (h->r->ops->conn_lost != NULL)
			h->r->ops->conn_lost(h, eng_conn_error(c) != NULL ? eng_conn_error(c) :
			    "connection closed");
	}
	release(h);
}

static int
open_conn(xhost *h)
{
	static const eng_conn_cbs ccbs = { on_conn_state };
	xrun *r = h->r;

	h->ready = 0;
	return eng_conn_open(r->ctx, &r->th->run.conn[h->idx], &ccbs, h, &h->c);
}

int
xrun_reconnect(xhost *h)
{
	if (h->c != NULL || h->final || h->r->aborted)
		return ENG_ESTATE;
	h->again = 1;
	return open_conn(h);
}

static void
start_host(xrun *r, xhost *h)
{
	char *msg;
	int rc;

	h->pub.start_ms = uv_now(r->loop);
	h->pub.state = ENG_HOST_CONNECTING;
	h->slot = 1;
	r->running++;
	if ((rc = open_conn(h)) != 0) {
		msg = util_xasprintf("cannot start: %s", eng_strerror(rc));
		xrun_host_done(h, ENG_HOST_UNREACHABLE, ENG_FAIL_CONFIG, msg);
		free(msg);
	}
}

static void
launch(xrun *r)
{
	while (!r->stopped && r->next < r->n &&
	    r->running < (size_t)r->th->run.fanout.max_parallel)
		start_host(r, &r->h[r->next++]);
	/* Stopped: the hosts never started end here, cancelled. */
	while (r->stopped && r->next < r->n)
		xrun_host_done(&r->h[r->next++], ENG_HOST_CANCELLED, ENG_FAIL_CANCELLED,
		    "not started (stopped by user)");
}

/* The hosts still connecting or running, folded and sanitised, malloc'd. */
static char *
running_hosts(xrun *r, size_t *n)
{
	const char **names = util_xcalloc(r->n ? r->n : 1, sizeof(*names));
	char *fold, *safe;
	size_t i;

	*n = 0;
	for (i = 0; i < r->n; i++)
		if (r->h[i].slot && !r->h[i].final)
			names[(*n)++] = r->h[i].pub.name;
	fold = tui_fold_hosts(names, *n);
	free(names);
	safe = tui_sanitize_str(fold);
	free(fold);
	return safe;
}

static void
abort_all(xrun *r)
{
	size_t i;

	r->stopped = r->aborted = 1;
	launch(r);
	for (i = 0; i < r->n; i++) {
		xhost *h = &r->h[i];

		if (h->final || !h->slot)
			continue;
		if (h->ready)
			r->ops->cancel(h);
		else if (h->c != NULL)
			eng_conn_close(h->c);   /* still connecting: cancelled when it closes */
	}
}

static void
on_signal(uv_signal_t *s, int signum)
{
	xrun *r = s->data;
	char *hosts;
	size_t n;

	if (r->done)
		return;
	fflush(stdout);
	xrun_before_print(r);
	if (signum == SIGINT && ++r->interrupts == 1) {
		r->stopped = 1;
		launch(r);
		hosts = running_hosts(r, &n);
		fprintf(stderr, "\ndrover: interrupted: starting no more hosts; still running: %s"
		    " (Ctrl-C again to abort)\n", n ? hosts : "none");
		free(hosts);
			return;
	}
	if (signum == SIGINT && r->interrupts >= 3) {
		hosts = running_hosts(r, &n);
		fprintf(stderr, "\ndrover: exiting now; temporaries may be left on: %s\n",
		    n ? hosts : "none");
		free(hosts);
		tui_ttyprompt_free(r->tp);
		_exit(TUI_EXIT_INTERRUPTED);
	}
	if (r->interrupts < 2)
		r->interrupts = 2;
	fprintf(stderr, "\ndrover: %s: cancelling transfers%s\n",
	    signum == SIGINT ? "aborting" : signum == SIGHUP ? "hangup" : "terminated",
	    signum == SIGINT ? " (Ctrl-C again to exit at once)" : "");
	abort_all(r);
}

int
xrun_main(xrun *r, const tui_batch_opts *bo)
{
	eng_ctx_opts eo;
	size_t i;
	int rc = TUI_EXIT_USAGE;
	const eng_fanout_host **hosts;

	r->n = r->th->n;
	r->h = util_xcalloc(r->n ? r->n : 1, sizeof(xhost));
	for (i = 0; i < r->n; i++) {
		r->h[i].r = r;
		r->h[i].idx = i;
		r->h[i].pub.name = r->th->hosts[i].name;
		r->h[i].pub.state = ENG_HOST_QUEUED;
		r->h[i].pub.exit_status = -1;
	}
	r->batch = tui_batch_new(bo, r->n, r->th->names);
	r->loop = uv_default_loop();
	r->tp = tui_ttyprompt_new(r->loop);
	memset(&eo, 0, sizeof(eo));
	eo.prompt = tui_ttyprompt_ask;
	eo.prompt_cancel = tui_ttyprompt_cancel;
	eo.prompt_ud = r->tp;
	eo.max_handshakes = r->th->run.max_handshakes;
	eo.log_path = r->cc->log;
	eo.log_verbose = r->cc->verbose > 1;
	if (eng_ctx_new(r->loop, &eo, &r->ctx) != 0) {
		fprintf(stderr, "drover %s: cannot start the engine\n", r->cc->cmd);
		goto out;
	}
	uv_signal_init(r->loop, &r->sigint);
	uv_signal_init(r->loop, &r->sigterm);
	uv_signal_init(r->loop, &r->sighup);
	r->sigint.data = r->sigterm.data = r->sighup.data = r;
	uv_signal_start(&r->sigint, on_signal, SIGINT);
	uv_signal_start(&r->sigterm, on_signal, SIGTERM);
	uv_signal_start(&r->sighup, on_signal, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	r->t0 = uv_now(r->loop);
	if (r->on_start != NULL)
		r->on_start(r);
	launch(r);
	check_done(r);
	uv_run(r->loop, UV_RUN_DEFAULT);
	uv_update_time(r->loop);
	hosts = util_xcalloc(r->n ? r->n : 1, sizeof(*hosts));
	for (i = 0; i < r->n; i++)
		hosts[i] = &r->h[i].pub;
	rc = tui_batch_finish_hosts(r->batch, hosts, uv_now(r->loop) - r->t0);
	free(hosts);
	if (r->interrupts >= 1 && !r->out_aborted)
		rc = TUI_EXIT_INTERRUPTED;
out:
	tui_ttyprompt_free(r->tp);
	uv_run(r->loop, UV_RUN_DEFAULT);
	eng_ctx_free(r->ctx);
	uv_loop_close(r->loop);
	tui_batch_free(r->batch);
	for (i = 0; i < r->n; i++) {
		if (r->ops->free_job != NULL)
			r->ops->free_job(&r->h[i]);
		free(r->h[i].error);
	}
	free(r->h);
	return rc;
}
