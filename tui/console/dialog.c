/*
 * tui/console/dialog.c - questions in boxes over the panes: the engine's
 * prompts (passwords, passphrases, keyboard-interactive, unknown host
 * keys) and the console's own (a target expression to add or arm, a
 * command for the fan-out board, a search). Owns the dialog queue and the
 * typed answer, which is wiped when the dialog goes; acting on an answer
 * happens here too, through the other parts' entry points.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/console/console.h"

static void
dialog_free(tui_dialog *d)
{
	explicit_bzero(d->input, sizeof(d->input));
	free(d->title);
	free(d->text);
	free(d->detail);
	free(d);
}

/* A board command waiting for its sudo password goes with its dialog. */
static void
sudo_pending_clear(tui_console *con)
{
	free(con->sudo_label);
	free(con->sudo_command);
	free(con->sudo_user);
	con->sudo_label = con->sudo_command = con->sudo_user = NULL;
}

void
tui_dialogs_free(tui_console *con)
{
	sudo_pending_clear(con);
	while (con->dialogs != NULL) {
		tui_dialog *d = con->dialogs;

		con->dialogs = d->next;
		dialog_free(d);
	}
}

void
tui__on_prompt(eng_conn *c, const eng_prompt *p, void *ud)
{
	tui_console *con = ud;
	tui_dialog *d = util_xcalloc(1, sizeof(*d)), **pp;

	d->c = c;
	d->kind = p->kind;
	d->title = util_xstrdup(p->host);
	d->text = util_xstrdup(p->text);
	d->detail = util_xstrdup(p->detail);
	d->echo = p->echo;
	/* The engine's questions wait in the order they came. */
	for (pp = &con->dialogs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = d;
	tui_console_dirty(con);
}

void
tui__on_prompt_cancel(eng_conn *c, void *ud)
{
	tui_console *con = ud;
	tui_dialog **pp, *d;

	for (pp = &con->dialogs; (d = *pp) != NULL;) {
		if (d->c == c) {
			*pp = d->next;
			dialog_free(d);
		} else {
			pp = &d->next;
		}
	}
	tui_console_dirty(con);
}

void
tui_console_ask(tui_console *con, int kind, const char *title, const char *text)
{
	tui_dialog *d = util_xcalloc(1, sizeof(*d));

	d->console_kind = kind;
	d->title = util_xstrdup(title);
	d->text = util_xstrdup(text);
	d->echo = 1;
	/* Console questions go first: the user just asked for them. */
	d->next = con->dialogs;
	con->dialogs = d;
	tui_console_dirty(con);
}

static void
arm_matching(tui_console *con, const char *expr)
{
	cfg_host *hs = NULL;
	size_t n = 0, i;
	char *cause = NULL, *msg;
	int j;

	if (cfg_targets_resolve(con->inv, expr, &hs, &n, &cause) != 0) {
		msg = tui_sanitize_str(cause);
		tui_console_flash(con, "%s", msg);
		free(msg);
		free(cause);
		return;
	}
	for (j = 0; j < con->npanes; j++) {
		con->panes[j]->armed = 0;
		for (i = 0; i < n; i++)
			if (strcmp(hs[i].name, con->panes[j]->host.name) == 0)
				con->panes[j]->armed = 1;
		con->panes[j]->title_dirty = 1;
	}
	cfg_hosts_free(hs, n);
}

/*
 * "sudo [-u USER] COMMAND" typed for the board: the board's channels have
 * no terminal for sudo to ask on, so drover's own sudo runs it (as exec
 * --sudo does): the password is asked here once for the board and its
 * re-runs, and sent only to hosts whose sudo asks. Other sudo options are
 * left to the host's sudo as typed. Returns 1 and the parts if it is one.
 */
static int
sudo_command(const char *text, char **user, char **command)
{
	const char *p = text, *u = NULL;
	size_t ulen = 0;

	p += strspn(p, " \t");
	if (strncmp(p, "sudo", 4) != 0 || (p[4] != ' ' && p[4] != '\t'))
		return 0;
	p += 4 + strspn(p + 4, " \t");
	if (strncmp(p, "-u", 2) == 0) {
		p += 2;
		p += strspn(p, " \t");
		u = p;
		ulen = strcspn(p, " \t");
		p += ulen;
		p += strspn(p, " \t");
		if (ulen == 0)
			return 0;
	}
	if (*p == '\0' || *p == '-')
		return 0;
	*user = u != NULL ? util_xstrndup(u, ulen) : NULL;
	*command = util_xstrdup(p);
	return 1;
}

static void
board_on_targets(tui_console *con, const char *label, const char *command, eng_sudo *sudo)
{
	tui_pane **t;
	int n;

	t = tui_console_targets(con, &n);
	tui_board_close(con->board);
	con->board = NULL;
	if (n > 0)
		con->board = tui_board_new_sudo(con, label, command, sudo, t, n);
	else
		eng_sudo_free(sudo);
	con->board_shown = con->board != NULL;
	free(t);
}

static void
run_on_targets(tui_console *con, const char *command)
{
	char *user = NULL, *rest = NULL;

	if (!sudo_command(command, &user, &rest)) {
		board_on_targets(con, command, command, NULL);
		return;
	}
	sudo_pending_clear(con);
	con->sudo_label = util_xstrdup(command);
	con->sudo_command = rest;
	con->sudo_user = user;
	tui_console_ask(con, TUI_ASK_SUDO, "sudo",
	    "sudo password (asked once for this board, sent only to hosts whose sudo asks):");
	con->dialogs->echo = 0;
}

/* The password for the waiting sudo board; NULL: declined. */
static void
sudo_answer(tui_console *con, const char *password)
{
	if (con->sudo_command == NULL)
		return;
	if (password == NULL || *password == '\0')
		tui_console_flash(con, "sudo: no password given, nothing run");
	else
		board_on_targets(con, con->sudo_label, con->sudo_command,
		    eng_sudo_new(con->sudo_user, password));
	sudo_pending_clear(con);
}

static void
transfer_on_targets(tui_console *con, const char *text)
{
	tui_pane **t;
	tui_xboard *xb;
	char *err = NULL, *msg;
	int n;

	t = tui_console_targets(con, &n);
	if (n == 0) {
		free(t);
		tui_console_flash(con, "no hosts to copy to or from");
		return;
	}
	xb = tui_xboard_new(con, text, t, n, &err);
	free(t);
	if (xb == NULL) {
		msg = tui_sanitize_str(err);
		tui_console_flash(con, "%s", msg);
		free(msg);
		free(err);
		return;
	}
	tui_xboard_close(con->xboard);
	con->xboard = xb;
	con->xboard_shown = 1;
}

static void
search_focused(tui_console *con, const char *text)
{
	tui_pane *p = tui_console_focused(con);
	int line;

	free(con->search);
	con->search = util_xstrdup(text);
	if (p == NULL)
		return;
	line = tui_term_search(p->term, con->search, -1, 1);
	if (line < 0) {
		tui_console_flash(con, "not found");
	} else {
		tui_term_scroll_to(p->term, line);
		con->scroll_mode = 1;
	}
}

static void
dialog_done(tui_console *con, int ok)
{
	tui_dialog *d = con->dialogs;

	con->dialogs = d->next;
	if (d->c != NULL) {
		if (d->kind == ENG_PROMPT_HOSTKEY)
			eng_conn_answer(d->c, ok && (d->input[0] == 'y' || d->input[0] == 'Y') ?
			    "yes" : NULL);
		else
			eng_conn_answer(d->c, ok ? d->input : NULL);
	} else if (d->console_kind == TUI_ASK_SUDO) {
		sudo_answer(con, ok ? d->input : NULL);
	} else if (ok && d->len > 0) {
		switch (d->console_kind) {
		case TUI_ASK_ADD:
			tui_console_add_targets(con, d->input);
			break;
		case TUI_ASK_ARM:
			arm_matching(con, d->input);
			break;
		case TUI_ASK_RUN:
			run_on_targets(con, d->input);
			break;
		case TUI_ASK_SEARCH:
			search_focused(con, d->input);
			break;
		case TUI_ASK_XFER:
			transfer_on_targets(con, d->input);
			break;
		case TUI_ASK_CLOSE:
			if ((d->input[0] == 'y' || d->input[0] == 'Y') && d->detail != NULL)
				tui_console_close_pane(con, tui_console_find(con, d->detail));
			break;
		case TUI_ASK_NEW_WINDOW:
			tui_window_new(con, NULL);
			tui_window_rename(con, con->cur, d->input);
			tui_console_add_targets(con, d->input);
			break;
		case TUI_ASK_RENAME_WINDOW:
			tui_window_rename(con, con->cur, d->input);
			break;
		case TUI_ASK_KILL_WINDOW:
			if (d->input[0] == 'y' || d->input[0] == 'Y')
				tui_window_kill(con, con->cur);
			break;
		case TUI_ASK_KILL_SESSION:
			if (d->input[0] == 'y' || d->input[0] == 'Y') {
				con->quit = 1;
				uv_stop(con->loop);
			}
			break;
		default:
			break;
		}
	}
	dialog_free(d);
	con->full_dirty = 1;
}

void
tui_dialog_key(tui_console *con, int key, uint32_t ch)
{
	tui_dialog *d = con->dialogs;

	if (ch == 27 || key == TUI_KEY_ESC) {
		dialog_done(con, 0);
	} else if (ch == '\r' || ch == '\n' || key == TUI_KEY_ENTER) {
		dialog_done(con, 1);
	} else if (ch == 127 || ch == 8 || key == TUI_KEY_BACKSPACE) {
		d->len = util_utf8_drop_last(d->input, d->len);
		d->input[d->len] = '\0';
	} else if (ch == 21) {          /* C-u: start over, as in a shell */
		explicit_bzero(d->input, sizeof(d->input));
		d->len = 0;
	} else if (ch >= 0x20 && ch != 127) {
		char u[4];
		size_t n = util_utf8_encode(ch, u);

		if (n > 0 && d->len + n < sizeof(d->input)) {
			memcpy(d->input + d->len, u, n);
			d->len += n;
			d->input[d->len] = '\0';
		}
	}
	tui_console_dirty(con);
}
