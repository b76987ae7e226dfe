/*
 * engine/sshres.c - reading and evaluating ssh_config as OpenSSH's ssh does
 * (readconf.c, 9.2p1): the user's file then the system's (or only -F's),
 * lines split by OpenSSH's strdelim and argv_split, Host and Match blocks,
 * Include (nested, globbed, relative to ~/.ssh or /etc/ssh, inside blocks),
 * and the first obtained value of each keyword winning. Files are parsed
 * once per cache (re-read when stat says they changed); every resolution
 * walks the parsed lines again, since Match and Include depend on the host.
 *
 * Keywords OpenSSH knows but drover does not apply are accepted; when their
 * first value for a host would change the connection, the keyword is noted
 * (eng_sshres.unsupported) so that the caller can say so once. A keyword
 * OpenSSH does not know is an error, as in ssh.
 *
 * Match exec runs the command with /bin/sh (or $SHELL) synchronously, as
 * ssh does; the caller decides whether it may (eng_sshres_in.run_exec).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/sshres.h"

#define MAX_DEPTH 16                 /* READCONF_MAX_DEPTH */
#define SYSTEM_CONFIG "/etc/ssh/ssh_config"

typedef struct cfg_line {
	int lineno;
	char *kw;                   /* lowercased */
	char *rest;                 /* after the keyword (Match, ProxyCommand) */
	char **argv;
	int argc;
	const char *error;          /* a line OpenSSH refuses before its keyword acts */
} cfg_line;

struct eng_sshres_file {
	char *path;
	struct stat st;
	int open_errno;             /* 0: read */
	cfg_line *lines;
	size_t n;
	struct eng_sshres_file *next;
};

#define keywords eng__sshres_keywords
#define kw_find eng__sshres_kw_find
#define strdelim eng__sshres_strdelim

/* ---- splitting lines (misc.c strdelim and argv_split) ---- */

#define WS " \t\r\n"

char *
eng__sshres_strdelim(char **s)
{
	char *old;
	int wspace = 0;

	if (*s == NULL)
		return NULL;
	old = *s;
	*s = strpbrk(*s, WS "\"=");
	if (*s == NULL)
		return old;
	if ((*s)[0] == '"') {
		memmove(*s, *s + 1, strlen(*s));
		if ((*s = strpbrk(*s, "\"")) == NULL)
			return NULL;   /* no matching quote */
		(*s)[0] = '\0';
		*s += strspn(*s + 1, WS) + 1;
		return old;
	}
	if ((*s)[0] == '=')
		wspace = 1;
	(*s)[0] = '\0';
	*s += strspn(*s + 1, WS) + 1;
	if ((*s)[0] == '=' && !wspace)
		*s += strspn(*s + 1, WS) + 1;
	return old;
}

static int
argv_split(const char *s, cfg_line *l)
{
	size_t i, j;
	char quote, *arg;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (s[i] == '#')
			break;
		quote = 0;
		l->argv = util_xrealloc(l->argv, (size_t)(l->argc + 2) * sizeof(char *));
		arg = l->argv[l->argc++] = util_xcalloc(1, strlen(s + i) + 1);
		l->argv[l->argc] = NULL;
		for (j = 0; s[i] != '\0'; i++) {
			if (s[i] == '\\') {
				if (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\' ||
				    (quote == 0 && s[i + 1] == ' '))
					i++;
				arg[j++] = s[i];
			} else if (quote == 0 && (s[i] == ' ' || s[i] == '\t')) {
				break;
			} else if (quote == 0 && (s[i] == '"' || s[i] == '\'')) {
				quote = s[i];
			} else if (quote != 0 && s[i] == quote) {
				quote = 0;
			} else {
				arg[j++] = s[i];
			}
		}
		if (s[i] == '\0') {
			if (quote != 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* Splits one line into l; 0 if it is blank or a comment. */
static int
line_parse(char *buf, cfg_line *l)
{
	char *str, *kw, *p;
	size_t len = strlen(buf);

	while (len > 0 && strchr(WS "\f", buf[len - 1]) != NULL)
		buf[--len] = '\0';
	str = buf;
	if ((kw = strdelim(&str)) == NULL)
		return 0;
	if (*kw == '\0')
		kw = strdelim(&str);
	if (kw == NULL || *kw == '\0' || *kw == '\n' || *kw == '#')
		return 0;
	for (p = kw; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	l->kw = util_xstrdup(kw);
	if (str != NULL)
		str += strspn(str, WS);
	if (str == NULL || *str == '\0') {
		l->error = "no argument after keyword";
		return 1;
	}
	l->rest = util_xstrdup(str);
	if (argv_split(str, l) != 0)
		l->error = "invalid quotes";
	return 1;
}

static void
file_clear(eng_sshres_file *f)
{
	size_t i;
	int j;

	for (i = 0; i < f->n; i++) {
		free(f->lines[i].kw);
		free(f->lines[i].rest);
		for (j = 0; j < f->lines[i].argc; j++)
			free(f->lines[i].argv[j]);
		free(f->lines[i].argv);
	}
	free(f->lines);
	f->lines = NULL;
	f->n = 0;
}

static void
file_read(eng_sshres_file *f)
{
	FILE *fp;
	char *buf = NULL;
	size_t cap = 0, alloc = 0;
	int lineno = 0;
	cfg_line l;

	file_clear(f);
	f->open_errno = 0;
	if ((fp = fopen(f->path, "re")) == NULL) {
		f->open_errno = errno != 0 ? errno : EIO;
		return;
	}
	while (getline(&buf, &cap, fp) != -1) {
		lineno++;
		memset(&l, 0, sizeof(l));
		l.lineno = lineno;
		if (!line_parse(buf, &l))
			continue;
		if (f->n == alloc) {
			alloc = alloc ? 2 * alloc : 32;
			f->lines = util_xrealloc(f->lines, alloc * sizeof(cfg_line));
		}
		f->lines[f->n++] = l;
	}
	free(buf);
	fclose(fp);
}

/* The parsed file (from the cache when unchanged); never NULL. */
static eng_sshres_file *
file_get(eng_sshres_cache *cache, const char *path, eng_sshres_file **tmp)
{
	eng_sshres_file *f = NULL;
	struct stat st;
	int have = stat(path, &st) == 0;

	if (cache != NULL)
		for (f = cache->files; f != NULL; f = f->next)
			if (strcmp(f->path, path) == 0)
				break;
	if (f != NULL && have && f->open_errno == 0 &&
	    f->st.st_dev == st.st_dev && f->st.st_ino == st.st_ino &&
	    f->st.st_size == st.st_size &&
	    f->st.st_mtim.tv_sec == st.st_mtim.tv_sec &&
	    f->st.st_mtim.tv_nsec == st.st_mtim.tv_nsec &&
	    f->st.st_ctim.tv_sec == st.st_ctim.tv_sec &&
	    f->st.st_ctim.tv_nsec == st.st_ctim.tv_nsec)
		return f;
	if (f == NULL) {
		f = util_xcalloc(1, sizeof(*f));
		f->path = util_xstrdup(path);
		if (cache != NULL) {
			f->next = cache->files;
			cache->files = f;
		} else {
			*tmp = f;
		}
	}
	if (have)
		f->st = st;
	else
		memset(&f->st, 0, sizeof(f->st));
	file_read(f);
	return f;
}

void
eng__sshres_cache_free(eng_sshres_cache *cache)
{
	eng_sshres_file *f, *next;

	if (cache == NULL)
		return;
	for (f = cache->files; f != NULL; f = next) {
		next = f->next;
		file_clear(f);
		free(f->path);
		free(f);
	}
	cache->files = NULL;
}

/* ---- evaluation ---- */

enum { F_USER = 1, F_CHECKPERM = 2, F_NEVERMATCH = 4 };

typedef struct ev {
	eng_sshres_cache *cache;
	const eng_sshres_in *in;
	eng_sshres *r;
	char ids_user[ENG_SSHRES_MAX_FILES], certs_user[ENG_SSHRES_MAX_FILES];
	unsigned char seen[ENG_SSHRES_NKW_MAX];   /* first value of an unapplied keyword */
	char *ignore_unknown;
	int final_pass, want_final;   /* "Match final": the files are read twice */
} ev;

static int
fail(ev *e, const char *path, int lineno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(ev *e, const char *path, int lineno, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (e->r->error != NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	e->r->error = lineno > 0 ?
	    util_xasprintf("%s line %d: %s", path, lineno, msg != NULL ? msg : "error") :
	    util_xasprintf("%s: %s", path, msg != NULL ? msg : "error");
	free(msg);
	return -1;
}

static int read_file(ev *e, const char *path, int flags, int *activep, int depth);

static int
include(ev *e, const char *path, const cfg_line *l, int flags, int *activep, int depth)
{
	glob_t g;
	char *pat;
	int i, oactive, r;
	size_t k;

	for (i = 0; i < l->argc; i++) {
		const char *arg = l->argv[i];

		if (*arg == '~' && !(flags & F_USER))
			return fail(e, path, l->lineno, "tilde expansion not supported "
			    "in system files");
		if (*arg != '/' && *arg != '~')
			pat = util_xasprintf("%s/%s", (flags & F_USER) ? "~/.ssh" : "/etc/ssh", arg);
		else
			pat = util_xstrdup(arg);
		memset(&g, 0, sizeof(g));
		r = glob(pat, GLOB_TILDE, NULL, &g);
		free(pat);
		if (r == GLOB_NOMATCH) {
			globfree(&g);
			continue;
		}
		if (r != 0) {
			globfree(&g);
			return fail(e, path, l->lineno, "include \"%s\" glob failed", arg);
		}
		oactive = *activep;
		for (k = 0; k < g.gl_pathc; k++) {
			r = read_file(e, g.gl_pathv[k], flags | F_CHECKPERM |
			    (oactive ? 0 : F_NEVERMATCH), activep, depth + 1);
			/* A Match in the included file does not outlive it. */
			*activep = oactive;
			if (r < 0 && e->r->error != NULL)
				break;
		}
		globfree(&g);
		if (e->r->error != NULL)
			return -1;
	}
	return 0;
}

static int
value_in(const char *v, const char *list)
{
	const char *p = list, *bar;
	size_t n;

	for (;;) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) == n && strncasecmp(v, p, n) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

/* A keyword drover does not apply: noted if its first value matters. */
static void
note_other(ev *e, int k, const cfg_line *l)
{
	eng_sshres *r = e->r;
	char *t;

	if (e->seen[k])
		return;
	e->seen[k] = 1;
	if (keywords[k].harmless == NULL || l->argc == 0 ||
	    (*keywords[k].harmless != '\0' && value_in(l->argv[0], keywords[k].harmless)))
		return;
	t = util_xasprintf("%s%s%s", r->unsupported != NULL ? r->unsupported : "",
	    r->unsupported != NULL ? ", " : "", keywords[k].name);
	free(r->unsupported);
	r->unsupported = t;
}

static int
flag_value(const char *v)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
		return 1;
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0)
		return 0;
	return -1;
}

static int
add_file(char **list, char *users, int *n, const char *v, int user)
{
	int i;

	for (i = 0; i < *n; i++)
		if (users[i] == user && strcmp(list[i], v) == 0)
			return 0;
	if (*n >= ENG_SSHRES_MAX_FILES)
		return -1;
	users[*n] = (char)user;
	list[(*n)++] = util_xstrdup(v);
	return 0;
}

/* process_config_line_depth for one parsed line. */
static int
do_line(ev *e, const char *path, const cfg_line *l, int flags, int *activep, int depth)
{
	eng_sshres *r = e->r;
	int k = kw_find(l->kw), act = *activep, i, v, single = 1;
	const char *a;
	long t;

	if (l->error != NULL)
		return fail(e, path, l->lineno, "%s%s%s", l->error,
		    strcmp(l->error, "invalid quotes") == 0 ? "" : " ", 
		    strcmp(l->error, "invalid quotes") == 0 ? "" : l->kw);
	if (k < 0) {
		if (e->ignore_unknown != NULL &&
		    eng__sshres_match_list(l->kw, e->ignore_unknown, 1) == 1)
			return 0;
		return fail(e, path, l->lineno, "Bad configuration option: %s", l->kw);
	}
	a = l->argc > 0 ? l->argv[0] : NULL;
	switch (keywords[k].id) {
	case K_HOST:
		*activep = 0;
		for (i = 0; i < l->argc; i++) {
			const char *p = l->argv[i];
			int neg;

			if (*p == '\0')
				return fail(e, path, l->lineno, "keyword host empty argument");
			if (flags & F_NEVERMATCH)
				break;
			if ((neg = *p == '!'))
				p++;
			/* ssh matches the host it connects to: in the final pass,
			 * that is the HostName already found. */
			if (eng__sshres_match(e->final_pass ? r->hostname : e->in->host, p)) {
				if (neg) {
					*activep = 0;
					break;
				}
				*activep = 1;
			}
		}
		return 0;
	case K_MATCH:
		{
			char *why = NULL;

			v = eng__sshres_match_line(e->in, r, l->rest, e->final_pass,
			    &e->want_final, &why);
			if (v < 0) {
				fail(e, path, l->lineno, "%s", why != NULL ? why : "Bad Match condition");
				free(why);
				return -1;
			}
		}
		*activep = (flags & F_NEVERMATCH) ? 0 : v;
		return 0;
	case K_INCLUDE:
		return include(e, path, l, flags, activep, depth);
	case K_PROXYCMD:
		/* First value wins; a ProxyJump before it set "none" (parse_jump). */
		if (act && r->proxy_command == NULL)
			r->proxy_command = util_xstrdup(l->rest + strspn(l->rest, WS "="));
		return 0;
	case K_UKH:
	case K_GKH: {
		char **list = keywords[k].id == K_UKH ? r->ukh : r->gkh;
		int *n = keywords[k].id == K_UKH ? &r->nukh : &r->ngkh, empty = *n == 0;

		for (i = 0; i < l->argc; i++) {
			if (*l->argv[i] == '\0')
				return fail(e, path, l->lineno, "keyword %s empty argument", l->kw);
			if (strcasecmp(l->argv[i], "none") == 0 && (i > 0 || l->argc > 1))
				return fail(e, path, l->lineno, "keyword %s \"none\" argument "
				    "must appear alone.", l->kw);
			if (act && empty) {
				if (*n >= ENG_SSHRES_MAX_HOSTFILES)
					return fail(e, path, l->lineno, "too many %s files.", l->kw);
				list[(*n)++] = util_xstrdup(l->argv[i]);
			}
		}
		return 0;
	}
	case K_OTHER:
		if (act)
			note_other(e, k, l);
		return 0;
	default:
		break;
	}
	if (a == NULL || *a == '\0')
		return fail(e, path, l->lineno, "Missing argument.");
	switch (keywords[k].id) {
	case K_HOSTNAME:
		if (act && r->hostname == NULL)
			r->hostname = util_xstrdup(a);
		break;
	case K_USER:
		if (act && r->user == NULL)
			r->user = util_xstrdup(a);
		break;
	case K_IGNUNKNOWN:
		if (act && e->ignore_unknown == NULL)
			e->ignore_unknown = util_xstrdup(a);
		break;
	case K_PORT:
		t = strtol(a, NULL, 10);
		if (strspn(a, "0123456789") != strlen(a) || t <= 0 || t > 65535)
			return fail(e, path, l->lineno, "Bad port '%s'.", a);
		if (act && r->port <= 0)
			r->port = (int)t;
		break;
	case K_IDFILE:
	case K_CERTFILE:
		if (act && (keywords[k].id == K_IDFILE ?
		    add_file(r->ids, e->ids_user, &r->nids, a, flags & F_USER) :
		    add_file(r->certs, e->certs_user, &r->ncerts, a, flags & F_USER)) != 0)
			return fail(e, path, l->lineno, "Too many %s files specified (max %d).",
			    l->kw, ENG_SSHRES_MAX_FILES);
		break;
	case K_IDSONLY:
		if ((v = flag_value(a)) < 0)
			return fail(e, path, l->lineno, "unsupported option \"%s\".", a);
		if (act && r->ids_only < 0)
			r->ids_only = v;
		break;
	case K_STRICT:
		if (flag_value(a) >= 0 || strcasecmp(a, "off") == 0)
			v = strcasecmp(a, "off") == 0 ? ENG_STRICT_OFF :
			    flag_value(a) ? ENG_STRICT_YES : ENG_STRICT_OFF;
		else if (strcasecmp(a, "ask") == 0)
			v = ENG_STRICT_ASK;
		else if (strcasecmp(a, "accept-new") == 0)
			v = ENG_STRICT_NEW;
		else
			return fail(e, path, l->lineno, "unsupported option \"%s\".", a);
		if (act && r->strict == ENG_STRICT_UNSET)
			r->strict = v;
		break;
	case K_AGENT:
		if (a[0] == '$' && a[1] != '{') {
			for (i = 1; a[i] != '\0'; i++)
				if (!isalnum((unsigned char)a[i]) && a[i] != '_')
					break;
			if (a[i] != '\0' || i == 1 || isdigit((unsigned char)a[1]))
				return fail(e, path, l->lineno, "Invalid environment name %s.", a);
		}
		if (act && r->agent == NULL)
			r->agent = util_xstrdup(a);
		break;
	case K_JUMP:
		if (eng__sshres_jump_valid(a) != 0)
			return fail(e, path, l->lineno, "Invalid ProxyJump \"%s\"", a);
		if (act && r->proxy_command == NULL && r->jump == NULL) {
			r->jump = util_xstrdup(a);
			if (strcasecmp(a, "none") != 0)
				r->proxy_command = util_xstrdup("none");
		}
		break;
	case K_CTIMEOUT:
	case K_ALIVE:
		if ((t = eng__sshres_convtime(a)) < 0)
			return fail(e, path, l->lineno, "invalid time value.");
		if (act && keywords[k].id == K_CTIMEOUT && r->connect_timeout < 0)
			r->connect_timeout = (int)t;
		if (act && keywords[k].id == K_ALIVE && r->alive_interval < 0)
			r->alive_interval = (int)t;
		break;
	case K_ALIVEMAX:
		t = strtol(a, NULL, 10);
		if (strspn(a, "0123456789") != strlen(a) || strlen(a) > 10 || t > 0x7fffffff)
			return fail(e, path, l->lineno, "integer value %s.", a);
		if (act && r->alive_count < 0)
			r->alive_count = (int)t;
		break;
	case K_HKALGS:
	case K_KEX:
	case K_CIPHERS: {
		int which = keywords[k].id == K_HKALGS ? ENG_ALGO_HOSTKEY :
		    keywords[k].id == K_KEX ? ENG_ALGO_KEX : ENG_ALGO_CIPHER;
		char **dst = which == ENG_ALGO_HOSTKEY ? &r->hostkey_algs :
		    which == ENG_ALGO_KEX ? &r->kex_algs : &r->ciphers;

		if (!eng__sshres_algos_valid(which, a))
			return fail(e, path, l->lineno, "Bad %s '%s'.", l->kw, a);
		if (act && *dst == NULL)
			*dst = util_xstrdup(a);
		break;
	}
	default:
		single = 0;
		break;
	}
	if (single && l->argc > 1)
		return fail(e, path, l->lineno, "keyword %s extra arguments at end of line",
		    l->kw);
	return 0;
}

/* read_config_file_depth: 0 read, 1 absent, -1 error (set). */
static int
read_file(ev *e, const char *path, int flags, int *activep, int depth)
{
	eng_sshres_file *tmp = NULL, *f;
	size_t i;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return fail(e, path, 0, "Too many recursive configuration includes");
	f = file_get(e->cache, path, &tmp);
	if (f->open_errno != 0) {
		rc = 1;
		goto out;
	}
	if ((flags & F_CHECKPERM) &&
	    ((f->st.st_uid != 0 && f->st.st_uid != e->in->uid) || (f->st.st_mode & 022))) {
		rc = fail(e, path, 0, "Bad owner or permissions");
		goto out;
	}
	for (i = 0; i < f->n; i++) {
		if (do_line(e, path, &f->lines[i], flags, activep, depth) != 0) {
			rc = -1;
			break;
		}
	}
out:
	if (tmp != NULL) {
		file_clear(tmp);
		free(tmp->path);
		free(tmp);
	}
	return rc;
}

void
eng__sshres_clear(eng_sshres *r)
{
	int i;

	free(r->host);
	free(r->hostname);
	free(r->user);
	for (i = 0; i < r->nids; i++)
		free(r->ids[i]);
	for (i = 0; i < r->ncerts; i++)
		free(r->certs[i]);
	for (i = 0; i < r->nukh; i++)
		free(r->ukh[i]);
	for (i = 0; i < r->ngkh; i++)
		free(r->gkh[i]);
	free(r->agent);
	free(r->jump);
	free(r->proxy_command);
	free(r->hostkey_algs);
	free(r->kex_algs);
	free(r->ciphers);
	free(r->unsupported);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

/* The HostName the second pass starts from (ssh.c), or -1 (error set). */
static int
final_hostname(const eng_sshres_in *in, eng_sshres *r)
{
	char *h, *err = NULL, *p;

	if (r->hostname != NULL) {
		if ((h = eng__sshres_expand_host(r->hostname, in->host, &err)) == NULL) {
			r->error = util_xasprintf("HostName '%s': %s", r->hostname, err);
			free(err);
			return -1;
		}
		free(r->hostname);
	} else {
		h = util_xstrdup(in->host);
	}
	if (!eng__sshres_is_addr(h))
		for (p = h; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	r->hostname = h;
	r->hostname_final = 1;
	return 0;
}

int
eng__sshres_resolve(eng_sshres_cache *cache, const eng_sshres_in *in, eng_sshres *out)
{
	ev e;
	char *user = NULL;
	int active, r;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	out->ids_only = -1;
	out->strict = ENG_STRICT_UNSET;
	out->connect_timeout = out->alive_interval = out->alive_count = -1;
	e.cache = cache;
	e.in = in;
	e.r = out;
	if (in->user != NULL)
		out->user = util_xstrdup(in->user);
	if (in->port > 0)
		out->port = in->port;
	for (;;) {
		if (in->config != NULL) {
			if (strcasecmp(in->config, "none") != 0) {
				active = 1;
				r = read_file(&e, in->config, F_USER, &active, 0);
				if (r == 1)
					fail(&e, in->config, 0, "Can't open user config file: %s",
					    strerror(errno != 0 ? errno : ENOENT));
			}
		} else {
			free(user);
			user = util_xasprintf("%s/.ssh/config", in->home);
			active = 1;
			if (read_file(&e, user, F_USER | F_CHECKPERM, &active, 0) >= 0) {
				active = 1;
				read_file(&e, in->system_config != NULL ? in->system_config :
				    SYSTEM_CONFIG, 0, &active, 0);
			}
		}
		if (out->error != NULL || !e.want_final || e.final_pass)
			break;
		/*
		 * ssh.c: a "Match final" anywhere read makes ssh read the files
		 * again, with the HostName so far expanded and lowercased, and
		 * "final" and "canonical" matching. First values still win.
		 */
		e.final_pass = 1;
		if (final_hostname(in, out) != 0)
			break;
	}
	free(user);
	free(e.ignore_unknown);
	if (out->error != NULL)
		return -1;
	return eng__sshres_finish(in, out);
}
