/*
 * tui/console/ctl.c - `drover ctl`: the session's commands for scripts,
 * run in the server against the live panes (tmux's command set is the
 * model). Answers are JSON lines or text with an exit code: 0 done, 1 a
 * condition not met (wait-for timed out), 2 a usage error. wait-for is the
 * one that answers later: it looks at its pane after every frame until the
 * pattern shows or its time is up.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui/console/console.h"
#include "tui/console/server.h"

typedef struct ctl_wait {
	tui_client *cl;
	tui_pane *p;
	regex_t re;
	uv_timer_t timer;
	struct ctl_wait *next;
} ctl_wait;

void
tui_ctl_reply(tui_client *cl, int code, const char *text, size_t len)
{
	tui_buf m = { 0 };

	tui_coded_add(&m, TUI_MSG_REPLY, code, text, len);
	tui_client_send(cl, &m);
	tui_buf_free(&m);
	tui_client_finish(cl);
}

#define reply tui_ctl_reply

static void
replyf(tui_client *cl, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
replyf(tui_client *cl, int code, const char *fmt, ...)
{
	tui_buf b = { 0 };
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s != NULL)
		tui_buf_addstr(&b, s);
	free(s);
	reply(cl, code, b.p, b.len);
	tui_buf_free(&b);
}

static void
json_str(tui_buf *b, const char *s)
{
	tui_buf_addstr(b, "\"");
	tui_json_escape(b, s, strlen(s));
	tui_buf_addstr(b, "\"");
}

/*
 * A pane by "HOST", "N" (1-based in the current window, as on screen),
 * "WINDOW:HOST" or "WINDOW:N"; NULL if none.
 */
static tui_pane *
find_pane(tui_console *con, const char *spec)
{
	const char *colon = strrchr(spec, ':'), *what = spec;
	char *end, *wname;
	int w = -1, k, wi, idx, n = tui_console_npanes_all(con);
	long num;

	if (colon != NULL) {
		wname = util_xstrndup(spec, (size_t)(colon - spec));
		w = tui_window_find(con, wname);
		free(wname);
		if (w < 0)
			return NULL;
		what = colon + 1;
	}
	num = strtol(what, &end, 10);
	if (end != what && *end == '\0') {
		for (k = 0; k < n; k++) {
			tui_pane *p = tui_console_pane_at(con, k, &wi, &idx);

			if (wi == (w >= 0 ? w : con->cur) && idx == num - 1)
				return p;
		}
		return NULL;
	}
	/* By host: the current window first, then the others in order. */
	for (k = 0; k < n; k++) {
		tui_pane *p = tui_console_pane_at(con, k, &wi, NULL);

		if ((w >= 0 ? wi == w : wi == con->cur) && strcmp(p->host.name, what) == 0)
			return p;
	}
	for (k = 0; k < n && w < 0; k++) {
		tui_pane *p = tui_console_pane_at(con, k, &wi, NULL);

		if (strcmp(p->host.name, what) == 0)
			return p;
	}
	return NULL;
}

/* ---- listing ---- */

static void
list_panes(tui_console *con, tui_client *cl, int all)
{
	tui_buf b = { 0 };
	int k, wi, idx, rows, cols, n = tui_console_npanes_all(con);

	for (k = 0; k < n; k++) {
		tui_pane *p = tui_console_pane_at(con, k, &wi, &idx);

		if (!all && wi != con->cur)
			continue;
		tui_term_size(p->term, &rows, &cols);
		tui_buf_addf(&b, "{\"window\":%d,\"window_name\":", wi);
		json_str(&b, con->wins[wi].name);
		tui_buf_addf(&b, ",\"pane\":%d,\"host\":", idx + 1);
		json_str(&b, p->host.name);
		tui_buf_addf(&b, ",\"state\":\"%s\",\"rows\":%d,\"cols\":%d,\"focused\":%s,"
		    "\"armed\":%s}\n", tui_pane_state_word(p), rows, cols,
		    wi == con->cur && idx == con->focus ? "true" : "false",
		    p->armed ? "true" : "false");
	}
	reply(cl, 0, b.p, b.len);
	tui_buf_free(&b);
}

static void
list_windows(tui_console *con, tui_client *cl)
{
	tui_buf b = { 0 };
	int i, k, wi, n = tui_console_npanes_all(con), np;

	for (i = 0; i < con->nwins; i++) {
		np = 0;
		for (k = 0; k < n; k++) {
			tui_console_pane_at(con, k, &wi, NULL);
			np += wi == i;
		}
		tui_buf_addf(&b, "{\"window\":%d,\"name\":", i);
		json_str(&b, con->wins[i].name);
		tui_buf_addf(&b, ",\"panes\":%d,\"active\":%s,\"layout\":\"%s\"}\n", np,
		    i == con->cur ? "true" : "false", tui_layout_name(i == con->cur ?
		    con->layout : con->wins[i].layout));
	}
	reply(cl, 0, b.p, b.len);
	tui_buf_free(&b);
}

static void
session_info(tui_console *con, tui_client *cl)
{
	int k, up = 0, n = tui_console_npanes_all(con);
	long age = (long)((uint64_t)time(NULL) - con->srv->created);

	for (k = 0; k < n; k++)
		up += tui_console_pane_at(con, k, NULL, NULL)->st == TUI_PANE_READY;
	replyf(cl, 0, "%s: %d window%s, %d/%d hosts up, %d attached, %ldh%02ldm%02lds (pid %ld)\n",
	    con->srv->name, con->nwins, con->nwins == 1 ? "" : "s", up, n,
	    tui_server_nclients(con->srv), age / 3600, age / 60 % 60, age % 60, (long)getpid());
}

/* ---- keys and screens ---- */

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{ "Enter", TUI_KEY_ENTER }, { "Tab", TUI_KEY_TAB }, { "BSpace", TUI_KEY_BACKSPACE },
	{ "Escape", TUI_KEY_ESC }, { "Up", TUI_KEY_UP }, { "Down", TUI_KEY_DOWN },
	{ "Left", TUI_KEY_LEFT }, { "Right", TUI_KEY_RIGHT }, { "Home", TUI_KEY_HOME },
	{ "End", TUI_KEY_END }, { "PageUp", TUI_KEY_PGUP }, { "PPage", TUI_KEY_PGUP },
	{ "PageDown", TUI_KEY_PGDN }, { "NPage", TUI_KEY_PGDN }, { "IC", TUI_KEY_INS },
	{ "DC", TUI_KEY_DEL },
};

/* One send-keys word into a pane: a key name, C-x / M-x, or literal text. */
static void
send_word(tui_pane *p, const char *w, int literal)
{
	size_t i, n = strlen(w), l;
	uint32_t cp;

	if (!literal) {
		for (i = 0; i < UTIL_NELEM(key_names); i++)
			if (strcmp(w, key_names[i].name) == 0) {
				tui_term_key(p->term, key_names[i].key, 0);
				return;
			}
		if (strcmp(w, "Space") == 0) {
			tui_term_char(p->term, ' ', 0);
			return;
		}
		if (n >= 3 && (w[0] == 'C' || w[0] == 'M') && w[1] == '-' &&
		    util_utf8_decode((const unsigned char *)w + 2, n - 2, &cp) == n - 2) {
			tui_term_char(p->term, cp, w[0] == 'C' ? TUI_MOD_CTRL : TUI_MOD_ALT);
			return;
		}
		if (n >= 2 && w[0] == 'F' && atoi(w + 1) >= 1 && atoi(w + 1) <= 12) {
			tui_term_key(p->term, TUI_KEY_F1 + atoi(w + 1) - 1, 0);
			return;
		}
	}
	for (i = 0; i < n; i += l) {
		if ((l = util_utf8_decode((const unsigned char *)w + i, n - i, &cp)) == 0) {
			cp = (unsigned char)w[i];
			l = 1;
		}
		tui_term_char(p->term, cp, 0);
	}
}

static void
send_keys(tui_console *con, tui_client *cl, int argc, char **argv)
{
	tui_pane **t = NULL, *one = NULL;
	int i, n = 0, literal = 0, k;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "-l") == 0) {
			literal = 1;
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			if ((one = find_pane(con, argv[++i])) == NULL) {
				replyf(cl, 2, "drover ctl: send-keys: no pane '%s'\n", argv[i]);
				return;
			}
		} else {
			break;
		}
	}
	if (one != NULL) {
		t = &one;
		n = 1;
	} else {
		t = tui_console_targets(con, &n);
	}
	for (k = 0; k < n; k++) {
		int j;

		for (j = i; j < argc; j++)
			send_word(t[k], argv[j], literal);
		tui_term_scroll_reset(t[k]->term);
	}
	if (one == NULL)
		free(t);
	replyf(cl, 0, "%s", "");
}

static void
capture(tui_client *cl, tui_pane *p, int scrollback)
{
	tui_buf b = { 0 };
	int first = scrollback ? 0 : tui_term_sb_lines(p->term);
	int last = tui_term_history_lines(p->term), i;

	for (i = first; i < last; i++) {
		char *s = tui_term_line_text(p->term, i);

		/* Cells hold what the host sent: shown escaped, as on our screen. */
		if (s != NULL)
			tui_sanitize(&b, s, strlen(s));
		tui_buf_addstr(&b, "\n");
		free(s);
	}
	reply(cl, 0, b.p, b.len);
	tui_buf_free(&b);
}

/* ---- wait-for ---- */

static int
screen_matches(tui_pane *p, regex_t *re)
{
	int i, last = tui_term_history_lines(p->term), hit = 0;

	for (i = tui_term_sb_lines(p->term); i < last && !hit; i++) {
		char *s = tui_term_line_text(p->term, i);

		hit = s != NULL && regexec(re, s, 0, NULL, 0) == 0;
		free(s);
	}
	return hit;
}

static void
on_wait_closed(uv_handle_t *h)
{
	ctl_wait *w = h->data;

	regfree(&w->re);
	free(w);
}

static void
wait_end(tui_console *con, ctl_wait *w, int code, const char *text)
{
	ctl_wait **pp;

	for (pp = (ctl_wait **)&con->ctl; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	if (w->cl != NULL)
		replyf(w->cl, code, "%s", text);
	uv_close((uv_handle_t *)&w->timer, on_wait_closed);
}

static void
on_wait_timeout(uv_timer_t *t)
{
	ctl_wait *w = t->data;

	wait_end(w->p->con, w, 1, "drover ctl: wait-for: timed out\n");
}

static void
wait_for(tui_console *con, tui_client *cl, int argc, char **argv)
{
	const char *pat = NULL, *pane = NULL, *why;
	double secs = 30;
	ctl_wait *w;
	tui_pane *p;
	char err[128];
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			pane = argv[++i];
		else if (strcmp(argv[i], "-T") == 0 && i + 1 < argc)
			secs = atof(argv[++i]);
		else if (pat == NULL)
			pat = argv[i];
		else {
			replyf(cl, 2, "usage: drover ctl wait-for -t PANE REGEX [-T SECONDS]\n");
			return;
		}
	}
	if (pane == NULL || pat == NULL || !(secs > 0 && secs <= 86400)) {
		replyf(cl, 2, "usage: drover ctl wait-for -t PANE REGEX [-T SECONDS]\n");
		return;
	}
	if ((p = find_pane(con, pane)) == NULL) {
		replyf(cl, 2, "drover ctl: wait-for: no pane '%s'\n", pane);
		return;
	}
	if ((why = util_regex_unsafe(pat)) != NULL) {
		replyf(cl, 2, "drover ctl: wait-for: bad pattern: %s\n", why);
		return;
	}
	w = util_xcalloc(1, sizeof(*w));
	if ((r = regcomp(&w->re, pat, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, &w->re, err, sizeof(err));
		free(w);
		replyf(cl, 2, "drover ctl: wait-for: bad pattern: %s\n", err);
		return;
	}
	if (screen_matches(p, &w->re)) {
		regfree(&w->re);
		free(w);
		replyf(cl, 0, "%s", "");
		return;
	}
	w->cl = cl;
	w->p = p;
	w->next = con->ctl;
	con->ctl = w;
	uv_timer_init(con->loop, &w->timer);
	w->timer.data = w;
	uv_timer_start(&w->timer, on_wait_timeout, (uint64_t)(secs * 1000), 0);
}

void
tui_ctl_frame(tui_console *con)
{
	ctl_wait *w, *next;

	for (w = con->ctl; w != NULL; w = next) {
		next = w->next;
		/* Feeding may not have been drawn yet: the emulator is what counts. */
		if (screen_matches(w->p, &w->re))
			wait_end(con, w, 0, "");
	}
}

void
tui_ctl_pane_gone(tui_console *con, tui_pane *p)
{
	ctl_wait *w, *next;

	for (w = con->ctl; w != NULL; w = next) {
		next = w->next;
		if (w->p == p)
			wait_end(con, w, 1, "drover ctl: wait-for: the pane was closed\n");
	}
}

void
tui_ctl_forget(tui_console *con, tui_client *cl)
{
	ctl_wait *w, *next;

	tui_ctl_exec_forget(con, cl);
	for (w = con->ctl; w != NULL; w = next) {
		next = w->next;
		if (w->cl == cl) {
			w->cl = NULL;
			wait_end(con, w, 0, "");
		}
	}
}

void
tui_ctl_close(tui_console *con)
{
	while (con->ctl != NULL)
		wait_end(con, con->ctl, 1, "drover ctl: the session ended\n");
}

/* ---- windows ---- */

static int
window_arg(tui_console *con, tui_client *cl, int *i, int argc, char **argv, const char *cmd)
{
	int w = con->cur;

	if (*i + 1 < argc && strcmp(argv[*i], "-t") == 0) {
		if ((w = tui_window_find(con, argv[*i + 1])) < 0) {
			replyf(cl, 2, "drover ctl: %s: no window '%s'\n", cmd, argv[*i + 1]);
			return -1;
		}
		*i += 2;
	}
	return w;
}

static void
new_window(tui_console *con, tui_client *cl, int argc, char **argv)
{
	const char *name = NULL, *targets = NULL;
	int i, w;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (targets == NULL && argv[i][0] != '-')
			targets = argv[i];
		else {
			replyf(cl, 2, "usage: drover ctl new-window [-n NAME] TARGETS\n");
			return;
		}
	}
	if (targets == NULL) {
		replyf(cl, 2, "usage: drover ctl new-window [-n NAME] TARGETS\n");
		return;
	}
	w = tui_window_new(con, name != NULL ? name : targets);
	if (tui_console_add_targets(con, targets) != 0) {
		tui_window_kill(con, w);
		replyf(cl, 2, "drover ctl: new-window: %s\n", con->status);
		return;
	}
	replyf(cl, 0, "%d\n", w);
}

/* ---- dispatch ---- */

void
tui_ctl_request(tui_client *cl, util_strv *av)
{
	tui_console *con = cl->srv->con;
	int argc = (int)av->n, i = 1, w;
	char **argv = av->v;
	const char *cmd = argv[0];
	tui_pane *p;

	if (strcmp(cmd, "session-info") == 0) {
		session_info(con, cl);
	} else if (strcmp(cmd, "kill-session") == 0) {
		replyf(cl, 0, "%s", "");
		con->quit = 1;
		uv_stop(con->loop);
	} else if (strcmp(cmd, "list-panes") == 0) {
		list_panes(con, cl, argc > 1 && strcmp(argv[1], "-a") == 0);
	} else if (strcmp(cmd, "list-windows") == 0) {
		list_windows(con, cl);
	} else if (strcmp(cmd, "send-keys") == 0) {
		send_keys(con, cl, argc, argv);
	} else if (strcmp(cmd, "capture-pane") == 0) {
		const char *t = NULL;
		int sb = 0;

		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
				t = argv[++i];
			else if (strcmp(argv[i], "-S") == 0)
				sb = 1;
		}
		if (t == NULL && con->npanes > 0)
			p = con->panes[con->focus];
		else
			p = t != NULL ? find_pane(con, t) : NULL;
		if (p == NULL)
			replyf(cl, 2, "drover ctl: capture-pane: no pane '%s'\n", t != NULL ? t : "");
		else
			capture(cl, p, sb);
	} else if (strcmp(cmd, "exec") == 0) {
		tui_ctl_exec(cl, argc, argv);
		return;
	} else if (strcmp(cmd, "wait-for") == 0) {
		wait_for(con, cl, argc, argv);
	} else if (strcmp(cmd, "kill-pane") == 0) {
		if (argc != 3 || strcmp(argv[1], "-t") != 0 || (p = find_pane(con, argv[2])) == NULL) {
			replyf(cl, 2, "drover ctl: kill-pane -t PANE: no such pane\n");
			return;
		}
		tui_console_close_any(con, p);
		replyf(cl, 0, "%s", "");
	} else if (strcmp(cmd, "save") == 0 || strcmp(cmd, "workspace") == 0) {
		char *cause = NULL, *text;

		if (cmd[0] == 'w') {
			if ((text = tui_workspace_text(con, &cause)) == NULL) {
				replyf(cl, 1, "drover ctl: workspace: %s\n", cause);
			} else {
				reply(cl, 0, text, strlen(text));
				free(text);
			}
		} else if (argc != 2 || argv[1][0] != '/') {
			replyf(cl, 2, "usage: drover ctl save /ABSOLUTE/PATH\n");
		} else if (tui_workspace_save(con, argv[1], &cause) != 0) {
			replyf(cl, 1, "drover: save: %s\n", cause);
		} else {
			free(con->ws_path);
			con->ws_path = util_xstrdup(argv[1]);
			replyf(cl, 0, "%s", "");
		}
		free(cause);
		return;
	} else if (strcmp(cmd, "new-window") == 0) {
		new_window(con, cl, argc, argv);
	} else if (strcmp(cmd, "rename-window") == 0) {
		if ((w = window_arg(con, cl, &i, argc, argv, cmd)) < 0)
			return;
		if (i + 1 != argc || argv[i][0] == '\0') {
			replyf(cl, 2, "usage: drover ctl rename-window [-t WINDOW] NAME\n");
			return;
		}
		tui_window_rename(con, w, argv[i]);
		replyf(cl, 0, "%s", "");
	} else if (strcmp(cmd, "kill-window") == 0 || strcmp(cmd, "select-window") == 0) {
		if ((w = window_arg(con, cl, &i, argc, argv, cmd)) < 0)
			return;
		if (cmd[0] == 'k')
			tui_window_kill(con, w);
		else
			tui_window_select(con, w);
		replyf(cl, 0, "%s", "");
	} else {
		replyf(cl, 2, "drover ctl: unknown command '%s' (drover ctl --help)\n", cmd);
		return;
	}
	con->full_dirty = 1;
	tui_console_dirty(con);
}
