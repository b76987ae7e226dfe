/*
 * config/inventory_jump.c - `jump = NAME[,NAME...]` naming hosts of the
 * inventory. ProxyJump specs go to the engine, which knows only ssh_config
 * aliases; a hop that names an inventory host is rewritten here into how
 * that host is reached: its own jump chain first, then
 * [user@]address[:port] from its entry (what the spec says itself wins).
 * Names the inventory does not have are left for ssh_config.
 *
 * A chain that comes back to a host already on it is a load error naming
 * the chain, as is one deeper than CFG_JUMP_MAX_DEPTH. Runs once, after
 * the whole file is parsed (a jump host may be declared after its user).
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

/* Same bound as the engine's ENG_JUMP_MAX_HOPS. */
#define CFG_JUMP_MAX_DEPTH 8

struct jumps {
	const cfg_inventory *inv;
	const cfg__names *names;        /* index == host index */
	const char *stack[CFG_JUMP_MAX_DEPTH + 2];
	int depth;
	char *error;                    /* message without the file:line */
};

static char *
chain_text(const struct jumps *j, const char *last)
{
	char *s = util_xstrdup(j->stack[0]), *t;
	int i;

	for (i = 1; i < j->depth; i++) {
		t = util_xasprintf("%s -> %s", s, j->stack[i]);
		free(s);
		s = t;
	}
	t = util_xasprintf("%s -> %s", s, last);
	free(s);
	return t;
}

static char *resolve(struct jumps *j, const char *spec);

/* One hop "[user@]name[:port]" (name may be "[v6]"); NULL on error. */
static char *
resolve_hop(struct jumps *j, const char *hop)
{
	const char *at = strrchr(hop, '@'), *host = at != NULL ? at + 1 : hop, *port = NULL;
	char *name, *user = NULL, *pre = NULL, *addr, *out = NULL;
	const cfg_host *h;
	size_t i;
	int k;

	if (host[0] == '[') {
		const char *rb = strchr(host, ']');

		if (rb == NULL)
			return util_xstrdup(hop);
		name = util_xstrndup(host + 1, (size_t)(rb - host - 1));
		port = rb[1] == ':' ? rb + 2 : NULL;
	} else {
		port = strrchr(host, ':');
		name = port != NULL ? util_xstrndup(host, (size_t)(port - host)) :
		    util_xstrdup(host);
		if (port != NULL)
			port++;
	}
	if ((i = cfg__names_find(j->names, name)) == (size_t)-1) {
		free(name);
		return util_xstrdup(hop);
	}
	h = &j->inv->hosts[i];
	for (k = 0; k < j->depth; k++) {
		if (strcmp(j->stack[k], h->name) == 0) {
			char *c = chain_text(j, h->name);

			j->error = util_xasprintf("jump loop: %s", c);
			free(c);
			goto out;
		}
	}
	if (j->depth > CFG_JUMP_MAX_DEPTH) {
		char *c = chain_text(j, h->name);

		j->error = util_xasprintf("jump chain too long (more than %d hops): %s",
		    CFG_JUMP_MAX_DEPTH, c);
		free(c);
		goto out;
	}
	if (h->jump != NULL && *h->jump != '\0') {
		j->stack[j->depth++] = h->name;
		pre = resolve(j, h->jump);
		j->depth--;
		if (pre == NULL)
			goto out;
	}
	user = at != NULL ? util_xstrndup(hop, (size_t)(at - hop)) :
	    h->user != NULL ? util_xstrdup(h->user) : NULL;
	addr = h->address != NULL ? h->address : name;
	out = util_xasprintf("%s%s%s%s%s%s%s%s%s",
	    pre != NULL ? pre : "", pre != NULL ? "," : "",
	    user != NULL ? user : "", user != NULL ? "@" : "",
	    strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "",
	    port != NULL || h->port > 0 ? ":" : "",
	    port != NULL ? port : "");
	if (port == NULL && h->port > 0) {
		char *t = util_xasprintf("%s%d", out, h->port);

		free(out);
		out = t;
	}
out:
	free(name);
	free(user);
	free(pre);
	return out;
}

/* A whole spec "a,b,c"; NULL with j->error set on a loop. */
static char *
resolve(struct jumps *j, const char *spec)
{
	char *copy = util_xstrdup(spec), *hop, *save = NULL, *r, *out = NULL, *t;

	for (hop = strtok_r(copy, ",", &save); hop != NULL; hop = strtok_r(NULL, ",", &save)) {
		if ((r = resolve_hop(j, hop)) == NULL) {
			free(out);
			out = NULL;
			break;
		}
		t = out != NULL ? util_xasprintf("%s,%s", out, r) : r;
		if (out != NULL) {
			free(out);
			free(r);
		}
		out = t;
	}
	free(copy);
	if (out == NULL && j->error == NULL)
		out = util_xstrdup(spec);   /* only commas: the engine says why */
	return out;
}

int
cfg__inventory_resolve_jumps(cfg_inventory *inv, const cfg__names *names,
    const char *file, const int *lines, char **cause)
{
	struct jumps j;
	char **done;
	size_t i;
	int rc = -1;

	done = util_xcalloc(inv->nhosts + 1, sizeof(char *));
	memset(&j, 0, sizeof(j));
	j.inv = inv;
	j.names = names;
	/* Into a copy first: every host's chain is built from the specs as written. */
	for (i = 0; i < inv->nhosts; i++) {
		if (inv->hosts[i].jump == NULL)
			continue;
		j.stack[0] = inv->hosts[i].name;
		j.depth = 1;
		if ((done[i] = resolve(&j, inv->hosts[i].jump)) == NULL) {
			cfg__set_cause(cause, "%s:%d: host '%s': %s", file, lines[i],
			    inv->hosts[i].name, j.error);
			goto out;
		}
	}
	for (i = 0; i < inv->nhosts; i++) {
		if (done[i] == NULL)
			continue;
		free(inv->hosts[i].jump);
		inv->hosts[i].jump = done[i];
		done[i] = NULL;
	}
	rc = 0;
out:
	for (i = 0; i < inv->nhosts; i++)
		free(done[i]);
	free(done);
	free(j.error);
	return rc;
}
