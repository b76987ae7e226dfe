/*
 * tui/cli/xfer_check.c - the checksums of put and get: --verify (after the
 * copy, each file's SHA-256 on the host against the local one) and
 * --skip-same=sum (before it, files whose target already has the
 * source's SHA-256 are left out). The digests come from engine/xfer_sum.c:
 * local files in the thread pool, remote ones over an exec on the host's
 * connection.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/xfer_int.h"

/* ---- --verify ---- */

static char **
copy_hex(const char *const *hex, size_t n)
{
	char **v = util_xcalloc(n ? n : 1, sizeof(char *));
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = hex[i] != NULL ? util_xstrdup(hex[i]) : NULL;
	return v;
}

void
xfer_free_strv(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
verify_compare(xjob *j)
{
	xcli *x = j->h->r->ud;
	size_t i, bad = 0;

	j->sum = util_xcalloc(j->nokf ? j->nokf : 1, sizeof(char *));
	j->sum_path = util_xcalloc(j->nokf ? j->nokf : 1, sizeof(char *));
	for (i = 0; i < j->nokf; i++) {
		const char *l = j->lsum[i], *r = j->rsum[i];
		const char *target = x->dir == ENG_XFER_PUT ? j->ok_remote[i] : j->ok_local[i];

		if (l == NULL || r == NULL) {
			bad++;
			xfer_set_error(j, "%s: cannot verify: no SHA-256 of the %s copy", target,
			    l == NULL ? "local" : "remote");
		} else if (strcmp(l, r) != 0) {
			bad++;
			xfer_set_error(j, "%s: SHA-256 differs (local %.16s…, host %.16s…)", target,
			    l, r);
		} else {
			j->sum[j->nsum] = util_xstrdup(l);
			j->sum_path[j->nsum++] = util_xstrdup(target);
		}
	}
	j->nfail += bad;
	j->verified = bad == 0;
	xfer_finish(j);
}

static void
on_lsum(const char *const *hex, size_t n, const char *error, void *ud)
{
	xjob *j = ud;

	if (error != NULL)
		xfer_set_error(j, "local SHA-256: %s", error);
	j->lsum = copy_hex(hex, n);
	j->nlsum = n;
	if (--j->sums_pending == 0)
		verify_compare(j);
}

static void
on_rsum(const char *const *hex, size_t n, const char *error, void *ud)
{
	xjob *j = ud;

	if (error != NULL)
		xfer_set_error(j, "SHA-256 on the host: %s", error);
	j->rsum = copy_hex(hex, n);
	j->nrsum = n;
	if (--j->sums_pending == 0)
		verify_compare(j);
}

void
xfer_verify_start(xjob *j)
{
	xrun *r = j->h->r;

	j->phase = XJ_VERIFY;
	if (j->h->c == NULL) {
		xfer_set_error(j, "%s", "cannot verify: the connection is gone");
		xfer_finish(j);
		return;
	}
	j->sums_pending = 2;
	if (eng_sha256_remote(j->h->c, (const char *const *)j->ok_remote, j->nokf,
	    on_rsum, j) != 0) {
		j->sums_pending = 0;
		xfer_set_error(j, "%s", "cannot verify: the checksum command did not start");
		xfer_finish(j);
		return;
	}
	if (eng_sha256_local(r->loop, (const char *const *)j->ok_local, j->nokf, on_lsum,
	    j) != 0) {
		j->rsum = NULL;
		xfer_set_error(j, "%s", "cannot verify: local SHA-256 did not start");
		j->sums_pending--;   /* the remote answer finishes */
		j->lsum = util_xcalloc(j->nokf ? j->nokf : 1, sizeof(char *));
	}
}

/* ---- --skip-same=sum: both sides' digests before the copy ---- */

static char *
join(const char *dir, const char *path)
{
	char *copy = util_xstrdup(path), *base, *out;
	size_t len;

	/* "dir/" + the last name of path ("a/b/" -> "b"), as the engine does */
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	base = basename(copy);
	out = util_xasprintf("%s/%s", dir, base);
	free(copy);
	return out;
}

/* The digests are in: the copy, unless the job was cancelled or lost meanwhile. */
static void
after_sums(xjob *j)
{
	if (j->cancelled) {
		xfer_finish(j);
		return;
	}
	if (j->h->c == NULL || eng_conn_get_state(j->h->c) != ENG_CONN_READY) {
		xfer_set_error(j, "%s", "connection lost");
		j->conn_gone = 1;
		xfer_finish(j);
		return;
	}
	xfer_start(j);
}

static void
sums_compare(xjob *j)
{
	xcli *x = j->h->r->ud;
	size_t i, m = 0;

	for (i = 0; i < j->nsrc; i++) {
		/* put: the target is REMOTE/name or REMOTE itself (one source) */
		const char *l = j->lsum[i], *r1 = j->rsum[x->dir == ENG_XFER_PUT ? 2 * i : i];
		const char *r2 = x->dir == ENG_XFER_PUT ? j->rsum[2 * i + 1] : NULL;

		if (l != NULL && ((r1 != NULL && strcmp(l, r1) == 0) ||
		    (r2 != NULL && strcmp(l, r2) == 0))) {
			j->nskip++;
			if (x->cc.verbose) {
				char *m_ = util_xasprintf("%s: unchanged (same SHA-256)", j->src[i]);

				xfer_note(j, m_);
				free(m_);
			}
			continue;
		}
		j->src[m++] = j->src[i];
	}
	j->nsrc = m;
	xfer_free_strv(j->lsum, j->nlsum);
	xfer_free_strv(j->rsum, j->nrsum);
	j->lsum = j->rsum = NULL;
	j->nlsum = j->nrsum = 0;
	after_sums(j);
}

static void
on_pre_lsum(const char *const *hex, size_t n, const char *error, void *ud)
{
	xjob *j = ud;

	(void)error;   /* unknown digests are copied */
	j->lsum = copy_hex(hex, n);
	j->nlsum = n;
	if (--j->sums_pending == 0)
		sums_compare(j);
}

static void
on_pre_rsum(const char *const *hex, size_t n, const char *error, void *ud)
{
	xjob *j = ud;

	(void)error;
	j->rsum = copy_hex(hex, n);
	j->nrsum = n;
	if (--j->sums_pending == 0)
		sums_compare(j);
}

void
xfer_sums_start(xjob *j)
{
	xcli *x = j->h->r->ud;
	char **local = util_xcalloc(j->nsrc + 1, sizeof(char *));
	char **remote = util_xcalloc(2 * j->nsrc + 1, sizeof(char *));
	size_t i, nr = 0;

	j->phase = XJ_SUMS;
	for (i = 0; i < j->nsrc; i++) {
		if (x->dir == ENG_XFER_PUT) {
			local[i] = util_xstrdup(j->src[i]);
			remote[nr] = join(x->dst, j->src[i]);
			remote[nr + 1] = util_xstrdup(j->nsrc == 1 ? x->dst : remote[nr]);
			nr += 2;
		} else {
			local[i] = join(j->local, j->src[i]);
			remote[nr++] = util_xstrdup(j->src[i]);
		}
	}
	j->sums_pending = 2;
	if (eng_sha256_remote(j->h->c, (const char *const *)remote, nr, on_pre_rsum, j) != 0) {
		j->sums_pending = 0;
		xfer_start(j);
	} else if (eng_sha256_local(j->h->r->loop, (const char *const *)local, j->nsrc,
	    on_pre_lsum, j) != 0) {
		j->lsum = util_xcalloc(j->nsrc + 1, sizeof(char *));
		j->nlsum = j->nsrc;
		j->sums_pending--;
	}
	xfer_free_strv(local, j->nsrc);
	xfer_free_strv(remote, nr);
}

/* ---- --skip-same=sum with -r: every file of both trees ---- */

/* "a//b/" and "a/b" are the same path: one slash, none at the end. */
static char *
norm(const char *p)
{
	char *o = util_xstrdup(p), *w = o;
	const char *r;

	for (r = p; *r != '\0'; r++)
		if (!(*r == '/' && w > o && w[-1] == '/'))
			*w++ = *r;
	while (w > o + 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return o;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static xsums *
sums_new(const char *const *paths, const char *const *hex, size_t n)
{
	xsums *s = util_xcalloc(1, sizeof(*s));
	char **pairs = util_xcalloc(n ? n : 1, sizeof(char *));
	size_t i, k = 0;

	/* path NUL hex, sorted by path (a path never holds a NUL) */
	for (i = 0; i < n; i++) {
		char *p;

		if (hex[i] == NULL)
			continue;
		p = norm(paths[i]);
		pairs[k++] = util_xasprintf("%s%c%s", p, '\0', hex[i]);
		free(p);
	}
	qsort(pairs, k, sizeof(char *), cmp_path);
	s->path = pairs;
	s->hex = util_xcalloc(k ? k : 1, sizeof(char *));
	for (i = 0; i < k; i++)
		s->hex[i] = pairs[i] + strlen(pairs[i]) + 1;
	s->n = k;
	return s;
}

static void
sums_free(xsums *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->path[i]);
	free(s->path);
	free(s->hex);
	free(s);
}

void
xfer_tree_sums_free(xjob *j)
{
	xcli *x = j->h->r->ud;

	if (j->tree_local != x->put_sums)   /* a put's are shared (xcli) */
		sums_free(j->tree_local);
	sums_free(j->tree_remote);
	j->tree_local = j->tree_remote = NULL;
}

void
xfer_put_sums_free(xcli *x)
{
	sums_free(x->put_sums);
	x->put_sums = NULL;
	free(x->put_sums_wait);
	x->put_sums_wait = NULL;
}

static const char *
sums_find(const xsums *s, const char *path)
{
	char *p, **hit;

	if (s == NULL)
		return NULL;
	p = norm(path);
	hit = bsearch(&p, s->path, s->n, sizeof(char *), cmp_path);
	free(p);
	return hit != NULL ? s->hex[hit - s->path] : NULL;
}

/* The transfer asks, file by file: does dst already hold src? */
int
xfer_tree_same(const char *src, const char *dst, void *ud)
{
	xjob *j = ud;
	xcli *x = j->h->r->ud;
	const char *l, *r;

	if (x->dir == ENG_XFER_PUT) {
		l = sums_find(j->tree_local, src);
		r = sums_find(j->tree_remote, dst);
	} else {
		r = sums_find(j->tree_remote, src);
		l = sums_find(j->tree_local, dst);
	}
	return l != NULL && r != NULL && strcmp(l, r) == 0;
}

static void
on_tree_local(const char *const *paths, const char *const *hex, size_t n, const char *error,
    void *ud)
{
	xjob *j = ud;

	(void)error;   /* no digest: that file is copied */
	j->tree_local = sums_new(paths, hex, n);
	if (--j->sums_pending == 0)
		after_sums(j);
}

/* put: the sources' digests, once for all hosts; each waiting job goes on. */
static void
on_put_sums(const char *const *paths, const char *const *hex, size_t n, const char *error,
    void *ud)
{
	xcli *x = ud;
	size_t i;

	(void)error;
	x->put_sums = sums_new(paths, hex, n);
	x->put_sums_state = 2;
	for (i = 0; i < x->nput_sums_wait; i++) {
		xjob *j = x->put_sums_wait[i];

		j->tree_local = x->put_sums;
		if (--j->sums_pending == 0)
			after_sums(j);
	}
	x->nput_sums_wait = 0;
}

static void
on_tree_remote(const char *const *paths, const char *const *hex, size_t n, const char *error,
    void *ud)
{
	xjob *j = ud;
	xcli *x = j->h->r->ud;

	if (error != NULL && x->cc.verbose) {
		char *m = util_xasprintf("checksums of the host's files: %s (copying them all)",
		    error);

		xfer_note(j, m);
		free(m);
	}
	j->tree_remote = sums_new(paths, hex, n);
	if (--j->sums_pending == 0)
		after_sums(j);
}

/*
 * Both sides' trees, hashed before the copy (one exec on the host, the
 * thread pool here); the transfer then skips each file whose target has
 * its source's SHA-256 (xfer_tree_same). Roots as the transfer takes them
 * when the destination is an existing directory: put REMOTE/NAME, get
 * LOCALDIR/HOST/NAME. When it is not, there is nothing there to compare.
 */
void
xfer_tree_sums_start(xjob *j)
{
	xcli *x = j->h->r->ud;
	char **local = util_xcalloc(j->nsrc + 1, sizeof(char *));
	char **remote = util_xcalloc(j->nsrc + 1, sizeof(char *));
	size_t i;

	j->phase = XJ_SUMS;
	for (i = 0; i < j->nsrc; i++) {
		if (x->dir == ENG_XFER_PUT) {
			local[i] = util_xstrdup(j->src[i]);
			remote[i] = join(x->dst, j->src[i]);
		} else {
			local[i] = join(j->local, j->src[i]);
			remote[i] = util_xstrdup(j->src[i]);
		}
	}
	j->sums_pending = 2;
	if (eng_sha256_remote_tree(j->h->c, (const char *const *)remote, j->nsrc,
	    on_tree_remote, j) != 0) {
		j->sums_pending = 0;
		xfer_start(j);
	} else if (x->dir == ENG_XFER_PUT && x->put_sums_state == 2) {
		j->tree_local = x->put_sums;
		j->sums_pending--;
	} else if (x->dir == ENG_XFER_PUT) {
		/* The same sources for every host: hashed once, the others wait. */
		x->put_sums_wait = util_xrealloc(x->put_sums_wait,
		    (x->nput_sums_wait + 1) * sizeof(xjob *));
		x->put_sums_wait[x->nput_sums_wait++] = j;
		if (x->put_sums_state == 0) {
			x->put_sums_state = 1;
			if (eng_sha256_local_tree(j->h->r->loop, (const char *const *)local,
			    j->nsrc, on_put_sums, x) != 0) {
				x->put_sums_state = 2;
				x->nput_sums_wait--;
				j->sums_pending--;
			}
		}
	} else if (eng_sha256_local_tree(j->h->r->loop, (const char *const *)local, j->nsrc,
	    on_tree_local, j) != 0) {
		j->sums_pending--;
	}
	xfer_free_strv(local, j->nsrc);
	xfer_free_strv(remote, j->nsrc);
}
