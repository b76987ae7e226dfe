/*
 * tests/config/cfgtest.h - helpers for the config tests: a scratch directory
 * per test (created in .init, removed in .fini so a failed assertion still
 * cleans up), files written into it, and resolving an expression to one
 * comparable string. Header-only so every test_*.c stays one executable.
 */
#ifndef DROVER_CFGTEST_H
#define DROVER_CFGTEST_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

static char tdir[256];   /* small, so paths built from it never truncate */

static inline void
tdir_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tdir, sizeof tdir, "%s/drover-cfgtest-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(tdir), "mkdtemp failed");
}

static inline int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
tdir_teardown(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tdir[0] = '\0';
}

/* Path of name inside the scratch directory (static buffer, rotating). */
static inline const char *
tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tdir, name);
	return buf[i];
}

/* Writes len bytes (or strlen(text) when len is 0); returns the path. */
static inline const char *
twrite_len(const char *name, const char *text, size_t len)
{
	const char *path = tpath(name);
	char dir[PATH_MAX], *slash;
	FILE *f;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		/* Intermediate directories, one level at a time. */
		for (char *p = dir + strlen(tdir) + 1; *p != '\0'; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		}
		mkdir(dir, 0700);
	}
	f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot create %s", path);
	if (len == 0)
		len = strlen(text);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static inline const char *
twrite(const char *name, const char *text)
{
	return twrite_len(name, text, 0);
}

/* Loads text as an inventory file; fails the test on error. */
static inline cfg_inventory *
tload(const char *text)
{
	cfg_inventory *inv = NULL;
	char *cause = NULL;
	const char *path = twrite("inventory.ini", text);

	cr_assert_eq(cfg_inventory_load(path, &inv, &cause), 0,
	    "load failed: %s", cause ? cause : "(no cause)");
	cr_assert_not_null(inv);
	cr_assert_null(cause);
	return inv;
}

/*
 * Loads text expecting an error; returns the message with the file path
 * prefix replaced by "FILE" so that expectations stay constant.
 */
static inline char *
tload_error(const char *text, size_t len)
{
	cfg_inventory *inv = (cfg_inventory *)1;
	char *cause = NULL, *msg;
	const char *path = twrite_len("inventory.ini", text, len);
	size_t plen = strlen(path);

	cr_assert_eq(cfg_inventory_load(path, &inv, &cause), -1,
	    "load of %s succeeded", path);
	cr_assert_null(inv, "*out must be NULL on error");
	cr_assert_not_null(cause);
	cr_assert_eq(strncmp(cause, path, plen), 0, "message '%s' does not "
	    "start with the path", cause);
	msg = malloc(strlen(cause) - plen + 5);
	cr_assert_not_null(msg);
	sprintf(msg, "FILE%s", cause + plen);
	free(cause);
	return msg;
}

static inline size_t
tcount(char **list)
{
	size_t n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	return n;
}

/* Joins a NULL-terminated list with spaces ("" for NULL). */
static inline char *
tjoin(char **list)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		len += strlen(list[i]) + 1;
	s = calloc(1, len);
	cr_assert_not_null(s);
	for (i = 0; list != NULL && list[i] != NULL; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, list[i]);
	}
	return s;
}

/*
 * Resolves expr and returns the host names joined by spaces, or
 * "ERR: message" (with the inventory path replaced by "FILE").
 */
static inline char *
tresolve(const cfg_inventory *inv, const char *expr)
{
	cfg_host *hosts = NULL;
	size_t n = 0, len = 1, i;
	char *cause = NULL, *s, *at;

	if (cfg_targets_resolve(inv, expr, &hosts, &n, &cause) != 0) {
		cr_assert_null(hosts);
		cr_assert_eq(n, 0);
		cr_assert_not_null(cause);
		at = inv->path != NULL ? strstr(cause, inv->path) : NULL;
		s = malloc(strlen(cause) + 16);
		cr_assert_not_null(s);
		if (at != NULL)
			sprintf(s, "ERR: %.*sFILE%s", (int)(at - cause), cause,
			    at + strlen(inv->path));
		else
			sprintf(s, "ERR: %s", cause);
		free(cause);
		return s;
	}
	cr_assert_null(cause);
	cr_assert_gt(n, 0);
	for (i = 0; i < n; i++)
		len += strlen(hosts[i].name) + 1;
	s = calloc(1, len);
	cr_assert_not_null(s);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, hosts[i].name);
	}
	cfg_hosts_free(hosts, n);
	return s;
}

/* Line number (1-based) of the first line of text that starts with prefix. */
static inline int
tline_of(const char *text, const char *prefix)
{
	int line = 1;
	const char *p = text;

	for (;;) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return line;
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
		line++;
	}
	cr_assert_fail("'%s' not in fixture", prefix);
	return -1;
}

#endif
