/*
 * tui/console/xferboard.c - the console's transfer board: files copied to
 * (put) or from (get) the broadcast set's hosts over their panes' own
 * connections (an SFTP channel each: no second login), a row per host with
 * a progress bar, rate and ETA, cancel one host or all, retry the failed.
 * Typed like the CLI, "put [-r] [-p] [--resume] LOCAL... REMOTE" or
 * "get ... REMOTE... LOCALDIR" (into LOCALDIR/HOST/, as drover get does).
 * The engine keeps each file atomic (engine/xfer*.c); this file only
 * starts, follows and stops its jobs. A board closed while transfers run
 * cancels them and frees itself when the last one reports done.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/console/xferboard.h"

static void xb_free(tui_xboard *xb);

void
tui__xboard_counts(const tui_xboard *xb, int count[XB_CANCELLED + 1])
{
	size_t i;

	memset(count, 0, sizeof(int) * (XB_CANCELLED + 1));
	for (i = 0; i < xb->n; i++)
		count[xb->rows[i].st]++;
}

/* ---- the typed line ---- */

/* Words of s, '...' and "..." quoting spaces; NULL-terminated, malloc'd. */
static char **
split_words(const char *s, size_t *n)
{
	char **w = NULL, *cur;
	size_t len;
	char q;

	*n = 0;
	cur = util_xcalloc(1, strlen(s) + 1);
	while (*s != '\0') {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = 0;
		q = 0;
		for (; *s != '\0' && (q != 0 || (*s != ' ' && *s != '\t')); s++) {
			if (q == 0 && (*s == '\'' || *s == '"'))
				q = *s;
			else if (q != 0 && *s == q)
				q = 0;
			else
				cur[len++] = *s;
		}
		cur[len] = '\0';
		w = util_xreallocarray(w, *n + 2, sizeof(*w));
		w[(*n)++] = util_xstrdup(cur);
		w[*n] = NULL;
	}
	free(cur);
	return w;
}

/* A local path as the console's directory sees it, made absolute. */
static char *
absolute(const char *p)
{
	char cwd[4096];

	if (p[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return util_xstrdup(p);
	return util_xasprintf("%s/%s", cwd, p);
}

static int
parse(tui_xboard *xb, char **w, size_t n, char **err)
{
	size_t i = 1, k;
	struct stat sb;

	if (n == 0 || (strcmp(w[0], "put") != 0 && strcmp(w[0], "get") != 0)) {
		*err = util_xstrdup("say put LOCAL... REMOTE or get REMOTE... LOCALDIR");
		return -1;
	}
	xb->dir = strcmp(w[0], "put") == 0 ? ENG_XFER_PUT : ENG_XFER_GET;
	for (; i < n && w[i][0] == '-'; i++) {
		if (strcmp(w[i], "-r") == 0)
			xb->o.recursive = 1;
		else if (strcmp(w[i], "-p") == 0)
			xb->o.preserve = 1;
		else if (strcmp(w[i], "-rp") == 0 || strcmp(w[i], "-pr") == 0)
			xb->o.recursive = xb->o.preserve = 1;
		else if (strcmp(w[i], "--resume") == 0)
			xb->o.resume = 1;
		else {
			*err = util_xasprintf("%s: not an option here (-r, -p, --resume)", w[i]);
			return -1;
		}
	}
	if (n - i < 2) {
		*err = util_xasprintf("%s needs a source and a destination", w[0]);
		return -1;
	}
	xb->nsrc = n - i - 1;
	xb->src = util_xcalloc(xb->nsrc, sizeof(char *));
	for (k = 0; k < xb->nsrc; k++) {
		xb->src[k] = xb->dir == ENG_XFER_PUT ? absolute(w[i + k]) : util_xstrdup(w[i + k]);
		if (xb->dir == ENG_XFER_PUT && stat(xb->src[k], &sb) != 0) {
			*err = util_xasprintf("%s: %s", xb->src[k], strerror(errno));
			return -1;
		}
	}
	xb->dst = xb->dir == ENG_XFER_GET ? absolute(w[n - 1]) : util_xstrdup(w[n - 1]);
	if (xb->dir == ENG_XFER_GET && mkdir(xb->dst, 0755) != 0 && errno != EEXIST) {
		*err = util_xasprintf("%s: %s", xb->dst, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the transfers ---- */

static void
row_fail(tui_xrow *r, const char *why)
{
	r->st = XB_FAILED;
	free(r->error);
	r->error = util_xstrdup(why);
}

static void
on_progress(eng_xfer *x, const eng_xfer_progress *p, const eng_xfer_file *f, void *ud)
{
	tui_xrow *r = ud;
	uint64_t now = uv_now(r->xb->con->loop), dt = now - r->rate_ms;
	double inst;

	(void)x;
	(void)f;
	r->prog = *p;
	/* The rate over the last quarter second or more, smoothed. */
	if (dt >= 250) {
		inst = (double)(p->bytes_done - r->rate_bytes) * 1000.0 / (double)dt;
		r->rate = r->rate == 0 ? inst : 0.6 * r->rate + 0.4 * inst;
		r->rate_ms = now;
		r->rate_bytes = p->bytes_done;
	}
	tui_console_dirty(r->xb->con);
}

static void
on_file(eng_xfer *x, const eng_xfer_file *f, void *ud)
{
	tui_xrow *r = ud;

	(void)x;
	/* The first file that failed says why (the others are counted). */
	if (f->state == ENG_XFER_FAILED && r->error == NULL && f->error != NULL)
		r->error = util_xstrdup(f->error);
}

static void
on_done(eng_xfer *x, const eng_xfer_result *res, void *ud)
{
	tui_xrow *r = ud;
	tui_xboard *xb = r->xb;

	(void)x;
	r->x = NULL;
	r->prog = *res->progress;
	r->end_ms = uv_now(xb->con->loop);
	if (res->cancelled) {
		r->st = XB_CANCELLED;
	} else if (res->error != NULL) {
		row_fail(r, res->error);
	} else if (res->progress->files_failed > 0) {
		r->st = XB_FAILED;
		if (r->error == NULL)
			r->error = util_xasprintf("%zu files failed", res->progress->files_failed);
	} else {
		r->st = XB_OK;
	}
	xb->running--;
	if (xb->closing) {
		if (xb->running == 0)
			xb_free(xb);
		return;
	}
	tui_console_dirty(xb->con);
}

/* get: LOCALDIR/HOST, a real directory (never a planted symlink). */
static int
host_dir(tui_xrow *r)
{
	char *name = tui_host_dirname(r->name);
	struct stat sb;

	free(r->local);
	r->local = util_xasprintf("%s/%s", r->xb->dst, name);
	free(name);
	if (mkdir(r->local, 0755) != 0 && errno != EEXIST) {
		char *why = util_xasprintf("%s: %s", r->local, strerror(errno));

		row_fail(r, why);
		free(why);
		return -1;
	}
	if (lstat(r->local, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		char *why = util_xasprintf("%s: not a directory", r->local);

		row_fail(r, why);
		free(why);
		return -1;
	}
	return 0;
}

static void
row_start(tui_xrow *r)
{
	static const eng_xfer_cbs cbs = { on_progress, on_file, on_done };
	tui_xboard *xb = r->xb;
	int at = tui_console_find(xb->con, r->name), rc;
	tui_pane *p = at >= 0 ? xb->con->panes[at] : NULL;

	free(r->error);
	r->error = NULL;
	memset(&r->prog, 0, sizeof(r->prog));
	r->rate = 0;
	r->rate_bytes = 0;
	r->start_ms = r->rate_ms = uv_now(xb->con->loop);
	r->end_ms = 0;
	if (p == NULL || p->c == NULL) {
		row_fail(r, p == NULL ? "no pane for this host" :
		    "not connected (its pane is reconnecting or closed)");
		return;
	}
	if (xb->dir == ENG_XFER_GET && host_dir(r) != 0)
		return;
	if (xb->dir == ENG_XFER_PUT)
		rc = eng_xfer_put(p->c, (const char *const *)xb->src, xb->nsrc, xb->dst, &xb->o,
		    &cbs, r, &r->x);
	else
		rc = eng_xfer_get(p->c, (const char *const *)xb->src, xb->nsrc, r->local, &xb->o,
		    &cbs, r, &r->x);
	if (rc != 0) {
		char *why = util_xasprintf("cannot start the transfer: %s", eng_strerror(rc));

		r->x = NULL;
		row_fail(r, why);
		free(why);
		return;
	}
	r->st = XB_RUNNING;
	xb->running++;
}

tui_xboard *
tui_xboard_new(tui_console *con, const char *text, tui_pane **targets, int n, char **err)
{
	tui_xboard *xb = util_xcalloc(1, sizeof(*xb));
	size_t nw, i;
	char **w = split_words(text, &nw);
	int k;

	xb->con = con;
	if (parse(xb, w, nw, err) != 0) {
		for (i = 0; i < nw; i++)
			free(w[i]);
		free(w);
		xb_free(xb);
		return NULL;
	}
	for (i = 0; i < nw; i++)
		free(w[i]);
	free(w);
	{
		tui_buf b = { 0 };

		tui_buf_addstr(&b, xb->dir == ENG_XFER_PUT ? "put " : "get ");
		for (i = 0; i < xb->nsrc; i++)
			tui_buf_addf(&b, "%s ", xb->src[i]);
		tui_buf_addf(&b, "-> %s%s", xb->dst, xb->dir == ENG_XFER_GET ? "/HOST/" : "");
		xb->label = b.p;
	}
	xb->n = (size_t)n;
	xb->rows = util_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*xb->rows));
	for (k = 0; k < n; k++) {
		xb->rows[k].name = util_xstrdup(targets[k]->host.name);
		xb->rows[k].xb = xb;
	}
	for (i = 0; i < xb->n; i++)
		row_start(&xb->rows[i]);
	return xb;
}

static void
xb_free(tui_xboard *xb)
{
	size_t i;

	for (i = 0; i < xb->n; i++) {
		free(xb->rows[i].name);
		free(xb->rows[i].error);
		free(xb->rows[i].local);
	}
	free(xb->rows);
	for (i = 0; i < xb->nsrc; i++)
		free(xb->src[i]);
	free(xb->src);
	free(xb->dst);
	free(xb->label);
	free(xb);
}

static void
cancel_all(tui_xboard *xb)
{
	size_t i;

	for (i = 0; i < xb->n; i++)
		if (xb->rows[i].x != NULL)
			eng_xfer_cancel(xb->rows[i].x);
}

void
tui_xboard_close(tui_xboard *xb)
{
	if (xb == NULL || xb->closing)
		return;
	if (xb->running > 0) {
		/* Each cancel ends in on_done; the last one frees the board. */
		xb->closing = 1;
		xb->running++;
		cancel_all(xb);
		if (--xb->running > 0)
			return;
	}
	xb_free(xb);
}

int
tui_xboard_running(const tui_xboard *xb)
{
	return xb != NULL && xb->running > 0;
}

/* ---- keys ---- */

static void
retry_failed(tui_xboard *xb)
{
	size_t i;
	int k = 0;

	if (xb->running > 0) {
		tui_console_flash(xb->con, "transfers are still running");
		return;
	}
	for (i = 0; i < xb->n; i++) {
		if (xb->rows[i].st == XB_FAILED || xb->rows[i].st == XB_CANCELLED) {
			row_start(&xb->rows[i]);
			k++;
		}
	}
	if (k == 0)
		tui_console_flash(xb->con, "no failed transfers to retry");
}

int
tui_xboard_key(tui_xboard *xb, int key, uint32_t ch)
{
	tui_console *con = xb->con;
	tui_xrow *r = xb->n > 0 ? &xb->rows[xb->sel] : NULL;

	if ((key == TUI_KEY_UP || ch == 'k') && xb->sel > 0)
		xb->sel--;
	else if ((key == TUI_KEY_DOWN || ch == 'j') && xb->sel + 1 < (int)xb->n)
		xb->sel++;
	else if (ch == 'c' && r != NULL && r->x != NULL)
		eng_xfer_cancel(r->x);
	else if (ch == 'C')
		cancel_all(xb);
	else if (ch == 'r')
		retry_failed(xb);
	else if (ch == 'x')
		tui_command_run(con, "transfer-close");
	else if (ch == 'q' || ch == 27 || key == TUI_KEY_ESC) {
		con->xboard_shown = 0;
		con->full_dirty = 1;
	}
	/* The board is modal: nothing leaks to the shells under it. */
	tui_console_dirty(con);
	return 1;
}
