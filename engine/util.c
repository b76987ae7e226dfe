/*
 * engine/util.c - allocation that aborts on failure (ENOMEM never flows
 * through the API), secret wiping, error strings, small formatting and
 * OpenSSH's host pattern matching (ssh_config Host lines, known_hosts).
 */
#include <ctype.h>
#include <limits.h>
#include <sys/resource.h>
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

int
eng__match_wild(const char *s, const char *p, size_t plen)
{
	size_t i;

	for (i = 0; i < plen; i++, s++) {
		if (p[i] == '*') {
			for (;; s++) {
				if (eng__match_wild(s, p + i + 1, plen - i - 1))
					return 1;
				if (*s == '\0')
					return 0;
			}
		}
		if (*s == '\0')
			return 0;
		if (p[i] != '?' && tolower((unsigned char)p[i]) != tolower((unsigned char)*s))
			return 0;
	}
	return *s == '\0';
}

int
eng__match_list(const char *name, const char *list, size_t len)
{
	const char *p = list, *end = list + len, *comma;
	size_t n;
	int hit = 0, neg;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		n = (size_t)((comma != NULL ? comma : end) - p);
		neg = n > 0 && *p == '!';
		if (eng__match_wild(name, p + neg, n - (size_t)neg)) {
			if (neg)
				return -1;   /* a matching negation wins, as in OpenSSH */
			hit = 1;
		}
		p += n + 1;
	}
	return hit;
}

int
eng_fd_limit_raise(void)
{
	struct rlimit rl;
	uv_fs_t req;
	uv_dirent_t d;
	int open_fds = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ENG_EINVAL;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		/* Some systems refuse RLIM_INFINITY as a soft limit: keep what we had. */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (uv_fs_scandir(NULL, &req, "/proc/self/fd", 0, NULL) >= 0) {
		while (uv_fs_scandir_next(&req, &d) != UV_EOF)
			open_fds++;
		uv_fs_req_cleanup(&req);
	} else {
		open_fds = 3;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT_MAX)
		return INT_MAX - open_fds;
	return (int)rl.rlim_cur - open_fds;
}

char *
eng__xstrdup_token(const char *s, size_t max)
{
	char *out = eng__xmalloc(max + 1);
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++)
		out[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
	return out;
}

void
eng__scrub_controls(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}
