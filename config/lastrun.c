/*
 * config/lastrun.c - reading the record of past runs that `drover exec`
 * keeps in $XDG_STATE_HOME/drover/last.json (tui/cli/lastrun.c writes it),
 * so that targets can name "the hosts that failed last time" (@failed,
 * @ok, @failed:N). The file is ours but lives in the user's state
 * directory: it is parsed strictly (a small JSON reader for the values the
 * record uses), and anything else is an error with the file's name, never
 * a crash or a guess.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

/* A record of 10 runs of 100,000 hosts stays well under this. */
#define RUNS_MAX_FILE (64 * 1024 * 1024)
#define JSON_MAX_DEPTH 16

struct jp {
	const char *p, *end;
	int depth;
	const char *err;
};

static void
ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	    *j->p == '\r'))
		j->p++;
}

static int
expect(struct jp *j, char c)
{
	ws(j);
	if (j->p >= j->end || *j->p != c) {
		j->err = "unexpected character";
		return -1;
	}
	j->p++;
	return 0;
}

static int
hex4(struct jp *j, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++, j->p++) {
		char c = *j->p;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A JSON string into a malloc'd UTF-8 C string (NUL refused). */
static char *
string(struct jp *j)
{
	char *s = NULL, u[4];
	size_t len = 0, cap = 0, n;
	uint32_t cp, lo;
	int raw;

	if (expect(j, '"') != 0)
		return NULL;
	for (;;) {
		if (j->p >= j->end)
			goto bad;
		cp = (unsigned char)*j->p++;
		raw = 1;
		if (cp == '"')
			break;
		if (cp < 0x20)
			goto bad;
		if (cp == '\\') {
			raw = 0;
			if (j->p >= j->end)
				goto bad;
			switch (*j->p++) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (hex4(j, &cp) != 0)
					goto bad;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
						goto bad;
					j->p += 2;
					if (hex4(j, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
						goto bad;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				break;
			default:
				goto bad;
			}
		}
		if (raw && cp >= 0x80) {
			/* Raw UTF-8 bytes (the writer escapes only what it must). */
			u[0] = (char)cp;
			n = 1;
		} else {
			n = cp < 0x80 ? (u[0] = (char)cp, 1) : util_utf8_encode(cp, u);
		}
		if (n == 0 || cp == 0)
			goto bad;
		if (len + n + 1 > cap) {
			cap = cap ? cap * 2 : 32;
			if (cap < len + n + 1)
				cap = len + n + 1;
			s = util_xrealloc(s, cap);
		}
		memcpy(s + len, u, n);
		len += n;
	}
	if (s == NULL)
		s = util_xstrdup("");
	else
		s[len] = '\0';
	return s;
bad:
	free(s);
	j->err = "bad string";
	return NULL;
}

static int skip_value(struct jp *j);

static int
skip_container(struct jp *j, char open, char close)
{
	int first = 1;
	char *k;

	if (expect(j, open) != 0 || ++j->depth > JSON_MAX_DEPTH)
		return -1;
	for (;;) {
		ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 0;
		}
		if (!first && expect(j, ',') != 0)
			return -1;
		first = 0;
		if (open == '{') {
			if ((k = string(j)) == NULL || expect(j, ':') != 0) {
				free(k);
				return -1;
			}
			free(k);
		}
		if (skip_value(j) != 0)
			return -1;
	}
}

static int
skip_value(struct jp *j)
{
	char *s;

	ws(j);
	if (j->p >= j->end)
		return -1;
	if (*j->p == '"') {
		if ((s = string(j)) == NULL)
			return -1;
		free(s);
		return 0;
	}
	if (*j->p == '{')
		return skip_container(j, '{', '}');
	if (*j->p == '[')
		return skip_container(j, '[', ']');
	while (j->p < j->end && strchr("-+.eE0123456789truefalsn", *j->p) != NULL)
		j->p++;
	return 0;
}

static int
number(struct jp *j, long long *out)
{
	char buf[32];
	size_t n = 0;

	ws(j);
	while (j->p < j->end && n < sizeof(buf) - 1 && ((*j->p >= '0' && *j->p <= '9') ||
	    (n == 0 && *j->p == '-')))
		buf[n++] = *j->p++;
	buf[n] = '\0';
	if (n == 0 || (n == 1 && buf[0] == '-')) {
		j->err = "bad number";
		return -1;
	}
	*out = strtoll(buf, NULL, 10);
	return 0;
}

static char **
string_list(struct jp *j)
{
	util_strv sv = { 0 };
	char *s;
	int first = 1;

	if (expect(j, '[') != 0)
		return NULL;
	for (;;) {
		ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			break;
		}
		if ((!first && expect(j, ',') != 0) || (s = string(j)) == NULL) {
			util_strv_clear(&sv);
			return NULL;
		}
		first = 0;
		util_strv_push_take(&sv, s);
	}
	/* An empty list is an allocated empty list, not "missing". */
	if (sv.n == 0)
		return util_xcalloc(1, sizeof(char *));
	return util_strv_steal(&sv);
}

static int
run_record(struct jp *j, cfg_run_record *r)
{
	char *k;
	int first = 1;

	if (expect(j, '{') != 0)
		return -1;
	for (;;) {
		ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		if ((!first && expect(j, ',') != 0) || (k = string(j)) == NULL ||
		    expect(j, ':') != 0)
			return -1;
		first = 0;
		if (strcmp(k, "time") == 0 && number(j, &r->time) == 0) {
		} else if (strcmp(k, "command") == 0 && r->command == NULL &&
		    (r->command = string(j)) != NULL) {
		} else if (strcmp(k, "ok") == 0 && r->ok == NULL &&
		    (r->ok = string_list(j)) != NULL) {
		} else if (strcmp(k, "failed") == 0 && r->failed == NULL &&
		    (r->failed = string_list(j)) != NULL) {
		} else if (strcmp(k, "time") == 0 || strcmp(k, "command") == 0 ||
		    strcmp(k, "ok") == 0 || strcmp(k, "failed") == 0 || skip_value(j) != 0) {
			free(k);
			if (j->err == NULL)
				j->err = "bad run record";
			return -1;
		}
		free(k);
	}
	if (r->ok == NULL || r->failed == NULL) {
		j->err = "a run without its ok and failed lists";
		return -1;
	}
	return 0;
}

static void
record_clear(cfg_run_record *r)
{
	free(r->command);
	util_list_free(r->ok);
	util_list_free(r->failed);
	memset(r, 0, sizeof(*r));
}

void
cfg_runs_free(cfg_runs *runs)
{
	size_t i;

	if (runs == NULL)
		return;
	for (i = 0; i < runs->n; i++)
		record_clear(&runs->v[i]);
	free(runs->v);
	free(runs);
}

int
cfg_runs_parse(const char *name, const char *buf, size_t len, cfg_runs **out,
    char **cause)
{
	struct jp j = { buf, buf + len, 0, NULL };
	cfg_runs *runs = util_xcalloc(1, sizeof(*runs));
	cfg_run_record r;
	char *k = NULL;
	int first = 1, seen = 0;

	*out = NULL;
	if (expect(&j, '{') != 0)
		goto bad;
	for (;;) {
		ws(&j);
		if (j.p < j.end && *j.p == '}') {
			j.p++;
			break;
		}
		if ((!first && expect(&j, ',') != 0) || (k = string(&j)) == NULL ||
		    expect(&j, ':') != 0)
			goto bad;
		first = 0;
		if (strcmp(k, "runs") != 0) {
			if (skip_value(&j) != 0)
				goto bad;
		} else if (seen++ == 0) {
			int rfirst = 1;

			if (expect(&j, '[') != 0)
				goto bad;
			for (;;) {
				ws(&j);
				if (j.p < j.end && *j.p == ']') {
					j.p++;
					break;
				}
				if (!rfirst && expect(&j, ',') != 0)
					goto bad;
				rfirst = 0;
				memset(&r, 0, sizeof(r));
				if (run_record(&j, &r) != 0) {
					record_clear(&r);
					goto bad;
				}
				runs->v = util_xreallocarray(runs->v, runs->n + 1, sizeof(r));
				runs->v[runs->n++] = r;
			}
		} else {
			j.err = "'runs' twice";
			goto bad;
		}
		free(k);
		k = NULL;
	}
	ws(&j);
	if (j.p != j.end) {
		j.err = "text after the record";
		goto bad;
	}
	*out = runs;
	return 0;
bad:
	free(k);
	cfg__set_cause(cause, "%s: not a drover run record (%s at byte %zu)", name,
	    j.err != NULL ? j.err : "syntax error", (size_t)(j.p - buf));
	cfg_runs_free(runs);
	return -1;
}

char *
cfg_runs_default_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	char *home, *path;

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return util_xasprintf("%s/drover/last.json", xdg);
	home = cfg__home();
	path = util_xasprintf("%s/.local/state/drover/last.json",
	    strcmp(home, "/") == 0 ? "" : home);
	free(home);
	return path;
}

int
cfg_runs_load(const char *path, cfg_runs **out, char **cause)
{
	char *buf = NULL, *def = NULL;
	size_t len = 0;
	int e, r;

	*out = NULL;
	if (path == NULL)
		path = def = cfg_runs_default_path();
	if ((e = cfg__read_file(path, RUNS_MAX_FILE, &buf, &len)) != 0) {
		if (e == ENOENT) {
			*out = util_xcalloc(1, sizeof(**out));
			free(def);
			return 0;
		}
		cfg__set_cause(cause, "cannot read %s: %s", path, strerror(e));
		free(def);
		return -1;
	}
	r = cfg_runs_parse(path, buf, len, out, cause);
	free(buf);
	free(def);
	return r;
}
