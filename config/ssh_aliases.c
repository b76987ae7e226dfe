/*
 * config/ssh_aliases.c - the literal Host names of an OpenSSH client config,
 * added to an inventory as known names so that "web*" or "db1" can refer to
 * hosts that only ~/.ssh/config knows. Owns the small ssh_config reader:
 * keywords (case-insensitive, "Key value" or "Key=value"), quoting as
 * OpenSSH's argv_split() does it, Include with globs, ~ and nesting limit.
 * Everything else in the file is ignored: libssh (or ssh -G) applies the
 * real settings later, in engine/. Talks to inventory.c only through
 * cfg_inventory's aliases list.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config/config_int.h"

struct sshparse {
	cfg__names names;       /* aliases, old ones first */
	char *base;             /* directory relative Includes start from */
	char *err;
};

static int sshfail(struct sshparse *, const char *, ...) CFG__PRINTF(2, 3);

static int
sshfail(struct sshparse *sp, const char *fmt, ...)
{
	va_list ap;

	if (sp->err == NULL) {
		va_start(ap, fmt);
		sp->err = util_xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/*
 * Splits the arguments of one line the way OpenSSH does: whitespace
 * separates, single and double quotes group, a backslash escapes a quote, a
 * backslash or (outside quotes) a space, and an unquoted '#' starting an
 * argument ends the line. Returns -1 on an unterminated quote.
 */
static int
split_args(const char *s, util_strv *out)
{
	char *arg = util_xmalloc(strlen(s) + 1), quote;
	size_t j;
	int rc = -1;

	for (;;) {
		while (is_space(*s))
			s++;
		if (*s == '\0' || *s == '#')
			break;
		quote = 0;
		for (j = 0; *s != '\0'; s++) {
			if (*s == '\\' && (s[1] == '\'' || s[1] == '"' ||
			    s[1] == '\\' || (quote == 0 && s[1] == ' '))) {
				arg[j++] = *++s;
			} else if (quote == 0 && is_space(*s)) {
				break;
			} else if (quote == 0 && (*s == '"' || *s == '\'')) {
				quote = *s;
			} else if (quote != 0 && *s == quote) {
				quote = 0;
			} else
				arg[j++] = *s;
		}
		if (quote != 0)
			goto out;
		arg[j] = '\0';
		util_strv_push(out, arg);
	}
	rc = 0;
out:
	free(arg);
	return rc;
}

static void
add_hosts(struct sshparse *sp, const util_strv *args)
{
	size_t i;

	for (i = 0; i < args->n; i++) {
		/* Patterns and negations name no host of their own. */
		if (strpbrk(args->v[i], "*?!") != NULL)
			continue;
		/* Nor can names that our target syntax cannot spell. */
		if (!cfg__valid_hostname(args->v[i]))
			continue;
		cfg__names_add(&sp->names, args->v[i], NULL);
	}
}

static int read_config(struct sshparse *, const char *, int, int);

static int
include(struct sshparse *sp, const char *file, int line, const util_strv *args,
    int depth)
{
	glob_t g;
	char *pat = NULL;
	size_t i, k;
	int r, rc = -1;

	if (args->n == 0)
		return sshfail(sp, "%s:%d: Include without argument", file,
		    line);
	if (depth + 1 > CFG_SSH_MAX_DEPTH)
		return sshfail(sp, "%s:%d: Include nested too deep (more than "
		    "%d levels)", file, line, CFG_SSH_MAX_DEPTH);
	for (i = 0; i < args->n; i++) {
		free(pat);
		/* GLOB_TILDE expands "~" ($HOME) and "~user" as ssh does. */
		if (args->v[i][0] == '~' || args->v[i][0] == '/')
			pat = util_xstrdup(args->v[i]);
		else
			pat = util_xasprintf("%s/%s", sp->base, args->v[i]);
		memset(&g, 0, sizeof g);
		r = glob(pat, GLOB_TILDE, NULL, &g);
		if (r == GLOB_NOMATCH) {
			globfree(&g);
			continue;       /* as OpenSSH: nothing to include */
		}
		if (r != 0) {
			globfree(&g);
			sshfail(sp, "%s:%d: Include '%s': cannot expand", file,
			    line, args->v[i]);
			goto out;
		}
		for (k = 0; k < g.gl_pathc; k++)
			if (read_config(sp, g.gl_pathv[k], depth + 1, 0) != 0)
				break;
		globfree(&g);
		if (sp->err != NULL)
			goto out;
	}
	rc = 0;
out:
	free(pat);
	return rc;
}

/* must_exist: the user named this file (or it is not an Include match). */
static int
read_config(struct sshparse *sp, const char *path, int depth, int must_exist)
{
	util_strv args = { 0 };
	struct stat st;
	FILE *f = NULL;
	char *buf = NULL, *s, *kw;
	size_t cap = 0;
	ssize_t n;
	int line = 0, rc = -1;

	if ((f = fopen(path, "re")) == NULL) {
		if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return sshfail(sp, "cannot read %s: %s", path, strerror(errno));
	}
	if (fstat(fileno(f), &st) == -1) {
		sshfail(sp, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A glob may match directories or sockets; ssh skips them too. */
		if (depth > 0) {
			rc = 0;
			goto out;
		}
		sshfail(sp, "cannot read %s: %s", path, S_ISDIR(st.st_mode) ?
		    strerror(EISDIR) : "not a regular file");
		goto out;
	}
	while ((n = getline(&buf, &cap, f)) != -1) {
		line++;
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			sshfail(sp, "%s:%d: NUL byte in line", path, line);
			goto out;
		}
		for (s = buf; is_space(*s); s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		/* The keyword ends at whitespace or '=' ("Host=a b"). */
		kw = s;
		while (*s != '\0' && !is_space(*s) && *s != '=')
			s++;
		if (*s != '\0') {
			while (is_space(*s))
				*s++ = '\0';
			if (*s == '=')
				*s++ = '\0';
		}
		util_strv_clear(&args);
		if (split_args(s, &args) != 0) {
			sshfail(sp, "%s:%d: unterminated quote", path, line);
			goto out;
		}
		if (strcasecmp(kw, "host") == 0)
			add_hosts(sp, &args);
		else if (strcasecmp(kw, "include") == 0 &&
		    include(sp, path, line, &args, depth) != 0)
			goto out;
	}
	if (ferror(f)) {
		sshfail(sp, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	util_strv_clear(&args);
	free(buf);
	fclose(f);
	return rc;
}

int
cfg_inventory_add_ssh_aliases(cfg_inventory *inv, const char *path,
    char **cause)
{
	struct sshparse sp;
	char *home = cfg__home(), *defpath = NULL;
	size_t i;
	int rc = -1;

	memset(&sp, 0, sizeof sp);
	for (i = 0; inv->aliases != NULL && inv->aliases[i] != NULL; i++)
		cfg__names_add(&sp.names, inv->aliases[i], NULL);
	if (path == NULL)
		path = defpath = util_xasprintf("%s/.ssh/config", home);
	/*
	 * OpenSSH resolves relative Includes against ~/.ssh for user files
	 * (-F ones too) and against /etc/ssh for the system file.
	 */
	if (strncmp(path, "/etc/ssh/", 9) == 0)
		sp.base = util_xstrdup("/etc/ssh");
	else
		sp.base = util_xasprintf("%s/.ssh", home);
	if (read_config(&sp, path, 0, defpath == NULL) != 0) {
		cfg__set_cause(cause, "%s", sp.err);
		goto out;
	}
	/* Replace the list only on success: an error leaves inv unchanged. */
	util_list_free(inv->aliases);
	inv->aliases = util_xcalloc(sp.names.n + 1, sizeof *inv->aliases);
	for (i = 0; i < sp.names.n; i++) {
		inv->aliases[i] = sp.names.v[i];
		sp.names.v[i] = NULL;
	}
	inv->naliases = sp.names.n;
	rc = 0;
out:
	for (i = 0; i < sp.names.n; i++)
		free(sp.names.v[i]);
	sp.names.n = 0;
	cfg__names_clear(&sp.names);
	free(sp.base);
	free(sp.err);
	free(defpath);
	free(home);
	return rc;
}
