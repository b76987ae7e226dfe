/*
 * config/inventory_ini.c - the inventory file syntax: [defaults],
 * [host NAME] and [group NAME] sections read with inih into a cfg_inventory,
 * with every value validated and every error placed at its file:line.
 * inventory.c calls cfg__inventory_parse() with the file's bytes (the fuzz
 * target does the same with its input).
 *
 * Lines, headers, comments and continuation lines are ini_parse.c's business
 * (the INI reader all of config/ shares): an indented line that does not
 * look like "key =" continues the previous key, which list keys (key,
 * tags, hosts) accept.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <regex.h>

#include "config/settings_int.h"

/* Seconds; small enough that the engine may convert to ms in an int. */
#define MAX_SECONDS (INT_MAX / 1000)
#define MAX_COUNT 100000

enum section { S_NONE, S_DEFAULTS, S_HOST, S_GROUP };

enum key {
	K_ADDRESS, K_USER, K_PORT, K_KEY, K_TAGS, K_JUMP, K_HOSTS,
	K_CONNECT_TIMEOUT, K_TIMEOUT, K_FANOUT, K_MAX_HANDSHAKES, K_ACCEPT_NEW, K_CERT,
	K_CLI, K_PROMPT, K_PAGER_OFF, K_ENABLE, K_ENABLE_PROMPT,
	K__COUNT
};

#define IN_D (1u << S_DEFAULTS)
#define IN_H (1u << S_HOST)
#define IN_G (1u << S_GROUP)

static const struct keydef {
	const char *name;
	unsigned sections;      /* bit mask of enum section */
	int list;               /* may repeat and continue on indented lines */
} keydefs[K__COUNT] = {
	[K_ADDRESS] = { "address", IN_H, 0 },
	[K_USER] = { "user", IN_D | IN_H, 0 },
	[K_PORT] = { "port", IN_D | IN_H, 0 },
	[K_KEY] = { "key", IN_D | IN_H, 1 },
	[K_TAGS] = { "tags", IN_H, 1 },
	[K_JUMP] = { "jump", IN_H, 0 },
	[K_HOSTS] = { "hosts", IN_G, 1 },
	[K_CONNECT_TIMEOUT] = { "connect_timeout", IN_D, 0 },
	[K_TIMEOUT] = { "timeout", IN_D, 0 },
	[K_FANOUT] = { "fanout", IN_D, 0 },
	[K_MAX_HANDSHAKES] = { "max_handshakes", IN_D, 0 },
	[K_ACCEPT_NEW] = { "accept_new", IN_D, 0 },
	[K_CERT] = { "cert", IN_D | IN_H, 1 },
	[K_CLI] = { "cli", IN_D | IN_H | IN_G, 0 },
	[K_PROMPT] = { "prompt", IN_D | IN_H | IN_G, 0 },
	[K_PAGER_OFF] = { "pager_off", IN_D | IN_H | IN_G, 0 },
	[K_ENABLE] = { "enable", IN_D | IN_H | IN_G, 0 },
	[K_ENABLE_PROMPT] = { "enable_prompt", IN_D | IN_H | IN_G, 0 },
};

struct parse {
	cfg__ini *ini;          /* the reader, for messages and line numbers */
	cfg_inventory *inv;
	size_t hosts_cap;
	size_t groups_cap;
	int *host_lines;        /* header line of each inventory host */
	cfg__names hostnames;   /* index == host index */
	cfg__names groupnames;  /* index == group index */
	int defaults_line;

	enum section sect;
	char *label;            /* "[host web1]" for messages */
	int key_line[K__COUNT]; /* first line of each key in this section */
	int last_key;           /* what a continuation line continues; -1 none */
	util_strv keys;         /* list values of the current section */
	util_strv tags;
	util_strv members;
};

static void parse_fail(struct parse *, int, const char *, ...) CFG__PRINTF(3, 4);

static void
parse_fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = util_xvasprintf(fmt, ap);
	va_end(ap);
	cfg__ini_fail_at(p->ini, line, "%s", msg);
	free(msg);
}

/* Moves the list values gathered for the section that just ended. */
static void
section_end(struct parse *p)
{
	cfg_inventory *inv = p->inv;
	cfg_group *g;
	cfg_host *h;

	switch (p->sect) {
	case S_DEFAULTS:
		inv->defaults.keys = util_strv_steal(&p->keys);
		break;
	case S_HOST:
		h = &inv->hosts[inv->nhosts - 1];
		h->keys = util_strv_steal(&p->keys);
		h->tags = util_strv_steal(&p->tags);
		break;
	case S_GROUP:
		g = &inv->groups[inv->ngroups - 1];
		g->members = util_strv_steal(&p->members);
		if (g->members == NULL)
			g->members = util_xcalloc(1, sizeof *g->members);
		break;
	case S_NONE:
		break;
	}
	p->sect = S_NONE;
	free(p->label);
	p->label = NULL;
}

static int
section_begin(struct parse *p, char *hdr)
{
	cfg_inventory *inv = p->inv;
	char *kind, *name;
	size_t i;
	int added;

	section_end(p);
	memset(p->key_line, 0, sizeof p->key_line);
	p->last_key = -1;

	kind = cfg__trim(hdr);
	name = kind + strcspn(kind, " \t\f\v\r");
	if (*name != '\0')
		*name++ = '\0';
	name = cfg__trim(name);

	if (strcasecmp(kind, "defaults") == 0 && *name == '\0') {
		if (p->defaults_line != 0) {
			parse_fail(p, cfg__ini_line(p->ini), "duplicate section [defaults] "
			    "(first at line %d)", p->defaults_line);
			return -1;
		}
		p->defaults_line = cfg__ini_line(p->ini);
		p->sect = S_DEFAULTS;
		p->label = util_xstrdup("[defaults]");
		return 0;
	}
	if (strcasecmp(kind, "host") == 0) {
		if (*name == '\0') {
			parse_fail(p, cfg__ini_line(p->ini), "empty host name in [%s]", kind);
			return -1;
		}
		if (!cfg__valid_hostname(name)) {
			parse_fail(p, cfg__ini_line(p->ini), "invalid host name '%s'", name);
			return -1;
		}
		i = cfg__names_add(&p->hostnames, name, &added);
		if (!added) {
			parse_fail(p, cfg__ini_line(p->ini), "duplicate host '%s' (first at "
			    "line %d)", name, p->host_lines[i]);
			return -1;
		}
		if (inv->nhosts == p->hosts_cap) {
			p->hosts_cap = p->hosts_cap ? p->hosts_cap * 2 : 16;
			inv->hosts = util_xreallocarray(inv->hosts, p->hosts_cap,
			    sizeof *inv->hosts);
			p->host_lines = util_xreallocarray(p->host_lines,
			    p->hosts_cap, sizeof *p->host_lines);
		}
		memset(&inv->hosts[inv->nhosts], 0, sizeof *inv->hosts);
		inv->hosts[inv->nhosts].name = util_xstrdup(name);
		inv->hosts[inv->nhosts].in_inventory = 1;
		p->host_lines[inv->nhosts++] = cfg__ini_line(p->ini);
		p->sect = S_HOST;
		p->label = util_xasprintf("[host %s]", name);
		return 0;
	}
	if (strcasecmp(kind, "group") == 0) {
		if (*name == '\0') {
			parse_fail(p, cfg__ini_line(p->ini), "empty group name in [%s]", kind);
			return -1;
		}
		if (!cfg__valid_tag(name)) {
			parse_fail(p, cfg__ini_line(p->ini), "invalid group name '%s'", name);
			return -1;
		}
		if (cfg__reserved_tag(name)) {
			parse_fail(p, cfg__ini_line(p->ini), "group name '%s' is reserved "
			    "(@%s names the hosts of the last run)", name, name);
			return -1;
		}
		i = cfg__names_add(&p->groupnames, name, &added);
		if (!added) {
			parse_fail(p, cfg__ini_line(p->ini), "duplicate group '%s' (first at "
			    "line %d)", name, inv->groups[i].line);
			return -1;
		}
		if (inv->ngroups == p->groups_cap) {
			p->groups_cap = p->groups_cap ? p->groups_cap * 2 : 8;
			inv->groups = util_xreallocarray(inv->groups,
			    p->groups_cap, sizeof *inv->groups);
		}
		memset(&inv->groups[inv->ngroups], 0, sizeof *inv->groups);
		inv->groups[inv->ngroups].name = util_xstrdup(name);
		inv->groups[inv->ngroups++].line = cfg__ini_line(p->ini);
		p->sect = S_GROUP;
		p->label = util_xasprintf("[group %s]", name);
		return 0;
	}
	if (*name != '\0')
		parse_fail(p, cfg__ini_line(p->ini), "unknown section [%s %s]", kind, name);
	else
		parse_fail(p, cfg__ini_line(p->ini), "unknown section [%s]", kind);
	return -1;
}

/* A single word: no whitespace or control bytes. */
static int
valid_word(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v <= ' ' || *v == 0x7f)
			return 0;
	return 1;
}

static int
set_string(struct parse *p, int line, enum key k, const char *v, char **dst)
{
	if (!valid_word(v)) {
		parse_fail(p, line, "invalid %s '%s'", keydefs[k].name, v);
		return -1;
	}
	*dst = util_xstrdup(v);
	return 0;
}

/*
 * Appends the items of a comma list. A trailing comma is accepted so that a
 * list may go on in an indented line; other empty items are errors.
 */
static int
add_list(struct parse *p, int line, enum key k, const char *v)
{
	util_strv items = { 0 };
	const char *it;
	size_t i;
	int r = -1;

	cfg__split(v, ',', &items);
	for (i = 0; i < items.n; i++) {
		it = items.v[i];
		if (*it == '\0') {
			if (i > 0 && i == items.n - 1)
				break;
			parse_fail(p, line, "empty item in %s '%s'",
			    keydefs[k].name, v);
			goto out;
		}
		switch (k) {
		case K_KEY:
		case K_CERT:
			/*
			 * Certificates travel with the keys: the engine tells a
			 * certificate file from a key and pairs it with its key.
			 */
			util_strv_push_take(&p->keys, cfg__expand_tilde(it));
			break;
		case K_TAGS:
			if (!cfg__valid_tag(it)) {
				parse_fail(p, line, "invalid tag '%s'", it);
				goto out;
			}
			if (cfg__reserved_tag(it)) {
				parse_fail(p, line, "tag '%s' is reserved (@%s names the hosts "
				    "of the last run)", it, it);
				goto out;
			}
			if (!util_list_has(p->tags.v, it))
				util_strv_push(&p->tags, it);
			break;
		case K_HOSTS:
			/* Kept raw: expressions are checked when resolved. */
			util_strv_push(&p->members, it);
			break;
		default:
			abort();
		}
	}
	r = 0;
out:
	util_strv_clear(&items);
	return r;
}

/* Device keys (--cli): text with spaces; regexes must compile. */
static int
set_device(struct parse *p, int line, enum key k, const char *v)
{
	cfg_device *dev = p->sect == S_HOST ? &p->inv->hosts[p->inv->nhosts - 1].dev :
	    p->sect == S_GROUP ? &p->inv->groups[p->inv->ngroups - 1].dev :
	    &p->inv->defaults.dev;
	eng_device_opts o;
	regex_t re;
	const char *why;
	char **dst;

	switch (k) {
	case K_CLI:
		if (strcmp(v, "device") != 0 && eng_device_preset(v, &o) != 0) {
			parse_fail(p, line, "invalid cli '%s' (device, ios, junos or eos)", v);
			return -1;
		}
		dst = &dev->cli;
		break;
	case K_PROMPT:
	case K_ENABLE_PROMPT:
		if ((why = util_regex_unsafe(v)) != NULL) {
			parse_fail(p, line, "invalid %s '%s': %s", keydefs[k].name, v, why);
			return -1;
		}
		if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0) {
			parse_fail(p, line, "invalid %s '%s' (not an extended regular "
			    "expression)", keydefs[k].name, v);
			return -1;
		}
		regfree(&re);
		dst = k == K_PROMPT ? &dev->prompt : &dev->enable_prompt;
		break;
	case K_PAGER_OFF:
		dst = &dev->pager_off;
		break;
	default:
		dst = &dev->enable;
		break;
	}
	*dst = util_xstrdup(v);
	return 0;
}

static int
set_value(struct parse *p, int line, enum key k, const char *v)
{
	cfg_defaults *d = &p->inv->defaults;
	cfg_host *h = p->sect == S_HOST ? &p->inv->hosts[p->inv->nhosts - 1] :
	    NULL;
	int *num = NULL, min = 0, max = MAX_SECONDS;

	if (keydefs[k].list)
		return add_list(p, line, k, v);
	if (k >= K_CLI && k <= K_ENABLE_PROMPT)
		return set_device(p, line, k, v);

	switch (k) {
	case K_ADDRESS:
		return set_string(p, line, k, v, &h->address);
	case K_USER:
		return set_string(p, line, k, v, h ? &h->user : &d->user);
	case K_JUMP:
		return set_string(p, line, k, v, &h->jump);
	case K_PORT:
		num = h ? &h->port : &d->port;
		min = 1;
		max = 65535;
		break;
	case K_CONNECT_TIMEOUT:
		num = &d->connect_timeout;
		break;
	case K_TIMEOUT:
		num = &d->command_timeout;
		break;
	case K_FANOUT:
		num = &d->fanout;
		min = 1;
		max = MAX_COUNT;
		break;
	case K_MAX_HANDSHAKES:
		num = &d->max_handshakes;
		min = 1;
		max = MAX_COUNT;
		break;
	case K_ACCEPT_NEW:
		if (util_parse_bool(v, &d->accept_new) != 0) {
			parse_fail(p, line, "invalid accept_new '%s' (yes or "
			    "no)", v);
			return -1;
		}
		return 0;
	default:
		abort();
	}
	if (util_parse_int(v, min, max, num) != 0) {
		parse_fail(p, line, "invalid %s '%s'", keydefs[k].name, v);
		return -1;
	}
	return 0;
}

static int
on_section(cfg__ini *ini, const char *name, void *ud)
{
	struct parse *p = ud;
	char *hdr = util_xstrdup(name);
	int r;

	p->ini = ini;
	r = section_begin(p, hdr);
	free(hdr);
	return r;
}

static int
on_value(cfg__ini *ini, const char *section, const char *name, const char *v,
    void *ud)
{
	struct parse *p = ud;
	int k, line = cfg__ini_line(ini);

	(void)section;  /* ours is p->sect */
	p->ini = ini;
	if (p->sect == S_NONE) {
		parse_fail(p, line, "key '%s' before any section", name);
		return -1;
	}
	for (k = 0; k < K__COUNT; k++)
		if ((keydefs[k].sections & (1u << p->sect)) != 0 &&
		    strcasecmp(name, keydefs[k].name) == 0)
			break;
	if (k == K__COUNT) {
		parse_fail(p, line, "unknown key '%s' in %s", name, p->label);
		return -1;
	}
	p->last_key = k;
	if (p->key_line[k] != 0 && !keydefs[k].list) {
		parse_fail(p, line, "duplicate key '%s' in %s (first at line "
		    "%d)", name, p->label, p->key_line[k]);
		return -1;
	}
	if (p->key_line[k] == 0)
		p->key_line[k] = line;
	if (*v == '\0') {
		parse_fail(p, line, "missing value for '%s'", name);
		return -1;
	}
	return set_value(p, line, (enum key)k, v);
}

/* An indented line under a key: more items for a list key. */
static int
on_continuation(cfg__ini *ini, const char *section, const char *v, void *ud)
{
	struct parse *p = ud;
	int k = p->last_key, line = cfg__ini_line(ini);

	(void)section;
	p->ini = ini;
	if (k < 0) {
		parse_fail(p, line, "syntax error: expected 'key = value'");
		return -1;
	}
	if (!keydefs[k].list) {
		parse_fail(p, line, "unexpected indented line: '%s' takes a "
		    "single value", keydefs[k].name);
		return -1;
	}
	if (strchr(v, '=') != NULL) {
		parse_fail(p, line, "indented line '%s' continues '%s'; do not "
		    "indent keys", v, keydefs[k].name);
		return -1;
	}
	return set_value(p, line, (enum key)k, v);
}

static const cfg__ini_ops ops = { on_section, on_value, on_continuation };

int
cfg__inventory_parse(const char *name, const char *buf, size_t len,
    cfg_inventory **out, char **cause)
{
	struct parse p;
	int r;

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.last_key = -1;
	p.inv = cfg_inventory_new();
	r = cfg__ini_parse(name != NULL ? name : "inventory", buf, len, &ops,
	    NULL, &p, cause);
	section_end(&p);
	if (r == 0)
		r = cfg__inventory_resolve_jumps(p.inv, &p.hostnames,
		    name != NULL ? name : "inventory", p.host_lines, cause);
	if (r == 0) {
		if (name != NULL)
			p.inv->path = util_xstrdup(name);
		*out = p.inv;
		p.inv = NULL;
	}
	util_strv_clear(&p.keys);
	util_strv_clear(&p.tags);
	util_strv_clear(&p.members);
	cfg_inventory_free(p.inv);
	cfg__names_clear(&p.hostnames);
	cfg__names_clear(&p.groupnames);
	free(p.host_lines);
	free(p.label);
	return r;
}
