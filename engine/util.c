/*
 * engine/util.c - allocation that aborts on failure (ENOMEM never flows
 * through the API), secret wiping, error strings and small formatting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static void
oom(void)
{
	fputs("drover: out of memory\n", stderr);
	abort();
}

void *
eng__xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
eng__xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
eng__xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
eng__xstrdup(const char *s)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

char *
eng__xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void
eng__secure_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

const char *
eng_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
	case ENG_EINVAL:
		return "invalid argument";
	case ENG_ESTATE:
		return "not allowed in this state";
	case ENG_ECLOSED:
		return "connection closed";
	case ENG_ENOTSUP:
		return "not supported by the server";
	default:
		return "unknown error";
	}
}

void
eng_format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%ums", (unsigned)ms);
	else if (ms < 60000)
		snprintf(buf, len, "%.2fs", ms / 1000.0);
	else
		snprintf(buf, len, "%um%02us", (unsigned)(ms / 60000),
		    (unsigned)(ms / 1000 % 60));
}

int
eng_auth_parse(const char *spec, eng_auth_method order[ENG_AUTH_MAX + 1])
{
	static const struct {
		const char *name;
		eng_auth_method m;
	} names[] = {
		{ "agent", ENG_AUTH_AGENT },
		{ "key", ENG_AUTH_KEY },
		{ "publickey", ENG_AUTH_KEY },
		{ "password", ENG_AUTH_PASSWORD },
		{ "keyboard-interactive", ENG_AUTH_KBDINT },
		{ "kbdint", ENG_AUTH_KBDINT },
	};
	size_t n = 0;
	const char *p = spec;

	memset(order, 0, sizeof(*order) * (ENG_AUTH_MAX + 1));
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		size_t i, j;
		int found = 0;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) != len ||
			    strncmp(names[i].name, p, len) != 0)
				continue;
			for (j = 0; j < n; j++)
				if (order[j] == names[i].m)
					return ENG_EINVAL;   /* listed twice */
			if (n == ENG_AUTH_MAX)
				return ENG_EINVAL;
			order[n++] = names[i].m;
			found = 1;
			break;
		}
		if (!found)
			return ENG_EINVAL;
		p += len;
		if (*p == ',')
			p++;
	}
	return n == 0 ? ENG_EINVAL : 0;
}
