/*
 * util/strv.c - string vectors that grow and stay NULL-terminated, and the
 * NULL-terminated lists they turn into (host keys, tags, group members).
 */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void
util_strv_push_take(util_strv *sv, char *s)
{
	/* +1 keeps room for the terminating NULL at all times. */
	if (sv->n + 1 >= sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 4;
		sv->v = util_xreallocarray(sv->v, sv->cap, sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
util_strv_push(util_strv *sv, const char *s)
{
	util_strv_push_take(sv, util_xstrdup(s));
}

char **
util_strv_steal(util_strv *sv)
{
	char **v = sv->v;

	if (sv->n == 0) {
		free(v);
		v = NULL;
	}
	sv->v = NULL;
	sv->n = sv->cap = 0;
	return v;
}

void
util_strv_clear(util_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

size_t
util_list_len(char *const *list)
{
	size_t n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	return n;
}

char **
util_list_dup(char *const *list)
{
	size_t i, n = util_list_len(list);
	char **v;

	if (n == 0)
		return NULL;
	v = util_xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = util_xstrdup(list[i]);
	return v;
}

int
util_list_has(char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

void
util_list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

char *
util_shell_quote(const char *s)
{
	size_t n = 3, i;
	char *out, *o;

	for (i = 0; s[i] != '\0'; i++)
		n += s[i] == '\'' ? 4 : 1;
	o = out = util_xmalloc(n);
	*o++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *s;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}
