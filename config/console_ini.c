/*
 * config/console_ini.c - the console's own settings file, console.ini:
 * [console] (theme, scrollback, prefix, mouse, fps, minimum pane size,
 * automatic reconnect) and
 * [keys] (command = key spec), read through ini_parse.c into a cfg_console with
 * a cfg_keymap from keymap.c. Key clashes are checked once the whole file
 * is read, so that two bindings may be swapped in any order.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/settings_int.h"

#define DEF_SCROLLBACK 10000
#define MAX_SCROLLBACK 1000000
#define DEF_FPS 30
#define MAX_FPS 240
#define DEF_MIN_COLS 20
#define DEF_MIN_ROWS 5
#define MAX_MIN_SIZE 1000
#define DEF_RECONNECT_MAX 30    /* seconds: the backoff's ceiling */
#define MAX_RECONNECT_MAX 3600

enum { S_NONE, S_CONSOLE, S_KEYS, S__COUNT };

enum {
	K_THEME, K_SCROLLBACK, K_PREFIX, K_MOUSE, K_FPS, K_MIN_COLS,
	K_MIN_ROWS, K_RECONNECT, K_RECONNECT_MAX, K__COUNT
};

static const char *const keynames[K__COUNT] = {
	[K_THEME] = "theme",
	[K_SCROLLBACK] = "scrollback",
	[K_PREFIX] = "prefix",
	[K_MOUSE] = "mouse",
	[K_FPS] = "fps",
	[K_MIN_COLS] = "min_pane_cols",
	[K_MIN_ROWS] = "min_pane_rows",
	[K_RECONNECT] = "reconnect",
	[K_RECONNECT_MAX] = "reconnect_max",
};

struct cparse {
	cfg_console *c;
	const char *path;
	int sect;
	int sect_line[S__COUNT];
	int key_line[K__COUNT];
	int *cmd_line;          /* per command: line of its binding here */
	size_t ncmds;
};

char *
cfg_console_default_path(void)
{
	return cfg__config_path("console.ini");
}

cfg_console *
cfg_console_new(const cfg_commands *cmds, char **cause)
{
	cfg_keymap *km = cfg_keymap_new(cmds, cause);
	cfg_console *c;

	if (km == NULL)
		return NULL;
	c = util_xcalloc(1, sizeof *c);
	c->theme_name = util_xstrdup("default");
	c->theme = cfg_theme_default();
	c->scrollback = DEF_SCROLLBACK;
	c->mouse = 1;
	c->fps = DEF_FPS;
	c->min_pane_cols = DEF_MIN_COLS;
	c->min_pane_rows = DEF_MIN_ROWS;
	c->reconnect = 1;
	c->reconnect_max = DEF_RECONNECT_MAX;
	c->keys = km;
	return c;
}

void
cfg_console_free(cfg_console *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->theme_name);
	cfg_theme_free(c->theme);
	cfg_keymap_free(c->keys);
	free(c);
}

static int
on_section(cfg__ini *ini, const char *name, void *ud)
{
	struct cparse *p = ud;
	int s;

	/* key_line needs no reset: [console] can appear only once. */
	if (strcasecmp(name, "console") == 0)
		s = S_CONSOLE;
	else if (strcasecmp(name, "keys") == 0)
		s = S_KEYS;
	else {
		cfg__ini_fail(ini, "unknown section [%s]", name);
		return -1;
	}
	if (p->sect_line[s] != 0) {
		cfg__ini_fail(ini, "duplicate section [%s] (first at line %d)",
		    name, p->sect_line[s]);
		return -1;
	}
	p->sect_line[s] = cfg__ini_line(ini);
	p->sect = s;
	return 0;
}

/* Binds command to spec; every binding may appear once in the file. */
static int
bind_key(cfg__ini *ini, struct cparse *p, const char *command, const char *spec)
{
	const cfg_binding *b = cfg_keymap_get(p->c->keys, command);
	char *why = NULL;
	int cmd;

	if (b != NULL) {
		cmd = (int)(b - cfg_keymap_bindings(p->c->keys, NULL));
		if (p->cmd_line[cmd] != 0) {
			cfg__ini_fail(ini, "duplicate binding for '%s' (first at "
			    "line %d)", command, p->cmd_line[cmd]);
			return -1;
		}
	}
	if (cfg__keymap_bind(p->c->keys, command, spec, &cmd, &why) != 0) {
		cfg__ini_fail(ini, "%s", why);
		free(why);
		return -1;
	}
	p->cmd_line[cmd] = cfg__ini_line(ini);
	return 0;
}

/*
 * A theme path relative to the config file's directory; names (no '/',
 * no ".ini") stay names.
 */
static char *
theme_value(const struct cparse *p, const char *v)
{
	size_t n = strlen(v);
	const char *slash;

	if (strchr(v, '/') == NULL && !(n > 4 && strcmp(v + n - 4, ".ini") == 0))
		return util_xstrdup(v);
	if (v[0] == '/' || v[0] == '~')
		return cfg__expand_tilde(v);
	if ((slash = strrchr(p->path, '/')) == NULL)
		return util_xstrdup(v);
	return util_xasprintf("%.*s/%s", (int)(slash - p->path), p->path, v);
}

static int
on_value(cfg__ini *ini, const char *section, const char *key, const char *v,
    void *ud)
{
	struct cparse *p = ud;
	cfg_console *c = p->c;
	int k;

	if (section == NULL || p->sect == S_NONE) {
		cfg__ini_fail(ini, "key '%s' before any section", key);
		return -1;
	}
	if (*v == '\0') {
		cfg__ini_fail(ini, "missing value for '%s'", key);
		return -1;
	}
	if (p->sect == S_KEYS)
		return bind_key(ini, p, key, v);

	for (k = 0; k < K__COUNT; k++)
		if (strcasecmp(key, keynames[k]) == 0)
			break;
	if (k == K__COUNT) {
		cfg__ini_fail(ini, "unknown key '%s' in [console]", key);
		return -1;
	}
	if (p->key_line[k] != 0) {
		cfg__ini_fail(ini, "duplicate key '%s' in [console] (first at "
		    "line %d)", key, p->key_line[k]);
		return -1;
	}
	p->key_line[k] = cfg__ini_line(ini);
	switch (k) {
	case K_THEME:
		free(c->theme_name);
		c->theme_name = theme_value(p, v);
		return 0;
	case K_PREFIX:
		return bind_key(ini, p, "prefix", v);
	case K_MOUSE:
		if (util_parse_bool(v, &c->mouse) != 0) {
			cfg__ini_fail(ini, "invalid mouse '%s' (yes or no)", v);
			return -1;
		}
		return 0;
	case K_RECONNECT:
		if (util_parse_bool(v, &c->reconnect) != 0) {
			cfg__ini_fail(ini, "invalid reconnect '%s' (yes or no)", v);
			return -1;
		}
		return 0;
	case K_RECONNECT_MAX:
		if (util_parse_int(v, 1, MAX_RECONNECT_MAX, &c->reconnect_max) == 0)
			return 0;
		cfg__ini_fail(ini, "invalid reconnect_max '%s' (1 to %d seconds)", v,
		    MAX_RECONNECT_MAX);
		return -1;
	case K_SCROLLBACK:
		if (util_parse_int(v, 0, MAX_SCROLLBACK, &c->scrollback) == 0)
			return 0;
		cfg__ini_fail(ini, "invalid scrollback '%s' (0 to %d lines)", v,
		    MAX_SCROLLBACK);
		return -1;
	case K_FPS:
		if (util_parse_int(v, 1, MAX_FPS, &c->fps) == 0)
			return 0;
		cfg__ini_fail(ini, "invalid fps '%s' (1 to %d)", v, MAX_FPS);
		return -1;
	default:
		if (util_parse_int(v, 1, MAX_MIN_SIZE, k == K_MIN_COLS ?
		    &c->min_pane_cols : &c->min_pane_rows) == 0)
			return 0;
		cfg__ini_fail(ini, "invalid %s '%s' (1 to %d)", keynames[k], v,
		    MAX_MIN_SIZE);
		return -1;
	}
}

/*
 * A rebound prefix takes "send-prefix" along (C-b C-b sends ^B, as in
 * tmux) unless the file binds it itself; and no other command may sit on
 * the prefix key after the prefix, where the prefix key means "send it".
 */
static int
follow_prefix(cfg__ini *ini, struct cparse *p)
{
	const cfg_binding *all = cfg_keymap_bindings(p->c->keys, NULL), *pre, *send;
	char *spec;
	int cmd, r;

	pre = cfg_keymap_get(p->c->keys, "prefix");
	send = cfg_keymap_get(p->c->keys, "send-prefix");
	if (send != NULL && p->cmd_line[pre - all] != 0 && p->cmd_line[send - all] == 0) {
		spec = cfg_key_format(pre->key, pre->mods);
		r = cfg__keymap_bind(p->c->keys, "send-prefix", spec, NULL, NULL);
		free(spec);
		if (r != 0)
			return -1;
	}
	for (cmd = 0; cmd < (int)p->ncmds; cmd++) {
		const cfg_binding *b = &all[cmd];

		if (b == pre || b == send || b->direct || b->key != pre->key ||
		    b->mods != pre->mods)
			continue;
		spec = cfg_key_format(pre->key, pre->mods);
		cfg__ini_fail_at(ini, p->cmd_line[cmd] != 0 ? p->cmd_line[cmd] :
		    p->cmd_line[pre - all], "'%s' is bound to the prefix key '%s' "
		    "(after the prefix it sends the prefix key itself)", b->command, spec);
		free(spec);
		return -1;
	}
	return 0;
}

/*
 * After the whole file: a key bound to two commands in one context is an
 * error at the line that made it so (the later of the two bindings).
 */
static int
finish(cfg__ini *ini, void *ud)
{
	struct cparse *p = ud;
	int cmd, other, line, best_line = 0, best = -1, best_other = -1;
	char *m;

	if (follow_prefix(ini, p) != 0)
		return -1;

	for (cmd = 0; cmd < (int)p->ncmds; cmd++) {
		if (p->cmd_line[cmd] == 0 ||
		    (other = cfg__keymap_clash(p->c->keys, cmd)) < 0)
			continue;
		line = p->cmd_line[cmd] > p->cmd_line[other] ?
		    p->cmd_line[cmd] : p->cmd_line[other];
		if (best < 0 || line < best_line) {
			best_line = line;
			/* Name the command bound at that line first. */
			best = line == p->cmd_line[cmd] ? cmd : other;
			best_other = best == cmd ? other : cmd;
		}
	}
	if (best < 0)
		return 0;
	m = cfg__keymap_clash_msg(p->c->keys, best, best_other);
	cfg__ini_fail_at(ini, best_line, "%s", m);
	free(m);
	return -1;
}

static const cfg__ini_ops ops = { on_section, on_value, NULL };

/* Loads c->theme_name; see config.h for where names are looked up. */
static int
load_theme(struct cparse *p, char **cause)
{
	const char *dirs[4], *env = getenv("DROVER_THEME_DIR");
	char *own = NULL, *data = NULL, *why = NULL, *slash;
	cfg_theme *t = NULL;
	size_t n = 0;
	int r;

	if (p->c->path != NULL && (slash = strrchr(p->c->path, '/')) != NULL)
		own = util_xasprintf("%.*s/themes", (int)(slash - p->c->path),
		    p->c->path);
	else {
		char *def = cfg_console_default_path();

		slash = strrchr(def, '/');
		own = util_xasprintf("%.*s/themes", (int)(slash - def), def);
		free(def);
	}
	dirs[n++] = own;
	if (env != NULL && *env != '\0')
		dirs[n++] = env;
	if ((data = cfg_data_dir("themes")) != NULL)
		dirs[n++] = data;
	dirs[n] = NULL;
	r = cfg_theme_find(p->c->theme_name, dirs, &t, &why);
	if (r != 0) {
		/* An unknown name is this file's error; a bad file its own. */
		if (p->key_line[K_THEME] != 0 && strncmp(why, "unknown theme",
		    13) == 0)
			cfg__set_cause(cause, "%s:%d: %s", p->path,
			    p->key_line[K_THEME], why);
		else
			cfg__set_cause(cause, "%s", why);
		free(why);
	} else {
		cfg_theme_free(p->c->theme);
		p->c->theme = t;
	}
	free(own);
	free(data);
	return r;
}

int
cfg_console_load(const char *path, const cfg_commands *cmds, cfg_console **out,
    char **cause)
{
	struct cparse p;
	char *defpath = NULL;
	int missing = 0, r = -1;

	*out = NULL;
	memset(&p, 0, sizeof p);
	if (path == NULL)
		path = defpath = cfg_console_default_path();
	p.path = path;
	if ((p.c = cfg_console_new(cmds, cause)) == NULL)
		goto out;
	cfg_keymap_bindings(p.c->keys, &p.ncmds);
	p.cmd_line = util_xcalloc(p.ncmds, sizeof *p.cmd_line);
	if (cfg__ini_load(path, &ops, finish, &p, &missing, cause) != 0) {
		/* Only the default file may be absent: defaults then. */
		if (defpath == NULL || !missing)
			goto out;
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		/* Still honour a themes/default.ini the user may have. */
		if (load_theme(&p, cause) != 0)
			goto out;
		*out = p.c;
		p.c = NULL;
		r = 0;
		goto out;
	}
	p.c->path = util_xstrdup(path);
	if (load_theme(&p, cause) != 0)
		goto out;
	*out = p.c;
	p.c = NULL;
	r = 0;
out:
	cfg_console_free(p.c);
	free(p.cmd_line);
	free(defpath);
	return r;
}
