/*
 * config/hostopts.c - the one function that turns (inventory defaults, host
 * entry, command-line overrides) into the engine's connection and fan-out
 * options. Every front end calls it, so a setting means the same thing in
 * `drover exec`, the console's panes and the fan-out board.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

/* The command line's keys first: ssh -i tries its identities first too. */
static char **
merge_keys(const char *const *cli, char *const *host)
{
	size_t n = 0, i, k = 0;
	char **out;

	for (i = 0; cli != NULL && cli[i] != NULL; i++)
		n++;
	n += util_list_len(host);
	out = util_xcalloc(n + 1, sizeof *out);
	for (i = 0; cli != NULL && cli[i] != NULL; i++)
		out[k++] = (char *)cli[i];
	for (i = 0; host != NULL && host[i] != NULL; i++)
		out[k++] = host[i];
	return out;
}

/* The first value given: command line, [defaults], built-in. */
static int
pick(int cli, int inventory, int builtin)
{
	return cli > 0 ? cli : inventory > 0 ? inventory : builtin;
}

void
cfg_run_build(const cfg_inventory *inv, const cfg_host *hosts, size_t n,
    const cfg_overrides *ov, cfg_run *out)
{
	static const cfg_overrides none;
	static const cfg_defaults nodefaults = { .accept_new = -1 };
	const cfg_defaults *d = inv != NULL ? &inv->defaults : &nodefaults;
	eng_auth_method order[ENG_AUTH_MAX + 1];
	size_t i;
	int accept_new;

	if (ov == NULL)
		ov = &none;
	memset(out, 0, sizeof *out);
	memset(order, 0, sizeof order);
	if (ov->auth != NULL && eng_auth_parse(ov->auth, order) != 0)
		memset(order, 0, sizeof order);
	accept_new = ov->accept_new || d->accept_new == 1;
	out->fanout.max_parallel = pick(ov->fanout, d->fanout, ENG_DEFAULT_FANOUT);
	out->fanout.command_timeout_ms = pick(ov->command_timeout, d->command_timeout, 0) * 1000;
	out->max_handshakes = pick(ov->max_handshakes, d->max_handshakes,
	    ENG_DEFAULT_MAX_HANDSHAKES);
	out->n = n;
	out->conn = util_xcalloc(n, sizeof *out->conn);
	out->keys = util_xcalloc(n, sizeof *out->keys);
	for (i = 0; i < n; i++) {
		eng_conn_opts *o = &out->conn[i];
		const cfg_host *h = &hosts[i];

		out->keys[i] = merge_keys(ov->keys, h->keys);
		o->name = h->name;
		o->address = h->address;
		o->user = ov->user != NULL ? ov->user : h->user;
		o->port = ov->port > 0 ? ov->port : h->port;
		o->keys = (const char *const *)out->keys[i];
		o->jump = h->jump;
		o->ssh_config = ov->ssh_config;
		o->connect_timeout_ms = pick(ov->connect_timeout, d->connect_timeout,
		    ENG_DEFAULT_CONNECT_TIMEOUT_MS / 1000) * 1000;
		o->keepalive_ms = pick(ov->keepalive, 0, ENG_DEFAULT_KEEPALIVE_MS / 1000) * 1000;
		o->accept_new = accept_new;
		o->ask_hostkey = ov->ask_hostkey;
		memcpy(o->auth, order, sizeof order);
	}
}

void
cfg_device_copy(cfg_device *dst, const cfg_device *src)
{
	dst->cli = util_xstrdup(src->cli);
	dst->prompt = util_xstrdup(src->prompt);
	dst->pager_off = util_xstrdup(src->pager_off);
	dst->enable = util_xstrdup(src->enable);
	dst->enable_prompt = util_xstrdup(src->enable_prompt);
}

void
cfg_device_clear(cfg_device *d)
{
	free(d->cli);
	free(d->prompt);
	free(d->pager_off);
	free(d->enable);
	free(d->enable_prompt);
	memset(d, 0, sizeof *d);
}

/* Each key of dst not set yet takes src's. */
static void
dev_fill(cfg_device *dst, const cfg_device *src)
{
	if (dst->cli == NULL)
		dst->cli = src->cli;
	if (dst->prompt == NULL)
		dst->prompt = src->prompt;
	if (dst->pager_off == NULL)
		dst->pager_off = src->pager_off;
	if (dst->enable == NULL)
		dst->enable = src->enable;
	if (dst->enable_prompt == NULL)
		dst->enable_prompt = src->enable_prompt;
}

int
cfg_run_devices(const cfg_inventory *inv, const cfg_host *hosts, size_t n,
    cfg_run *out, char **cause)
{
	cfg_host **members = NULL;
	size_t *nmembers = NULL, i, g, k, ng = inv != NULL ? inv->ngroups : 0;
	int rc = -1;

	*cause = NULL;
	out->devices = util_xcalloc(n ? n : 1, sizeof *out->devices);
	/* Who is in each group that says something about devices. */
	members = util_xcalloc(ng ? ng : 1, sizeof *members);
	nmembers = util_xcalloc(ng ? ng : 1, sizeof *nmembers);
	for (g = 0; g < ng; g++) {
		const cfg_device *gd = &inv->groups[g].dev;
		char *expr, *why = NULL;

		if (gd->cli == NULL && gd->prompt == NULL && gd->pager_off == NULL &&
		    gd->enable == NULL && gd->enable_prompt == NULL)
			continue;
		expr = util_xasprintf("@%s", inv->groups[g].name);
		if (cfg_targets_resolve(inv, expr, &members[g], &nmembers[g], &why) != 0) {
			free(why);   /* an empty group: nobody inherits from it */
			members[g] = NULL;
			nmembers[g] = 0;
		}
		free(expr);
	}
	for (i = 0; i < n; i++) {
		cfg_device d = hosts[i].dev;
		eng_device_opts *o = &out->devices[i];

		for (g = 0; g < ng; g++)
			for (k = 0; k < nmembers[g]; k++)
				if (strcmp(members[g][k].name, hosts[i].name) == 0)
					dev_fill(&d, &inv->groups[g].dev);
		if (inv != NULL)
			dev_fill(&d, &inv->defaults.dev);
		if (eng_device_preset(d.cli != NULL && strcmp(d.cli, "device") != 0 ? d.cli :
		    "ios", o) != 0) {
			*cause = util_xasprintf("%s: unknown cli preset '%s'", hosts[i].name, d.cli);
			goto out;
		}
		if (d.prompt != NULL)
			o->prompt = d.prompt;
		if (d.pager_off != NULL)   /* "none": the device pages; we answer */
			o->pager_off = strcmp(d.pager_off, "none") == 0 ? NULL : d.pager_off;
		if (d.enable != NULL)
			o->enable = d.enable;
		if (d.enable_prompt != NULL)
			o->enable_prompt = d.enable_prompt;
	}
	rc = 0;
out:
	for (g = 0; g < ng; g++)
		cfg_hosts_free(members[g], nmembers[g]);
	free(members);
	free(nmembers);
	return rc;
}

void
cfg_run_free(cfg_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n && r->keys != NULL; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->conn);
	free(r->devices);
	memset(r, 0, sizeof *r);
}
