/*
 * tui/console/ctl_exec.c - `drover ctl exec TARGETS -- COMMAND`: a fan-out
 * on the session's own connections (a new channel on each pane's, no new
 * login), answered with one JSON line per host once all are done. Hosts
 * the session has no connected pane for are reported, not connected anew.
 * Output held per host is capped (the record says so when it was cut).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/console.h"
#include "tui/console/server.h"

#define CTL_EXEC_CAP (1u << 20)

typedef struct cx_host {
	struct ctl_exec *run;
	char *host;
	const char *why;            /* never started: the reason */
	tui_buf out, err;
	int cut;
	int done, status;
	char *signal, *error;
	int timed_out;
	eng_exec *x;
} cx_host;

typedef struct ctl_exec {
	tui_console *con;
	tui_client *cl;             /* NULL once it went away */
	cx_host *h;
	size_t n, left;
	struct ctl_exec *next;
} ctl_exec;

static void
json_str(tui_buf *b, const char *s, size_t len)
{
	tui_buf_addstr(b, "\"");
	tui_json_escape(b, s, len);
	tui_buf_addstr(b, "\"");
}

static void
finish(ctl_exec *r)
{
	tui_buf b = { 0 };
	ctl_exec **pp;
	int fails = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		cx_host *h = &r->h[i];
		const char *state = h->why != NULL ? "not connected" : h->error != NULL ? "lost" :
		    h->timed_out ? "timeout" : h->status == 0 ? "ok" : "failed";

		fails += strcmp(state, "ok") != 0;
		tui_buf_addstr(&b, "{\"host\":");
		json_str(&b, h->host, strlen(h->host));
		tui_buf_addf(&b, ",\"state\":\"%s\",\"exit\":%d", state, h->status);
		if (h->signal != NULL) {
			tui_buf_addstr(&b, ",\"signal\":");
			json_str(&b, h->signal, strlen(h->signal));
		}
		if (h->why != NULL || h->error != NULL) {
			tui_buf_addstr(&b, ",\"error\":");
			json_str(&b, h->why != NULL ? h->why : h->error,
			    strlen(h->why != NULL ? h->why : h->error));
		}
		tui_buf_addstr(&b, ",\"stdout\":");
		json_str(&b, h->out.p != NULL ? h->out.p : "", h->out.len);
		tui_buf_addstr(&b, ",\"stderr\":");
		json_str(&b, h->err.p != NULL ? h->err.p : "", h->err.len);
		tui_buf_addf(&b, ",\"truncated\":%s}\n", h->cut ? "true" : "false");
		tui_buf_free(&h->out);
		tui_buf_free(&h->err);
		free(h->host);
		free(h->signal);
		free(h->error);
	}
	for (pp = (ctl_exec **)&r->con->ctl_execs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->cl != NULL)
		tui_ctl_reply(r->cl, fails > 0 ? 1 : 0, b.p, b.len);
	tui_buf_free(&b);
	free(r->h);
	free(r);
}

static void
on_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	cx_host *h = ud;
	tui_buf *b = stream == 2 ? &h->err : &h->out;

	(void)x;
	if (b->len + len > CTL_EXEC_CAP) {
		len = b->len < CTL_EXEC_CAP ? CTL_EXEC_CAP - b->len : 0;
		h->cut = 1;
	}
	tui_buf_add(b, buf, len);
}

static void
on_done(eng_exec *x, const eng_exec_result *res, void *ud)
{
	cx_host *h = ud;

	(void)x;
	h->x = NULL;
	h->done = 1;
	h->status = res->exit_status;
	h->timed_out = res->timed_out;
	h->signal = res->signal != NULL ? util_xstrdup(res->signal) : NULL;
	h->error = res->error != NULL ? util_xstrdup(res->error) : NULL;
	if (--h->run->left == 0)
		finish(h->run);
}

/* A connected pane of that host in any window, NULL if none. */
static tui_pane *
pane_of(tui_console *con, const char *host)
{
	int k, n = tui_console_npanes_all(con);

	for (k = 0; k < n; k++) {
		tui_pane *p = tui_console_pane_at(con, k, NULL, NULL);

		if (strcmp(p->host.name, host) == 0 && p->c != NULL && p->st == TUI_PANE_READY)
			return p;
	}
	return NULL;
}

void
tui_ctl_exec(tui_client *cl, int argc, char **argv)
{
	static const eng_exec_cbs cbs = { on_data, on_done };
	tui_console *con = cl->srv->con;
	cfg_host *hosts = NULL;
	size_t n = 0, i;
	char *cause = NULL, *safe;
	tui_buf cmd = { 0 };
	eng_exec_opts xo;
	ctl_exec *r;
	int k, timeout = 0;

	for (k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
		if (strcmp(argv[k], "-t") == 0 && k + 1 < argc)
			timeout = atoi(argv[++k]);
	if (argc < 4 || k != 2 + (timeout > 0 ? 2 : 0) || k + 1 >= argc) {
		static const char use[] = "usage: drover ctl exec [-t SECONDS] TARGETS -- COMMAND...\n";

		tui_ctl_reply(cl, 2, use, sizeof(use) - 1);
		return;
	}
	if (cfg_targets_resolve(con->inv, argv[k - 1], &hosts, &n, &cause) != 0 || n == 0) {
		safe = tui_sanitize_str(cause != NULL ? cause : "no hosts");
		tui_buf_addf(&cmd, "drover ctl: exec: %s\n", safe);
		tui_ctl_reply(cl, 2, cmd.p, cmd.len);
		free(safe);
		free(cause);
		tui_buf_free(&cmd);
		cfg_hosts_free(hosts, n);
		return;
	}
	for (k++; k < argc; k++)
		tui_buf_addf(&cmd, "%s%s", cmd.len > 0 ? " " : "", argv[k]);
	r = util_xcalloc(1, sizeof(*r));
	r->con = con;
	r->cl = cl;
	r->next = con->ctl_execs;
	con->ctl_execs = r;
	r->n = n;
	r->left = n + 1;                /* +1: held until every start is made */
	r->h = util_xcalloc(n, sizeof(*r->h));
	memset(&xo, 0, sizeof(xo));
	xo.timeout_ms = timeout * 1000;
	for (i = 0; i < n; i++) {
		cx_host *h = &r->h[i];
		tui_pane *p = pane_of(con, hosts[i].name);

		h->run = r;
		h->host = util_xstrdup(hosts[i].name);
		h->status = -1;
		if (p == NULL) {
			h->why = "no connected pane for this host in the session";
			r->left--;
		} else if (eng_exec_start(p->c, tui_buf_str(&cmd), &xo, &cbs, h, &h->x) != 0) {
			h->why = "the connection refused a new channel";
			r->left--;
		}
	}
	tui_buf_free(&cmd);
	cfg_hosts_free(hosts, n);
	if (--r->left == 0)
		finish(r);
}

void
tui_ctl_exec_forget(tui_console *con, tui_client *cl)
{
	ctl_exec *r;

	/* The commands run to their end; nobody is told. */
	for (r = con->ctl_execs; r != NULL; r = r->next)
		if (r->cl == cl)
			r->cl = NULL;
}
