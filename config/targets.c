/*
 * config/targets.c - target expressions ("web[01-20],@db&@eu,!web3") turned
 * into a list of hosts. Owns the expression grammar, group expansion (with
 * memoisation and cycle detection) and the cfg_host results, which get the
 * inventory's [defaults] under each host's own settings. Reads a
 * cfg_inventory built by inventory.c and ssh_aliases.c; never touches files.
 *
 * Grammar (also in config.h):
 *   expr  := item (',' item)*          union, first appearance, de-duplicated
 *   item  := ['!'] term ('&' ['!'] term)*
 *                                      a leading '!' excludes (after the whole
 *                                      union); '&' intersects, keeping the left
 *                                      order; '&!' removes that term's hosts
 *   term  := '@' name                  group members and/or hosts tagged name
 *          | pattern                   [digits,-] brackets are numeric ranges
 *                                      expanded to names; a name that still
 *                                      holds * ? or [ is a glob over the
 *                                      known names; anything else is a host
 * Commas inside brackets do not split items, so "n[1-3,7]" is one term.
 * A group's members form an expression of their own: its exclusions apply
 * to the group only.
 *
 * Expansion is bounded: CFG_MAX_TARGETS names per range term and per set,
 * CFG_MAX_WORK units of work (range names, glob comparisons, group copies)
 * per call, so a short hostile expression cannot take the process down.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

/* A numeric range piece "lo-hi" inside brackets; width > 0 pads with 0s. */
struct span {
	unsigned long lo;
	unsigned long hi;
	int width;
};

/* Literal text followed by an optional bracket of spans. */
struct seg {
	const char *lit;
	size_t litlen;
	struct span *sp;
	size_t nsp;
	size_t count;           /* values of the bracket, 1 if none */
};

enum { G_NEW, G_BUSY, G_DONE };

struct resolver {
	const cfg_inventory *inv;
	cfg__names known;       /* inventory hosts, then ssh aliases */
	cfg__names hosts;       /* inventory host names ... */
	size_t *hostidx;        /* ... and their index in inv->hosts */
	cfg__names groups;      /* group names ... */
	size_t *groupidx;       /* ... and their index in inv->groups */
	struct memo {
		int state;
		cfg__names set;
	} *memo;                /* per entry of groups */
	size_t *stack;          /* groups being expanded, for cycle messages */
	size_t depth;
	size_t work;
	char *err;
	int err_located;        /* err already starts with file:line */
	cfg_runs *runs;         /* the record of past runs, read on first use */
};

static int eval_items(struct resolver *, const util_strv *, const char *,
    cfg__names *);

static int fail(struct resolver *, const char *, ...) CFG__PRINTF(2, 3);

static int
fail(struct resolver *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err == NULL) {
		va_start(ap, fmt);
		r->err = util_xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
spend(struct resolver *r, size_t units)
{
	r->work += units;
	if (r->work > CFG_MAX_WORK)
		return fail(r, "expression too large to expand (limit %d "
		    "operations)", CFG_MAX_WORK);
	return 0;
}

static int
set_add(struct resolver *r, cfg__names *set, const char *name)
{
	cfg__names_add(set, name, NULL);
	if (set->n > CFG_MAX_TARGETS)
		return fail(r, "expression matches more than %d hosts",
		    CFG_MAX_TARGETS);
	return 0;
}

static int
set_add_all(struct resolver *r, cfg__names *set, const cfg__names *from)
{
	size_t i;

	if (spend(r, from->n) != 0)
		return -1;
	for (i = 0; i < from->n; i++)
		if (set_add(r, set, from->v[i]) != 0)
			return -1;
	return 0;
}

/* Keeps, in order, the members of *set found in other (keep 1) or not (0). */
static void
set_filter(cfg__names *set, const cfg__names *other, int keep)
{
	cfg__names out = { 0 };
	size_t i;

	for (i = 0; i < set->n; i++)
		if ((cfg__names_find(other, set->v[i]) != (size_t)-1) == keep)
			cfg__names_add(&out, set->v[i], NULL);
	cfg__names_clear(set);
	*set = out;
}

static int
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Parses "1-3,7" into spans; returns the number of values or 0 on error. */
static size_t
parse_spans(struct resolver *r, const char *s, size_t n, const char *term,
    struct seg *seg)
{
	const char *p = s, *end = s + n, *comma, *dash;
	struct span sp;
	size_t count = 0, a, b;

	while (p <= end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		dash = memchr(p, '-', (size_t)(comma - p));
		a = (size_t)((dash ? dash : comma) - p);
		b = dash ? (size_t)(comma - dash - 1) : a;
		/* Nine digits keep every value and count inside an unsigned long. */
		if (!is_digits(p, a) || a > 9 ||
		    (dash && (!is_digits(dash + 1, b) || b > 9))) {
			fail(r, "malformed range '[%.*s]' in '%s'", (int)n, s,
			    term);
			return 0;
		}
		sp.lo = strtoul(p, NULL, 10);
		sp.hi = dash ? strtoul(dash + 1, NULL, 10) : sp.lo;
		sp.width = (a > 1 && p[0] == '0') ? (int)a : 0;
		if (sp.lo > sp.hi) {
			fail(r, "reversed range '%.*s' in '%s'",
			    (int)(comma - p), p, term);
			return 0;
		}
		count += sp.hi - sp.lo + 1;
		if (count > CFG_MAX_TARGETS) {
			fail(r, "range '%s' expands to more than %d names",
			    term, CFG_MAX_TARGETS);
			return 0;
		}
		seg->sp = util_xreallocarray(seg->sp, seg->nsp + 1,
		    sizeof *seg->sp);
		seg->sp[seg->nsp++] = sp;
		p = comma + 1;
	}
	return count;
}

static void
append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = util_xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/*
 * Expands the numeric ranges of term into out (a term without ranges gives
 * itself). Brackets holding anything but digits, '-' and ',' are glob
 * classes and stay as they are.
 */
static int
expand_ranges(struct resolver *r, const char *term, util_strv *out)
{
	struct seg *segs = NULL;
	size_t nseg = 0, total = 1, i, k, *idx = NULL, len, cap = 0;
	const char *p = term, *lit = term, *close = NULL;
	unsigned long v;
	char *buf = NULL, num[32];
	int rc = -1;

	for (;;) {
		if (*p == '[') {
			if ((close = strchr(p, ']')) == NULL) {
				fail(r, "unterminated '[' in '%s'", term);
				goto out;
			}
			if (strspn(p + 1, "0123456789-,") !=
			    (size_t)(close - p - 1)) {
				p = close + 1;  /* a glob class */
				continue;
			}
		} else if (*p != '\0') {
			p++;
			continue;
		}
		segs = util_xreallocarray(segs, nseg + 1, sizeof *segs);
		memset(&segs[nseg], 0, sizeof *segs);
		segs[nseg].lit = lit;
		segs[nseg].litlen = (size_t)(p - lit);
		segs[nseg].count = 1;
		nseg++;
		if (*p == '\0')
			break;
		segs[nseg - 1].count = parse_spans(r, p + 1,
		    (size_t)(close - p - 1), term, &segs[nseg - 1]);
		if (segs[nseg - 1].count == 0)
			goto out;
		total *= segs[nseg - 1].count;
		if (total > CFG_MAX_TARGETS) {
			fail(r, "range '%s' expands to more than %d names", term,
			    CFG_MAX_TARGETS);
			goto out;
		}
		p = lit = close + 1;
	}
	if (spend(r, total) != 0)
		goto out;

	/* An odometer over the brackets, the last one turning fastest. */
	idx = util_xcalloc(nseg, sizeof *idx);
	for (;;) {
		len = 0;
		append(&buf, &len, &cap, "", 0);
		for (i = 0; i < nseg; i++) {
			append(&buf, &len, &cap, segs[i].lit, segs[i].litlen);
			if (segs[i].nsp == 0)
				continue;
			for (k = 0, v = idx[i];
			    v > segs[i].sp[k].hi - segs[i].sp[k].lo; k++)
				v -= segs[i].sp[k].hi - segs[i].sp[k].lo + 1;
			snprintf(num, sizeof num, "%0*lu", segs[i].sp[k].width,
			    segs[i].sp[k].lo + v);
			append(&buf, &len, &cap, num, strlen(num));
		}
		util_strv_push(out, buf);
		for (i = nseg; i-- > 0;) {
			if (++idx[i] < segs[i].count)
				break;
			idx[i] = 0;
		}
		if (i == (size_t)-1)
			break;
	}
	rc = 0;
out:
	for (i = 0; i < nseg; i++)
		free(segs[i].sp);
	free(segs);
	free(idx);
	free(buf);
	return rc;
}

static int
eval_glob(struct resolver *r, const char *pat, cfg__names *out)
{
	const char *c;
	size_t i;

	for (c = pat; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f || *c == '@')
			return fail(r, "invalid pattern '%s'", pat);
	if (spend(r, r->known.n) != 0)
		return -1;
	for (i = 0; i < r->known.n; i++)
		if (fnmatch(pat, r->known.v[i], 0) == 0 &&
		    set_add(r, out, r->known.v[i]) != 0)
			return -1;
	return 0;
}

/* Marks the current error as coming from group gi (unless a deeper one did). */
static void
locate(struct resolver *r, size_t gi)
{
	const cfg_group *g = &r->inv->groups[r->groupidx[gi]];
	char *msg;

	if (r->err_located)
		return;
	msg = r->err;
	r->err = util_xasprintf("%s:%d: group '%s': %s",
	    r->inv->path ? r->inv->path : "inventory", g->line, g->name, msg);
	free(msg);
	r->err_located = 1;
}

static int
eval_group(struct resolver *r, size_t gi)
{
	const cfg_group *g = &r->inv->groups[r->groupidx[gi]];
	util_strv items = { 0 };
	char *path = NULL, *t;
	size_t i, j, n;
	int rc = -1;

	if (r->memo[gi].state == G_DONE)
		return 0;
	if (r->memo[gi].state == G_BUSY) {
		/* Name the loop from its first group back to itself. */
		for (i = 0; r->stack[i] != gi; i++)
			;
		for (; i < r->depth; i++) {
			t = util_xasprintf("%s%s -> ", path ? path : "",
			    r->groups.v[r->stack[i]]);
			free(path);
			path = t;
		}
		fail(r, "cycle %s%s", path, r->groups.v[gi]);
		goto out;
	}
	r->memo[gi].state = G_BUSY;
	r->stack[r->depth++] = gi;
	/* Members are kept raw by the loader; a member may hold a list too. */
	for (i = 0; g->members != NULL && g->members[i] != NULL; i++) {
		n = items.n;
		cfg__split(g->members[i], ',', &items);
		for (j = n; j < items.n; j++)
			if (items.v[j][0] == '\0') {
				fail(r, "empty item in '%s'", g->members[i]);
				break;
			}
	}
	if (r->err == NULL)
		rc = eval_items(r, &items, NULL, &r->memo[gi].set);
	r->depth--;
	if (rc != 0) {
		locate(r, gi);
		goto out;
	}
	r->memo[gi].state = G_DONE;
out:
	util_strv_clear(&items);
	free(path);
	return rc;
}

/*
 * @failed, @ok, @failed:N, @ok:N: the hosts of a past run (lastrun.c),
 * N runs before the last. Returns 1 if name is none of these.
 */
static int
eval_last_run(struct resolver *r, const char *name, cfg__names *out)
{
	const char *colon = strchr(name, ':');
	size_t base = colon != NULL ? (size_t)(colon - name) : strlen(name);
	int ago = 0, failed, rc = -1;
	char **hosts;
	char *cause = NULL;
	size_t i;

	if (!((base == 6 && strncmp(name, "failed", 6) == 0) ||
	    (base == 2 && strncmp(name, "ok", 2) == 0)))
		return 1;
	failed = base == 6;
	if (colon != NULL && util_parse_int(colon + 1, 0, 1000, &ago) != 0)
		return fail(r, "'@%s': after ':' comes how many runs ago (0, 1, ...)", name);
	if (r->runs == NULL && cfg_runs_load(r->inv->runs_path, &r->runs, &cause) != 0) {
		fail(r, "@%s: %s", name, cause);
		free(cause);
		return -1;
	}
	if ((size_t)ago >= r->runs->n)
		return fail(r, "@%s: %s", name, r->runs->n == 0 ? "no run recorded yet" :
		    "not that many runs recorded");
	hosts = failed ? r->runs->v[ago].failed : r->runs->v[ago].ok;
	if (spend(r, util_list_len(hosts)) != 0)
		return -1;
	for (i = 0; hosts[i] != NULL; i++)
		if (set_add(r, out, hosts[i]) != 0)
			goto out;
	rc = 0;
out:
	return rc;
}

static int
eval_at(struct resolver *r, const char *name, cfg__names *out)
{
	const cfg_inventory *inv = r->inv;
	size_t gi, i;
	int found = 0;

	if (strncmp(name, "failed", 6) == 0 || strncmp(name, "ok", 2) == 0) {
		int rc = eval_last_run(r, name, out);

		if (rc != 1)
			return rc;
	}
	if (!cfg__valid_tag(name))
		return fail(r, "invalid group or tag name '@%s'", name);
	if ((gi = cfg__names_find(&r->groups, name)) != (size_t)-1) {
		if (eval_group(r, gi) != 0 ||
		    set_add_all(r, out, &r->memo[gi].set) != 0)
			return -1;
		found = 1;
	}
	if (spend(r, inv->nhosts) != 0)
		return -1;
	for (i = 0; i < inv->nhosts; i++) {
		if (!util_list_has(inv->hosts[i].tags, name))
			continue;
		found = 1;
		if (set_add(r, out, inv->hosts[i].name) != 0)
			return -1;
	}
	if (!found)
		return fail(r, "unknown group or tag '@%s'", name);
	return 0;
}

static int
eval_term(struct resolver *r, const char *term, cfg__names *out)
{
	util_strv names = { 0 };
	size_t i;
	int rc = -1;

	if (term[0] == '@')
		return eval_at(r, term + 1, out);
	if (expand_ranges(r, term, &names) != 0)
		goto out;
	for (i = 0; i < names.n; i++) {
		if (strpbrk(names.v[i], "*?[") != NULL) {
			if (eval_glob(r, names.v[i], out) != 0)
				goto out;
		} else if (strchr(names.v[i], '/') != NULL) {
			fail(r, "'%s' looks like a path, not a host name", names.v[i]);
			goto out;
		} else if (strchr(names.v[i], ':') != NULL) {
			fail(r, "'%s': no ':' in a host name (a port goes in -p, "
			    "ssh_config or the inventory)", names.v[i]);
			goto out;
		} else if (strchr(names.v[i], '~') != NULL) {
			fail(r, "'%s': no '~' in a host name (a path was expanded "
			    "where a host was expected?)", names.v[i]);
			goto out;
		} else if (!cfg__valid_hostname(names.v[i])) {
			fail(r, "invalid host name '%s'", names.v[i]);
			goto out;
		} else if (set_add(r, out, names.v[i]) != 0)
			goto out;
	}
	rc = 0;
out:
	util_strv_clear(&names);
	return rc;
}

static int
eval_item(struct resolver *r, const char *item, cfg__names *out)
{
	util_strv terms = { 0 };
	cfg__names acc = { 0 }, next = { 0 };
	const char *term;
	size_t i;
	int rc = -1, neg;

	cfg__split(item, '&', &terms);
	if (terms.n == 1) {
		rc = eval_term(r, terms.v[0], out);
		goto out;
	}
	for (i = 0; i < terms.n; i++) {
		if (terms.v[i][0] == '\0') {
			fail(r, "empty term in '%s'", item);
			goto out;
		}
		/* "@web&!@eu": a negated term removes its hosts from the rest. */
		neg = i > 0 && terms.v[i][0] == '!';
		term = terms.v[i] + neg;
		while (neg && (*term == ' ' || *term == '\t'))
			term++;
		if (*term == '\0' || *term == '!') {
			fail(r, "empty or doubled '!' in '%s'", item);
			goto out;
		}
		if (eval_term(r, term, i == 0 ? &acc : &next) != 0)
			goto out;
		if (i > 0) {
			set_filter(&acc, &next, !neg);
			cfg__names_clear(&next);
		}
	}
	rc = set_add_all(r, out, &acc);
out:
	util_strv_clear(&terms);
	cfg__names_clear(&acc);
	cfg__names_clear(&next);
	return rc;
}

/* Evaluates a list of items; whole is the text they came from (or NULL). */
static int
eval_items(struct resolver *r, const util_strv *items, const char *whole,
    cfg__names *out)
{
	cfg__names excl = { 0 };
	const char *it;
	size_t i;
	int rc = -1;

	for (i = 0; i < items->n; i++) {
		it = items->v[i];
		if (*it == '\0') {
			fail(r, "empty item in '%s'", whole ? whole : "");
			goto out;
		}
		if (*it == '!') {
			for (it++; *it == ' ' || *it == '\t'; it++)
				;
			if (*it == '\0') {
				fail(r, "empty exclusion '%s'", items->v[i]);
				goto out;
			}
			if (eval_item(r, it, &excl) != 0)
				goto out;
		} else if (eval_item(r, it, out) != 0)
			goto out;
	}
	if (excl.n > 0)
		set_filter(out, &excl, 0);
	rc = 0;
out:
	cfg__names_clear(&excl);
	return rc;
}

static void
resolver_init(struct resolver *r, const cfg_inventory *inv)
{
	size_t i, j;
	int added;

	memset(r, 0, sizeof *r);
	r->inv = inv;
	r->hostidx = util_xcalloc(inv->nhosts, sizeof *r->hostidx);
	for (i = 0; i < inv->nhosts; i++) {
		cfg__names_add(&r->known, inv->hosts[i].name, NULL);
		/* The first declaration wins should a caller build duplicates. */
		j = cfg__names_add(&r->hosts, inv->hosts[i].name, &added);
		if (added)
			r->hostidx[j] = i;
	}
	for (i = 0; inv->aliases != NULL && inv->aliases[i] != NULL; i++)
		cfg__names_add(&r->known, inv->aliases[i], NULL);
	r->groupidx = util_xcalloc(inv->ngroups, sizeof *r->groupidx);
	for (i = 0; i < inv->ngroups; i++) {
		j = cfg__names_add(&r->groups, inv->groups[i].name, &added);
		if (added)
			r->groupidx[j] = i;
	}
	r->memo = util_xcalloc(r->groups.n, sizeof *r->memo);
	r->stack = util_xcalloc(r->groups.n, sizeof *r->stack);
}

static void
resolver_clear(struct resolver *r)
{
	size_t i;

	for (i = 0; r->memo != NULL && i < r->groups.n; i++)
		cfg__names_clear(&r->memo[i].set);
	cfg__names_clear(&r->known);
	cfg__names_clear(&r->hosts);
	cfg__names_clear(&r->groups);
	free(r->memo);
	free(r->hostidx);
	free(r->groupidx);
	free(r->stack);
	free(r->err);
	cfg_runs_free(r->runs);
}

static int
is_ssh_alias(const cfg_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->naliases; i++)
		if (strcmp(inv->aliases[i], name) == 0)
			return 1;
	return 0;
}

/*
 * One result host: the inventory's settings, then [defaults] under them.
 * An ssh_config alias that is not in the inventory keeps its own User and
 * Port: the defaults' user/port would silently override them.
 */
static void
host_fill(cfg_host *h, const cfg_inventory *inv, const cfg_host *src,
    const char *name)
{
	cfg_defaults none = { 0 };
	const cfg_defaults *d = &inv->defaults;

	if (src == NULL && is_ssh_alias(inv, name)) {
		none.keys = inv->defaults.keys;
		d = &none;
	}

	memset(h, 0, sizeof *h);
	h->name = util_xstrdup(name);
	if (src != NULL) {
		h->address = src->address ? util_xstrdup(src->address) : NULL;
		h->tags = util_list_dup(src->tags);
		h->jump = src->jump ? util_xstrdup(src->jump) : NULL;
		h->in_inventory = 1;
		cfg_device_copy(&h->dev, &src->dev);
	}
	if (src != NULL && src->user != NULL)
		h->user = util_xstrdup(src->user);
	else if (d->user != NULL)
		h->user = util_xstrdup(d->user);
	h->port = src != NULL && src->port != 0 ? src->port : d->port;
	h->keys = util_list_dup(src != NULL && util_list_len(src->keys) > 0 ?
	    src->keys : d->keys);
}

int
cfg_targets_resolve(const cfg_inventory *inv, const char *expr,
    cfg_host **out, size_t *nout, char **cause)
{
	struct resolver r;
	util_strv items = { 0 };
	cfg__names result = { 0 };
	cfg_host *hosts = NULL;
	const char *e;
	size_t i, hi;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	resolver_init(&r, inv);
	for (e = expr ? expr : ""; *e == ' ' || *e == '\t'; e++)
		;
	if (*e == '\0') {
		fail(&r, "empty target expression");
		goto out;
	}
	cfg__split(expr, ',', &items);
	if (eval_items(&r, &items, expr, &result) != 0)
		goto out;
	if (result.n == 0) {
		fail(&r, "target '%s' matches no host", expr);
		goto out;
	}
	hosts = util_xcalloc(result.n, sizeof *hosts);
	for (i = 0; i < result.n; i++) {
		hi = cfg__names_find(&r.hosts, result.v[i]);
		host_fill(&hosts[i], inv, hi == (size_t)-1 ? NULL :
		    &inv->hosts[r.hostidx[hi]], result.v[i]);
	}
	*out = hosts;
	*nout = result.n;
	rc = 0;
out:
	if (rc != 0)
		cfg__set_cause(cause, "%s", r.err);
	util_strv_clear(&items);
	cfg__names_clear(&result);
	resolver_clear(&r);
	return rc;
}

void
cfg_hosts_free(cfg_host *hosts, size_t n)
{
	size_t i;

	if (hosts == NULL)
		return;
	for (i = 0; i < n; i++)
		cfg_host_clear(&hosts[i]);
	free(hosts);
}
