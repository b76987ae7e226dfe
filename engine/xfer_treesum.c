/*
 * engine/xfer_treesum.c - SHA-256 of every file of a tree on both sides,
 * for --skip-same=sum with -r: the caller compares the two lists and tells
 * the transfer which targets already hold their source (eng_xfer_opts
 * same). Local trees are walked and hashed in libuv's thread pool. A
 * remote tree costs one exec, `find ROOT -type f -exec sha256sum -- {} +`
 * (a few processes for the whole tree, where xfer_sum.c's per-file loop
 * would start several per file), with the roots on stdin, never in the
 * command line. Its output is "HEX  PATH" lines: a name with a newline
 * would split a line and GNU sha256sum escapes names with a backslash, so
 * find leaves such names out (their files are copied, never wrongly
 * skipped), and so are roots that find would take for an option (-name).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/xfer_int.h"

/* Remote output kept at most: 64 MiB is about 500,000 files. */
#define TREESUM_MAX_OUT (64u << 20)

typedef struct tsum {
	uv_work_t w;
	char **roots;
	size_t nroots;
	char **paths, **hex;
	size_t n, cap;
	char *out;                  /* remote: the command's output */
	size_t outlen;
	int overflow;
	eng_treesum_cb cb;
	void *ud;
} tsum;

static void
add(tsum *t, char *path, char *hex)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->paths = util_xrealloc(t->paths, t->cap * sizeof(char *));
		t->hex = util_xrealloc(t->hex, t->cap * sizeof(char *));
	}
	t->paths[t->n] = path;
	t->hex[t->n++] = hex;
}

static void
tsum_free(tsum *t)
{
	size_t i;

	for (i = 0; i < t->nroots; i++)
		free(t->roots[i]);
	for (i = 0; i < t->n; i++) {
		free(t->paths[i]);
		free(t->hex[i]);
	}
	free(t->roots);
	free(t->paths);
	free(t->hex);
	free(t->out);
	free(t);
}

static tsum *
tsum_new(const char *const *roots, size_t n, eng_treesum_cb cb, void *ud)
{
	tsum *t = util_xcalloc(1, sizeof(*t));
	size_t i;

	t->roots = util_xcalloc(n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++)
		t->roots[i] = util_xstrdup(roots[i]);
	t->nroots = n;
	t->cb = cb;
	t->ud = ud;
	return t;
}

/* ---- local ---- */

static void
walk(tsum *t, const char *path, int depth)
{
	struct dirent *e;
	struct stat sb;
	DIR *d;

	/* The root may be a link to a tree (as the transfer takes it); below, never. */
	if ((depth == 0 ? stat(path, &sb) : lstat(path, &sb)) != 0)
		return;
	if (S_ISREG(sb.st_mode)) {
		add(t, util_xstrdup(path), eng__sha256_file(path));
		return;
	}
	if (!S_ISDIR(sb.st_mode) || depth > 256 || (d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = util_xasprintf("%s%s%s", path,
		    path[0] != '\0' && path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
		walk(t, sub, depth + 1);
		free(sub);
	}
	closedir(d);
}

static void
local_work(uv_work_t *w)
{
	tsum *t = w->data;
	size_t i;

	for (i = 0; i < t->nroots; i++)
		walk(t, t->roots[i], 0);
}

static void
local_done(uv_work_t *w, int status)
{
	tsum *t = w->data;

	t->cb((const char *const *)t->paths, (const char *const *)t->hex, t->n,
	    status != 0 ? uv_strerror(status) : NULL, t->ud);
	tsum_free(t);
}

int
eng_sha256_local_tree(uv_loop_t *loop, const char *const *roots, size_t n,
    eng_treesum_cb cb, void *ud)
{
	tsum *t;

	if (loop == NULL || cb == NULL || (n > 0 && roots == NULL))
		return ENG_EINVAL;
	t = tsum_new(roots, n, cb, ud);
	t->w.data = t;
	if (uv_queue_work(loop, &t->w, local_work, local_done) != 0) {
		tsum_free(t);
		return ENG_EINVAL;
	}
	return 0;
}

/* ---- remote ---- */

static const char remote_script[] =
    "command -v sha256sum >/dev/null 2>&1 || exit 0; "
    "while IFS= read -r r; do case $r in -*) continue;; esac; "
    "find \"$r\" -type f ! -path '*[[:cntrl:]]*' ! -path '*\\\\*' "
    "-exec sha256sum -- {} + 2>/dev/null; done; exit 0";

static void
rtree_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	tsum *t = ud;

	(void)x;
	if (stream != 1 || t->overflow)
		return;
	if (t->outlen + len > TREESUM_MAX_OUT) {
		/* Too big to keep: no digests, every file is copied. */
		t->overflow = 1;
		return;
	}
	t->out = util_xrealloc(t->out, t->outlen + len + 1);
	memcpy(t->out + t->outlen, buf, len);
	t->outlen += len;
	t->out[t->outlen] = '\0';
}

static int
is_hex64(const char *p)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

static void
rtree_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	tsum *t = ud;
	char *p = t->out, *nl;

	(void)x;
	/* "HEX  PATH" (text mode) or "HEX *PATH" (binary mode) a line. */
	while (p != NULL && !t->overflow && r->error == NULL && (nl = strchr(p, '\n')) != NULL) {
		*nl = '\0';
		if (nl - p > 66 && is_hex64(p) && p[64] == ' ' && (p[65] == ' ' || p[65] == '*'))
			add(t, util_xstrdup(p + 66), util_xstrndup(p, 64));
		p = nl + 1;
	}
	t->cb((const char *const *)t->paths, (const char *const *)t->hex, t->n,
	    t->overflow ? "too many files to compare" : r->error, t->ud);
	tsum_free(t);
}

int
eng_sha256_remote_tree(eng_conn *c, const char *const *roots, size_t n,
    eng_treesum_cb cb, void *ud)
{
	static const eng_exec_cbs xcbs = { rtree_data, rtree_done };
	eng_exec_opts xo;
	eng_exec *x;
	tsum *t;
	size_t i;
	int r;

	if (c == NULL || cb == NULL || (n > 0 && roots == NULL))
		return ENG_EINVAL;
	t = tsum_new(roots, n, cb, ud);
	memset(&xo, 0, sizeof(xo));
	if ((r = eng_exec_start(c, remote_script, &xo, &xcbs, t, &x)) != 0) {
		tsum_free(t);
		return r;
	}
	for (i = 0; i < n; i++) {
		/* A root with a newline cannot go on a line (or be told apart): none. */
		if (strchr(roots[i], '\n') != NULL || roots[i][0] == '\0')
			continue;
		eng_exec_write(x, roots[i], strlen(roots[i]));
		eng_exec_write(x, "\n", 1);
	}
	eng_exec_send_eof(x);
	return 0;
}
