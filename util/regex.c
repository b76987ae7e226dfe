/*
 * util/regex.c - a check before regcomp(3) of a pattern the operator typed
 * (inventory prompts, tail filters, console searches). glibc compiles a
 * repetition by copying the repeated part: "a+++...+" doubles the copy
 * with every "+" (a 70-character inventory line took 4 GB; the fuzzer
 * found it), and nested or large bounds multiply it. Such patterns are
 * never needed to match a prompt or a log line, so they are refused with
 * a reason instead of compiled.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define RE_MAX_LEN 1024
#define RE_MAX_BOUND 255
#define RE_MAX_DEPTH 32

static int
is_quant(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* Reads "{m}", "{m,}" or "{m,n}" at p; returns the length, the largest count in *max. */
static size_t
bound_len(const char *p, long *max)
{
	const char *q = p + 1;
	long a = 0, b = -1;

	while (isdigit((unsigned char)*q) && a <= 100000)
		a = a * 10 + (*q++ - '0');
	if (*q == ',') {
		q++;
		b = isdigit((unsigned char)*q) ? 0 : a;
		while (isdigit((unsigned char)*q) && b <= 100000)
			b = b * 10 + (*q++ - '0');
	}
	if (*q != '}')
		return 0;   /* not a bound: regcomp decides */
	*max = b > a ? b : a;
	return (size_t)(q - p) + 1;
}

/*
 * Copies a pattern makes: a counted repetition {m,n} copies its atom n
 * times, *, + and ? about twice, nested ones multiply. Over this, refused.
 */
#define RE_MAX_COPIES 1000

const char *
util_regex_unsafe(const char *pat)
{
	/* per open group: the most copies anything inside it makes */
	unsigned long prod[RE_MAX_DEPTH + 1], atom = 1, f;
	int depth = 0, last_quant = 0, after_atom = 0;
	const char *p;
	long max;
	size_t n;

	if (strlen(pat) > RE_MAX_LEN)
		return "longer than 1024 characters";
	prod[0] = 1;
	for (p = pat; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			last_quant = 0;
			atom = 1;
			after_atom = 1;
			continue;
		}
		if (*p == '[') {
			/* A bracket expression is one atom: skip to its end. */
			const char *q = p + 1;

			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q != '\0' && *q != ']') {
				if (*q == '[' && (q[1] == ':' || q[1] == '=' || q[1] == '.')) {
					const char *e = strchr(q + 2, q[1]);

					q = e != NULL && e[1] == ']' ? e + 2 : q + 1;
					continue;
				}
				q++;
			}
			if (*q == '\0')
				return NULL;   /* unbalanced: regcomp says so */
			p = q;
			last_quant = 0;
			atom = 1;
			after_atom = 1;
			continue;
		}
		if (*p == '(') {
			if (++depth > RE_MAX_DEPTH)
				return "groups nested more than 32 deep";
			prod[depth] = 1;
			last_quant = after_atom = 0;
			continue;
		}
		if (*p == ')' && depth > 0) {
			/* The group is the atom a repetition after it copies. */
			atom = prod[depth--];
			if (atom > prod[depth])
				prod[depth] = atom;
			last_quant = 0;
			after_atom = 1;
			continue;
		}
		if (is_quant(*p) && after_atom) {
			n = 1;
			max = 2;
			if (*p == '{' && (n = bound_len(p, &max)) == 0) {
				last_quant = 0;
				atom = 1;
				continue;
			}
			if (last_quant)
				return "a repetition of a repetition (such as a++ or a*{2})";
			if (max > RE_MAX_BOUND)
				return "a repetition count over 255";
			f = atom * (unsigned long)(max > 1 ? max : 1);
			if (f > RE_MAX_COPIES)
				return "repetitions nested too deep (over 1000 copies)";
			if (f > prod[depth])
				prod[depth] = f;
			p += n - 1;
			last_quant = 1;
			continue;
		}
		last_quant = 0;
		atom = 1;
		after_atom = *p != '|' && *p != '^';
	}
	return NULL;
}
