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

typedef struct cfg_host {
	char *name;     /* inventory name, ssh_config alias or ad-hoc name */
	char *address;  /* HostName override; NULL: ssh config / the name */
	char *user;     /* NULL: ssh config / login name */
	int port;       /* 0: ssh config / 22 */
	char **keys;    /* identity files (~ expanded), NULL-terminated, may be NULL */
	char **tags;    /* NULL-terminated, may be NULL */
	char *jump;     /* ProxyJump spec, NULL if none */
	int in_inventory; /* 1 if declared in the inventory file */
} cfg_host;

typedef struct cfg_group {
	char *name;
	char **members; /* target expressions (names, ranges, @group, globs), NULL-terminated */
	int line;       /* line of the [group] header, for messages */
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
 *   @web&@eu      intersection
 *
 * Each result is a fresh cfg_host with inventory defaults applied (user,
 * port, keys) under the host's own settings. An expression that matches
 * nothing, an unknown group, or a malformed range is an error naming the
 * offending term.
 */
int cfg_targets_resolve(const cfg_inventory *inv, const char *expr,
    cfg_host **out, size_t *nout, char **cause);

void cfg_hosts_free(cfg_host *hosts, size_t n);

#endif
