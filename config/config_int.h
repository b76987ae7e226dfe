/*
 * config/config_int.h - helpers shared by the files of config/ and nothing
 * else (tests and fuzz targets may use them): error causes, an ordered
 * string set, name validation, and the in-memory entry point of the
 * inventory parser. General helpers come from util/util.h.
 */
#ifndef DROVER_CONFIG_INT_H
#define DROVER_CONFIG_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "config/config.h"
#include "util/util.h"

/*
 * Most hosts one target expression may resolve to (also one range term).
 * The fuzz build sets smaller bounds: the same limit checks run, but a unit
 * that reaches them costs milliseconds instead of seconds.
 */
#ifndef CFG_MAX_TARGETS
#define CFG_MAX_TARGETS 100000
#endif
/*
 * Work budget of one cfg_targets_resolve call: names produced by ranges plus
 * glob comparisons. Bounds the time an expression such as
 * "a[1-99999]&b,a[1-99999]&b,..." or "x[1-99999]*" can take.
 */
#ifndef CFG_MAX_WORK
#define CFG_MAX_WORK 5000000
#endif
/* Line buffer handed to inih; lines longer than this minus 3 are errors. */
#define CFG_INI_MAX_LINE 4096
/* Nesting limit of ssh_config Include, as OpenSSH's READCONF_MAX_DEPTH. */
#define CFG_SSH_MAX_DEPTH 16

#define CFG__PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Stores a malloc'd message in *cause if cause != NULL. Whatever *cause held
 * is overwritten, not freed: callers may pass uninitialised pointers.
 */
void cfg__set_cause(char **cause, const char *fmt, ...) CFG__PRINTF(2, 3);

/*
 * Ordered set of owned strings: insertion order is kept, lookups are hashed
 * so that resolving 100000 range names stays linear.
 */
typedef struct cfg__names {
	char **v;
	size_t n;
	size_t cap;
	size_t *slots;  /* open addressing, index + 1, 0 = empty */
	size_t nslots;
} cfg__names;

/* Adds a copy of s unless present. Returns its index; *added says which. */
size_t cfg__names_add(cfg__names *ns, const char *s, int *added);
/* Index of s, or (size_t)-1. */
size_t cfg__names_find(const cfg__names *ns, const char *s);
void cfg__names_clear(cfg__names *ns);

/*
 * Rewrites each host's jump spec so that hops naming inventory hosts say how
 * to reach them (inventory_jump.c). lines[i]: host i's header line.
 */
int cfg__inventory_resolve_jumps(cfg_inventory *inv, const cfg__names *names,
    const char *file, const int *lines, char **cause);

/* Home directory ($HOME, else the passwd entry, else "/"), malloc'd. */
char *cfg__home(void);
/* "~" and "~/x" become $HOME and $HOME/x; anything else is copied. */
char *cfg__expand_tilde(const char *path);

/* Trims ASCII whitespace in place, returns the first kept character. */
char *cfg__trim(char *s);
/*
 * Splits s on sep, except inside [...] so that "n[1-3,7]" stays one item.
 * Items are trimmed; empty items are kept (callers decide if they are errors).
 */
void cfg__split(const char *s, char sep, util_strv *out);

/*
 * Host names: non-empty, at most 255 bytes, no whitespace or control bytes,
 * none of , ! & @ [ ] * ? (target expression syntax) and no leading '-' (it
 * would read as an option to ssh).
 */
int cfg__valid_hostname(const char *s);
/* Tag and group names: [A-Za-z0-9_.-]+, at most 255 bytes. */
int cfg__valid_tag(const char *s);
/* "failed" and "ok": @failed and @ok name the hosts of past runs. */
int cfg__reserved_tag(const char *s);

/* $XDG_CONFIG_HOME/drover/FILE, else ~/.config/drover/FILE; malloc'd. */
char *cfg__config_path(const char *file);
/*
 * Reads a whole file of at most max bytes into a malloc'd buffer (not
 * NUL-terminated). Returns 0, or an errno value (EISDIR, EFBIG...).
 */
int cfg__read_file(const char *path, size_t max, char **bufp, size_t *lenp);

/*
 * Parses inventory text held in memory. name is used in messages and stored
 * as inv->path (NULL: "inventory" in messages, path stays NULL). The buffer
 * need not be NUL-terminated; a NUL byte inside is an error.
 */
int cfg__inventory_parse(const char *name, const char *buf, size_t len,
    cfg_inventory **out, char **cause);

#endif
