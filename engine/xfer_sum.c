/*
 * engine/xfer_sum.c - SHA-256 of files on both sides, to verify a transfer
 * or to find the unchanged ones: local files hashed in libuv's thread pool
 * (the loop never waits on a disk), remote ones on the host over an exec
 * channel of the shared connection with a tool every host has (sha256sum,
 * else `openssl dgst -sha256`, else `shasum -a 256`): nothing is installed.
 * The remote paths go on the command's stdin, one a line, never into the
 * command line, so no name is ever parsed by the remote shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine/xfer_int.h"

#define SUM_BUF (1u << 20)

/* ---- local ---- */

typedef struct lsum {
	uv_work_t w;
	char **paths;
	char **hex;
	size_t n;
	eng_sum_cb cb;
	void *ud;
} lsum;

/* 64 hex digits of path's SHA-256, or NULL if it cannot be read. */
char *
eng__sha256_file(const char *path)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], *buf;
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	char *hex = NULL;
	ssize_t r;
	int fd, ok = 1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf = util_xmalloc(SUM_BUF);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		ok = 0;
	while (ok) {
		r = read(fd, buf, SUM_BUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = r == 0;
			break;
		}
		ok = EVP_DigestUpdate(ctx, buf, (size_t)r) == 1;
	}
	if (ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32) {
		hex = util_xmalloc(65);
		for (i = 0; i < mdlen; i++) {
			hex[2 * i] = digits[md[i] >> 4];
			hex[2 * i + 1] = digits[md[i] & 15];
		}
		hex[64] = '\0';
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	return hex;
}

static void
lsum_work(uv_work_t *w)
{
	lsum *l = w->data;
	size_t i;

	for (i = 0; i < l->n; i++)
		l->hex[i] = eng__sha256_file(l->paths[i]);
}

static void
lsum_free(lsum *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->paths[i]);
		free(l->hex[i]);
	}
	free(l->paths);
	free(l->hex);
	free(l);
}

static void
lsum_done(uv_work_t *w, int status)
{
	lsum *l = w->data;

	l->cb((const char *const *)l->hex, l->n, status != 0 ? uv_strerror(status) : NULL,
	    l->ud);
	lsum_free(l);
}

int
eng_sha256_local(uv_loop_t *loop, const char *const *paths, size_t n, eng_sum_cb cb,
    void *ud)
{
	lsum *l;
	size_t i;
	int r;

	if (loop == NULL || cb == NULL || (n > 0 && paths == NULL))
		return ENG_EINVAL;
	l = util_xcalloc(1, sizeof(*l));
	l->paths = util_xcalloc(n ? n : 1, sizeof(char *));
	l->hex = util_xcalloc(n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++)
		l->paths[i] = util_xstrdup(paths[i]);
	l->n = n;
	l->cb = cb;
	l->ud = ud;
	l->w.data = l;
	if ((r = uv_queue_work(loop, &l->w, lsum_work, lsum_done)) != 0) {
		lsum_free(l);
		return ENG_EINVAL;
	}
	return 0;
}

/* ---- remote ---- */

/*
 * One line out per line in: the digest, or "-" when the file cannot be
 * read or no tool is there. Only the first line of a tool's output counts
 * (a tool that failed half-way may have printed).
 */
static const char remote_script[] =
    "while IFS= read -r f; do "
    "s=$( { sha256sum < \"$f\" || openssl dgst -sha256 -r < \"$f\" || "
    "shasum -a 256 < \"$f\"; } 2>/dev/null | head -n 1 | cut -c1-64); "
    "case $s in *[!0-9a-f]*|'') s=-;; esac; echo \"$s\"; done";

typedef struct rsum {
	size_t n;
	char **hex;
	unsigned char *unsent;      /* names with a newline: not asked */
	char *out;
	size_t outlen;
	eng_sum_cb cb;
	void *ud;
} rsum;

static void
rsum_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	rsum *s = ud;

	(void)x;
	/* n lines of at most 65 bytes: anything more is not ours to keep. */
	if (stream != 1 || s->outlen + len > s->n * 66 + 66)
		return;
	s->out = util_xrealloc(s->out, s->outlen + len + 1);
	memcpy(s->out + s->outlen, buf, len);
	s->outlen += len;
	s->out[s->outlen] = '\0';
}

static void
rsum_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	rsum *s = ud;
	const char *p = s->out != NULL ? s->out : "", *nl;
	const char *error = r->error;
	size_t i;

	(void)x;
	for (i = 0; i < s->n && error == NULL; i++) {
		if (s->unsent[i])
			continue;
		nl = strchr(p, '\n');
		if (nl == NULL) {
			error = "the checksum command ended early";
			break;
		}
		if (nl - p == 64)
			s->hex[i] = util_xstrndup(p, 64);
		p = nl + 1;
	}
	s->cb((const char *const *)s->hex, s->n, error, s->ud);
	for (i = 0; i < s->n; i++)
		free(s->hex[i]);
	free(s->hex);
	free(s->unsent);
	free(s->out);
	free(s);
}

int
eng_sha256_remote(eng_conn *c, const char *const *paths, size_t n, eng_sum_cb cb,
    void *ud)
{
	static const eng_exec_cbs xcbs = { rsum_data, rsum_done };
	eng_exec_opts xo;
	eng_exec *x;
	rsum *s;
	size_t i;
	int r;

	if (c == NULL || cb == NULL || (n > 0 && paths == NULL))
		return ENG_EINVAL;
	s = util_xcalloc(1, sizeof(*s));
	s->n = n;
	s->hex = util_xcalloc(n ? n : 1, sizeof(char *));
	s->unsent = util_xcalloc(n ? n : 1, 1);
	s->cb = cb;
	s->ud = ud;
	memset(&xo, 0, sizeof(xo));
	if ((r = eng_exec_start(c, remote_script, &xo, &xcbs, s, &x)) != 0) {
		free(s->hex);
		free(s->unsent);
		free(s);
		return r;
	}
	for (i = 0; i < n; i++) {
		/* A name with a newline cannot go on a line: not asked, NULL. */
		if (strchr(paths[i], '\n') != NULL) {
			s->unsent[i] = 1;
			continue;
		}
		eng_exec_write(x, paths[i], strlen(paths[i]));
		eng_exec_write(x, "\n", 1);
	}
	eng_exec_send_eof(x);
	return 0;
}
