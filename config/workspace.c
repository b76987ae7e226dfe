/*
 * config/workspace.c - workspace files: sessions, their windows and
 * panes, as an operator declares them (and as `drover save` writes them
 * back). Sections name their place in the tree with '/': [session S],
 * [window S/W], [pane S/W/HOST]; a window or pane of an undeclared
 * session or window is an error with its line, as are unknown keys and
 * layouts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings_int.h"

static const char *const layouts[] = {
	"tiled", "even-horizontal", "even-vertical", "main-stack", NULL
};

typedef struct ws_parse {
	cfg_workspace *ws;
	cfg_ws_session *s;          /* where keys go: one of these three */
	cfg_ws_window *w;
	cfg_ws_pane *p;
} ws_parse;

static int
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '/' || s[i] == 0x7f)
			return 0;
	return 1;
}

static cfg_ws_session *
find_session(cfg_workspace *ws, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ws->nsessions; i++)
		if (strlen(ws->sessions[i].name) == len &&
		    strncmp(ws->sessions[i].name, name, len) == 0)
			return &ws->sessions[i];
	return NULL;
}

static cfg_ws_window *
find_window(cfg_ws_session *s, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < s->nwindows; i++)
		if (strlen(s->windows[i].name) == len &&
		    strncmp(s->windows[i].name, name, len) == 0)
			return &s->windows[i];
	return NULL;
}

static int
on_section(cfg__ini *ini, const char *name, void *ud)
{
	ws_parse *st = ud;
	const char *arg = strchr(name, ' '), *sl, *sl2;
	cfg_ws_session *s;
	cfg_ws_window *w;

	st->s = NULL;
	st->w = NULL;
	st->p = NULL;
	if (arg == NULL) {
		cfg__ini_fail(ini, "section [%s]: want [session NAME], [window SESSION/NAME] "
		    "or [pane SESSION/WINDOW/HOST]", name);
		return -1;
	}
	while (*arg == ' ')
		arg++;
	if (strncmp(name, "session ", 8) == 0) {
		if (!name_ok(arg) || find_session(st->ws, arg, strlen(arg)) != NULL) {
			cfg__ini_fail(ini, "[session %s]: %s", arg, name_ok(arg) ?
			    "declared twice" : "not a session name");
			return -1;
		}
		st->ws->sessions = util_xreallocarray(st->ws->sessions, st->ws->nsessions + 1,
		    sizeof(*st->ws->sessions));
		s = &st->ws->sessions[st->ws->nsessions++];
		memset(s, 0, sizeof(*s));
		s->name = util_xstrdup(arg);
		st->s = s;
		return 0;
	}
	sl = strchr(arg, '/');
	if (sl == NULL || (s = find_session(st->ws, arg, (size_t)(sl - arg))) == NULL) {
		cfg__ini_fail(ini, "[%s]: no [session] declared above for it", name);
		return -1;
	}
	if (strncmp(name, "window ", 7) == 0) {
		if (!name_ok(sl + 1) || find_window(s, sl + 1, strlen(sl + 1)) != NULL) {
			cfg__ini_fail(ini, "[%s]: %s", name, name_ok(sl + 1) ?
			    "declared twice" : "not a window name");
			return -1;
		}
		s->windows = util_xreallocarray(s->windows, s->nwindows + 1, sizeof(*s->windows));
		w = &s->windows[s->nwindows++];
		memset(w, 0, sizeof(*w));
		w->name = util_xstrdup(sl + 1);
		st->w = w;
		return 0;
	}
	if (strncmp(name, "pane ", 5) == 0 && (sl2 = strchr(sl + 1, '/')) != NULL &&
	    (w = find_window(s, sl + 1, (size_t)(sl2 - sl - 1))) != NULL && name_ok(sl2 + 1)) {
		w->panes = util_xreallocarray(w->panes, w->npanes + 1, sizeof(*w->panes));
		st->p = &w->panes[w->npanes++];
		memset(st->p, 0, sizeof(*st->p));
		st->p->host = util_xstrdup(sl2 + 1);
		return 0;
	}
	cfg__ini_fail(ini, "[%s]: want [window SESSION/NAME] or [pane SESSION/WINDOW/HOST] "
	    "of a window declared above", name);
	return -1;
}

static int
set(cfg__ini *ini, char **slot, const char *key, const char *value)
{
	if (*slot != NULL) {
		cfg__ini_fail(ini, "%s given twice", key);
		return -1;
	}
	*slot = util_xstrdup(value);
	return 0;
}

static int
on_value(cfg__ini *ini, const char *section, const char *key, const char *value, void *ud)
{
	ws_parse *st = ud;
	size_t i;

	if (section == NULL) {
		cfg__ini_fail(ini, "'%s' before any section", key);
		return -1;
	}
	if (st->w != NULL && strcmp(key, "targets") == 0)
		return set(ini, &st->w->targets, key, value);
	if (st->w != NULL && strcmp(key, "layout") == 0) {
		for (i = 0; layouts[i] != NULL; i++)
			if (strcmp(layouts[i], value) == 0)
				return set(ini, &st->w->layout, key, value);
		cfg__ini_fail(ini, "layout '%s': not tiled, even-horizontal, even-vertical or "
		    "main-stack", value);
		return -1;
	}
	if (st->w != NULL && strcmp(key, "dir") == 0)
		return set(ini, &st->w->dir, key, value);
	if (st->w != NULL && strcmp(key, "command") == 0)
		return set(ini, &st->w->command, key, value);
	if (st->p != NULL && strcmp(key, "dir") == 0)
		return set(ini, &st->p->dir, key, value);
	if (st->p != NULL && strcmp(key, "command") == 0)
		return set(ini, &st->p->command, key, value);
	cfg__ini_fail(ini, "unknown key '%s' in [%s]", key, section);
	return -1;
}

static int
finish(cfg__ini *ini, void *ud)
{
	ws_parse *st = ud;
	size_t i, j;

	if (st->ws->nsessions == 0) {
		cfg__ini_fail_at(ini, 1, "no [session NAME] in the workspace");
		return -1;
	}
	for (i = 0; i < st->ws->nsessions; i++)
		for (j = 0; j < st->ws->sessions[i].nwindows; j++)
			if (st->ws->sessions[i].windows[j].targets == NULL) {
				cfg__ini_fail_at(ini, cfg__ini_line(ini), "[window %s/%s] has no targets",
				    st->ws->sessions[i].name, st->ws->sessions[i].windows[j].name);
				return -1;
			}
	return 0;
}

int
cfg_workspace_load(const char *path, cfg_workspace **out, char **cause)
{
	static const cfg__ini_ops ops = { on_section, on_value, NULL };
	ws_parse st;

	memset(&st, 0, sizeof(st));
	st.ws = util_xcalloc(1, sizeof(*st.ws));
	if (cfg__ini_load(path, &ops, finish, &st, NULL, cause) != 0) {
		cfg_workspace_free(st.ws);
		return -1;
	}
	*out = st.ws;
	return 0;
}

void
cfg_workspace_free(cfg_workspace *ws)
{
	size_t i, j, k;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->nsessions; i++) {
		cfg_ws_session *s = &ws->sessions[i];

		for (j = 0; j < s->nwindows; j++) {
			cfg_ws_window *w = &s->windows[j];

			for (k = 0; k < w->npanes; k++) {
				free(w->panes[k].host);
				free(w->panes[k].dir);
				free(w->panes[k].command);
			}
			free(w->panes);
			free(w->name);
			free(w->targets);
			free(w->layout);
			free(w->dir);
			free(w->command);
		}
		free(s->windows);
		free(s->name);
	}
	free(ws->sessions);
	free(ws);
}

const cfg_ws_session *
cfg_workspace_session(const cfg_workspace *ws, const char *name)
{
	size_t i;

	for (i = 0; i < ws->nsessions; i++)
		if (strcmp(ws->sessions[i].name, name) == 0)
			return &ws->sessions[i];
	return NULL;
}

/* A value survives a write and a read: one line, no comment start, trimmed. */
static int
writable(const char *v)
{
	size_t n = strlen(v);

	return strpbrk(v, "\n\r;#") == NULL && n > 0 && v[0] != ' ' && v[n - 1] != ' ';
}

static int
add_kv(FILE *f, const char *key, const char *v, char **cause)
{
	if (v == NULL)
		return 0;
	if (!writable(v)) {
		*cause = util_xasprintf("%s '%s' cannot be written to a workspace file "
		    "(line breaks, ';' or '#')", key, v);
		return -1;
	}
	fprintf(f, "%s = %s\n", key, v);
	return 0;
}

int
cfg_workspace_format(const cfg_ws_session *s, char **text, char **cause)
{
	char *buf = NULL;
	size_t len = 0, j, k;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (f == NULL) {
		*cause = util_xasprintf("open_memstream: %s", strerror(errno));
		return -1;
	}
	fprintf(f, "; drover workspace (drover -w FILE opens it)\n[session %s]\n", s->name);
	for (j = 0; j < s->nwindows && r == 0; j++) {
		const cfg_ws_window *w = &s->windows[j];

		fprintf(f, "\n[window %s/%s]\n", s->name, w->name);
		r |= add_kv(f, "targets", w->targets, cause);
		r |= add_kv(f, "layout", w->layout, cause);
		r |= add_kv(f, "dir", w->dir, cause);
		r |= add_kv(f, "command", w->command, cause);
		for (k = 0; k < w->npanes && r == 0; k++) {
			if (w->panes[k].dir == NULL && w->panes[k].command == NULL)
				continue;
			fprintf(f, "\n[pane %s/%s/%s]\n", s->name, w->name, w->panes[k].host);
			r |= add_kv(f, "dir", w->panes[k].dir, cause);
			r |= add_kv(f, "command", w->panes[k].command, cause);
		}
	}
	fclose(f);
	if (r != 0) {
		free(buf);
		return -1;
	}
	*text = buf;
	return 0;
}
