/*
 * config/config.h - drover's configuration layer: the inventory (INI via
 * inih), target expressions and ~/.ssh/config aliases, turned into plain
 * structs. Front ends include this; nothing here knows curses or libssh.
 *
 * Errors: functions return 0 or -1; on -1 and when cause is non-NULL,
 * *cause is a malloc'd human message, "file:line: message" for files.
 */
#ifndef DROVER_CONFIG_H
#define DROVER_CONFIG_H

#include <stddef.h>

#include "engine/engine.h"

/*
 * How a network device's CLI behaves (drover exec --cli): `cli` is "device"
 * or a built-in preset (ios, junos, eos) the other keys refine. Set on a
 * host, a group (for its members) or [defaults]; the nearest wins per key.
 */
typedef struct cfg_device {
	char *cli, *prompt, *pager_off, *enable, *enable_prompt;
} cfg_device;

typedef struct cfg_host {
	char *name;     /* inventory name, ssh_config alias or ad-hoc name */
	char *address;  /* HostName override; NULL: ssh config / the name */
	char *user;     /* NULL: ssh config / login name */
	int port;       /* 0: ssh config / 22 */
	char **keys;    /* identity files (~ expanded), NULL-terminated, may be NULL */
	char **tags;    /* NULL-terminated, may be NULL */
	char *jump;     /* ProxyJump spec, NULL if none */
	int in_inventory; /* 1 if declared in the inventory file */
	cfg_device dev;
} cfg_host;

/* Deep copy (dst is overwritten, not freed); the one way to copy a host. */
void cfg_host_copy(cfg_host *dst, const cfg_host *src);
/* Frees the strings of one host and zeroes it (NULL-safe). */
void cfg_host_clear(cfg_host *h);

typedef struct cfg_group {
	char *name;
	char **members; /* target expressions (names, ranges, @group, globs), NULL-terminated */
	int line;       /* line of the [group] header, for messages */
	cfg_device dev;
} cfg_group;

typedef struct cfg_defaults {
	char *user;
	int port;
	char **keys;            /* NULL-terminated, may be NULL */
	int connect_timeout;    /* seconds, 0: unset */
	int command_timeout;    /* seconds, 0: unset (none) */
	int fanout;             /* 0: unset */
	int max_handshakes;     /* per server endpoint, 0: unset */
	int accept_new;         /* -1 unset, 0 no, 1 yes */
	cfg_device dev;
} cfg_defaults;

typedef struct cfg_inventory {
	char *path;             /* file it came from, NULL if none */
	cfg_host *hosts;        /* declared hosts, in file order */
	size_t nhosts;
	cfg_group *groups;
	size_t ngroups;
	cfg_defaults defaults;
	char **aliases;         /* literal Host names from ssh config, NULL-terminated */
	size_t naliases;
	char *runs_path;        /* record of past runs for @failed/@ok; NULL: default */
} cfg_inventory;

/*
 * Default inventory path: $XDG_CONFIG_HOME/drover/inventory.ini or
 * ~/.config/drover/inventory.ini. Returns a malloc'd string.
 */
char *cfg_inventory_default_path(void);

/*
 * Loads an inventory. path NULL: the default path, and a missing default file
 * yields an empty inventory. An explicit path that cannot be read is an
 * error. Unknown sections/keys, bad values, duplicate hosts: error
 * "file:line: message".
 */
int cfg_inventory_load(const char *path, cfg_inventory **out, char **cause);

/* Empty inventory (no file). */
cfg_inventory *cfg_inventory_new(void);

void cfg_inventory_free(cfg_inventory *inv);

/*
 * Adds the literal (non-pattern) Host names of an ssh_config file, following
 * Include, as known names for target expressions. path NULL: ~/.ssh/config;
 * a missing default file is not an error, a missing explicit one is.
 */
int cfg_inventory_add_ssh_aliases(cfg_inventory *inv, const char *path, char **cause);

/*
 * Resolves a target expression to hosts.
 *
 *   web1          a name (inventory host, ssh alias, or any hostname)
 *   @web          a group, or every host carrying tag "web"
 *   web*  w?b     glob over known names (inventory hosts + ssh aliases)
 *   web[01-20]    numeric range (zero padding kept), also [1-3,7]
 *   a,b           union, in order of first appearance, de-duplicated
 *   !web3         exclusion (applies to the whole union)
 *   @web&@eu      intersection; @web&!@eu: @web without @eu
 *
 * Each result is a fresh cfg_host with inventory defaults applied (user,
 * port, keys) under the host's own settings. An expression that matches
 * nothing, an unknown group, or a malformed range is an error naming the
 * offending term.
 */
int cfg_targets_resolve(const cfg_inventory *inv, const char *expr,
    cfg_host **out, size_t *nout, char **cause);

void cfg_hosts_free(cfg_host *hosts, size_t n);

/* ==== the record of past runs (lastrun.c) ================================
 * `drover exec` records each run's outcome in $XDG_STATE_HOME/drover/
 * last.json (~/.local/state/drover/last.json), newest first:
 *   {"runs":[{"time":EPOCH,"command":"...","ok":["h1"],"failed":["h2"]},...]}
 * Targets name them: @failed / @ok (the last run), @failed:N / @ok:N (N runs
 * before it). "failed" and "ok" are therefore not group or tag names.
 */
typedef struct cfg_run_record {
	long long time;             /* seconds since the epoch */
	char *command;
	char **ok, **failed;        /* NULL-terminated, never NULL once loaded */
} cfg_run_record;

typedef struct cfg_runs {
	cfg_run_record *v;          /* newest first */
	size_t n;
} cfg_runs;

char *cfg_runs_default_path(void);
/* path NULL: the default; a missing file is an empty record. */
int cfg_runs_load(const char *path, cfg_runs **out, char **cause);
int cfg_runs_parse(const char *name, const char *buf, size_t len, cfg_runs **out,
    char **cause);
void cfg_runs_free(cfg_runs *runs);

/* ==== connection and fan-out options (hostopts.c) ========================
 * The one place where the inventory's [defaults], a host's entry and the
 * command line become the engine's options, like OpenSSH's
 * fill_default_options(). Every front end (exec, the console's panes, the
 * fan-out board, transfers, tails) builds its options here. Precedence:
 * command line, then the host's entry (user, port, keys, jump, address;
 * cfg_targets_resolve already put [defaults] under them), then [defaults]
 * (connect_timeout, command timeout, fanout, max_handshakes, accept_new),
 * then the built-in ENG_DEFAULT_* values.
 */

/* Command-line settings; 0 / NULL means "not given". */
typedef struct cfg_overrides {
	const char *ssh_config;         /* -F */
	const char *user;               /* -l */
	int port;                       /* -p */
	const char *const *keys;        /* -k (NULL-terminated): tried before the host's */
	const char *auth;               /* --auth, already checked by eng_auth_parse */
	int accept_new;                 /* --accept-new */
	int ask_hostkey;                /* the front end can ask about unknown keys */
	int connect_timeout;            /* seconds */
	int keepalive;                  /* seconds */
	int command_timeout;            /* seconds */
	int fanout;
	int max_handshakes;
} cfg_overrides;

/* A run's resolved options. Pointers refer to the hosts and overrides
 * given to cfg_run_build (keep them alive) and to storage owned here. */
typedef struct cfg_run {
	eng_conn_opts *conn;            /* one per host */
	size_t n;
	eng_fanout_opts fanout;         /* max_parallel, command_timeout_ms */
	int max_handshakes;             /* for eng_ctx_opts */
	char ***keys;                   /* owned: merged key lists */
	eng_device_opts *devices;       /* cfg_run_devices: one per host */
} cfg_run;

/* Fills *out for hosts[0..n-1] (n may be 0: the run-wide values only). */
void cfg_run_build(const cfg_inventory *inv, const cfg_host *hosts, size_t n,
    const cfg_overrides *ov, cfg_run *out);
void cfg_run_free(cfg_run *r);
/*
 * --cli: out->devices[i] for each host from its device keys (host, then its
 * groups in file order, then [defaults], then the `cli` preset; no `cli`
 * anywhere: ios). Strings point into inv and hosts; commands, secret and
 * want_enable are the caller's to fill. -1 with *cause for an unknown
 * preset.
 */
int cfg_run_devices(const cfg_inventory *inv, const cfg_host *hosts, size_t n,
    cfg_run *out, char **cause);
/* Copies and frees the strings of a cfg_device. */
void cfg_device_copy(cfg_device *dst, const cfg_device *src);
void cfg_device_clear(cfg_device *d);

/* ==== console settings: themes, key bindings, console.ini ================
 * theme.c, keymap.c, console_ini.c. Plain data for the console (tui/); no
 * curses types: colours are indexes / RGB, keys are code points or
 * CFG_KEY_* values with CFG_MOD_* bits.
 */

/* Named screen elements; code asks for a style by element, never a colour. */
typedef enum cfg_element {
	CFG_EL_DEFAULT,             /* "default": everything else inherits it */
	CFG_EL_PANE_BORDER,         /* "pane.border" */
	CFG_EL_PANE_BORDER_FOCUS,   /* "pane.border.focus" */
	CFG_EL_PANE_TITLE,          /* "pane.title" */
	CFG_EL_PANE_TITLE_FOCUS,    /* "pane.title.focus" */
	CFG_EL_PANE_BROADCAST,      /* "pane.broadcast": the armed marker */
	CFG_EL_STATUS_BAR,          /* "status.bar" */
	CFG_EL_STATUS_OK,           /* "status.ok" */
	CFG_EL_STATUS_WARN,         /* "status.warn" */
	CFG_EL_STATUS_ERR,          /* "status.err" */
	CFG_EL_SIDEBAR,             /* "sidebar" */
	CFG_EL_SIDEBAR_SELECTED,    /* "sidebar.selected" */
	CFG_EL_DIALOG,              /* "dialog" */
	CFG_EL_DIALOG_BORDER,       /* "dialog.border" */
	CFG_EL_BOARD_HEADER,        /* "board.header" */
	CFG_EL_BOARD_OK,            /* "board.ok" */
	CFG_EL_BOARD_FAIL,          /* "board.fail" */
	CFG_EL_BOARD_RUNNING,       /* "board.running" */
	CFG_EL_SEARCH_MATCH,        /* "search.match" */
	CFG_EL_HOST_1,              /* "host.1" .. "host.8": per-host colours */
	CFG_EL_HOST_2,
	CFG_EL_HOST_3,
	CFG_EL_HOST_4,
	CFG_EL_HOST_5,
	CFG_EL_HOST_6,
	CFG_EL_HOST_7,
	CFG_EL_HOST_8,
	CFG_EL_COUNT
} cfg_element;

typedef enum {
	CFG_COLOR_DEFAULT,          /* the terminal's own fg / bg */
	CFG_COLOR_INDEXED,          /* index 0-255 (0-7 ANSI, 8-15 bright) */
	CFG_COLOR_RGB               /* r, g, b */
} cfg_color_kind;

typedef struct cfg_color {
	unsigned char kind;         /* cfg_color_kind */
	unsigned char index;
	unsigned char r, g, b;
} cfg_color;

enum {
	CFG_ATTR_BOLD = 1 << 0,
	CFG_ATTR_UNDERLINE = 1 << 1,
	CFG_ATTR_REVERSE = 1 << 2,
	CFG_ATTR_DIM = 1 << 3,
	CFG_ATTR_ITALIC = 1 << 4,
	CFG_ATTR_BLINK = 1 << 5
};

typedef struct cfg_style {
	cfg_color fg, bg;
	unsigned attrs;             /* CFG_ATTR_* */
} cfg_style;

typedef struct cfg_theme cfg_theme;

/*
 * Loads a theme file:
 *
 *   [theme]                 name = NAME (optional; default: the file name)
 *   [pane.border.focus]     one section per element (cfg_element_name):
 *   fg = cyan                 fg, bg: default, black, red, green, yellow,
 *   bg = #202020              blue, magenta, cyan, white, bright-BLACK..
 *   attrs = bold, underline   bright-white, color0..color255, #rrggbb;
 *                             attrs: bold underline reverse dim italic
 *                             blink, or none (comma / space separated)
 *
 * What an element does not set it inherits from its parent element
 * (pane.border.focus from pane.border, status.ok from status.bar, ... all
 * from default), field by field. Unknown sections or keys, duplicates and
 * bad values: -1 with "path:line: message".
 */
int cfg_theme_load(const char *path, cfg_theme **out, char **cause);
/*
 * By name or path: a spec containing '/' or ending in ".ini" is a file;
 * otherwise NAME.ini is looked up in each of dirs (NULL-terminated, may be
 * NULL), and the built-in names "default" and "mono" need no file.
 */
int cfg_theme_find(const char *spec, const char *const *dirs, cfg_theme **out,
    char **cause);
/*
 * The built-in dark theme (same as themes/default.ini) and the monochrome
 * one (attributes only, no colours, themes/mono.ini: for NO_COLOR). Both
 * are built once and shared: the same pointer on every call, and
 * cfg_theme_free ignores them. (A theme found by name in a directory,
 * e.g. themes/mono.ini, is a separate object: compare names, not
 * pointers, for those.)
 */
cfg_theme *cfg_theme_default(void);
cfg_theme *cfg_theme_monochrome(void);
void cfg_theme_free(cfg_theme *t);
const char *cfg_theme_name(const cfg_theme *t);
/*
 * Never NULL: an element out of range gets the "default" element's style,
 * a NULL theme a plain one (terminal colours, no attributes).
 */
const cfg_style *cfg_theme_style(const cfg_theme *t, cfg_element el);
/* "pane.border.focus" etc.; NULL out of range. */
const char *cfg_element_name(cfg_element el);
/* Parses a colour as in theme files; 0 or -1. */
int cfg_color_parse(const char *s, cfg_color *out);
/*
 * A colour number for a terminal with ncolors colours (curses' COLORS):
 * -1 for the default colour (use_default_colors); indexed colours as they
 * are when the terminal has them; otherwise (and for RGB) the nearest
 * xterm palette entry: 16..255 on 256-colour terminals, 0..15 (or 0..7)
 * below. With ncolors >= 2^24 (direct colour) RGB is 0xRRGGBB and only
 * indexes 0-7 stay palette numbers. ncolors <= 0: -1.
 */
int cfg_color_index(const cfg_color *c, int ncolors);

/*
 * Keys: a Unicode code point (printable characters, ' ' for Space) or one
 * of CFG_KEY_*, with CFG_MOD_* bits. Keys are compared in normal form
 * (cfg_key_normalize): control characters become letter + CFG_MOD_CTRL
 * (0x01 -> 'a' C-), except Tab (0x09, C-i), Enter (0x0d, C-m), Escape
 * (0x1b, C-[) and Backspace (0x7f, C-?), which are the CFG_KEY_* keys;
 * Ctrl+uppercase is Ctrl+lowercase; Shift is dropped from characters.
 */
enum {
	CFG_KEY_NONE = 0,
	CFG_KEY_UP = 0x110000,      /* above every code point */
	CFG_KEY_DOWN,
	CFG_KEY_LEFT,
	CFG_KEY_RIGHT,
	CFG_KEY_HOME,
	CFG_KEY_END,
	CFG_KEY_PGUP,
	CFG_KEY_PGDN,
	CFG_KEY_INSERT,
	CFG_KEY_DELETE,
	CFG_KEY_ENTER,
	CFG_KEY_TAB,
	CFG_KEY_BACKSPACE,
	CFG_KEY_ESCAPE,
	CFG_KEY_F1,                 /* F1 .. F12 are consecutive */
	CFG_KEY_F12 = CFG_KEY_F1 + 11
};

/* Same values as TUI_MOD_* (tui/term.h) and libvterm's modifiers. */
enum { CFG_MOD_SHIFT = 1 << 0, CFG_MOD_ALT = 1 << 1, CFG_MOD_CTRL = 1 << 2 };

/*
 * Key spec syntax: optional modifiers C- (Ctrl), M- (Alt/Meta), S- (Shift)
 * in any order, then a name (Up Down Left Right Home End PageUp PageDown
 * Insert Delete Enter Tab BTab Backspace Escape Space F1..F12; case does
 * not matter; PgUp, PgDn, PPage, NPage, IC, DC, BSpace, Esc, Return are
 * accepted too) or one printable character ("?", "z", "Z", ":").
 * Ctrl works with letters, @ [ \ ] ^ _ ? and Space only (what a terminal
 * can send). Returns 0, or -1 with *cause "bad key 'SPEC'".
 */
int cfg_key_parse(const char *spec, int *key, int *mods, char **cause);
/* Canonical spec ("C-a", "M-Left", "Space", "?"), malloc'd. */
char *cfg_key_format(int key, int mods);
void cfg_key_normalize(int *key, int *mods);

/*
 * A console command as the front end declares it. The front end's command
 * table (each entry beginning with a cfg_command, its handler after it)
 * is the one source of names, default keys and help lines: the keymap and
 * the help screen are built from it.
 */
typedef struct cfg_command {
	const char *name;           /* "zoom" */
	const char *key;            /* default: a key spec, "direct:SPEC", "none" or NULL */
	const char *help;           /* one line for the help screen */
} cfg_command;

/* n table entries, stride bytes apart (sizeof the front end's entry). */
typedef struct cfg_commands {
	const void *table;
	size_t n, stride;
} cfg_commands;

typedef struct cfg_binding {
	const char *command;        /* "zoom" */
	const char *description;    /* one line for the help screen */
	int key, mods;              /* key CFG_KEY_NONE: unbound */
	int direct;                 /* 1: works without the prefix */
} cfg_binding;

typedef struct cfg_keymap cfg_keymap;

/*
 * The keymap of a command table, every command on its default key.
 * Bindings work after the prefix key unless direct. The first command must
 * be "prefix" (always direct); names must be unique and default keys must
 * not clash: otherwise NULL with *cause (a bug in the table).
 */
cfg_keymap *cfg_keymap_new(const cfg_commands *cmds, char **cause);
void cfg_keymap_free(cfg_keymap *km);     /* NULL-safe */
/*
 * Rebinds command to keyspec: a key spec, "direct:SPEC" to work without
 * the prefix, or "none" to unbind. The prefix is always direct. A direct
 * key needs C- or M- or is a function / special key with a modifier, so
 * that typing is never swallowed. Errors: "unknown command 'zom'",
 * "bad key 'C-'", "key 'z' is bound to both 'zoom' and 'close-pane'".
 * On error the keymap is unchanged.
 */
int cfg_keymap_set(cfg_keymap *km, const char *command, const char *keyspec,
    char **cause);
/* The command bound to key+mods (normalised here), or NULL. */
const char *cfg_keymap_lookup(const cfg_keymap *km, int key, int mods,
    int after_prefix);
/* All commands in table order; *n gets the count. */
const cfg_binding *cfg_keymap_bindings(const cfg_keymap *km, size_t *n);
/* One command's binding, NULL for an unknown name. */
const cfg_binding *cfg_keymap_get(const cfg_keymap *km, const char *command);
/* The prefix key's spec ("C-g"), owned by km. */
const char *cfg_keymap_prefix_name(const cfg_keymap *km);
/*
 * The help screen text, malloc'd: one line per command, "KEYS  COMMAND
 * DESCRIPTION", prefixed keys shown as "C-g z", direct ones alone,
 * unbound ones as "-".
 */
char *cfg_keymap_format(const cfg_keymap *km);

/* $XDG_CONFIG_HOME/drover/console.ini (or ~/.config/...): */
typedef struct cfg_console {
	char *path;                 /* file it came from, NULL: defaults only */
	char *theme_name;           /* as configured: a name, or a path made
	                               absolute ("default" if unset) */
	cfg_theme *theme;           /* loaded (see cfg_console_load), never NULL */
	int scrollback;             /* lines per pane (default 10000) */
	int mouse;                  /* 1 (default) or 0 */
	int fps;                    /* frame cap (default 30) */
	int min_pane_cols;          /* smaller panes -> compact list (20) */
	int min_pane_rows;          /* (5) */
	int reconnect;              /* 1 (default): retry lost / unreachable
	                               hosts by themselves, with backoff */
	int reconnect_max;          /* the backoff's ceiling, seconds (30) */
	cfg_keymap *keys;           /* never NULL */
} cfg_console;

/*
 *   [console]
 *   theme = default | light | mono | path/to/theme.ini
 *   scrollback = 10000      0 .. 1000000
 *   prefix = C-g            same as "prefix" under [keys]
 *   mouse = yes             yes / no
 *   fps = 30                1 .. 240
 *   min_pane_cols = 20      1 .. 1000
 *   min_pane_rows = 5       1 .. 1000
 *   reconnect = yes         yes / no
 *   reconnect_max = 30      1 .. 3600 seconds
 *   [keys]
 *   zoom = z                command = key spec (see cfg_keymap_set)
 *
 * A rebound prefix takes the command "send-prefix" (if the table has one)
 * along unless [keys] binds it; another command bound after the prefix to
 * the prefix key itself is an error.
 *
 * path NULL: the default path, and a missing default file gives the
 * defaults. Errors: "file:line: message", e.g. "console.ini:7: unknown
 * command 'zom'", "bad key 'C-'", a key bound twice names both commands.
 *
 * The theme is loaded here (cfg_theme_find): a path as given (relative to
 * the console.ini's directory); a name from, in order, the "themes"
 * directory next to console.ini (or $XDG_CONFIG_HOME/drover/themes),
 * $DROVER_THEME_DIR, the installed themes (cfg_data_dir("themes")), then
 * the built-ins "default" and "mono". A bad theme
 * file fails the load with its own "theme.ini:line: message"; an unknown
 * name with "console.ini:line: unknown theme 'x'".
 */
char *cfg_console_default_path(void);
/* Defaults only; NULL with *cause if the command table is bad. */
cfg_console *cfg_console_new(const cfg_commands *cmds, char **cause);
/* [keys] names commands of cmds. */
int cfg_console_load(const char *path, const cfg_commands *cmds,
    cfg_console **out, char **cause);
void cfg_console_free(cfg_console *c);

/* ==== end of console settings =========================================== */

/*
 * The directory of drover's shipped data: "themes" or "fleet" (the demo
 * fleet scripts). For a binary in its build tree, the source tree's; for
 * any other, <bindir>/../share/drover/SUB next to the running binary, else
 * the configured install directory. A malloc'd absolute path of an
 * existing directory, or NULL (none found, or an unknown sub).
 */
char *cfg_data_dir(const char *sub);

/* ---- workspace.c: sessions -> windows -> panes, declared ---- */
/*
 * A workspace file:
 *
 *   [session ops]                  a session (attached first: the first one)
 *   [window ops/web]               a window of it, in file order
 *   targets = @web                 its panes, a target expression
 *   layout  = main-stack           tiled, even-horizontal, even-vertical, main-stack
 *   dir     = /srv/app             each pane starts with `cd DIR`
 *   command = git status           then runs this
 *   [pane ops/web/web1]            one pane's own dir / command
 *   command = htop
 */
typedef struct cfg_ws_pane {
	char *host, *dir, *command;
} cfg_ws_pane;

typedef struct cfg_ws_window {
	char *name, *targets, *layout, *dir, *command;
	cfg_ws_pane *panes;
	size_t npanes;
} cfg_ws_window;

typedef struct cfg_ws_session {
	char *name;
	cfg_ws_window *windows;
	size_t nwindows;
} cfg_ws_session;

typedef struct cfg_workspace {
	cfg_ws_session *sessions;
	size_t nsessions;
} cfg_workspace;

/* Loads a workspace file; -1 with "FILE:LINE: reason" in *cause. */
int cfg_workspace_load(const char *path, cfg_workspace **out, char **cause);
void cfg_workspace_free(cfg_workspace *ws);
/* The session named name, NULL if none. */
const cfg_ws_session *cfg_workspace_session(const cfg_workspace *ws, const char *name);
/* One session as workspace text (values that cannot be written are refused). */
int cfg_workspace_format(const cfg_ws_session *s, char **text, char **cause);

#endif
