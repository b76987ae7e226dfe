/*
 * engine/text.c - text the engine matches or keeps: OpenSSH's host
 * patterns (ssh_config Host lines, known_hosts), and remote-supplied
 * tokens and messages scrubbed before they enter the engine's strings.
 */
#include <ctype.h>
#include <string.h>

#include "engine/engine_int.h"

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

char *
eng__xstrdup_token(const char *s, size_t max)
{
	char *out = util_xmalloc(max + 1);
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
