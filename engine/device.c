/*
 * engine/device.c - commands on a network device's CLI (no POSIX shell):
 * a login shell on a pseudo-terminal of an exec channel (exec.c), driven
 * like an operator would: wait for the prompt, paging off, privileged mode
 * when asked for, then each command until the prompt returns. What the
 * device sends is cleaned as it comes (carriage returns, backspaces, CSI
 * sequences, the pager's prompt and its erasure) so that a command's
 * output is its lines, without the echoed command and the prompt.
 *
 * Why the learned prompt: the prompt regex finds the first prompt, and
 * after that the exact prompt line is what ends a command. An output line
 * that merely looks like a prompt ("#" at the end of a config line) only
 * ends a command if it is the device's own prompt text.
 *
 * Why type-ahead: one line per prompt costs a round trip per line. A CLI
 * reads its input line by line from the terminal, so what is typed while
 * it works waits there: after the first prompt the pager-off line and all
 * the commands go at once, and the output is split where the prompt comes
 * back followed by the echo of the next line typed. Two exceptions wait
 * for their prompt: the line after `enable` (the password question, then
 * the privileged prompt, must come first: typed-ahead commands would be
 * read as password attempts or run unprivileged), and everything while
 * the device pages (a pager reads the next keystroke, which would eat the
 * commands typed ahead).
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define DEV_TIMEOUT_MS 30000
#define DEV_OUT_MAX ((size_t)64 << 20)   /* one command's output */
#define DEV_COLS 511                     /* no wrapping of long commands */
/*
 * Typed ahead and not yet answered, at most: a terminal holds 4 KB of
 * input (Linux), a device's own line buffer may hold less, and what does
 * not fit is lost. More lines follow as prompts come back.
 */
#define DEV_AHEAD_MAX 1024

enum { D_LOGIN, D_RUN, D_CLOSING };
enum { K_PAGER, K_ENABLE, K_CMD };

/* A line to type, in order: paging off, enable, then each command. */
struct dev_step {
	int kind;
	const char *text;
	size_t cmd;                 /* K_CMD: index of the command */
};

struct eng_device {
	eng_conn *c;
	eng_exec *x;
	eng_device_opts o;          /* deep copy */
	char **cmds;
	regex_t re_prompt, re_enable, re_more;
	int nre;                    /* how many regexes were compiled */
	eng_device_cbs cbs;
	void *ud;
	int st;
	struct dev_step *steps;
	size_t nsteps;
	size_t cur;                 /* the step whose output is being read */
	size_t sent;                /* steps typed so far */
	char *learned;              /* the prompt line as the device shows it */
	char *buf;                  /* cleaned output of the current step */
	size_t len, cap;
	size_t scan;                /* buf before this is whole lines, checked */
	int esc;                    /* inside an escape sequence: 1 ESC, 2 CSI */
	int after_more;             /* the pager's erasure may follow */
	char erase[64];
	size_t nerase;
	int secret_sent;
	int reported;               /* on_done was called */
	uv_timer_t timer;
	eng_device_result r;
	char *error;
};

static void on_timer(uv_timer_t *t);

static void
dev_reset_buf(eng_device *d)
{
	d->len = 0;
	d->scan = 0;
	d->after_more = 0;
	d->nerase = 0;
}

static void
add_byte(eng_device *d, char ch)
{
	if (d->len + 1 >= d->cap) {
		if (d->cap >= DEV_OUT_MAX)
			return;   /* the rest is dropped; the prompt still ends it */
		d->cap = d->cap ? d->cap * 2 : 4096;
		d->buf = util_xrealloc(d->buf, d->cap);
	}
	d->buf[d->len++] = ch;
}

/* A byte after the cleaning: CR dropped, BS takes one back, escapes skipped. */
static void
clean_byte(eng_device *d, char ch)
{
	unsigned char u = (unsigned char)ch;

	if (d->esc == 1) {
		d->esc = ch == '[' ? 2 : 0;
		return;
	}
	if (d->esc == 2) {
		if (u >= 0x40 && u <= 0x7e)
			d->esc = 0;
		return;
	}
	if (ch == '\033') {
		d->esc = 1;
		return;
	}
	if (ch == '\b') {
		if (d->len > 0 && d->buf[d->len - 1] != '\n')
			d->len--;
		return;
	}
	if (ch == '\r' || (u < 0x20 && ch != '\n' && ch != '\t'))
		return;
	if (d->len > 0 && d->buf[d->len - 1] == '\n' && d->len >= DEV_OUT_MAX)
		return;
	add_byte(d, ch);
}

/*
 * After a pager prompt the device erases it with CR/BS and spaces: a run
 * of those bytes is dropped up to its last CR or BS; spaces after that are
 * the next line's indentation.
 */
static void
take_byte(eng_device *d, char ch)
{
	size_t i, last = 0;
	int seen = 0;

	if (d->after_more) {
		if ((ch == ' ' || ch == '\r' || ch == '\b') && d->nerase < sizeof(d->erase)) {
			d->erase[d->nerase++] = ch;
			return;
		}
		for (i = 0; i < d->nerase; i++)
			if (d->erase[i] == '\r' || d->erase[i] == '\b') {
				last = i + 1;
				seen = 1;
			}
		for (i = seen ? last : 0; i < d->nerase; i++)
			clean_byte(d, d->erase[i]);
		d->nerase = 0;
		d->after_more = 0;
	}
	clean_byte(d, ch);
}

static char *
last_line(eng_device *d, size_t *start)
{
	size_t i = d->len;

	while (i > 0 && d->buf[i - 1] != '\n')
		i--;
	*start = i;
	return util_xstrndup(d->buf + i, d->len - i);
}

static void
arm(eng_device *d)
{
	uv_timer_start(&d->timer, on_timer, (uint64_t)d->o.timeout_ms,
	    (uint64_t)d->o.timeout_ms);
}

static void
type_line(eng_device *d, const char *s)
{
	eng_exec_write(d->x, s, strlen(s));
	eng_exec_write(d->x, "\n", 1);
}

/* Whether step k may be typed now, while the device works on step cur. */
static int
may_type(const eng_device *d, size_t k)
{
	size_t j, ahead = strlen(d->steps[k].text) + 1;

	if (k == d->cur)
		return 1;
	if (d->o.pager_off == NULL)
		return 0;   /* the pager would read what is typed ahead */
	for (j = d->cur; j < k; j++) {
		if (d->steps[j].kind == K_ENABLE)
			return 0;
		ahead += strlen(d->steps[j].text) + 1;
	}
	return ahead <= DEV_AHEAD_MAX;
}

static void
type_ahead(eng_device *d)
{
	size_t n = 0;

	while (d->sent < d->nsteps && may_type(d, d->sent)) {
		type_line(d, d->steps[d->sent].text);
		d->sent++;
		n++;
	}
	if (n > 0)
		ENG_LOG(d->c->ctx, "%s: device: typed %zu line(s), %zu of %zu", d->c->name, n,
		    d->sent, d->nsteps);
	arm(d);
}

static void
dev_report(eng_device *d)
{
	if (d->reported)
		return;
	d->reported = 1;
	d->r.error = d->error;
	if (d->cbs.on_done != NULL)
		d->cbs.on_done(d, &d->r, d->ud);
}

/*
 * The result goes out at once: the last prompt holds everything there is
 * to know, and the caller may close the connection without waiting for
 * the device to log out (a round trip for nothing).
 */
static void
dev_stop(eng_device *d, const char *error)
{
	if (d->st == D_CLOSING)
		return;
	d->st = D_CLOSING;
	uv_timer_stop(&d->timer);
	if (error != NULL && d->error == NULL)
		d->error = util_xstrdup(error);
	if (d->x != NULL) {
		/* Polite first: a device that logs out closes by itself. */
		eng_exec_write(d->x, "exit\n", 5);
		eng__exec_close_channel(d->x);
	}
	dev_report(d);
}

/*
 * Step cur ended where its prompt begins (buf[0..end)); its output is
 * what came before, without the first line (the device echoing what we
 * typed). skip: how much of buf goes with it.
 */
static void
step_done(eng_device *d, size_t end, size_t skip)
{
	const struct dev_step *s = &d->steps[d->cur];
	const char *out = d->buf, *nl;
	size_t olen = end;

	if ((nl = memchr(out, '\n', olen)) != NULL) {
		olen -= (size_t)(nl + 1 - out);
		out = nl + 1;
	} else {
		olen = 0;
	}
	if (s->kind == K_CMD) {
		if (d->cbs.on_command != NULL)
			d->cbs.on_command(d, s->cmd, out, olen, d->ud);
		d->r.done = s->cmd + 1;
	}
	ENG_LOG(d->c->ctx, "%s: device: step %zu of %zu done", d->c->name, d->cur + 1,
	    d->nsteps);
	d->cur++;
	if (skip >= d->len) {
		dev_reset_buf(d);
	} else {
		memmove(d->buf, d->buf + skip, d->len - skip);
		d->len -= skip;
		d->scan = 0;
	}
	if (d->cur == d->nsteps) {
		dev_stop(d, NULL);
		return;
	}
	type_ahead(d);
}

/*
 * A whole line "PROMPT" + the echo of the next line typed ahead ends the
 * current step; the echo starts the next one. 1 if one ended.
 */
static int
find_boundary(eng_device *d)
{
	const char *next = d->steps[d->cur + 1].text;
	size_t pl = strlen(d->learned), nl = strlen(next), i, e;

	for (i = d->scan; i < d->len; i = e + 1) {
		const char *p = memchr(d->buf + i, '\n', d->len - i);

		if (p == NULL)
			break;
		e = (size_t)(p - d->buf);
		d->scan = e + 1;
		if (e - i >= pl + nl && memcmp(d->buf + i, d->learned, pl) == 0 &&
		    memcmp(d->buf + i + pl, next, nl) == 0 &&
		    strspn(d->buf + i + pl + nl, " ") == e - i - pl - nl) {
			step_done(d, i, i + pl);
			return 1;
		}
	}
	return 0;
}

/* The enable step's answers, on the last line: 1 if it ended. */
static int
check_enable(eng_device *d, char *line)
{
	if (regexec(&d->re_enable, line, 0, NULL, 0) == 0) {
		if (d->secret_sent || d->o.secret == NULL) {
			d->r.denied = 1;
			dev_stop(d, d->o.secret == NULL ? "enable: a secret is required" :
			    "enable: authentication failed");
			return 1;
		}
		/* Only now, and only to the question: never typed ahead. */
		d->secret_sent = 1;
		dev_reset_buf(d);
		type_line(d, d->o.secret);
		arm(d);
		return 1;
	}
	if (regexec(&d->re_prompt, line, 0, NULL, 0) != 0)
		return 0;
	if (strcmp(line, d->learned) == 0) {
		d->r.denied = 1;
		dev_stop(d, "enable: authentication failed");
		return 1;
	}
	free(d->learned);
	d->learned = util_xstrdup(line);
	step_done(d, d->len, d->len);
	return 1;
}

static void
check(eng_device *d)
{
	size_t ls;
	char *line;
	int again;

	do {
		again = 0;
		if (d->st == D_RUN && d->cur + 1 < d->sent && find_boundary(d)) {
			again = 1;
			continue;
		}
		if (d->st == D_CLOSING)
			return;
		line = last_line(d, &ls);
		if (d->st == D_RUN && regexec(&d->re_more, line, 0, NULL, 0) == 0) {
			d->len = ls;
			if (d->scan > ls)
				d->scan = ls;
			d->after_more = 1;
			eng_exec_write(d->x, " ", 1);
		} else if (d->st == D_LOGIN) {
			if (regexec(&d->re_prompt, line, 0, NULL, 0) == 0) {
				free(d->learned);
				d->learned = line;
				line = NULL;
				ENG_LOG(d->c->ctx, "%s: device: first prompt", d->c->name);
				dev_reset_buf(d);
				d->st = D_RUN;
				if (d->nsteps == 0)
					dev_stop(d, NULL);
				else
					type_ahead(d);
			}
		} else if (d->steps[d->cur].kind == K_ENABLE) {
			again = check_enable(d, line) && d->st == D_RUN;
		} else if (d->cur + 1 == d->sent && strcmp(line, d->learned) == 0) {
			step_done(d, ls, d->len);
			again = d->st == D_RUN;
		}
		free(line);
	} while (again);
}

static void
on_timer(uv_timer_t *t)
{
	eng_device *d = t->data;
	char *why;

	d->r.timed_out = 1;
	if (d->st == D_LOGIN)
		why = util_xasprintf("no prompt within %ds of login", d->o.timeout_ms / 1000);
	else
		why = util_xasprintf("'%s': prompt did not return within %ds",
		    d->steps[d->cur].text, d->o.timeout_ms / 1000);
	eng__conn_enter(d->c);
	dev_stop(d, why);
	eng__conn_leave(d->c);
	free(why);
}

static void
on_x_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	eng_device *d = ud;
	size_t i;

	(void)x;
	(void)stream;
	if (d->st == D_CLOSING)
		return;
	for (i = 0; i < len; i++)
		take_byte(d, buf[i]);
	check(d);
}

static void
on_timer_closed(uv_handle_t *h)
{
	eng_device *d = h->data;
	size_t i;

	for (i = 0; i < d->o.ncommands; i++)
		free(d->cmds[i]);
	free(d->cmds);
	free(d->steps);
	free((char *)d->o.prompt);
	free((char *)d->o.pager_off);
	free((char *)d->o.enable);
	free((char *)d->o.enable_prompt);
	free((char *)d->o.more);
	if (d->o.secret != NULL) {
		explicit_bzero((char *)d->o.secret, strlen(d->o.secret));
		free((char *)d->o.secret);
	}
	if (d->nre >= 1)
		regfree(&d->re_prompt);
	if (d->nre >= 2)
		regfree(&d->re_enable);
	if (d->nre >= 3)
		regfree(&d->re_more);
	free(d->learned);
	free(d->buf);
	free(d->error);
	free(d);
}

/* The channel is gone; the result went out already unless it ended first. */
static void
on_x_done(eng_exec *x, const eng_exec_result *xr, void *ud)
{
	eng_device *d = ud;

	(void)x;
	d->x = NULL;
	uv_timer_stop(&d->timer);
	if (d->st != D_CLOSING && d->error == NULL) {
		if (xr->error != NULL) {
			d->error = util_xstrdup(xr->error);
			d->r.fail = xr->fail;
		} else {
			d->error = util_xstrdup(d->st == D_LOGIN ? "the device closed the "
			    "session before its prompt" : "the device closed the session");
		}
	}
	d->st = D_CLOSING;
	dev_report(d);
	uv_close((uv_handle_t *)&d->timer, on_timer_closed);
}

/* The shell runs: a device that never shows its prompt meets the deadline. */
static void
on_x_running(eng_exec *x, void *ud)
{
	eng_device *d = ud;

	(void)x;
	if (d->st == D_LOGIN)
		arm(d);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? util_xstrdup(s) : NULL;
}

static void
plan_steps(eng_device *d)
{
	size_t i, n = 0;

	d->steps = util_xcalloc(d->o.ncommands + 2, sizeof(*d->steps));
	if (d->o.pager_off != NULL)
		d->steps[n++] = (struct dev_step){ K_PAGER, d->o.pager_off, 0 };
	if (d->o.want_enable && d->o.enable != NULL)
		d->steps[n++] = (struct dev_step){ K_ENABLE, d->o.enable, 0 };
	for (i = 0; i < d->o.ncommands; i++)
		d->steps[n++] = (struct dev_step){ K_CMD, d->cmds[i], i };
	d->nsteps = n;
}

int
eng_device_start(eng_conn *c, const eng_device_opts *o, const eng_device_cbs *cbs,
    void *ud, eng_device **out)
{
	static const eng_exec_cbs xcbs = { on_x_data, on_x_done };
	eng_exec_opts xo;
	eng_device *d;
	size_t i;
	int r;

	*out = NULL;
	if (c == NULL || o == NULL || o->prompt == NULL)
		return ENG_EINVAL;
	d = util_xcalloc(1, sizeof(*d));
	d->c = c;
	d->o = *o;
	d->o.prompt = util_xstrdup(o->prompt);
	d->o.pager_off = dup_or_null(o->pager_off);
	d->o.enable = dup_or_null(o->enable);
	d->o.enable_prompt = util_xstrdup(o->enable_prompt ? o->enable_prompt :
	    "[Pp]assword: *$");
	d->o.more = util_xstrdup(o->more ? o->more : "--+ ?\\(?[Mm]ore.*--+ ?$");
	d->o.secret = dup_or_null(o->secret);
	if (d->o.timeout_ms <= 0)
		d->o.timeout_ms = DEV_TIMEOUT_MS;
	d->cmds = util_xcalloc(o->ncommands + 1, sizeof(char *));
	for (i = 0; i < o->ncommands; i++)
		d->cmds[i] = util_xstrdup(o->commands[i]);
	d->o.commands = NULL;
	plan_steps(d);
	if (cbs != NULL)
		d->cbs = *cbs;
	d->ud = ud;
	uv_timer_init(c->ctx->loop, &d->timer);
	d->timer.data = d;
	r = ENG_EINVAL;
	/* The inventory refused such patterns already; options from elsewhere too. */
	if (util_regex_unsafe(d->o.prompt) != NULL || util_regex_unsafe(d->o.enable_prompt) != NULL ||
	    util_regex_unsafe(d->o.more) != NULL)
		goto fail;
	if (regcomp(&d->re_prompt, d->o.prompt, REG_EXTENDED | REG_NOSUB) != 0)
		goto fail;
	d->nre = 1;
	if (regcomp(&d->re_enable, d->o.enable_prompt, REG_EXTENDED | REG_NOSUB) != 0)
		goto fail;
	d->nre = 2;
	if (regcomp(&d->re_more, d->o.more, REG_EXTENDED | REG_NOSUB) != 0)
		goto fail;
	d->nre = 3;
	memset(&xo, 0, sizeof(xo));
	xo.pty = 1;
	xo.term = "vt100";
	xo.cols = DEV_COLS;
	xo.rows = 24;
	xo.alone = 1;
	if ((r = eng_exec_start(c, NULL, &xo, &xcbs, d, &d->x)) != 0)
		goto fail;
	d->st = D_LOGIN;
	d->x->on_running = on_x_running;
	*out = d;
	return 0;
fail:
	uv_close((uv_handle_t *)&d->timer, on_timer_closed);
	return r;
}

void
eng_device_cancel(eng_device *d)
{
	if (d == NULL)
		return;
	eng__conn_enter(d->c);
	dev_stop(d, "cancelled");
	eng__conn_leave(d->c);
}
