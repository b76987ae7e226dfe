/*
 * engine/fanout.c - one command on many hosts: a connection and an exec per
 * host, at most max_parallel hosts in flight, results reported as each host
 * finishes. Per-host state is the operator's view (queued, connecting, auth,
 * running, ok, failed, timeout, unreachable, cancelled); the connection and
 * exec layers below do the work.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

typedef struct fo_host {
	eng_fanout *f;
	size_t idx;
	eng_fanout_host pub;
	eng_conn_opts opts;   /* deep copy */
	eng_conn *c;
	eng_exec *x;
	eng_device *d;
	char *error;
	char *signal;
	int final;
} fo_host;

struct eng_fanout {
	eng_ctx *ctx;
	fo_host *h;
	size_t n, next, running, nfinal, nconns;
	char *command;
	eng_fanout_opts opts;
	eng_fanout_cbs cbs;
	void *ud;
	int started, stopped, aborted, done_reported;
};

static const char *const host_state_names[] = {
	"queued", "connecting", "auth", "running", "ok", "failed", "timeout",
	"unreachable", "cancelled",
};

const char *
eng_host_state_name(eng_host_state st)
{
	if ((size_t)st < sizeof(host_state_names) / sizeof(host_state_names[0]))
		return host_state_names[st];
	return "?";
}

static void fo_launch(eng_fanout *f);

static void
fo_check_done(eng_fanout *f)
{
	/* Done when every host is final and every connection has gone. */
	if (f->done_reported || f->nfinal < f->n || f->nconns > 0)
		return;
	f->done_reported = 1;
	if (f->cbs.on_done != NULL)
		f->cbs.on_done(f, f->ud);
}

static void
fo_set_state(fo_host *h, eng_host_state st)
{
	eng_fanout *f = h->f;

	if (h->final || h->pub.state == st)
		return;
	h->pub.state = st;
	if (f->cbs.on_state != NULL)
		f->cbs.on_state(f, h->idx, f->ud);
}

static void
fo_final(fo_host *h, eng_host_state st)
{
	eng_fanout *f = h->f;

	if (h->final)
		return;
	fo_set_state(h, st);
	h->final = 1;
	h->pub.end_ms = uv_now(f->ctx->loop);
	if (h->pub.start_ms == 0)
		h->pub.start_ms = h->pub.end_ms;
	h->pub.error = h->error;
	h->pub.signal = h->signal;
	f->nfinal++;
	if (f->cbs.on_host_done != NULL)
		f->cbs.on_host_done(f, h->idx, f->ud);
}

/* ---- connection and exec callbacks ---- */

static void
on_conn_state(eng_conn *c, eng_conn_state st, void *ud)
{
	fo_host *h = ud;
	eng_fanout *f;

	if (h == NULL)
		return;
	f = h->f;
	switch (st) {
	case ENG_CONN_KEX:
	case ENG_CONN_HOSTKEY:
	case ENG_CONN_AUTH:
		if (st == ENG_CONN_AUTH)
			fo_set_state(h, ENG_HOST_AUTH);
		break;
	case ENG_CONN_READY:
		fo_set_state(h, ENG_HOST_RUNNING);
		break;
	case ENG_CONN_CLOSED:
	case ENG_CONN_FAILED:
		/* The exec was completed (with the conn's error) before this. */
		(void)c;
		h->c = NULL;
		f->nconns--;
		if (f->running > 0 && !h->final) {
			/* Cannot happen: execs end first. Keep the books straight. */
			h->error = util_xstrdup("connection ended");
			fo_final(h, ENG_HOST_UNREACHABLE);
		}
		f->running--;
		fo_launch(f);
		fo_check_done(f);
		break;
	default:
		break;
	}
}

static void
on_exec_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	fo_host *h = ud;

	(void)x;
	if (h->f->cbs.on_data != NULL)
		h->f->cbs.on_data(h->f, h->idx, stream, buf, len, h->f->ud);
}

static void
on_exec_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	fo_host *h = ud;
	eng_host_state st;

	(void)x;
	h->x = NULL;
	h->pub.exit_status = r->exit_status;
	if (r->signal != NULL)
		h->signal = util_xstrdup(r->signal);
	if (r->sudo_denied && r->error == NULL && !r->timed_out && !r->killed) {
		h->error = util_xstrdup("sudo: authentication failed");
		st = ENG_HOST_FAILED;
	} else if (r->error != NULL) {
		h->pub.fail = r->fail;
		h->error = util_xstrdup(r->error);
		st = r->fail == ENG_FAIL_CANCELLED ? ENG_HOST_CANCELLED : ENG_HOST_UNREACHABLE;
	} else if (r->timed_out) {
		h->error = util_xstrdup(r->unresponsive ? "command timed out; host not "
		    "responding to the kill, given up (the command may still run)" :
		    "command timed out; remote process group killed");
		st = ENG_HOST_TIMEOUT;
	} else if (r->killed) {
		h->error = util_xstrdup(r->unresponsive ? "aborted by user; host not "
		    "responding to the kill, given up (the command may still run)" :
		    "aborted by user; remote process group killed");
		st = ENG_HOST_CANCELLED;
	} else if (r->signal != NULL) {
		h->error = util_xasprintf("killed by signal %s", r->signal);
		st = ENG_HOST_FAILED;
	} else if (r->exit_status == 0) {
		st = ENG_HOST_OK;
	} else if (r->exit_status > 0) {
		h->error = util_xasprintf("exit status %d", r->exit_status);
		st = ENG_HOST_FAILED;
	} else {
		h->error = util_xstrdup("command ended without an exit status");
		st = ENG_HOST_FAILED;
	}
	fo_final(h, st);
	/* Deferred by the engine: we are inside the conn's frame. */
	if (h->c != NULL)
		eng_conn_close(h->c);
}

static void
on_device_command(eng_device *d, size_t i, const char *out, size_t len, void *ud)
{
	fo_host *h = ud;

	(void)d;
	if (h->f->opts.on_command != NULL)
		h->f->opts.on_command(h->f, h->idx, i, out, len, h->f->ud);
}

static void
on_device_done(eng_device *d, const eng_device_result *r, void *ud)
{
	fo_host *h = ud;
	eng_host_state st;

	(void)d;
	h->d = NULL;
	if (r->error == NULL) {
		st = ENG_HOST_OK;
		h->pub.exit_status = 0;
	} else {
		h->error = util_xstrdup(r->error);
		if (r->fail != ENG_FAIL_NONE) {
			h->pub.fail = r->fail;
			st = r->fail == ENG_FAIL_CANCELLED ? ENG_HOST_CANCELLED : ENG_HOST_UNREACHABLE;
		} else {
			st = r->timed_out ? ENG_HOST_TIMEOUT : h->f->aborted ?
			    ENG_HOST_CANCELLED : ENG_HOST_FAILED;
		}
	}
	fo_final(h, st);
	if (h->c != NULL)
		eng_conn_close(h->c);
}

/* ---- scheduling ---- */

static void
fo_start_host(eng_fanout *f, fo_host *h)
{
	static const eng_conn_cbs ccbs = { on_conn_state };
	static const eng_exec_cbs xcbs = { on_exec_data, on_exec_done };
	eng_exec_opts xo;
	int r;

	h->pub.start_ms = uv_now(f->ctx->loop);
	fo_set_state(h, ENG_HOST_CONNECTING);
	r = eng_conn_open(f->ctx, &h->opts, &ccbs, h, &h->c);
	if (r != 0) {
		h->error = util_xasprintf("cannot start: %s", eng_strerror(r));
		h->pub.fail = ENG_FAIL_CONFIG;
		fo_final(h, ENG_HOST_UNREACHABLE);
		return;
	}
	f->running++;
	f->nconns++;
	if (f->opts.devices != NULL) {
		static const eng_device_cbs dcbs = { on_device_command, on_device_done };

		if (eng_device_start(h->c, &f->opts.devices[h->idx], &dcbs, h, &h->d) != 0) {
			h->error = util_xstrdup("cannot start the device session (bad prompt regex?)");
			h->pub.fail = ENG_FAIL_CONFIG;
			fo_final(h, ENG_HOST_UNREACHABLE);
			eng_conn_close(h->c);
		}
		return;
	}
	memset(&xo, 0, sizeof(xo));
	xo.timeout_ms = f->opts.command_timeout_ms;
	xo.alone = 1;   /* one command per conn: no pid line to send and strip */
	xo.pty = f->opts.pty;
	xo.sudo = f->opts.sudo;
	/*
	 * The shared input, or none: a command that reads stdin sees its end,
	 * not a hang. The exec sends the EOF itself (after sudo is done).
	 */
	xo.input = f->opts.input != NULL ? f->opts.input : "";
	xo.input_len = f->opts.input != NULL ? f->opts.input_len : 0;
	if (eng_exec_start(h->c, f->command, &xo, &xcbs, h, &h->x) != 0) {
		h->error = util_xstrdup("cannot queue command");
		fo_final(h, ENG_HOST_UNREACHABLE);
		eng_conn_close(h->c);
		return;
	}
}

static void
fo_launch(eng_fanout *f)
{
	while (!f->stopped && f->next < f->n &&
	    f->running < (size_t)f->opts.max_parallel)
		fo_start_host(f, &f->h[f->next++]);
}

/* ---- public ---- */

static char **
copy_strv(const char *const *v)
{
	size_t n = 0, i;
	char **out;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	out = util_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		out[i] = util_xstrdup(v[i]);
	return out;
}

int
eng_fanout_new(eng_ctx *ctx, const eng_conn_opts *hosts, size_t n,
    const char *command, const eng_fanout_opts *opts,
    const eng_fanout_cbs *cbs, void *ud, eng_fanout **out)
{
	eng_fanout *f;
	size_t i;

	*out = NULL;
	if (ctx == NULL || (command == NULL && (opts == NULL || opts->devices == NULL)) ||
	    (n > 0 && hosts == NULL))
		return ENG_EINVAL;
	for (i = 0; i < n; i++)
		if (hosts[i].name == NULL || *hosts[i].name == '\0')
			return ENG_EINVAL;
	f = util_xcalloc(1, sizeof(*f));
	f->ctx = ctx;
	f->n = n;
	f->h = util_xcalloc(n, sizeof(fo_host));
	f->command = util_xstrdup(command);
	if (opts != NULL)
		f->opts = *opts;
	if (f->opts.max_parallel <= 0)
		f->opts.max_parallel = 64;
	if (cbs != NULL)
		f->cbs = *cbs;
	f->ud = ud;
	for (i = 0; i < n; i++) {
		fo_host *h = &f->h[i];

		h->f = f;
		h->idx = i;
		h->opts = hosts[i];
		h->opts.name = util_xstrdup(hosts[i].name);
		h->opts.address = util_xstrdup(hosts[i].address);
		h->opts.user = util_xstrdup(hosts[i].user);
		h->opts.ssh_config = util_xstrdup(hosts[i].ssh_config);
		h->opts.known_hosts = util_xstrdup(hosts[i].known_hosts);
		h->opts.keys = (const char *const *)copy_strv(hosts[i].keys);
		h->pub.name = h->opts.name;
		h->pub.state = ENG_HOST_QUEUED;
		h->pub.exit_status = -1;
	}
	*out = f;
	return 0;
}

void
eng_fanout_start(eng_fanout *f)
{
	if (f->started)
		return;
	f->started = 1;
	fo_launch(f);
	fo_check_done(f);
}

void
eng_fanout_stop(eng_fanout *f)
{
	size_t i;

	if (f->stopped)
		return;
	f->stopped = 1;
	for (i = f->next; i < f->n; i++) {
		fo_host *h = &f->h[i];

		h->error = util_xstrdup("not started (stopped by user)");
		h->pub.fail = ENG_FAIL_CANCELLED;
		fo_final(h, ENG_HOST_CANCELLED);
	}
	f->next = f->n;
	fo_check_done(f);
}

void
eng_fanout_abort(eng_fanout *f)
{
	size_t i;

	eng_fanout_stop(f);
	f->aborted = 1;
	for (i = 0; i < f->n; i++) {
		fo_host *h = &f->h[i];

		if (h->final)
			continue;
		if (h->d != NULL && h->pub.state == ENG_HOST_RUNNING)
			eng_device_cancel(h->d);
		else if (h->x != NULL && h->pub.state == ENG_HOST_RUNNING)
			eng_exec_kill(h->x);
		else if (h->c != NULL)
			eng_conn_close(h->c);
	}
}

size_t
eng_fanout_count(const eng_fanout *f)
{
	return f->n;
}

const eng_fanout_host *
eng_fanout_host_get(const eng_fanout *f, size_t i)
{
	if (i >= f->n)
		return NULL;
	return &f->h[i].pub;
}

void
eng_fanout_free(eng_fanout *f)
{
	size_t i, j;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		fo_host *h = &f->h[i];

		/* Connections still closing must not call back into freed memory. */
		if (h->c != NULL)
			eng_conn_set_userdata(h->c, NULL);
		free((char *)h->opts.name);
		free((char *)h->opts.address);
		free((char *)h->opts.user);
		free((char *)h->opts.ssh_config);
		free((char *)h->opts.known_hosts);
		if (h->opts.keys != NULL) {
			for (j = 0; h->opts.keys[j] != NULL; j++)
				free((char *)h->opts.keys[j]);
			free((void *)h->opts.keys);
		}
		free(h->error);
		free(h->signal);
	}
	free(f->h);
	free(f->command);
	free(f);
}
