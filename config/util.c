/*
 * config/util.c - small shared helpers of the config layer: allocation that
 * aborts (so ENOMEM never flows through the API), string vectors, the
 * ordered hashed name set used by target resolution, home/tilde handling,
 * splitting and name validation, reading a whole file, number and yes/no
 * values. Used across config/; depends on libc only.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_int.h"

static void
oom(void)
{
	/* No logging layer here; stderr is the last resort before abort. */
	fputs("drover: out of memory\n", stderr);
	abort();
}

void *
cfg__xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
cfg__xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
cfg__xreallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		oom();
	bytes = n * size;
	if ((q = realloc(p, bytes != 0 ? bytes : 1)) == NULL)
		oom();
	return q;
}

char *
cfg__xstrdup(const char *s)
{
	return cfg__xstrndup(s, strlen(s));
}

char *
cfg__xstrndup(const char *s, size_t n)
{
	char *p = cfg__xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
cfg__xvasprintf(const char *fmt, va_list ap)
{
	char *p = NULL;

	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *
cfg__xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = cfg__xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
cfg__set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	*cause = cfg__xvasprintf(fmt, ap);
	va_end(ap);
}

void
cfg__strv_push_take(cfg__strv *sv, char *s)
{
	/* +1 keeps room for the terminating NULL at all times. */
	if (sv->n + 1 >= sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 4;
		sv->v = cfg__xreallocarray(sv->v, sv->cap, sizeof *sv->v);
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
cfg__strv_push(cfg__strv *sv, const char *s)
{
	cfg__strv_push_take(sv, cfg__xstrdup(s));
}

char **
cfg__strv_steal(cfg__strv *sv)
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
cfg__strv_clear(cfg__strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

size_t
cfg__list_len(char *const *list)
{
	size_t n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	return n;
}

char **
cfg__list_dup(char *const *list)
{
	size_t i, n = cfg__list_len(list);
	char **v;

	if (n == 0)
		return NULL;
	v = cfg__xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = cfg__xstrdup(list[i]);
	return v;
}

int
cfg__list_has(char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

void
cfg__list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* FNV-1a: short strings, no adversary worth a keyed hash here. */
static size_t
hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static size_t
names_slot(const cfg__names *ns, const char *s)
{
	size_t mask = ns->nslots - 1, i = hash_str(s) & mask;

	while (ns->slots[i] != 0 && strcmp(ns->v[ns->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

static void
names_rehash(cfg__names *ns)
{
	size_t i;

	free(ns->slots);
	ns->nslots = ns->nslots ? ns->nslots * 2 : 16;
	ns->slots = cfg__xcalloc(ns->nslots, sizeof *ns->slots);
	for (i = 0; i < ns->n; i++)
		ns->slots[names_slot(ns, ns->v[i])] = i + 1;
}

size_t
cfg__names_find(const cfg__names *ns, const char *s)
{
	size_t i;

	if (ns->nslots == 0)
		return (size_t)-1;
	i = names_slot(ns, s);
	return ns->slots[i] ? ns->slots[i] - 1 : (size_t)-1;
}

size_t
cfg__names_add(cfg__names *ns, const char *s, int *added)
{
	size_t i;

	if (added != NULL)
		*added = 0;
	/* Keep the load factor under 1/2 so probes stay short. */
	if ((ns->n + 1) * 2 > ns->nslots)
		names_rehash(ns);
	i = names_slot(ns, s);
	if (ns->slots[i] != 0)
		return ns->slots[i] - 1;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = cfg__xreallocarray(ns->v, ns->cap, sizeof *ns->v);
	}
	ns->v[ns->n] = cfg__xstrdup(s);
	ns->slots[i] = ++ns->n;
	if (added != NULL)
		*added = 1;
	return ns->n - 1;
}

void
cfg__names_clear(cfg__names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	free(ns->slots);
	memset(ns, 0, sizeof *ns);
}

char *
cfg__home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return cfg__xstrdup(h);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return cfg__xstrdup(pw->pw_dir);
	return cfg__xstrdup("/");
}

char *
cfg__expand_tilde(const char *path)
{
	char *home, *p;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return cfg__xstrdup(path);
	home = cfg__home();
	p = cfg__xasprintf("%s%s", home, path + 1);
	free(home);
	return p;
}

char *
cfg__trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void
cfg__split(const char *s, char sep, cfg__strv *out)
{
	const char *start = s;
	int inbr = 0;
	char *item;

	for (;; s++) {
		if (*s == '[')
			inbr = 1;
		else if (*s == ']')
			inbr = 0;
		else if ((*s == sep && !inbr) || *s == '\0') {
			item = cfg__xstrndup(start, (size_t)(s - start));
			/* Trim in place, then re-own from the first kept byte. */
			cfg__strv_push(out, cfg__trim(item));
			free(item);
			if (*s == '\0')
				break;
			start = s + 1;
		}
	}
}

int
cfg__valid_hostname(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 255 || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || strchr(",!&@[]*?", c) != NULL)
			return 0;
	}
	return 1;
}

int
cfg__valid_tag(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 255)
		return 0;
	/* Spelled out rather than isalnum(): the front end sets a UTF-8 locale. */
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && strchr("_.-", s[i]) == NULL)
			return 0;
	return 1;
}

int
cfg__parse_int(const char *v, long min, long max, int *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

int
cfg__parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
cfg__read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	ssize_t n;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if (fstat(fd, &st) == -1) {
		e = errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				e = EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 8192;
			buf = cfg__xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return e;
}

char *
cfg__config_path(const char *file)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char *home, *path;

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return cfg__xasprintf("%s/drover/%s", xdg, file);
	home = cfg__home();
	path = cfg__xasprintf("%s/.config/drover/%s",
	    strcmp(home, "/") == 0 ? "" : home, file);
	free(home);
	return path;
}
