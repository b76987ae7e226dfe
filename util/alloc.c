/*
 * util/alloc.c - allocation that aborts on failure, so that out of memory
 * ends the program with a message instead of flowing through every API as
 * an error nobody can handle well (after a front end's hook had one chance
 * to release a reserve and wind down); and wiping of secrets before free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static int (*oom_hook)(size_t);

void
util_set_oom_hook(int (*fn)(size_t want))
{
	oom_hook = fn;
}

/*
 * An allocation of n bytes failed. The hook (a front end's) may free what
 * it kept in reserve and return 1: the allocation is tried again, and the
 * front end winds down in order (remote commands killed) on that reserve.
 * Otherwise, and when the reserve is spent, the program ends here.
 */
static void
oom(size_t n)
{
	if (oom_hook != NULL && oom_hook(n))
		return;
	/* Below every logging layer: stderr is the last resort before abort. */
	fputs("drover: out of memory\n", stderr);
	abort();
}

void *
util_xmalloc(size_t n)
{
	void *p;

	while ((p = malloc(n ? n : 1)) == NULL)
		oom(n);
	return p;
}

void *
util_xcalloc(size_t n, size_t size)
{
	void *p;

	while ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		oom(n * size);
	return p;
}

void *
util_xrealloc(void *p, size_t n)
{
	void *q;

	while ((q = realloc(p, n ? n : 1)) == NULL)
		oom(n);
	return q;
}

void *
util_xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		/* A size no reserve can cover: a bug, not a shortage. */
		fputs("drover: allocation size overflow\n", stderr);
		abort();
	}
	return util_xrealloc(p, n * size);
}

char *
util_xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	while ((p = strdup(s)) == NULL)
		oom(strlen(s) + 1);
	return p;
}

char *
util_xstrndup(const char *s, size_t n)
{
	char *p;

	while ((p = strndup(s, n)) == NULL)
		oom(n + 1);
	return p;
}

char *
util_xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	va_list again;

	for (;;) {
		va_copy(again, ap);
		if (vasprintf(&s, fmt, again) >= 0) {
			va_end(again);
			return s;
		}
		va_end(again);
		oom(0);
	}
}

char *
util_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = util_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
util_secure_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
