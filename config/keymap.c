/*
 * config/keymap.c - key spec parsing and formatting ("C-a", "M-Left", "F5"),
 * the normal form keys are compared in, and the keymap: one binding per
 * command of the front end's command table (tui/console/commands.c: name,
 * default key, handler, help), overridable by console.ini (console_ini.c)
 * or cfg_keymap_set, looked up by the console's input code, and the help
 * text generated from it. Nothing here knows curses or the handlers.
 *
 * The default prefix is C-g, not tmux's C-b or screen's C-a: drover is
 * often run inside tmux or screen, and C-g is free in both by default, so
 * nothing has to be pressed twice to reach drover. In a shell C-a is
 * readline's beginning-of-line and used all the time; C-g is only readline's
 * "abort" and Emacs' keyboard-quit, and C-g C-g still sends it
 * (send-prefix).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/settings_int.h"

enum { CMD_PREFIX = 0 };

struct cfg_keymap {
	cfg_binding *b;         /* one per command, in table order */
	size_t n;
	char prefix[32];        /* the prefix's spec, for the status bar */
};

/* Canonical names first: cfg_key_format uses the first match. */
static const struct keyname {
	const char *name;
	int key;
	int mods;
} keynames[] = {
	{ "Up", CFG_KEY_UP, 0 }, { "Down", CFG_KEY_DOWN, 0 },
	{ "Left", CFG_KEY_LEFT, 0 }, { "Right", CFG_KEY_RIGHT, 0 },
	{ "Home", CFG_KEY_HOME, 0 }, { "End", CFG_KEY_END, 0 },
	{ "PageUp", CFG_KEY_PGUP, 0 }, { "PageDown", CFG_KEY_PGDN, 0 },
	{ "Insert", CFG_KEY_INSERT, 0 }, { "Delete", CFG_KEY_DELETE, 0 },
	{ "Enter", CFG_KEY_ENTER, 0 }, { "Tab", CFG_KEY_TAB, 0 },
	{ "Backspace", CFG_KEY_BACKSPACE, 0 }, { "Escape", CFG_KEY_ESCAPE, 0 },
	{ "Space", ' ', 0 },
	/* Aliases (tmux's names among them). */
	{ "PgUp", CFG_KEY_PGUP, 0 }, { "PPage", CFG_KEY_PGUP, 0 },
	{ "PgDn", CFG_KEY_PGDN, 0 }, { "NPage", CFG_KEY_PGDN, 0 },
	{ "IC", CFG_KEY_INSERT, 0 }, { "DC", CFG_KEY_DELETE, 0 },
	{ "Return", CFG_KEY_ENTER, 0 }, { "BSpace", CFG_KEY_BACKSPACE, 0 },
	{ "Esc", CFG_KEY_ESCAPE, 0 }, { "BTab", CFG_KEY_TAB, CFG_MOD_SHIFT },
};

#define NKEYNAMES (sizeof keynames / sizeof keynames[0])

static int
is_special(int key)
{
	return key >= CFG_KEY_UP && key <= CFG_KEY_F12;
}

static int
is_fkey(int key)
{
	return key >= CFG_KEY_F1 && key <= CFG_KEY_F12;
}

/* ---- keys ---------------------------------------------------------- */

void
cfg_key_normalize(int *keyp, int *modsp)
{
	int key = *keyp, mods = *modsp & (CFG_MOD_SHIFT | CFG_MOD_ALT |
	    CFG_MOD_CTRL);

	/* A raw control character is the Ctrl key combination that sent it. */
	if (key >= 0 && key < 0x20) {
		switch (key) {
		case 0x09:
			key = CFG_KEY_TAB;
			break;
		case 0x0d:
			key = CFG_KEY_ENTER;
			break;
		case 0x1b:
			key = CFG_KEY_ESCAPE;
			break;
		case 0x00:
			key = ' ';
			mods |= CFG_MOD_CTRL;
			break;
		default:
			key = key + '@';        /* 0x01 -> 'A' */
			mods |= CFG_MOD_CTRL;
			break;
		}
	} else if (key == 0x7f) {
		key = CFG_KEY_BACKSPACE;
	}
	if (key > 0 && !is_special(key)) {
		if (mods & CFG_MOD_CTRL) {
			/* What a terminal sends for these is another key. */
			if (key >= 'A' && key <= 'Z')
				key += 'a' - 'A';
			if (key == 'i' || key == 'm' || key == '[' || key == '?') {
				key = key == 'i' ? CFG_KEY_TAB : key == 'm' ?
				    CFG_KEY_ENTER : key == '[' ? CFG_KEY_ESCAPE :
				    CFG_KEY_BACKSPACE;
				mods &= ~CFG_MOD_CTRL;
			} else if (key == '@') {
				key = ' ';
			}
		}
		/* The character already says whether Shift was down. */
		mods &= ~CFG_MOD_SHIFT;
	}
	*keyp = key;
	*modsp = mods;
}

/* Decodes exactly one UTF-8 code point making up all of s; -1 if not. */
static long
one_codepoint(const char *s)
{
	size_t len = strlen(s);
	uint32_t cp;

	if (len == 0 || util_utf8_decode((const unsigned char *)s, len, &cp) != len)
		return -1;
	return (long)cp;
}

int
cfg_key_parse(const char *spec, int *keyp, int *modsp, char **cause)
{
	const char *s = spec;
	int mods = 0, bit, key = CFG_KEY_NONE;
	size_t i;
	long c;
	char *end;

	while ((s[0] == 'C' || s[0] == 'M' || s[0] == 'S') && s[1] == '-' &&
	    s[2] != '\0') {
		bit = s[0] == 'C' ? CFG_MOD_CTRL : s[0] == 'M' ? CFG_MOD_ALT :
		    CFG_MOD_SHIFT;
		if (mods & bit)
			goto bad;
		mods |= bit;
		s += 2;
	}
	for (i = 0; i < NKEYNAMES; i++)
		if (strcasecmp(s, keynames[i].name) == 0) {
			key = keynames[i].key;
			mods |= keynames[i].mods;
			break;
		}
	if (key == CFG_KEY_NONE && (s[0] == 'F' || s[0] == 'f') &&
	    isdigit((unsigned char)s[1]) && s[1] != '0') {
		long n = strtol(s + 1, &end, 10);

		if (*end != '\0' || n < 1 || n > 12)
			goto bad;
		key = CFG_KEY_F1 + (int)n - 1;
	}
	if (key == CFG_KEY_NONE) {
		c = one_codepoint(s);
		/* Printable only: no space (use Space), controls, C1. */
		if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			goto bad;
		key = (int)c;
		if ((mods & CFG_MOD_CTRL) && !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || strchr("@[\\]^_?", (int)c) != NULL))
			goto bad;
		if (mods & CFG_MOD_SHIFT) {
			if (c >= 'a' && c <= 'z')
				key = (int)c - ('a' - 'A');
			else if (!(c >= 'A' && c <= 'Z'))
				goto bad;
		}
	}
	if (key == ' ' && (mods & CFG_MOD_SHIFT))
		goto bad;
	cfg_key_normalize(&key, &mods);
	*keyp = key;
	*modsp = mods;
	return 0;
bad:
	cfg__set_cause(cause, "bad key '%s'", spec);
	return -1;
}

char *
cfg_key_format(int key, int mods)
{
	char buf[64], ch[16];
	const char *name = NULL;
	size_t i;
	int n = 0;

	cfg_key_normalize(&key, &mods);
	if (key == CFG_KEY_TAB && mods == CFG_MOD_SHIFT)
		return util_xstrdup("BTab");
	for (i = 0; i < NKEYNAMES && name == NULL; i++)
		if (keynames[i].key == key && keynames[i].mods == 0)
			name = keynames[i].name;
	if (name == NULL && is_fkey(key)) {
		snprintf(ch, sizeof ch, "F%d", key - CFG_KEY_F1 + 1);
		name = ch;
	} else if (name == NULL && key > 0 && key <= 0x10ffff) {
		/* UTF-8 of the character. */
		size_t len = util_utf8_encode((uint32_t)key, ch);

		ch[len] = '\0';
		name = ch;
	}
	if (name == NULL)
		return util_xstrdup("-");
	if (mods & CFG_MOD_CTRL)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "C-");
	if (mods & CFG_MOD_ALT)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "M-");
	if (mods & CFG_MOD_SHIFT)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "S-");
	snprintf(buf + n, sizeof buf - (size_t)n, "%s", name);
	return util_xstrdup(buf);
}

/* ---- keymap -------------------------------------------------------- */

static int
find_command(const cfg_keymap *km, const char *name)
{
	size_t i;

	for (i = 0; i < km->n; i++)
		if (strcmp(name, km->b[i].command) == 0)
			return (int)i;
	return -1;
}

/*
 * Without the prefix a key must not be one that typing needs: it takes
 * Ctrl or Alt, or is a function key, or a special key with a modifier.
 */
static int
direct_ok(int key, int mods)
{
	if (mods & (CFG_MOD_CTRL | CFG_MOD_ALT))
		return 1;
	if (is_fkey(key))
		return 1;
	return is_special(key) && mods != 0;
}

static void
prefix_label(cfg_keymap *km)
{
	char *f = cfg_key_format(km->b[CMD_PREFIX].key, km->b[CMD_PREFIX].mods);

	snprintf(km->prefix, sizeof km->prefix, "%s", f);
	free(f);
}

/* Sets one binding without looking at the others. */
static int
bind_spec(cfg_keymap *km, int cmd, const char *spec, char **cause)
{
	cfg_binding *b = &km->b[cmd];
	const char *s = spec;
	int direct = 0, key, mods;

	if (strcasecmp(spec, "none") == 0) {
		if (cmd == CMD_PREFIX) {
			cfg__set_cause(cause, "the prefix cannot be unbound");
			return -1;
		}
		b->key = CFG_KEY_NONE;
		b->mods = 0;
		b->direct = 0;
		return 0;
	}
	if (strncmp(s, "direct:", 7) == 0) {
		direct = 1;
		s += 7;
	}
	if (cfg_key_parse(s, &key, &mods, NULL) != 0) {
		cfg__set_cause(cause, "bad key '%s'", spec);
		return -1;
	}
	if (cmd == CMD_PREFIX)
		direct = 1;
	if (direct && !direct_ok(key, mods)) {
		cfg__set_cause(cause, "bad key '%s' (%s needs C- or M-, or a "
		    "function key, so that typing still works)", spec,
		    cmd == CMD_PREFIX ? "the prefix" : "a direct key");
		return -1;
	}
	b->key = key;
	b->mods = mods;
	b->direct = direct;
	if (cmd == CMD_PREFIX)
		prefix_label(km);
	return 0;
}

/* "'z'" for a prefixed key, "'direct:M-x'" for a direct one. */
static char *
label(const cfg_binding *b)
{
	char *k = cfg_key_format(b->key, b->mods), *s;

	s = util_xasprintf("%s%s", b->direct && strcmp(b->command, "prefix") !=
	    0 ? "direct:" : "", k);
	free(k);
	return s;
}

int
cfg__keymap_clash(const cfg_keymap *km, int cmd)
{
	const cfg_binding *a = &km->b[cmd], *o;
	size_t i;

	if (a->key == CFG_KEY_NONE)
		return -1;
	for (i = 0; i < km->n; i++) {
		o = &km->b[i];
		if ((int)i != cmd && o->key == a->key && o->mods == a->mods &&
		    o->direct == a->direct)
			return (int)i;
	}
	return -1;
}

/* The command in entry i of a front end's table. */
static const cfg_command *
command_at(const cfg_commands *cmds, size_t i)
{
	return (const cfg_command *)(const void *)((const char *)cmds->table +
	    i * cmds->stride);
}

cfg_keymap *
cfg_keymap_new(const cfg_commands *cmds, char **cause)
{
	cfg_keymap *km = NULL;
	const cfg_command *c;
	size_t i, j;
	int other;

	if (cmds == NULL || cmds->n == 0 || cmds->stride < sizeof(cfg_command) ||
	    strcmp(command_at(cmds, 0)->name, "prefix") != 0) {
		cfg__set_cause(cause, "command table: the first command must be 'prefix'");
		return NULL;
	}
	km = util_xcalloc(1, sizeof *km);
	km->n = cmds->n;
	km->b = util_xcalloc(km->n, sizeof *km->b);
	for (i = 0; i < km->n; i++) {
		c = command_at(cmds, i);
		for (j = 0; j < i; j++) {
			if (strcmp(km->b[j].command, c->name) == 0) {
				cfg__set_cause(cause, "command table: '%s' twice", c->name);
				goto fail;
			}
		}
		km->b[i].command = c->name;
		km->b[i].description = c->help;
		if (bind_spec(km, (int)i, c->key != NULL ? c->key : "none", cause) != 0)
			goto fail;
	}
	for (i = 0; i < km->n; i++) {
		if ((other = cfg__keymap_clash(km, (int)i)) >= 0) {
			char *m = cfg__keymap_clash_msg(km, (int)i, other);

			cfg__set_cause(cause, "command table: %s", m);
			free(m);
			goto fail;
		}
	}
	return km;
fail:
	cfg_keymap_free(km);
	return NULL;
}

void
cfg_keymap_free(cfg_keymap *km)
{
	if (km == NULL)
		return;
	free(km->b);
	free(km);
}

int
cfg__keymap_bind(cfg_keymap *km, const char *command, const char *spec,
    int *cmd, char **cause)
{
	int c = find_command(km, command);

	if (c < 0) {
		cfg__set_cause(cause, "unknown command '%s'", command);
		return -1;
	}
	if (cmd != NULL)
		*cmd = c;
	return bind_spec(km, c, spec, cause);
}

char *
cfg__keymap_clash_msg(const cfg_keymap *km, int a, int b)
{
	char *l = label(&km->b[a]), *m;

	m = util_xasprintf("key '%s' is bound to both '%s' and '%s'", l,
	    km->b[a].command, km->b[b].command);
	free(l);
	return m;
}

int
cfg_keymap_set(cfg_keymap *km, const char *command, const char *keyspec,
    char **cause)
{
	cfg_binding saved;
	char *m;
	int cmd, other;

	if (find_command(km, command) < 0) {
		cfg__set_cause(cause, "unknown command '%s'", command);
		return -1;
	}
	saved = km->b[find_command(km, command)];
	if (cfg__keymap_bind(km, command, keyspec, &cmd, cause) != 0)
		return -1;
	if ((other = cfg__keymap_clash(km, cmd)) >= 0) {
		m = cfg__keymap_clash_msg(km, cmd, other);
		cfg__set_cause(cause, "%s", m);
		free(m);
		km->b[cmd] = saved;
		prefix_label(km);
		return -1;
	}
	return 0;
}

const char *
cfg_keymap_lookup(const cfg_keymap *km, int key, int mods, int after_prefix)
{
	size_t i;

	cfg_key_normalize(&key, &mods);
	if (key == CFG_KEY_NONE)
		return NULL;
	for (i = 0; i < km->n; i++)
		if (km->b[i].key == key && km->b[i].mods == mods &&
		    km->b[i].direct == !after_prefix)
			return km->b[i].command;
	return NULL;
}

const cfg_binding *
cfg_keymap_bindings(const cfg_keymap *km, size_t *n)
{
	if (n != NULL)
		*n = km->n;
	return km->b;
}

const char *
cfg_keymap_prefix_name(const cfg_keymap *km)
{
	return km->prefix;
}

const cfg_binding *
cfg_keymap_get(const cfg_keymap *km, const char *command)
{
	int c = find_command(km, command);

	return c < 0 ? NULL : &km->b[c];
}

char *
cfg_keymap_format(const cfg_keymap *km)
{
	util_strv lines = { 0 };
	char *prefix = cfg_key_format(km->b[CMD_PREFIX].key,
	    km->b[CMD_PREFIX].mods), *k, *keys, *out;
	size_t i, len = 1;
	int pass;

	/* Prefixed bindings first, then direct ones, then unbound. */
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < km->n; i++) {
			const cfg_binding *b = &km->b[i];
			int which = b->key == CFG_KEY_NONE ? 2 : b->direct ? 1 : 0;

			if (which != pass)
				continue;
			k = cfg_key_format(b->key, b->mods);
			if (pass == 0)
				keys = util_xasprintf("%s %s", prefix, k);
			else
				keys = util_xstrdup(pass == 1 ? k : "-");
			util_strv_push_take(&lines, util_xasprintf(
			    "%-14s %-24s %s\n", keys, b->command,
			    b->description));
			free(keys);
			free(k);
		}
	for (i = 0; i < lines.n; i++)
		len += strlen(lines.v[i]);
	out = util_xmalloc(len);
	out[0] = '\0';
	len = 0;
	for (i = 0; i < lines.n; i++) {
		size_t l = strlen(lines.v[i]);

		memcpy(out + len, lines.v[i], l + 1);
		len += l;
	}
	util_strv_clear(&lines);
	free(prefix);
	return out;
}
