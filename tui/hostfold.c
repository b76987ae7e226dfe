/*
 * tui/hostfold.c - folds host lists for humans: h1,h2,h3,h7 -> h[1-3,7],
 * the inverse of the range syntax in target expressions (config/). Used by
 * the grouped output and the summary.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

typedef struct {
	const char *name;
	size_t plen;            /* prefix length (before the trailing digits) */
	size_t width;           /* digit count, 0 if none */
	unsigned long num;
} entry;

static int
cmp_entry(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	size_t m = x->plen < y->plen ? x->plen : y->plen;
	int c = strncmp(x->name, y->name, m);

	if (c != 0)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->width != y->width)
		return x->width < y->width ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
same_group(const entry *a, const entry *b)
{
	return a->width > 0 && b->width > 0 && a->plen == b->plen &&
	    a->width == b->width && strncmp(a->name, b->name, a->plen) == 0;
}

char *
tui_fold_hosts(const char *const *names, size_t n)
{
	entry *e = calloc(n ? n : 1, sizeof(*e));
	tui_buf out = { 0 };
	size_t i, j, k, len;

	if (e == NULL)
		abort();
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		k = len;
		while (k > 0 && names[i][k - 1] >= '0' && names[i][k - 1] <= '9')
			k--;
		e[i].name = names[i];
		e[i].plen = k;
		/* Very long digit runs are not counters: keep them literal. */
		e[i].width = (len - k > 0 && len - k <= 9) ? len - k : 0;
		e[i].num = e[i].width ? strtoul(names[i] + k, NULL, 10) : 0;
		if (!e[i].width)
			e[i].plen = len;
	}
	qsort(e, n, sizeof(*e), cmp_entry);
	for (i = 0; i < n; i = j) {
		j = i + 1;
		while (j < n && same_group(&e[i], &e[j]))
			j++;
		if (out.len > 0)
			tui_buf_addstr(&out, ",");
		if (j - i == 1) {
			tui_buf_addstr(&out, e[i].name);
			continue;
		}
		tui_buf_add(&out, e[i].name, e[i].plen);
		tui_buf_addstr(&out, "[");
		for (k = i; k < j;) {
			size_t r = k;

			while (r + 1 < j && e[r + 1].num <= e[r].num + 1)
				r++;
			if (k > i)
				tui_buf_addstr(&out, ",");
			tui_buf_add(&out, e[k].name + e[k].plen, e[k].width);
			if (e[r].num != e[k].num) {
				tui_buf_addstr(&out, "-");
				tui_buf_add(&out, e[r].name + e[r].plen, e[r].width);
			}
			k = r + 1;
		}
		tui_buf_addstr(&out, "]");
	}
	free(e);
	tui_buf_str(&out);
	return out.p;
}
