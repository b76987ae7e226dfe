/*
 * config/inventory.c - the cfg_inventory object: creation, freeing, the
 * default path and loading a file; the host record's one copy function. The file's syntax is inventory_ini.c's
 * business (cfg__inventory_parse); targets.c and ssh_aliases.c read and extend
 * the structs built here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

void
cfg_host_copy(cfg_host *dst, const cfg_host *src)
{
	memset(dst, 0, sizeof *dst);
	dst->name = util_xstrdup(src->name);
	dst->address = util_xstrdup(src->address);
	dst->user = util_xstrdup(src->user);
	dst->port = src->port;
	dst->keys = util_list_dup(src->keys);
	dst->tags = util_list_dup(src->tags);
	dst->jump = util_xstrdup(src->jump);
	dst->in_inventory = src->in_inventory;
	cfg_device_copy(&dst->dev, &src->dev);
}

void
cfg_host_clear(cfg_host *h)
{
	if (h == NULL)
		return;
	free(h->name);
	free(h->address);
	free(h->user);
	util_list_free(h->keys);
	util_list_free(h->tags);
	free(h->jump);
	cfg_device_clear(&h->dev);
	memset(h, 0, sizeof *h);
}

cfg_inventory *
cfg_inventory_new(void)
{
	cfg_inventory *inv = util_xcalloc(1, sizeof *inv);

	inv->defaults.accept_new = -1;
	/* Always a list, so callers can walk it without a NULL check. */
	inv->aliases = util_xcalloc(1, sizeof *inv->aliases);
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
		cfg_host_clear(&inv->hosts[i]);
	free(inv->hosts);
	for (i = 0; i < inv->ngroups; i++) {
		free(inv->groups[i].name);
		util_list_free(inv->groups[i].members);
		cfg_device_clear(&inv->groups[i].dev);
	}
	free(inv->groups);
	free(inv->defaults.user);
	cfg_device_clear(&inv->defaults.dev);
	util_list_free(inv->defaults.keys);
	util_list_free(inv->aliases);
	free(inv->runs_path);
	free(inv);
}

char *
cfg_inventory_default_path(void)
{
	return cfg__config_path("inventory.ini");
}

/* Far beyond any real fleet (100,000 hosts at 200 bytes are 20 MB). */
#define INVENTORY_MAX_FILE (64 * 1024 * 1024)

int
cfg_inventory_load(const char *path, cfg_inventory **out, char **cause)
{
	char *defpath = NULL, *buf = NULL;
	size_t len = 0;
	int r = -1, e;

	*out = NULL;
	if (path == NULL)
		path = defpath = cfg_inventory_default_path();
	if ((e = cfg__read_file(path, INVENTORY_MAX_FILE, &buf, &len)) != 0) {
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
