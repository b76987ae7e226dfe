/*
 * config/theme.c - themes as data: the table of named screen elements
 * (cfg_element <-> "pane.border.focus", with each element's parent), colour
 * and attribute parsing, loading a theme INI file through ini_parse.c, and the
 * two built-in themes. The console asks cfg_theme_style() for an element
 * and maps the result to curses; nothing here knows curses.
 *
 * The built-in themes are INI text parsed by the same code as the files
 * (themes/default.ini and themes/mono.ini hold the same data, which a test
 * checks), so there is one definition of what a theme means.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/settings_int.h"

/*
 * The mapping table, defined once. A parent comes before its children so
 * that inheritance resolves in one pass in enum order.
 */
static const struct element {
	const char *name;
	int parent;             /* -1 for the root */
} elements[CFG_EL_COUNT] = {
	[CFG_EL_DEFAULT] = { "default", -1 },
	[CFG_EL_PANE_BORDER] = { "pane.border", CFG_EL_DEFAULT },
	[CFG_EL_PANE_BORDER_FOCUS] = { "pane.border.focus", CFG_EL_PANE_BORDER },
	[CFG_EL_PANE_TITLE] = { "pane.title", CFG_EL_PANE_BORDER },
	[CFG_EL_PANE_TITLE_FOCUS] = { "pane.title.focus", CFG_EL_PANE_TITLE },
	[CFG_EL_PANE_BROADCAST] = { "pane.broadcast", CFG_EL_PANE_TITLE },
	[CFG_EL_STATUS_BAR] = { "status.bar", CFG_EL_DEFAULT },
	[CFG_EL_STATUS_OK] = { "status.ok", CFG_EL_STATUS_BAR },
	[CFG_EL_STATUS_WARN] = { "status.warn", CFG_EL_STATUS_BAR },
	[CFG_EL_STATUS_ERR] = { "status.err", CFG_EL_STATUS_BAR },
	[CFG_EL_SIDEBAR] = { "sidebar", CFG_EL_DEFAULT },
	[CFG_EL_SIDEBAR_SELECTED] = { "sidebar.selected", CFG_EL_SIDEBAR },
	[CFG_EL_DIALOG] = { "dialog", CFG_EL_DEFAULT },
	[CFG_EL_DIALOG_BORDER] = { "dialog.border", CFG_EL_DIALOG },
	[CFG_EL_BOARD_HEADER] = { "board.header", CFG_EL_DEFAULT },
	[CFG_EL_BOARD_OK] = { "board.ok", CFG_EL_DEFAULT },
	[CFG_EL_BOARD_FAIL] = { "board.fail", CFG_EL_DEFAULT },
	[CFG_EL_BOARD_RUNNING] = { "board.running", CFG_EL_DEFAULT },
	[CFG_EL_SEARCH_MATCH] = { "search.match", CFG_EL_DEFAULT },
	[CFG_EL_HOST_1] = { "host.1", CFG_EL_DEFAULT },
	[CFG_EL_HOST_2] = { "host.2", CFG_EL_DEFAULT },
	[CFG_EL_HOST_3] = { "host.3", CFG_EL_DEFAULT },
	[CFG_EL_HOST_4] = { "host.4", CFG_EL_DEFAULT },
	[CFG_EL_HOST_5] = { "host.5", CFG_EL_DEFAULT },
	[CFG_EL_HOST_6] = { "host.6", CFG_EL_DEFAULT },
	[CFG_EL_HOST_7] = { "host.7", CFG_EL_DEFAULT },
	[CFG_EL_HOST_8] = { "host.8", CFG_EL_DEFAULT },
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", CFG_ATTR_BOLD },
	{ "underline", CFG_ATTR_UNDERLINE },
	{ "reverse", CFG_ATTR_REVERSE },
	{ "dim", CFG_ATTR_DIM },
	{ "italic", CFG_ATTR_ITALIC },
	{ "blink", CFG_ATTR_BLINK },
};

/* Keep in step with themes/default.ini (a test compares them). */
static const char builtin_default[] =
	"[theme]\nname = default\n"
	"[pane.border]\nfg = color240\n"
	"[pane.border.focus]\nfg = cyan\nattrs = bold\n"
	"[pane.title]\nfg = color250\nbg = color236\n"
	"[pane.title.focus]\nfg = black\nbg = cyan\nattrs = bold\n"
	"[pane.broadcast]\nfg = black\nbg = yellow\nattrs = bold\n"
	"[status.bar]\nfg = color252\nbg = color235\n"
	"[status.ok]\nfg = green\n"
	"[status.warn]\nfg = yellow\nattrs = bold\n"
	"[status.err]\nfg = bright-red\nattrs = bold\n"
	"[sidebar]\nfg = color250\n"
	"[sidebar.selected]\nfg = black\nbg = cyan\n"
	"[dialog]\nfg = color255\nbg = color238\n"
	"[dialog.border]\nfg = cyan\nattrs = bold\n"
	"[board.header]\nfg = color255\nbg = color238\nattrs = bold\n"
	"[board.ok]\nfg = green\n"
	"[board.fail]\nfg = bright-red\nattrs = bold\n"
	"[board.running]\nfg = yellow\n"
	"[search.match]\nfg = black\nbg = yellow\n"
	"[host.1]\nfg = bright-cyan\n"
	"[host.2]\nfg = bright-magenta\n"
	"[host.3]\nfg = bright-yellow\n"
	"[host.4]\nfg = bright-green\n"
	"[host.5]\nfg = bright-blue\n"
	"[host.6]\nfg = color208\n"
	"[host.7]\nfg = color141\n"
	"[host.8]\nfg = color203\n";

/* Keep in step with themes/mono.ini. */
static const char builtin_mono[] =
	"[theme]\nname = mono\n"
	"[pane.border.focus]\nattrs = bold\n"
	"[pane.title.focus]\nattrs = reverse, bold\n"
	"[pane.broadcast]\nattrs = reverse, underline\n"
	"[status.bar]\nattrs = reverse\n"
	"[status.warn]\nattrs = reverse, bold\n"
	"[status.err]\nattrs = reverse, bold, underline\n"
	"[sidebar.selected]\nattrs = reverse\n"
	"[dialog.border]\nattrs = bold\n"
	"[board.header]\nattrs = bold, underline\n"
	"[board.fail]\nattrs = bold\n"
	"[board.running]\nattrs = dim\n"
	"[search.match]\nattrs = reverse\n";

struct cfg_theme {
	char *name;
	int builtin;            /* shared, never freed */
	cfg_style style[CFG_EL_COUNT];
};

enum { F_FG, F_BG, F_ATTRS, F_NAME, F__COUNT };
static const char *const field_names[F__COUNT] = { "fg", "bg", "attrs", "name" };

#define SECT_NONE (-1)
#define SECT_THEME CFG_EL_COUNT     /* [theme] */

struct tparse {
	cfg_theme *t;
	int sect;
	char *label;                    /* "[pane.border]" */
	int sect_line[CFG_EL_COUNT + 1];
	int key_line[F__COUNT];         /* within the current section */
	unsigned set[CFG_EL_COUNT];     /* bits: 1 << F_FG / F_BG / F_ATTRS */
	cfg_style raw[CFG_EL_COUNT];
};

const char *
cfg_element_name(cfg_element el)
{
	if ((int)el < 0 || el >= CFG_EL_COUNT)
		return NULL;
	return elements[el].name;
}

int
cfg_color_parse(const char *s, cfg_color *out)
{
	cfg_color c = { 0 };
	const char *p;
	char *end;
	long n;
	int i;

	if (strcasecmp(s, "default") == 0) {
		*out = c;
		return 0;
	}
	c.kind = CFG_COLOR_INDEXED;
	p = strncasecmp(s, "bright-", 7) == 0 ? s + 7 : s;
	for (i = 0; i < 8; i++)
		if (strcasecmp(p, color_names[i]) == 0) {
			c.index = (unsigned char)(i + (p != s ? 8 : 0));
			*out = c;
			return 0;
		}
	if (strncasecmp(s, "color", 5) == 0 && isdigit((unsigned char)s[5]) &&
	    strlen(s + 5) <= 3) {
		n = strtol(s + 5, &end, 10);
		if (*end != '\0' || n > 255)
			return -1;
		c.index = (unsigned char)n;
		*out = c;
		return 0;
	}
	if (s[0] == '#' && strlen(s) == 7 && strspn(s + 1,
	    "0123456789abcdefABCDEF") == 6) {
		n = strtol(s + 1, NULL, 16);
		c.kind = CFG_COLOR_RGB;
		c.r = (unsigned char)(n >> 16);
		c.g = (unsigned char)(n >> 8);
		c.b = (unsigned char)n;
		*out = c;
		return 0;
	}
	return -1;
}

int
cfg_color_index(const cfg_color *c, int ncolors)
{
	if (c == NULL || c->kind == CFG_COLOR_DEFAULT || ncolors <= 0)
		return -1;
	if (c->kind == CFG_COLOR_INDEXED)
		return util_color_from_index(c->index, ncolors);
	return util_color_from_rgb(c->r, c->g, c->b, ncolors);
}

static int
parse_attrs(cfg__ini *ini, const char *v, unsigned *out)
{
	util_strv words = { 0 };
	char *copy = util_xstrdup(v), *w, *save = NULL;
	unsigned bits = 0;
	size_t i, j;
	int none = 0, r = -1;

	for (w = strtok_r(copy, ", \t", &save); w != NULL;
	    w = strtok_r(NULL, ", \t", &save))
		util_strv_push(&words, w);
	for (i = 0; i < words.n; i++) {
		w = words.v[i];
		if (strcasecmp(w, "none") == 0) {
			none = 1;
			continue;
		}
		for (j = 0; j < sizeof attr_names / sizeof attr_names[0]; j++)
			if (strcasecmp(w, attr_names[j].name) == 0)
				break;
		if (j == sizeof attr_names / sizeof attr_names[0]) {
			cfg__ini_fail(ini, "unknown attribute '%s' (bold, "
			    "underline, reverse, dim, italic, blink or none)", w);
			goto out;
		}
		bits |= attr_names[j].bit;
	}
	if (none && bits != 0) {
		cfg__ini_fail(ini, "'none' mixed with attributes in '%s'", v);
		goto out;
	}
	*out = bits;
	r = 0;
out:
	util_strv_clear(&words);
	free(copy);
	return r;
}

static int
on_section(cfg__ini *ini, const char *name, void *ud)
{
	struct tparse *p = ud;
	int i;

	memset(p->key_line, 0, sizeof p->key_line);
	free(p->label);
	p->label = util_xasprintf("[%s]", name);
	p->sect = SECT_NONE;
	if (strcasecmp(name, "theme") == 0)
		i = SECT_THEME;
	else {
		for (i = 0; i < CFG_EL_COUNT; i++)
			if (strcasecmp(name, elements[i].name) == 0)
				break;
		if (i == CFG_EL_COUNT) {
			cfg__ini_fail(ini, "unknown section [%s]", name);
			return -1;
		}
	}
	if (p->sect_line[i] != 0) {
		cfg__ini_fail(ini, "duplicate section [%s] (first at line %d)",
		    name, p->sect_line[i]);
		return -1;
	}
	p->sect_line[i] = cfg__ini_line(ini);
	p->sect = i;
	return 0;
}

static int
on_value(cfg__ini *ini, const char *section, const char *key, const char *v,
    void *ud)
{
	struct tparse *p = ud;
	int f;

	if (section == NULL || p->sect == SECT_NONE) {
		cfg__ini_fail(ini, "key '%s' before any section", key);
		return -1;
	}
	for (f = 0; f < F__COUNT; f++)
		if (strcasecmp(key, field_names[f]) == 0)
			break;
	if (f == F__COUNT || (f == F_NAME) != (p->sect == SECT_THEME)) {
		cfg__ini_fail(ini, "unknown key '%s' in %s", key, p->label);
		return -1;
	}
	if (p->key_line[f] != 0) {
		cfg__ini_fail(ini, "duplicate key '%s' in %s (first at line %d)",
		    key, p->label, p->key_line[f]);
		return -1;
	}
	p->key_line[f] = cfg__ini_line(ini);
	if (*v == '\0') {
		cfg__ini_fail(ini, "missing value for '%s'", key);
		return -1;
	}
	switch (f) {
	case F_NAME:
		free(p->t->name);
		p->t->name = util_xstrdup(v);
		return 0;
	case F_ATTRS:
		if (parse_attrs(ini, v, &p->raw[p->sect].attrs) != 0)
			return -1;
		break;
	default:
		if (cfg_color_parse(v, f == F_FG ? &p->raw[p->sect].fg :
		    &p->raw[p->sect].bg) != 0) {
			cfg__ini_fail(ini, "bad colour '%s' for '%s' (default, "
			    "black..white, bright-black..bright-white, "
			    "color0..color255 or #rrggbb)", v, key);
			return -1;
		}
		break;
	}
	p->set[p->sect] |= 1u << f;
	return 0;
}

/* Fills every element: its own fields, else its parent's, field by field. */
static void
resolve(struct tparse *p)
{
	cfg_style *s = p->t->style;
	int el, par;

	for (el = 0; el < CFG_EL_COUNT; el++) {
		par = elements[el].parent;
		if (par >= 0)
			s[el] = s[par];
		else
			memset(&s[el], 0, sizeof s[el]);
		if (p->set[el] & (1u << F_FG))
			s[el].fg = p->raw[el].fg;
		if (p->set[el] & (1u << F_BG))
			s[el].bg = p->raw[el].bg;
		if (p->set[el] & (1u << F_ATTRS))
			s[el].attrs = p->raw[el].attrs;
	}
}

static const cfg__ini_ops ops = { on_section, on_value, NULL };

/* "dir/name.ini" -> "name", for a theme without [theme] name. */
static char *
name_from_path(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".ini") == 0)
		n -= 4;
	return util_xstrndup(b, n);
}

/* path NULL: parse buf (a built-in) named name. */
static int
theme_read(const char *path, const char *name, const char *buf, int *missing,
    cfg_theme **out, char **cause)
{
	struct tparse p;
	int r;

	*out = NULL;
	memset(&p, 0, sizeof p);
	p.sect = SECT_NONE;
	p.t = util_xcalloc(1, sizeof *p.t);
	if (path != NULL)
		r = cfg__ini_load(path, &ops, NULL, &p, missing, cause);
	else
		r = cfg__ini_parse(name, buf, strlen(buf), &ops, NULL, &p, cause);
	free(p.label);
	if (r != 0) {
		cfg_theme_free(p.t);
		return -1;
	}
	if (p.t->name == NULL)
		p.t->name = name_from_path(path != NULL ? path : name);
	resolve(&p);
	*out = p.t;
	return 0;
}

int
cfg_theme_load(const char *path, cfg_theme **out, char **cause)
{
	return theme_read(path, NULL, NULL, NULL, out, cause);
}

/*
 * Built once and shared: the console compares against the monochrome
 * theme by pointer, and cfg_theme_free leaves built-ins alone. Loading
 * runs on the main thread at startup, so the lazy init needs no lock.
 */
static cfg_theme *
builtin(cfg_theme **slot, const char *name, const char *text)
{
	char *cause = NULL;

	if (*slot != NULL)
		return *slot;
	/* A broken built-in is a bug caught by the tests, not a user error. */
	if (theme_read(NULL, name, text, NULL, slot, &cause) != 0)
		abort();
	(*slot)->builtin = 1;
	return *slot;
}

cfg_theme *
cfg_theme_default(void)
{
	static cfg_theme *t;

	return builtin(&t, "default", builtin_default);
}

cfg_theme *
cfg_theme_monochrome(void)
{
	static cfg_theme *t;

	return builtin(&t, "mono", builtin_mono);
}

int
cfg_theme_find(const char *spec, const char *const *dirs, cfg_theme **out,
    char **cause)
{
	size_t n, i;
	char *path;
	int missing = 0, r;

	*out = NULL;
	if (spec == NULL || *spec == '\0')
		spec = "default";
	n = strlen(spec);
	if (strchr(spec, '/') != NULL || (n > 4 && strcmp(spec + n - 4,
	    ".ini") == 0)) {
		path = cfg__expand_tilde(spec);
		r = cfg_theme_load(path, out, cause);
		free(path);
		return r;
	}
	if (!cfg__valid_tag(spec)) {
		cfg__set_cause(cause, "invalid theme name '%s'", spec);
		return -1;
	}
	for (i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		path = util_xasprintf("%s/%s.ini", dirs[i], spec);
		r = theme_read(path, NULL, NULL, &missing, out, cause);
		free(path);
		if (r == 0)
			return 0;
		if (!missing)
			return -1;
		/* Not there: the cause is overwritten by the next attempt. */
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
	}
	if (strcmp(spec, "default") == 0) {
		*out = cfg_theme_default();
		return 0;
	}
	if (strcmp(spec, "mono") == 0) {
		*out = cfg_theme_monochrome();
		return 0;
	}
	cfg__set_cause(cause, "unknown theme '%s'", spec);
	return -1;
}

void
cfg_theme_free(cfg_theme *t)
{
	if (t == NULL || t->builtin)
		return;
	free(t->name);
	free(t);
}

const char *
cfg_theme_name(const cfg_theme *t)
{
	return t != NULL ? t->name : NULL;
}

const cfg_style *
cfg_theme_style(const cfg_theme *t, cfg_element el)
{
	static const cfg_style plain;

	if (t == NULL || (int)el < 0 || el >= CFG_EL_COUNT)
		return t != NULL ? &t->style[CFG_EL_DEFAULT] : &plain;
	return &t->style[el];
}
