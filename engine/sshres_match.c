/*
 * engine/sshres_match.c - OpenSSH's Match lines (readconf.c match_cfg_line):
 * host (against the HostName so far, lowercased), originalhost, user,
 * localuser, exec (run through $SHELL or /bin/sh, skipped once a criterion
 * has failed), all, negation with '!'; canonical and final match only in
 * the second pass a "Match final" asks for (drover does no DNS
 * canonicalisation, so that is the only second pass).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/sshres.h"

static void seterr(char **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
seterr(char **errp, const char *fmt, ...)
{
	va_list ap;

	if (*errp != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(errp, fmt, ap) < 0)
		*errp = NULL;
	va_end(ap);
}

/* OpenSSH's strdelim (sshres.c). */
#define strdelim eng__sshres_strdelim

/* ssh's execute_in_shell: the exit status, -1 when it cannot run. */
static int
run_shell(const char *cmd)
{
	const char *shell = getenv("SHELL");
	pid_t pid;
	int st, fd;

	if (shell == NULL || *shell == '\0')
		shell = "/bin/sh";
	if (access(shell, X_OK) != 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(shell, shell, "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* match_cfg_line: 1 match, 0 not, -1 malformed (error set). */
int
eng__sshres_match_line(const eng_sshres_in *in, const eng_sshres *r, const char *cond,
    int final_pass, int *want_final, char **errp)
{
	char *dup = util_xstrdup(cond), *cp = dup, *attrib, *oattrib, *arg, *host, *err = NULL;
	const char *ruser = r->user != NULL ? r->user : in->local_user;
	int result = 1, attributes = 0, negate, m;

	if (r->hostname != NULL && r->hostname_final) {
		host = util_xstrdup(r->hostname);
	} else if (r->hostname != NULL) {
		host = eng__sshres_expand_host(r->hostname, in->host, &err);
		if (host == NULL) {
			seterr(errp, "HostName: %s", err);
			free(err);
			free(dup);
			return -1;
		}
	} else {
		host = util_xstrdup(in->host);
	}
	for (char *p = host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	while ((oattrib = attrib = strdelim(&cp)) != NULL && *attrib != '\0') {
		if (*attrib == '#')
			break;
		if ((negate = attrib[0] == '!'))
			attrib++;
		if (strcasecmp(attrib, "all") == 0) {
			if (attributes > 1 || ((arg = strdelim(&cp)) != NULL &&
			    *arg != '\0' && *arg != '#')) {
				seterr(errp, "'%s' cannot be combined with other "
				    "Match attributes", oattrib);
				result = -1;
				goto out;
			}
			if (result)
				result = negate ? 0 : 1;
			goto out;
		}
		attributes++;
		if (strcasecmp(attrib, "canonical") == 0 || strcasecmp(attrib, "final") == 0) {
			/* Seen at all (even after a failed criterion): ssh reads again. */
			if (strcasecmp(attrib, "final") == 0)
				*want_final = 1;
			if (final_pass == negate)
				result = 0;
			continue;
		}
		if ((arg = strdelim(&cp)) == NULL || *arg == '\0' || *arg == '#') {
			seterr(errp, "Missing Match criteria for %s", attrib);
			result = -1;
			goto out;
		}
		if (strcasecmp(attrib, "host") == 0) {
			m = eng__sshres_match_list(host, arg, 1) == 1;
		} else if (strcasecmp(attrib, "originalhost") == 0) {
			char *oh = util_xstrdup(in->host);

			for (char *p = oh; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			m = eng__sshres_match_list(oh, arg, 1) == 1;
			free(oh);
		} else if (strcasecmp(attrib, "user") == 0) {
			m = eng__sshres_match_list(ruser, arg, 0) == 1;
		} else if (strcasecmp(attrib, "localuser") == 0) {
			m = eng__sshres_match_list(in->local_user, arg, 0) == 1;
		} else if (strcasecmp(attrib, "exec") == 0) {
			eng_sshres_local l;
			char *cmd;
			struct { char k; const char *v; } t[] = {
				{ 'C', l.hash }, { 'L', l.shorthost }, { 'd', in->home },
				{ 'h', host }, { 'k', host }, { 'l', l.thishost },
				{ 'n', in->host }, { 'p', l.port }, { 'r', ruser },
				{ 'u', in->local_user }, { 'i', l.uid },
			};
			size_t cap = strlen(arg) * 4 + 512, len = 0, i, n;
			const char *s, *v;

			eng__sshres_local_names(&l, in, host, r->port, ruser);
			cmd = util_xmalloc(cap);
			for (s = arg; *s != '\0'; s++) {
				v = NULL;
				if (*s == '%') {
					s++;
					for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
						if (t[i].k == *s)
							v = t[i].v;
					if (*s == '%')
						v = "%";
					if (v == NULL) {
						free(cmd);
						seterr(errp, "Match exec: unknown token %%%c",
						    *s != '\0' ? *s : '?');
						result = -1;
						goto out;
					}
				}
				n = v != NULL ? strlen(v) : 1;
				if (len + n + 1 > cap)
					cmd = util_xrealloc(cmd, cap = 2 * (len + n + 1));
				memcpy(cmd + len, v != NULL ? v : s, n);
				len += n;
			}
			cmd[len] = '\0';
			if (result != 1) {
				free(cmd);
				continue;   /* a criterion already failed: not run */
			}
			if (!in->run_exec) {
				m = 0;
			} else if ((m = run_shell(cmd)) < 0) {
				seterr(errp, "match exec '%.100s' error", cmd);
				free(cmd);
				result = -1;
				goto out;
			} else {
				m = m == 0;
			}
			free(cmd);
		} else {
			seterr(errp, "Unsupported Match attribute %s", attrib);
			result = -1;
			goto out;
		}
		if (m == (negate ? 1 : 0))
			result = 0;
	}
	if (attributes == 0) {
		seterr(errp, "One or more attributes required for Match");
		result = -1;
	}
out:
	free(host);
	free(dup);
	return result;
}

