/*
 * config/inventory_ini.c - the inventory file syntax: [defaults],
 * [host NAME] and [group NAME] sections read with inih into a cfg_inventory,
 * with every value validated and every error placed at its file:line.
 * inventory.c calls cfg__inventory_parse() with the file's bytes (the fuzz
 * target does the same with its input).
 *
 * inih is driven through ini_parse_stream() with a line reader of our own,
 * because the reader sees every raw line before inih does:
 *  - it hands inih exactly one line per call, so inih's line numbers never
 *    drift; lines too long for inih's buffer and NUL bytes (which inih would
 *    silently split or truncate) are errors instead;
 *  - it handles section headers itself: Debian's inih cannot call the
 *    handler on a new section (compile-time option), so a [host x] without
 *    keys would vanish, and inih neither trims nor length-limits names;
 *  - it un-indents lines that look like "key = value", so git-config style
 *    indentation works, while any other indented line still reaches inih as
 *    a continuation of the previous key (list keys only).
 * inih's knobs are process globals: they are set around each parse and
 * restored, which makes loading not thread-safe (it runs at startup).
 */
#define INI_HANDLER_LINENO 1
#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_int.h"

/* Seconds; small enough that the engine may convert to ms in an int. */
#define MAX_SECONDS (INT_MAX / 1000)
#define MAX_COUNT 100000

enum section { S_NONE, S_DEFAULTS, S_HOST, S_GROUP };

enum key {
	K_ADDRESS, K_USER, K_PORT, K_KEY, K_TAGS, K_JUMP, K_HOSTS,
	K_CONNECT_TIMEOUT, K_TIMEOUT, K_FANOUT, K_MAX_HANDSHAKES, K_ACCEPT_NEW,
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
};

struct parse {
	const char *name;       /* file name for messages */
	const char *buf;
	size_t len;
	size_t pos;
	int lineno;             /* lines handed to inih so far */
	char *err;              /* first error, "name:line: message" */

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
	int last_key;           /* mirrors inih's prev_name; -1 after a header */
	int indented;           /* current line reached inih indented */
	cfg__strv keys;         /* list values of the current section */
	cfg__strv tags;
	cfg__strv members;
};

static void parse_fail(struct parse *, int, const char *, ...) CFG__PRINTF(3, 4);

static void
parse_fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (p->err != NULL)
		return;
	va_start(ap, fmt);
	msg = cfg__xvasprintf(fmt, ap);
	va_end(ap);
	p->err = cfg__xasprintf("%s:%d: %s", p->name, line, msg);
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
		inv->defaults.keys = cfg__strv_steal(&p->keys);
		break;
	case S_HOST:
		h = &inv->hosts[inv->nhosts - 1];
		h->keys = cfg__strv_steal(&p->keys);
		h->tags = cfg__strv_steal(&p->tags);
		break;
	case S_GROUP:
		g = &inv->groups[inv->ngroups - 1];
		g->members = cfg__strv_steal(&p->members);
		if (g->members == NULL)
			g->members = cfg__xcalloc(1, sizeof *g->members);
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
			parse_fail(p, p->lineno, "duplicate section [defaults] "
			    "(first at line %d)", p->defaults_line);
			return -1;
		}
		p->defaults_line = p->lineno;
		p->sect = S_DEFAULTS;
		p->label = cfg__xstrdup("[defaults]");
		return 0;
	}
	if (strcasecmp(kind, "host") == 0) {
		if (*name == '\0') {
			parse_fail(p, p->lineno, "empty host name in [%s]", kind);
			return -1;
		}
		if (!cfg__valid_hostname(name)) {
			parse_fail(p, p->lineno, "invalid host name '%s'", name);
			return -1;
		}
		i = cfg__names_add(&p->hostnames, name, &added);
		if (!added) {
			parse_fail(p, p->lineno, "duplicate host '%s' (first at "
			    "line %d)", name, p->host_lines[i]);
			return -1;
		}
		if (inv->nhosts == p->hosts_cap) {
			p->hosts_cap = p->hosts_cap ? p->hosts_cap * 2 : 16;
			inv->hosts = cfg__xreallocarray(inv->hosts, p->hosts_cap,
			    sizeof *inv->hosts);
			p->host_lines = cfg__xreallocarray(p->host_lines,
			    p->hosts_cap, sizeof *p->host_lines);
		}
		memset(&inv->hosts[inv->nhosts], 0, sizeof *inv->hosts);
		inv->hosts[inv->nhosts].name = cfg__xstrdup(name);
		inv->hosts[inv->nhosts].in_inventory = 1;
		p->host_lines[inv->nhosts++] = p->lineno;
		p->sect = S_HOST;
		p->label = cfg__xasprintf("[host %s]", name);
		return 0;
	}
	if (strcasecmp(kind, "group") == 0) {
		if (*name == '\0') {
			parse_fail(p, p->lineno, "empty group name in [%s]", kind);
			return -1;
		}
		if (!cfg__valid_tag(name)) {
			parse_fail(p, p->lineno, "invalid group name '%s'", name);
			return -1;
		}
		i = cfg__names_add(&p->groupnames, name, &added);
		if (!added) {
			parse_fail(p, p->lineno, "duplicate group '%s' (first at "
			    "line %d)", name, inv->groups[i].line);
			return -1;
		}
		if (inv->ngroups == p->groups_cap) {
			p->groups_cap = p->groups_cap ? p->groups_cap * 2 : 8;
			inv->groups = cfg__xreallocarray(inv->groups,
			    p->groups_cap, sizeof *inv->groups);
		}
		memset(&inv->groups[inv->ngroups], 0, sizeof *inv->groups);
		inv->groups[inv->ngroups].name = cfg__xstrdup(name);
		inv->groups[inv->ngroups++].line = p->lineno;
		p->sect = S_GROUP;
		p->label = cfg__xasprintf("[group %s]", name);
		return 0;
	}
	if (*name != '\0')
		parse_fail(p, p->lineno, "unknown section [%s %s]", kind, name);
	else
		parse_fail(p, p->lineno, "unknown section [%s]", kind);
	return -1;
}

/* A header line from '[' to the end (trailing space removed). */
static int
section_line(struct parse *p, const char *s, const char *e)
{
	const char *close = memchr(s, ']', (size_t)(e - s)), *t;
	char *hdr;
	int r;

	if (close == NULL) {
		parse_fail(p, p->lineno, "missing ']' in section header");
		return -1;
	}
	for (t = close + 1; t < e && isspace((unsigned char)*t); t++)
		;
	if (t < e && *t != ';' && *t != '#') {
		parse_fail(p, p->lineno, "invalid section header '%.*s'",
		    (int)(e - s), s);
		return -1;
	}
	hdr = cfg__xstrndup(s + 1, (size_t)(close - s - 1));
	r = section_begin(p, hdr);
	free(hdr);
	return r;
}

/* "name =" or "name:" with a key-like name: an indented key, not a value. */
static int
looks_like_key(const char *s, const char *e)
{
	const char *t = s;

	while (t < e && ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
	    (*t >= '0' && *t <= '9') || *t == '_' || *t == '-' || *t == '.'))
		t++;
	if (t == s)
		return 0;
	while (t < e && (*t == ' ' || *t == '\t'))
		t++;
	return t < e && (*t == '=' || *t == ':');
}

/* fgets()-style reader for ini_parse_stream(); see the top comment. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *line, *eol, *start, *s, *e;
	size_t n;

	if (p->err != NULL || p->pos >= p->len || num < 4)
		return NULL;
	line = p->buf + p->pos;
	eol = memchr(line, '\n', p->len - p->pos);
	n = eol != NULL ? (size_t)(eol - line) : p->len - p->pos;
	p->pos += n + (eol != NULL);
	p->lineno++;
	p->indented = 0;

	if (memchr(line, '\0', n) != NULL) {
		parse_fail(p, p->lineno, "NUL byte in line");
		return NULL;
	}
	if (n > (size_t)num - 3) {
		parse_fail(p, p->lineno, "line too long (over %d bytes)",
		    num - 3);
		return NULL;
	}
	start = line;
	e = line + n;
	if (p->lineno == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
		start += 3;     /* a UTF-8 BOM */
	while (e > start && isspace((unsigned char)e[-1]))
		e--;
	for (s = start; s < e && isspace((unsigned char)*s); s++)
		;
	if (s == e || *s == ';' || *s == '#') {
		str[0] = '\0';  /* inih skips blank lines and keeps prev_name */
		return str;
	}
	if (*s == '[') {
		if (section_line(p, s, e) != 0)
			return NULL;
		/* inih only needs to see a header (to forget prev_name). */
		memcpy(str, "[s]", 4);
		return str;
	}
	if (s > start && !looks_like_key(s, e)) {
		p->indented = 1;
		s = start;
	}
	memcpy(str, s, (size_t)(e - s));
	str[e - s] = '\0';
	return str;
}

static int
parse_number(const char *v, long min, long max, int *out)
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

static int
parse_bool(const char *v, int *out)
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
	*dst = cfg__xstrdup(v);
	return 0;
}

/*
 * Appends the items of a comma list. A trailing comma is accepted so that a
 * list may go on in an indented line; other empty items are errors.
 */
static int
add_list(struct parse *p, int line, enum key k, const char *v)
{
	cfg__strv items = { 0 };
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
			cfg__strv_push_take(&p->keys, cfg__expand_tilde(it));
			break;
		case K_TAGS:
			if (!cfg__valid_tag(it)) {
				parse_fail(p, line, "invalid tag '%s'", it);
				goto out;
			}
			if (!cfg__list_has(p->tags.v, it))
				cfg__strv_push(&p->tags, it);
			break;
		case K_HOSTS:
			/* Kept raw: expressions are checked when resolved. */
			cfg__strv_push(&p->members, it);
			break;
		default:
			abort();
		}
	}
	r = 0;
out:
	cfg__strv_clear(&items);
	return r;
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
		if (parse_bool(v, &d->accept_new) != 0) {
			parse_fail(p, line, "invalid accept_new '%s' (yes or "
			    "no)", v);
			return -1;
		}
		return 0;
	default:
		abort();
	}
	if (parse_number(v, min, max, num) != 0) {
		parse_fail(p, line, "invalid %s '%s'", keydefs[k].name, v);
		return -1;
	}
	return 0;
}

/* inih handler: returns 1 to go on, 0 on error (p->err then says why). */
static int
on_value(void *user, const char *section, const char *name, const char *value,
    int line)
{
	struct parse *p = user;
	char *v = NULL, *c;
	int k, r = 0;

	(void)section;  /* ours is p->sect; inih only saw a placeholder */
	if (p->err != NULL)
		return 0;
	v = cfg__xstrdup(value);
	if (p->indented && p->last_key >= 0) {
		/* Continuation: inih 55 leaves inline comments in it. */
		k = p->last_key;
		for (c = v + 1; *c != '\0'; c++)
			if (*c == ';' && isspace((unsigned char)c[-1]))
				*c = '\0';
		if (!keydefs[k].list) {
			parse_fail(p, line, "unexpected indented line: '%s' "
			    "takes a single value", keydefs[k].name);
			goto out;
		}
		if (strchr(v, '=') != NULL) {
			parse_fail(p, line, "indented line '%s' continues '%s'; "
			    "do not indent keys", cfg__trim(v), keydefs[k].name);
			goto out;
		}
		r = set_value(p, line, (enum key)k, cfg__trim(v)) == 0;
		goto out;
	}
	if (*name == '\0') {
		parse_fail(p, line, "syntax error");
		goto out;
	}
	if (p->sect == S_NONE) {
		parse_fail(p, line, "key '%s' before any section", name);
		goto out;
	}
	for (k = 0; k < K__COUNT; k++)
		if ((keydefs[k].sections & (1u << p->sect)) != 0 &&
		    strcasecmp(name, keydefs[k].name) == 0)
			break;
	if (k == K__COUNT) {
		parse_fail(p, line, "unknown key '%s' in %s", name, p->label);
		goto out;
	}
	p->last_key = k;
	if (p->key_line[k] != 0 && !keydefs[k].list) {
		parse_fail(p, line, "duplicate key '%s' in %s (first at line "
		    "%d)", name, p->label, p->key_line[k]);
		goto out;
	}
	if (p->key_line[k] == 0)
		p->key_line[k] = line;
	if (*v == '\0') {
		parse_fail(p, line, "missing value for '%s'", name);
		goto out;
	}
	r = set_value(p, line, (enum key)k, v) == 0;
out:
	free(v);
	return r;
}

int
cfg__inventory_parse(const char *name, const char *buf, size_t len,
    cfg_inventory **out, char **cause)
{
	struct parse p;
	int max_line = ini_max_line;
	bool multiline = ini_allow_multiline, stop = ini_stop_on_first_error;
	bool inline_comments = ini_allow_inline_comments;
	bool use_stack = ini_use_stack, no_value = ini_allow_no_value;
	char *inline_prefixes = ini_inline_comment_prefixes;
	char *start_prefixes = ini_start_comment_prefixes;
	int r = -1, line;

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.name = name != NULL ? name : "inventory";
	p.buf = buf;
	p.len = len;
	p.last_key = -1;
	p.inv = cfg_inventory_new();

	ini_max_line = CFG_INI_MAX_LINE;
	ini_allow_multiline = true;
	ini_stop_on_first_error = true;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = ";";
	ini_start_comment_prefixes = ";#";
	ini_use_stack = true;   /* the heap variant with realloc splits lines */
	ini_allow_no_value = false;
	line = ini_parse_stream(read_line, &p, on_value, &p);
	ini_max_line = max_line;
	ini_allow_multiline = multiline;
	ini_stop_on_first_error = stop;
	ini_allow_inline_comments = inline_comments;
	ini_inline_comment_prefixes = inline_prefixes;
	ini_start_comment_prefixes = start_prefixes;
	ini_use_stack = use_stack;
	ini_allow_no_value = no_value;

	if (line > 0)
		parse_fail(&p, line, "syntax error");
	else if (line < 0)
		parse_fail(&p, p.lineno, "inih failed (%d)", line);
	if (p.err != NULL) {
		cfg__set_cause(cause, "%s", p.err);
		goto out;
	}
	section_end(&p);
	if (name != NULL)
		p.inv->path = cfg__xstrdup(name);
	*out = p.inv;
	p.inv = NULL;
	r = 0;
out:
	section_end(&p);
	cfg__strv_clear(&p.keys);
	cfg__strv_clear(&p.tags);
	cfg__strv_clear(&p.members);
	cfg_inventory_free(p.inv);
	cfg__names_clear(&p.hostnames);
	cfg__names_clear(&p.groupnames);
	free(p.host_lines);
	free(p.label);
	free(p.err);
	return r;
}
