/*
 * engine/exec_sudo.c - a command under sudo with the password typed once:
 * the eng_sudo object (password, the run's unique prompt), the command
 * line that wraps a command in `sudo -S -p PROMPT`, and the stderr filter
 * that answers the prompt on the host that shows it (exec.c calls in).
 *
 * Why a prompt unique to the run and a tag: `sudo -S` reads the password
 * from stdin, the same pipe the command's input comes on, and whether a
 * host asks at all (NOPASSWD, a cached timestamp) is only known there. So
 * nothing goes to stdin until either our prompt shows on stderr (then the
 * password goes, once) or the shell sudo started prints the tag (sudo is
 * done: the command's own input may flow). A second prompt means the
 * password was refused: stdin is closed so sudo exits at once, and the
 * host is reported denied instead of answering again in a loop. Nothing
 * sudo prints before the tag (lecture, prompt, "Sorry, try again.") is
 * shown; if sudo ends without the tag (not in sudoers, no sudo), what it
 * said is given back as the command's stderr.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "engine/engine_int.h"

#define SUDO_HOLD_MAX 8192   /* stderr kept while looking; more is passed on */

struct eng_sudo {
	char *user;
	char *password;      /* with "\n", mlock'ed, wiped on free */
	size_t pwlen;
	char prompt[48];     /* "drover-sudo-<hex>: " */
	char tag[48];        /* "\036drover-sudo-<hex>-ok\n" */
};

eng_sudo *
eng_sudo_new(const char *user, const char *password)
{
	eng_sudo *s = util_xcalloc(1, sizeof(*s));
	unsigned char rnd[12];
	char hex[sizeof(rnd) * 2 + 1];
	size_t i, got = 0;
	ssize_t r;

	while (got < sizeof(rnd)) {
		if ((r = getrandom(rnd + got, sizeof(rnd) - got, 0)) <= 0)
			abort();   /* no randomness: no unique prompt, no safe run */
		got += (size_t)r;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	snprintf(s->prompt, sizeof(s->prompt), "drover-sudo-%s: ", hex);
	snprintf(s->tag, sizeof(s->tag), "\036drover-sudo-%s-ok\n", hex);
	s->user = util_xstrdup(user);
	if (password != NULL) {
		s->pwlen = strlen(password) + 1;
		s->password = util_xmalloc(s->pwlen + 1);
		(void)mlock(s->password, s->pwlen + 1);   /* best effort: no swap */
		memcpy(s->password, password, s->pwlen - 1);
		s->password[s->pwlen - 1] = '\n';
		s->password[s->pwlen] = '\0';
	}
	return s;
}

void
eng_sudo_free(eng_sudo *s)
{
	if (s == NULL)
		return;
	if (s->password != NULL) {
		explicit_bzero(s->password, s->pwlen + 1);
		(void)munlock(s->password, s->pwlen + 1);
		free(s->password);
	}
	free(s->user);
	free(s);
}

const char *
eng_sudo_prompt(const eng_sudo *s)
{
	return s->prompt;
}

char *
eng__sudo_wrap(const eng_sudo *s, const char *command)
{
	char *inner, *qi, *qp, *qu = NULL, *out;

	/* The tag is the first thing the shell under sudo does: sudo is done. */
	inner = util_xasprintf("printf '\\036%.*s\\n' >&2; %s",
	    (int)(strlen(s->tag) - 2), s->tag + 1, command);
	qi = util_shell_quote(inner);
	qp = util_shell_quote(s->prompt);
	if (s->user != NULL)
		qu = util_shell_quote(s->user);
	out = util_xasprintf("sudo -S -p %s%s%s -- sh -c %s", qp, qu ? " -u " : "",
	    qu ? qu : "", qi);
	free(inner);
	free(qi);
	free(qp);
	free(qu);
	return out;
}

static void
hold_drop(eng_exec *x, size_t n)
{
	memmove(x->sudo_hold, x->sudo_hold + n, x->sudo_holdlen - n);
	x->sudo_holdlen -= n;
}

void
eng__sudo_filter(eng_exec *x, const char *buf, size_t len)
{
	const eng_sudo *s = x->sudo;
	size_t plen = strlen(s->prompt), tlen = strlen(s->tag);
	char *pp, *tp;

	if (x->sudo_st == EXEC_SUDO_DENIED)
		return;   /* sudo's complaints after a refusal: not output */
	if (x->sudo_hold == NULL)
		x->sudo_hold = util_xmalloc(SUDO_HOLD_MAX + 1);
	while (len > 0 && x->sudo_st == EXEC_SUDO_WAIT) {
		size_t take = SUDO_HOLD_MAX - x->sudo_holdlen;

		if (take > len)
			take = len;
		memcpy(x->sudo_hold + x->sudo_holdlen, buf, take);
		x->sudo_holdlen += take;
		buf += take;
		len -= take;
		for (;;) {
			pp = memmem(x->sudo_hold, x->sudo_holdlen, s->prompt, plen);
			tp = memmem(x->sudo_hold, x->sudo_holdlen, s->tag, tlen);
			if (tp != NULL && (pp == NULL || tp < pp)) {
				/* sudo let the command start: the rest is its stderr. */
				hold_drop(x, (size_t)(tp - x->sudo_hold) + tlen);
				x->sudo_st = EXEC_SUDO_READY;
				if (x->sudo_holdlen > 0)
					eng__exec_deliver(x, 2, x->sudo_hold, x->sudo_holdlen);
				x->sudo_holdlen = 0;
				if (len > 0)
					eng__exec_deliver(x, 2, buf, len);
				eng__conn_kick(x->c);   /* input and EOF may go now */
				return;
			}
			if (pp == NULL)
				break;
			hold_drop(x, (size_t)(pp - x->sudo_hold) + plen);
			if (!x->sudo_sent && s->password != NULL) {
				x->sudo_sent = 1;
				ENG_LOG(x->c->ctx, "%s: sudo asked; password sent", x->c->name);
				eng__exec_queue(x, s->password, s->pwlen);
				continue;
			}
			/* Asked again (refused) or nothing to answer: end it now. */
			ENG_LOG(x->c->ctx, "%s: sudo refused the password", x->c->name);
			x->sudo_st = EXEC_SUDO_DENIED;
			x->sudo_denied = 1;
			x->sudo_holdlen = 0;
			eng_exec_send_eof(x);
			return;
		}
		if (x->sudo_holdlen == SUDO_HOLD_MAX) {
			/* Not sudo talking: pass on all but a possible partial match. */
			size_t keep = plen > tlen ? plen : tlen;

			eng__exec_deliver(x, 2, x->sudo_hold, x->sudo_holdlen - keep);
			hold_drop(x, x->sudo_holdlen - keep);
		}
	}
}

void
eng__sudo_end(eng_exec *x)
{
	if (x->sudo_st == EXEC_SUDO_WAIT && x->sudo_holdlen > 0)
		eng__exec_deliver(x, 2, x->sudo_hold, x->sudo_holdlen);
	x->sudo_holdlen = 0;
	free(x->sudo_hold);
	x->sudo_hold = NULL;
}
