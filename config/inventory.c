/*
 * config/inventory.c - the cfg_inventory object: creation, freeing, the
 * default path and loading a file. The file's syntax is inventory_ini.c's
 * business (cfg__inventory_parse); targets.c and sshconfig.c read and extend
 * the structs built here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_int.h"

void
cfg__host_clear(cfg_host *h)
{
	if (h == NULL)
		return;
	free(h->name);
	free(h->address);
	free(h->user);
	cfg__list_free(h->keys);
	cfg__list_free(h->tags);
	free(h->jump);
	memset(h, 0, sizeof *h);
}

cfg_inventory *
cfg_inventory_new(void)
{
	cfg_inventory *inv = cfg__xcalloc(1, sizeof *inv);

	inv->defaults.accept_new = -1;
	/* Always a list, so callers can walk it without a NULL check. */
	inv->aliases = cfg__xcalloc(1, sizeof *inv->aliases);
	return inv;
}

void
cfg_inventory_free(cfg_inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	free(inv->path);
	for (i = 0; i < inv->nhosts; i++)
		cfg__host_clear(&inv->hosts[i]);
	free(inv->hosts);
	for (i = 0; i < inv->ngroups; i++) {
		free(inv->groups[i].name);
		cfg__list_free(inv->groups[i].members);
	}
	free(inv->groups);
	free(inv->defaults.user);
	cfg__list_free(inv->defaults.keys);
	cfg__list_free(inv->aliases);
	free(inv);
}

char *
cfg_inventory_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char *home, *path;

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return cfg__xasprintf("%s/drover/inventory.ini", xdg);
	home = cfg__home();
	path = cfg__xasprintf("%s/.config/drover/inventory.ini",
	    strcmp(home, "/") == 0 ? "" : home);
	free(home);
	return path;
}

/* Reads a whole file; returns 0 or an errno value. */
static int
read_all(const char *path, char **bufp, size_t *lenp)
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

int
cfg_inventory_load(const char *path, cfg_inventory **out, char **cause)
{
	char *defpath = NULL, *buf = NULL;
	size_t len = 0;
	int r = -1, e;

	*out = NULL;
	if (path == NULL)
		path = defpath = cfg_inventory_default_path();
	if ((e = read_all(path, &buf, &len)) != 0) {
		/* Only the default file may be absent: drover works without. */
		if (defpath != NULL && (e == ENOENT || e == ENOTDIR)) {
			*out = cfg_inventory_new();
			r = 0;
		} else
			cfg__set_cause(cause, "cannot read %s: %s", path,
			    strerror(e));
		goto out;
	}
	r = cfg__inventory_parse(path, buf, len, out, cause);
out:
	free(buf);
	free(defpath);
	return r;
}
