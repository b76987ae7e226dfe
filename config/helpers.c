/*
 * config/helpers.c - helpers of the config layer that only config/ needs: error
 * causes, the ordered hashed name set used by target resolution,
 * home/tilde handling, splitting and name validation, reading a whole file,
 * the config directory. The general ones (allocation, string vectors,
 * numbers) are in util/.
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

void
cfg__set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	*cause = util_xvasprintf(fmt, ap);
	va_end(ap);
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
	ns->slots = util_xcalloc(ns->nslots, sizeof *ns->slots);
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
		ns->v = util_xreallocarray(ns->v, ns->cap, sizeof *ns->v);
	}
	ns->v[ns->n] = util_xstrdup(s);
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
		return util_xstrdup(h);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return util_xstrdup(pw->pw_dir);
	return util_xstrdup("/");
}

char *
cfg__expand_tilde(const char *path)
{
	char *home, *p;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return util_xstrdup(path);
	home = cfg__home();
	p = util_xasprintf("%s%s", home, path + 1);
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
cfg__split(const char *s, char sep, util_strv *out)
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
			item = util_xstrndup(start, (size_t)(s - start));
			/* Trim in place, then re-own from the first kept byte. */
			util_strv_push(out, cfg__trim(item));
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
			buf = util_xreallocarray(buf, cap, 1);
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
		return util_xasprintf("%s/drover/%s", xdg, file);
	home = cfg__home();
	path = util_xasprintf("%s/.config/drover/%s",
	    strcmp(home, "/") == 0 ? "" : home, file);
	free(home);
	return path;
}
