/*
 * tui/cli/diff.c - a unified diff of two hosts' outputs, line by line, for
 * `-o diff` (the majority's output against each other group's): "---" and
 * "+++" headers naming the hosts, hunks with three lines of context. The
 * longest common subsequence is computed over lines with a table bounded
 * by DIFF_MAX_CELLS; beyond it the two outputs are shown whole. Lines are
 * sanitised like every other remote text.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/cli/cli.h"

#define DIFF_CONTEXT 3
/* Table cells (bytes of 4) for the LCS: 16M cells = 64 MiB at most. */
#define DIFF_MAX_CELLS ((size_t)16 << 20)

typedef struct dline {
	const char *p;
	size_t len;
} dline;

static dline *
split(const char *s, size_t len, size_t *n)
{
	dline *v = NULL;
	size_t cap = 0;
	const char *end = s + len, *nl;

	*n = 0;
	while (s != NULL && s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = util_xreallocarray(v, cap, sizeof(*v));
		}
		v[*n].p = s;
		v[(*n)++].len = (size_t)((nl ? nl : end) - s);
		s = nl ? nl + 1 : end;
	}
	return v;
}

static int
same(const dline *a, const dline *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static void
emit(tui_buf *out, char mark, const dline *l)
{
	tui_buf_add(out, &mark, 1);
	tui_sanitize(out, l->p, l->len);
	tui_buf_add(out, "\n", 1);
}

/* op[k]: ' ' both, '-' only a, '+' only b; in order. */
static char *
edit_script(const dline *a, size_t n, const dline *b, size_t m, size_t *len)
{
	unsigned *t = util_xcalloc((n + 1) * (m + 1), sizeof(*t));
	char *op = util_xmalloc(n + m + 1);
	size_t i, j, k = 0;

#define T(i, j) t[(i) * (m + 1) + (j)]
	/* T(i, j): LCS length of a[i..] and b[j..]. */
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			T(i, j) = same(&a[i], &b[j]) ? T(i + 1, j + 1) + 1 :
			    T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
	for (i = 0, j = 0; i < n || j < m;) {
		if (i < n && j < m && same(&a[i], &b[j])) {
			op[k++] = ' ';
			i++;
			j++;
		} else if (i < n && (j == m || T(i + 1, j) >= T(i, j + 1))) {
			/* Removals before additions, as diff -u prints them. */
			op[k++] = '-';
			i++;
		} else {
			op[k++] = '+';
			j++;
		}
	}
#undef T
	free(t);
	*len = k;
	return op;
}

int
tui_diff(tui_buf *out, const char *a, size_t alen, const char *b, size_t blen,
    const char *name_a, const char *name_b)
{
	size_t n, m, len, k, start, end, i, j, ai, bi, x, la, lb, ia, ib;
	dline *la_v = split(a, alen, &n), *lb_v = split(b, blen, &m);
	char *op;

	if ((n + 1) * (m + 1) > DIFF_MAX_CELLS) {
		free(la_v);
		free(lb_v);
		return -1;
	}
	op = edit_script(la_v, n, lb_v, m, &len);
	tui_buf_addf(out, "--- %s\n+++ %s\n", name_a, name_b);
	for (k = 0, ai = 0, bi = 0; k < len;) {
		/* The next change, and the hunk around it. */
		if (op[k] == ' ') {
			k++;
			ai++;
			bi++;
			continue;
		}
		start = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
		/* Extend while the gap to the next change is at most 2x context. */
		for (end = k; end < len;) {
			for (x = end; x < len && op[x] != ' '; x++)
				;
			for (i = x; i < len && op[i] == ' ' && i - x < 2 * DIFF_CONTEXT + 1; i++)
				;
			if (i < len && op[i] != ' ') {
				end = i;
				continue;
			}
			end = x + DIFF_CONTEXT < len ? x + DIFF_CONTEXT : len;
			break;
		}
		/* Line numbers where the hunk starts on each side. */
		ia = ai - (k - start);
		ib = bi - (k - start);
		for (la = lb = 0, j = start; j < end; j++) {
			la += op[j] != '+';
			lb += op[j] != '-';
		}
		tui_buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", la ? ia + 1 : ia, la,
		    lb ? ib + 1 : ib, lb);
		for (j = start, i = ia, x = ib; j < end; j++) {
			if (op[j] == ' ') {
				emit(out, ' ', &la_v[i++]);
				x++;
			} else if (op[j] == '-') {
				emit(out, '-', &la_v[i++]);
			} else {
				emit(out, '+', &lb_v[x++]);
			}
		}
		ai = i;
		bi = x;
		k = end;
	}
	free(op);
	free(la_v);
	free(lb_v);
	return 0;
}
