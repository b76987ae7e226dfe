/*
 * config/ini_parse.c - the INI front end of every config file loader
 * (inventory_ini.c, theme.c, console_ini.c): reads one file and walks it
 * with inih,
 * reporting sections and key = value pairs with exact line numbers.
 *
 * The one INI reader of config/: the inventory (inventory_ini.c), themes
 * (theme.c) and console settings (console_ini.c) all go through it.
 *
 * inih gets its lines from a reader of ours, which sees every raw line
 * first: it hands inih one line per call (so line numbers never drift),
 * rejects NUL bytes and over-long lines that inih would split or truncate,
 * and handles "[section]" headers itself, because Debian's inih reports a
 * section only through its keys (an empty or misspelt section would go
 * unnoticed) and does not trim its name. Indented lines are plain keys,
 * unless the caller takes continuation lines (ops->continuation, the
 * inventory's lists): then a line that is indented and does not look like
 * "key =" continues the previous key, and indented keys still work
 * (git-config style). inih's knobs are process globals, set around each
 * parse and restored, which makes loading not thread-safe (it runs at
 * startup).
 */
#define INI_HANDLER_LINENO 1
#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings_int.h"

/* Settings files are a few KiB; anything this big is not one of them. */
#define INI_MAX_FILE (1024 * 1024)


struct cfg__ini {
	const char *name;
	const char *buf;
	size_t len, pos;
	int lineno;
	char *section;          /* current, NULL before the first header */
	int indented;           /* the line inih is on was indented */
	int have_key;           /* a key since the last header: inih continues it */
	char *err;
	const cfg__ini_ops *ops;
	void *ud;
};

static void vfail_at(cfg__ini *, int, const char *, va_list) CFG__PRINTF(3, 0);

static void
vfail_at(cfg__ini *ini, int line, const char *fmt, va_list ap)
{
	char *msg;

	if (ini->err != NULL)
		return;
	msg = util_xvasprintf(fmt, ap);
	ini->err = util_xasprintf("%s:%d: %s", ini->name, line, msg);
	free(msg);
}

void
cfg__ini_fail(cfg__ini *ini, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(ini, ini->lineno, fmt, ap);
	va_end(ap);
}

void
cfg__ini_fail_at(cfg__ini *ini, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(ini, line, fmt, ap);
	va_end(ap);
}

int
cfg__ini_line(const cfg__ini *ini)
{
	return ini->lineno;
}

/* A header from '[' to the end of the line (trailing space removed). */
static int
header(cfg__ini *ini, const char *s, const char *e)
{
	const char *close = memchr(s, ']', (size_t)(e - s)), *t;
	char *name;

	if (close == NULL) {
		cfg__ini_fail(ini, "missing ']' in section header");
		return -1;
	}
	for (t = close + 1; t < e && isspace((unsigned char)*t); t++)
		;
	if (t < e && *t != ';' && *t != '#') {
		cfg__ini_fail(ini, "invalid section header '%.*s'",
		    (int)(e - s), s);
		return -1;
	}
	name = util_xstrndup(s + 1, (size_t)(close - s - 1));
	free(ini->section);
	ini->section = util_xstrdup(cfg__trim(name));
	free(name);
	ini->have_key = 0;
	return ini->ops->section(ini, ini->section, ini->ud);
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
	cfg__ini *ini = stream;
	const char *line, *eol, *start, *s, *e;
	size_t n;

	if (ini->err != NULL || ini->pos >= ini->len || num < 4)
		return NULL;
	line = ini->buf + ini->pos;
	eol = memchr(line, '\n', ini->len - ini->pos);
	n = eol != NULL ? (size_t)(eol - line) : ini->len - ini->pos;
	ini->pos += n + (eol != NULL);
	ini->lineno++;
	ini->indented = 0;

	if (memchr(line, '\0', n) != NULL) {
		cfg__ini_fail(ini, "NUL byte in line");
		return NULL;
	}
	if (n > (size_t)num - 3) {
		cfg__ini_fail(ini, "line too long (over %d bytes)", num - 3);
		return NULL;
	}
	start = line;
	e = line + n;
	if (ini->lineno == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
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
		if (header(ini, s, e) != 0)
			return NULL;
		memcpy(str, "[s]", 4);  /* inih only needs to see a header */
		return str;
	}
	if (ini->ops->continuation != NULL && s > start && !looks_like_key(s, e)) {
		/* Indented: inih takes it for a continuation of the last key. */
		ini->indented = 1;
		s = start;
	}
	memcpy(str, s, (size_t)(e - s));
	str[e - s] = '\0';
	return str;
}

/* inih handler: 1 to go on, 0 on error (ini->err says why). */
static int
on_value(void *user, const char *section, const char *name, const char *value,
    int line)
{
	cfg__ini *ini = user;
	char *k, *v, *c;
	int r;

	(void)section;          /* ours is ini->section */
	(void)line;             /* == ini->lineno: one line per read */
	if (ini->err != NULL)
		return 0;
	v = util_xstrdup(value != NULL ? value : "");
	if (ini->indented && ini->have_key) {
		/* A continuation line: inih leaves inline comments in it. */
		for (c = v + 1; *c != '\0'; c++)
			if (*c == ';' && isspace((unsigned char)c[-1]))
				*c = '\0';
		r = ini->ops->continuation(ini, ini->section, cfg__trim(v),
		    ini->ud) == 0;
		free(v);
		return r;
	}
	ini->have_key = 1;
	k = util_xstrdup(name);
	if (*cfg__trim(k) == '\0') {
		cfg__ini_fail(ini, "syntax error: expected 'key = value'");
		r = 0;
	} else {
		r = ini->ops->value(ini, ini->section, cfg__trim(k),
		    cfg__trim(v), ini->ud) == 0;
	}
	free(k);
	free(v);
	return r;
}

int
cfg__ini_parse(const char *name, const char *buf, size_t len,
    const cfg__ini_ops *ops, int (*finish)(cfg__ini *, void *), void *ud,
    char **cause)
{
	cfg__ini ini;
	int max_line = ini_max_line;
	bool multiline = ini_allow_multiline, stop = ini_stop_on_first_error;
	bool inline_comments = ini_allow_inline_comments;
	bool use_stack = ini_use_stack, no_value = ini_allow_no_value;
	char *inline_prefixes = ini_inline_comment_prefixes;
	char *start_prefixes = ini_start_comment_prefixes;
	int line, r = -1;

	memset(&ini, 0, sizeof ini);
	ini.name = name;
	ini.buf = buf;
	ini.len = len;
	ini.ops = ops;
	ini.ud = ud;

	ini_max_line = CFG_INI_MAX_LINE;
	ini_allow_multiline = ops->continuation != NULL;
	ini_stop_on_first_error = true;
	ini_allow_inline_comments = true;
	/* Not '#': "#rrggbb" is a colour. */
	ini_inline_comment_prefixes = ";";
	ini_start_comment_prefixes = ";#";
	ini_use_stack = true;   /* the heap variant with realloc splits lines */
	ini_allow_no_value = false;
	line = ini_parse_stream(read_line, &ini, on_value, &ini);
	ini_max_line = max_line;
	ini_allow_multiline = multiline;
	ini_stop_on_first_error = stop;
	ini_allow_inline_comments = inline_comments;
	ini_inline_comment_prefixes = inline_prefixes;
	ini_start_comment_prefixes = start_prefixes;
	ini_use_stack = use_stack;
	ini_allow_no_value = no_value;

	if (line > 0)
		cfg__ini_fail_at(&ini, line, "syntax error: expected 'key = value'");
	else if (line < 0)
		cfg__ini_fail(&ini, "inih failed (%d)", line);
	if (ini.err == NULL && finish != NULL)
		finish(&ini, ud);
	if (ini.err != NULL) {
		cfg__set_cause(cause, "%s", ini.err);
		goto out;
	}
	r = 0;
out:
	free(ini.section);
	free(ini.err);
	return r;
}

int
cfg__ini_load(const char *path, const cfg__ini_ops *ops,
    int (*finish)(cfg__ini *, void *), void *ud, int *missing, char **cause)
{
	char *buf = NULL;
	size_t len = 0;
	int e, r;

	if (missing != NULL)
		*missing = 0;
	if ((e = cfg__read_file(path, INI_MAX_FILE, &buf, &len)) != 0) {
		if (missing != NULL)
			*missing = e == ENOENT || e == ENOTDIR;
		cfg__set_cause(cause, "cannot read %s: %s", path, strerror(e));
		return -1;
	}
	r = cfg__ini_parse(path, buf, len, ops, finish, ud, cause);
	free(buf);
	return r;
}
