/*
 * config/settings_int.h - shared by the files of config/ that read INI
 * files (ini_parse.c, inventory_ini.c, theme.c, keymap.c, console_ini.c)
 * and nothing else (tests may use it): the INI front end all of them go
 * through, and the keymap entry points console_ini.c needs to bind first
 * and check clashes afterwards. A sibling of config_int.h, which it
 * includes.
 */
#ifndef DROVER_CONFIG_SETTINGS_INT_H
#define DROVER_CONFIG_SETTINGS_INT_H

#include <stddef.h>

#include "config/config_int.h"

typedef struct cfg__ini cfg__ini;

typedef struct cfg__ini_ops {
	/*
	 * A "[name]" header; name is trimmed, may be empty. Return 0, or -1
	 * after cfg__ini_fail().
	 */
	int (*section)(cfg__ini *ini, const char *name, void *ud);
	/*
	 * "key = value" under the current section (NULL before any header);
	 * key and value trimmed, inline "; comments" removed, value may be
	 * empty. Return 0, or -1 after cfg__ini_fail().
	 */
	int (*value)(cfg__ini *ini, const char *section, const char *key,
	    const char *value, void *ud);
	/*
	 * Optional. An indented line that does not look like "key =" after
	 * a key: it continues that key (list values spread over lines);
	 * value trimmed, inline comments removed. NULL: such lines are
	 * syntax errors. Return 0, or -1 after cfg__ini_fail().
	 */
	int (*continuation)(cfg__ini *ini, const char *section,
	    const char *value, void *ud);
} cfg__ini_ops;

/* Records "name:line: message" for the line being parsed (first one wins). */
void cfg__ini_fail(cfg__ini *ini, const char *fmt, ...) CFG__PRINTF(2, 3);
/* Same at another line (e.g. checks made after the last line). */
void cfg__ini_fail_at(cfg__ini *ini, int line, const char *fmt, ...)
    CFG__PRINTF(3, 4);
/* The line being parsed (1-based). */
int cfg__ini_line(const cfg__ini *ini);

/*
 * Parses text held in memory; name is used in messages. The buffer need
 * not be NUL-terminated; NUL bytes, lines over CFG_INI_MAX_LINE and lines
 * that are neither blank, comment, header nor key = value are errors.
 * finish, if not NULL, runs after the last line with the same ini (to
 * report whole-file errors with cfg__ini_fail_at). Returns 0 or -1 with
 * *cause set.
 */
int cfg__ini_parse(const char *name, const char *buf, size_t len,
    const cfg__ini_ops *ops, int (*finish)(cfg__ini *, void *), void *ud,
    char **cause);

/*
 * Reads path (a settings file: at most 1 MiB) and parses it as above. A
 * file that cannot be read: -1 with "cannot read PATH: reason", and
 * *missing set to 1 when it does not exist (missing may be NULL).
 */
int cfg__ini_load(const char *path, const cfg__ini_ops *ops,
    int (*finish)(cfg__ini *, void *), void *ud, int *missing, char **cause);

/* ---- keymap.c ------------------------------------------------------ */

/*
 * cfg_keymap_set without the clash check: binds command (an unknown name
 * is "unknown command 'x'") and stores its table index in *cmd.
 */
int cfg__keymap_bind(cfg_keymap *km, const char *command, const char *spec,
    int *cmd, char **cause);
/* Another command bound to the same key in the same context, or -1. */
int cfg__keymap_clash(const cfg_keymap *km, int cmd);
/* "key 'x' is bound to both 'a' and 'b'", malloc'd. */
char *cfg__keymap_clash_msg(const cfg_keymap *km, int a, int b);

#endif
