/*
 * tui/cli/ttyprompt.c - headless answers to engine prompts (passphrase,
 * password, keyboard-interactive) on /dev/tty, one question at a time, with
 * echo off unless the server allows it. Never reads stdin (it may be data)
 * and never echoes secrets; with no terminal, every prompt is declined so
 * the host fails with a clear reason instead of hanging.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tui/cli/cli.h"

typedef struct ask {
	eng_conn *c;
	char *text;     /* sanitised */
	int echo;
	struct ask *next;
} ask;

struct tui_ttyprompt {
	uv_loop_t *loop;
	int fd;                 /* /dev/tty, -1 if none, -2 not tried yet */
	uv_poll_t poll;
	int polling;
	ask *head, *tail;
	struct termios saved;
	int echo_off;
	char line[1024];
	size_t len;
};

static void show_next(tui_ttyprompt *t);

tui_ttyprompt *
tui_ttyprompt_new(uv_loop_t *loop)
{
	tui_ttyprompt *t = calloc(1, sizeof(*t));

	if (t == NULL)
		abort();
	t->loop = loop;
	t->fd = -2;
	return t;
}

static void
restore(tui_ttyprompt *t)
{
	if (t->echo_off) {
		tcsetattr(t->fd, TCSADRAIN, &t->saved);
		t->echo_off = 0;
	}
}

static void
say(tui_ttyprompt *t, const char *s)
{
	ssize_t r = write(t->fd, s, strlen(s));

	(void)r;
}

static void
pop(tui_ttyprompt *t, const char *answer)
{
	ask *a = t->head;

	t->head = a->next;
	if (t->head == NULL)
		t->tail = NULL;
	eng_conn_answer(a->c, answer);
	free(a->text);
	free(a);
}

static void
on_readable(uv_poll_t *p, int status, int events)
{
	tui_ttyprompt *t = p->data;
	char ch;
	ssize_t r;

	(void)events;
	while (t->head != NULL) {
		r = status < 0 ? 0 : read(t->fd, &ch, 1);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			/* Terminal gone: decline everything still asked. */
			restore(t);
			uv_poll_stop(&t->poll);
			t->polling = 0;
			while (t->head != NULL)
				pop(t, NULL);
			return;
		}
		if (ch == '\n' || ch == '\r') {
			t->line[t->len] = '\0';
			restore(t);
			say(t, "\n");
			pop(t, t->line);
			explicit_bzero(t->line, sizeof(t->line));
			t->len = 0;
			show_next(t);
			return;
		}
		if (ch == 0x7f || ch == 0x08) {
			if (t->len > 0)
				t->len--;
		} else if (ch == 0x15) {
			t->len = 0;
		} else if (t->len < sizeof(t->line) - 1) {
			t->line[t->len++] = ch;
		}
	}
}

static void
show_next(tui_ttyprompt *t)
{
	struct termios tio;
	ask *a = t->head;

	if (a == NULL) {
		if (t->polling) {
			uv_poll_stop(&t->poll);
			t->polling = 0;
		}
		return;
	}
	/* Echo off before the question shows: a fast typist is never echoed. */
	if (!a->echo && tcgetattr(t->fd, &t->saved) == 0) {
		tio = t->saved;
		tio.c_lflag &= ~(tcflag_t)ECHO;
		tio.c_lflag |= ECHONL;
		if (tcsetattr(t->fd, TCSADRAIN, &tio) == 0)
			t->echo_off = 1;
	}
	say(t, a->text);
	if (!t->polling) {
		uv_poll_start(&t->poll, UV_READABLE, on_readable);
		t->polling = 1;
	}
}

void
tui_ttyprompt_ask(eng_conn *c, const eng_prompt *p, void *ud)
{
	tui_ttyprompt *t = ud;
	ask *a;
	tui_buf text = { 0 };

	if (t->fd == -2) {
		t->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		if (t->fd >= 0) {
			uv_poll_init(t->loop, &t->poll, t->fd);
			t->poll.data = t;
		}
	}
	/* Headless never trusts an unknown host key interactively. */
	if (t->fd < 0 || p->kind == ENG_PROMPT_HOSTKEY) {
		eng_conn_answer(c, NULL);
		return;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		abort();
	a->c = c;
	a->echo = p->echo;
	tui_buf_addstr(&text, "[");
	tui_sanitize(&text, p->host, strlen(p->host));
	tui_buf_addstr(&text, "] ");
	if (p->kind == ENG_PROMPT_KBDINT && p->detail != NULL) {
		tui_sanitize(&text, p->detail, strlen(p->detail));
		tui_buf_addstr(&text, "\n");
	}
	tui_sanitize(&text, p->text, strlen(p->text));
	a->text = text.p;
	if (t->tail != NULL)
		t->tail->next = a;
	else
		t->head = a;
	t->tail = a;
	if (t->head == a)
		show_next(t);
}

/*
 * An engine notice (ssh config keywords not applied...): one line on
 * stderr, never inside a prompt's line (a pending question is re-shown).
 */
void
tui_ttyprompt_warn(const char *host, const char *text, void *ud)
{
	tui_ttyprompt *t = ud;
	char *s = strdup(text), *p;

	(void)host;
	if (s == NULL)
		abort();
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (t != NULL && t->head != NULL && t->fd >= 0)
		say(t, "\n");
	fprintf(stderr, "drover: warning: %s\n", s);
	fflush(stderr);
	if (t != NULL && t->head != NULL && t->fd >= 0)
		say(t, t->head->text);
	free(s);
}

void
tui_ttyprompt_cancel(eng_conn *c, void *ud)
{
	tui_ttyprompt *t = ud;
	ask **pp, *a;
	int was_head;

	for (pp = &t->head; (a = *pp) != NULL; pp = &a->next) {
		if (a->c != c)
			continue;
		was_head = a == t->head;
		*pp = a->next;
		if (t->tail == a) {
			ask *x;

			t->tail = NULL;
			for (x = t->head; x != NULL; x = x->next)
				t->tail = x;
		}
		free(a->text);
		free(a);
		if (was_head) {
			restore(t);
			say(t, " (cancelled)\n");
			t->len = 0;
			show_next(t);
		}
		return;
	}
}

static void
on_closed(uv_handle_t *h)
{
	tui_ttyprompt *t = h->data;

	close(t->fd);
	free(t);
}

void
tui_ttyprompt_free(tui_ttyprompt *t)
{
	ask *a;

	if (t == NULL)
		return;
	while ((a = t->head) != NULL) {
		t->head = a->next;
		free(a->text);
		free(a);
	}
	explicit_bzero(t->line, sizeof(t->line));
	if (t->fd >= 0) {
		restore(t);
		uv_close((uv_handle_t *)&t->poll, on_closed);
		return;
	}
	free(t);
}
