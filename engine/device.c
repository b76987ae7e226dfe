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
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define DEV_TIMEOUT_MS 30000
#define DEV_OUT_MAX ((size_t)64 << 20)   /* one command's output */
#define DEV_COLS 511                     /* no wrapping of long commands */

enum { D_LOGIN, D_PAGER, D_ENABLE, D_CMD, D_CLOSING };

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
	size_t cmd;
	char *learned;              /* the prompt line as the device shows it */
	char *buf;                  /* cleaned output since the last thing sent */
	size_t len, cap;
	int esc;                    /* inside an escape sequence: 1 ESC, 2 CSI */
	int after_more;             /* the pager's erasure may follow */
	char erase[64];
	size_t nerase;
	int pager_done, enable_done, secret_sent;
	uv_timer_t timer;
	eng_device_result r;
	char *error;
};

static const struct {
	const char *name;
	eng_device_opts o;
} presets[] = {
	{ "ios", { "^[A-Za-z0-9._()/:-]+[>#] ?$", "terminal length 0", "enable",
	    "[Pp]assword: *$", NULL, NULL, 0, NULL, 0, 0 } },
	{ "eos", { "^[A-Za-z0-9._()/:-]+[>#] ?$", "terminal length 0", "enable",
	    "[Pp]assword: *$", NULL, NULL, 0, NULL, 0, 0 } },
	{ "junos", { "^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#%] ?$", "set cli screen-length 0",
	    NULL, NULL, NULL, NULL, 0, NULL, 0, 0 } },
};

int
eng_device_preset(const char *name, eng_device_opts *o)
{
	size_t i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(name, presets[i].name) == 0) {
			*o = presets[i].o;
			return 0;
		}
	}
	return ENG_EINVAL;
}

static void dev_next(eng_device *d);
static void on_timer(uv_timer_t *t);

static void
dev_reset_buf(eng_device *d)
{
	d->len = 0;
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
send_line(eng_device *d, const char *s)
{
	dev_reset_buf(d);
	eng_exec_write(d->x, s, strlen(s));
	eng_exec_write(d->x, "\n", 1);
	uv_timer_start(&d->timer, on_timer, (uint64_t)d->o.timeout_ms,
	    (uint64_t)d->o.timeout_ms);
}

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
}

static void
check(eng_device *d)
{
	size_t ls;
	char *line;

	while (d->st != D_CLOSING) {
		line = last_line(d, &ls);
		if (d->st != D_LOGIN && regexec(&d->re_more, line, 0, NULL, 0) == 0) {
			d->len = ls;
			d->after_more = 1;
			eng_exec_write(d->x, " ", 1);
			free(line);
			return;
		}
		switch (d->st) {
		case D_LOGIN:
			if (regexec(&d->re_prompt, line, 0, NULL, 0) != 0)
				goto wait;
			free(d->learned);
			d->learned = line;
			dev_next(d);
			return;
		case D_PAGER:
			if (strcmp(line, d->learned) != 0)
				goto wait;
			free(line);
			dev_next(d);
			return;
		case D_ENABLE:
			if (regexec(&d->re_enable, line, 0, NULL, 0) == 0) {
				free(line);
				if (d->secret_sent || d->o.secret == NULL) {
					d->r.denied = 1;
					dev_stop(d, d->o.secret == NULL ? "enable: a secret is "
					    "required" : "enable: authentication failed");
					return;
				}
				d->secret_sent = 1;
				send_line(d, d->o.secret);
				return;
			}
			if (regexec(&d->re_prompt, line, 0, NULL, 0) != 0)
				goto wait;
			if (strcmp(line, d->learned) == 0) {
				free(line);
				d->r.denied = 1;
				dev_stop(d, "enable: authentication failed");
				return;
			}
			free(d->learned);
			d->learned = line;
			dev_next(d);
			return;
		case D_CMD: {
			const char *out = d->buf, *nl;
			size_t olen = ls;

			if (strcmp(line, d->learned) != 0)
				goto wait;
			free(line);
			/* The first line is the device echoing what we typed. */
			if ((nl = memchr(out, '\n', olen)) != NULL) {
				olen -= (size_t)(nl + 1 - out);
				out = nl + 1;
			} else {
				olen = 0;
			}
			if (d->cbs.on_command != NULL)
				d->cbs.on_command(d, d->cmd, out, olen, d->ud);
			d->cmd++;
			d->r.done = d->cmd;
			dev_next(d);
			return;
		}
		default:
			free(line);
			return;
		}
	}
	return;
wait:
	free(line);
}

static void
dev_next(eng_device *d)
{
	if (d->o.pager_off != NULL && !d->pager_done) {
		d->pager_done = 1;
		d->st = D_PAGER;
		send_line(d, d->o.pager_off);
		return;
	}
	if (d->o.want_enable && d->o.enable != NULL && !d->enable_done) {
		d->enable_done = 1;
		d->st = D_ENABLE;
		send_line(d, d->o.enable);
		return;
	}
	if (d->cmd < d->o.ncommands) {
		d->st = D_CMD;
		send_line(d, d->cmds[d->cmd]);
		return;
	}
	dev_stop(d, NULL);
}

static void
on_timer(uv_timer_t *t)
{
	eng_device *d = t->data;
	char *why;

	d->r.timed_out = 1;
	switch (d->st) {
	case D_LOGIN:
		why = util_xasprintf("no prompt within %ds of login", d->o.timeout_ms / 1000);
		break;
	case D_CMD:
		why = util_xasprintf("'%s': prompt did not return within %ds", d->cmds[d->cmd],
		    d->o.timeout_ms / 1000);
		break;
	default:
		why = util_xasprintf("'%s': prompt did not return within %ds",
		    d->st == D_PAGER ? d->o.pager_off : d->o.enable, d->o.timeout_ms / 1000);
		break;
	}
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
	d->r.error = d->error;
	if (d->cbs.on_done != NULL)
		d->cbs.on_done(d, &d->r, d->ud);
	uv_close((uv_handle_t *)&d->timer, on_timer_closed);
}

/* The shell runs: a device that never shows its prompt meets the deadline. */
static void
on_x_running(eng_exec *x, void *ud)
{
	eng_device *d = ud;

	(void)x;
	if (d->st == D_LOGIN)
		uv_timer_start(&d->timer, on_timer, (uint64_t)d->o.timeout_ms,
		    (uint64_t)d->o.timeout_ms);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? util_xstrdup(s) : NULL;
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
	if (cbs != NULL)
		d->cbs = *cbs;
	d->ud = ud;
	uv_timer_init(c->ctx->loop, &d->timer);
	d->timer.data = d;
	r = ENG_EINVAL;
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
