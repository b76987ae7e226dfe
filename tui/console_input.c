/*
 * tui/console_input.c - what a key does in the console. Table-driven: the
 * keymap (config/) names a command for a key after the prefix (or directly),
 * the table below maps command names to handlers. Keys that are not
 * commands go to the focused pane's terminal, or in broadcast mode to every
 * armed pane's terminal, each encoding them with its own modes. Dialogs,
 * the board and scroll mode take keys first when they are up.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/provide_curses.h"
#include "tui/tui_int.h"

/* ---- key translation: curses -> terminal keys and config keys ---- */

static int
curses_to_tui(int key, int *mods)
{
	*mods = 0;
	switch (key) {
	case KEY_UP: return TUI_KEY_UP;
	case KEY_DOWN: return TUI_KEY_DOWN;
	case KEY_LEFT: return TUI_KEY_LEFT;
	case KEY_RIGHT: return TUI_KEY_RIGHT;
	case KEY_SLEFT: *mods = TUI_MOD_SHIFT; return TUI_KEY_LEFT;
	case KEY_SRIGHT: *mods = TUI_MOD_SHIFT; return TUI_KEY_RIGHT;
	case KEY_HOME: return TUI_KEY_HOME;
	case KEY_END: return TUI_KEY_END;
	case KEY_PPAGE: return TUI_KEY_PGUP;
	case KEY_NPAGE: return TUI_KEY_PGDN;
	case KEY_IC: return TUI_KEY_INS;
	case KEY_DC: return TUI_KEY_DEL;
	case KEY_BACKSPACE: return TUI_KEY_BACKSPACE;
	case KEY_ENTER: return TUI_KEY_ENTER;
	case KEY_BTAB: *mods = TUI_MOD_SHIFT; return TUI_KEY_TAB;
	default:
		if (key >= KEY_F(1) && key <= KEY_F(12))
			return TUI_KEY_F1 + (key - KEY_F(1));
		return TUI_KEY_NONE;
	}
}

/* ---- commands ---- */

static tui_pane *
focused(tui_console *con)
{
	return con->npanes > 0 ? con->panes[con->focus] : NULL;
}

static void
set_focus(tui_console *con, int i)
{
	if (i < 0 || i >= con->npanes || i == con->focus)
		return;
	con->panes[con->focus]->title_dirty = 1;
	con->focus = i;
	con->panes[i]->title_dirty = 1;
	if (con->zoom >= 0) {
		con->zoom = i;
		tui_console_relayout(con);
	}
}

/* The panes' rectangles, in pane order, malloc'd (layout.c's input). */
static tui_rect *
pane_rects(tui_console *con)
{
	tui_rect *r = calloc((size_t)con->npanes, sizeof(*r));
	int i;

	if (r == NULL)
		abort();
	for (i = 0; i < con->npanes; i++)
		r[i] = con->panes[i]->rect;
	return r;
}

static void
focus_dir(tui_console *con, tui_dir d)
{
	tui_rect *r;
	int n;

	if (con->npanes == 0 || con->zoom >= 0 || con->compact)
		return;
	r = pane_rects(con);
	n = tui_layout_neighbor(r, con->npanes, con->focus, d);
	free(r);
	set_focus(con, n);
}

static void
cmd(tui_console *con, const char *name)
{
	tui_pane *p = focused(con);

	if (strcmp(name, "layout-next") == 0 || strcmp(name, "split-layout-next") == 0) {
		con->layout = tui_layout_next(con->layout);
		tui_console_flash(con, "layout: %s", tui_layout_name(con->layout));
		tui_console_relayout(con);
	} else if (strncmp(name, "layout-", 7) == 0) {
		int k;

		for (k = 0; k < TUI_LAYOUT__COUNT; k++)
			if (strcmp(tui_layout_name((tui_layout_kind)k), name + 7) == 0)
				con->layout = (tui_layout_kind)k;
		tui_console_relayout(con);
	} else if (strcmp(name, "zoom") == 0) {
		con->zoom = con->zoom >= 0 ? -1 : con->focus;
		tui_console_relayout(con);
	} else if (strcmp(name, "focus-left") == 0) {
		focus_dir(con, TUI_DIR_LEFT);
	} else if (strcmp(name, "focus-right") == 0) {
		focus_dir(con, TUI_DIR_RIGHT);
	} else if (strcmp(name, "focus-up") == 0) {
		focus_dir(con, TUI_DIR_UP);
	} else if (strcmp(name, "focus-down") == 0) {
		focus_dir(con, TUI_DIR_DOWN);
	} else if (strcmp(name, "focus-next") == 0 && con->npanes > 0) {
		set_focus(con, (con->focus + 1) % con->npanes);
	} else if (strcmp(name, "focus-prev") == 0 && con->npanes > 0) {
		set_focus(con, (con->focus + con->npanes - 1) % con->npanes);
	} else if (strncmp(name, "focus-", 6) == 0 && name[6] >= '1' && name[6] <= '9') {
		set_focus(con, name[6] - '1');
	} else if (strcmp(name, "close-pane") == 0) {
		tui_console_close_pane(con, con->focus);
	} else if (strcmp(name, "add-host") == 0) {
		tui_console_ask(con, TUI_ASK_ADD, "add hosts", "target expression: ");
	} else if (strcmp(name, "broadcast-toggle") == 0) {
		con->broadcast = !con->broadcast;
		tui_console_flash(con, "broadcast %s", con->broadcast ? "ON" : "off");
	} else if (strcmp(name, "arm-toggle") == 0 && p != NULL) {
		p->armed = !p->armed;
		p->title_dirty = 1;
	} else if (strcmp(name, "arm-by-target") == 0) {
		tui_console_ask(con, TUI_ASK_ARM, "arm panes", "target expression: ");
	} else if (strcmp(name, "run-command") == 0) {
		tui_console_ask(con, TUI_ASK_RUN, "run on the broadcast set", "command: ");
	} else if (strcmp(name, "reconnect") == 0 && p != NULL) {
		tui_console_reconnect(con, p);
	} else if (strcmp(name, "scroll-mode") == 0) {
		con->scroll_mode = 1;
	} else if (strcmp(name, "search") == 0) {
		tui_console_ask(con, TUI_ASK_SEARCH, "search scrollback", "text: ");
	} else if (strcmp(name, "help") == 0) {
		con->help = !con->help;
	} else if (strcmp(name, "sidebar-toggle") == 0) {
		con->sidebar = !con->sidebar;
		tui_console_relayout(con);
	} else if (strcmp(name, "board") == 0 || strcmp(name, "show-board") == 0) {
		if (con->board == NULL)
			tui_console_flash(con, "no fan-out run yet");
	} else if (strcmp(name, "detach-quit") == 0 || strcmp(name, "quit") == 0) {
		con->quit = 1;
	} else {
		tui_console_flash(con, "%s: not available here", name);
	}
	con->full_dirty = 1;
	tui_console_dirty(con);
}

/* ---- dialogs ---- */

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
	} else if (ok && d->len > 0) {
		switch (d->console_kind) {
		case TUI_ASK_ADD:
			tui_console_add_targets(con, d->input);
			break;
		case TUI_ASK_ARM: {
			cfg_host *hs = NULL;
			size_t n = 0, i;
			char *cause = NULL;
			int j;

			if (cfg_targets_resolve(con->inv, d->input, &hs, &n, &cause) != 0) {
				tui_console_flash(con, "%s", cause);
				free(cause);
				break;
			}
			for (j = 0; j < con->npanes; j++) {
				con->panes[j]->armed = 0;
				for (i = 0; i < n; i++)
					if (strcmp(hs[i].name, con->panes[j]->name) == 0)
						con->panes[j]->armed = 1;
				con->panes[j]->title_dirty = 1;
			}
			cfg_hosts_free(hs, n);
			break;
		}
		case TUI_ASK_RUN: {
			tui_pane **t;
			int n;

			t = tui_console_targets(con, &n);
			tui_board_free(con->board);
			con->board = n > 0 ? tui_board_new(con, d->input, t, n) : NULL;
			free(t);
			break;
		}
		case TUI_ASK_SEARCH: {
			tui_pane *p = focused(con);
			int line;

			free(con->search);
			con->search = strdup(d->input);
			if (p == NULL)
				break;
			line = tui_term_search(p->term, con->search, -1, 1);
			if (line < 0) {
				tui_console_flash(con, "not found");
			} else {
				tui_term_scroll_to(p->term, line);
				con->scroll_mode = 1;
			}
			break;
		}
		default:
			break;
		}
	}
	tui_dialog_free(d);
	con->full_dirty = 1;
}

static void
dialog_key(tui_console *con, int key, uint32_t ch)
{
	tui_dialog *d = con->dialogs;

	if (ch == 27 || key == TUI_KEY_ESC) {
		dialog_done(con, 0);
	} else if (ch == '\r' || ch == '\n' || key == TUI_KEY_ENTER) {
		dialog_done(con, 1);
	} else if (ch == 127 || ch == 8 || key == TUI_KEY_BACKSPACE) {
		/* Remove one UTF-8 character. */
		while (d->len > 0 && ((unsigned char)d->input[--d->len] & 0xc0) == 0x80)
			;
		d->input[d->len] = '\0';
	} else if (ch == 21) {
		d->len = 0;
		d->input[0] = '\0';
	} else if (ch >= 0x20 && ch != 127) {
		char u[4];
		size_t n = 0;

		if (ch < 0x80) {
			u[n++] = (char)ch;
		} else if (ch < 0x800) {
			u[n++] = (char)(0xc0 | (ch >> 6));
			u[n++] = (char)(0x80 | (ch & 0x3f));
		} else if (ch < 0x10000) {
			u[n++] = (char)(0xe0 | (ch >> 12));
			u[n++] = (char)(0x80 | ((ch >> 6) & 0x3f));
			u[n++] = (char)(0x80 | (ch & 0x3f));
		} else {
			u[n++] = (char)(0xf0 | (ch >> 18));
			u[n++] = (char)(0x80 | ((ch >> 12) & 0x3f));
			u[n++] = (char)(0x80 | ((ch >> 6) & 0x3f));
			u[n++] = (char)(0x80 | (ch & 0x3f));
		}
		if (d->len + n < sizeof(d->input)) {
			memcpy(d->input + d->len, u, n);
			d->len += n;
			d->input[d->len] = '\0';
		}
	}
	tui_console_dirty(con);
}

/* ---- to the panes ---- */

static void
send_to_panes(tui_console *con, int tkey, int mods, uint32_t ch)
{
	tui_pane **t, *p = focused(con);
	int n = 1, i;

	if (p == NULL)
		return;
	if (con->broadcast)
		t = tui_console_targets(con, &n);
	else
		t = &p;
	for (i = 0; i < n; i++) {
		/* Each pane encodes the key with its own modes (cursor keys ...). */
		if (tkey != TUI_KEY_NONE)
			tui_term_key(t[i]->term, tkey, mods);
		else
			tui_term_char(t[i]->term, ch, mods);
		tui_term_scroll_reset(t[i]->term);
	}
	if (con->broadcast)
		free(t);
}

void
tui_input_paste(tui_console *con, const char *text, size_t len)
{
	tui_pane **t, *p = focused(con);
	int n = 1, i;

	if (p == NULL)
		return;
	t = con->broadcast ? tui_console_targets(con, &n) : &p;
	for (i = 0; i < n; i++)
		tui_term_paste(t[i]->term, text, len);
	if (con->broadcast)
		free(t);
}

static void
scroll_key(tui_console *con, int tkey, uint32_t ch)
{
	tui_pane *p = focused(con);
	int page;

	if (p == NULL) {
		con->scroll_mode = 0;
		return;
	}
	page = p->inner.h > 2 ? p->inner.h - 1 : 1;
	if (tkey == TUI_KEY_PGUP || ch == 'b' || ch == 2)
		tui_term_scroll(p->term, page);
	else if (tkey == TUI_KEY_PGDN || ch == ' ' || ch == 'f' || ch == 6)
		tui_term_scroll(p->term, -page);
	else if (tkey == TUI_KEY_UP || ch == 'k')
		tui_term_scroll(p->term, 1);
	else if (tkey == TUI_KEY_DOWN || ch == 'j')
		tui_term_scroll(p->term, -1);
	else if (ch == 'g' || tkey == TUI_KEY_HOME)
		tui_term_scroll(p->term, tui_term_sb_lines(p->term));
	else if (ch == 'n' || ch == 'N') {
		int from, line;

		if (con->search == NULL)
			return;
		from = tui_term_sb_lines(p->term) - tui_term_view_offset(p->term);
		line = tui_term_search(p->term, con->search, ch == 'n' ? from - 1 : from + 1,
		    ch == 'n');
		if (line >= 0)
			tui_term_scroll_to(p->term, line);
		else
			tui_console_flash(con, "no more matches");
	} else if (ch == '/') {
		tui_console_ask(con, TUI_ASK_SEARCH, "search scrollback", "text: ");
	} else if (ch == 'q' || ch == 27 || tkey == TUI_KEY_ESC || tkey == TUI_KEY_END) {
		tui_term_scroll_reset(p->term);
		con->scroll_mode = 0;
	}
	tui_term_touch(p->term);
	tui_console_dirty(con);
}

static void
compact_key(tui_console *con, int tkey, uint32_t ch)
{
	if (tkey == TUI_KEY_UP && con->compact_sel > 0)
		con->compact_sel--;
	else if (tkey == TUI_KEY_DOWN && con->compact_sel < con->npanes - 1)
		con->compact_sel++;
	else if (ch == '\r' || tkey == TUI_KEY_ENTER) {
		con->focus = con->compact_sel;
		con->zoom = con->compact_sel;
		tui_console_relayout(con);
	}
	tui_console_dirty(con);
}

static int
sidebar_key(tui_console *con, int tkey, uint32_t ch)
{
	int n = (int)(con->inv->nhosts + con->inv->naliases);

	/* With panes open, arrows belong to the shells: add hosts by prefix + a. */
	if (!con->sidebar || con->npanes > 0)
		return 0;
	if (tkey == TUI_KEY_UP && con->sidebar_sel > 0)
		con->sidebar_sel--;
	else if (tkey == TUI_KEY_DOWN && con->sidebar_sel < n - 1)
		con->sidebar_sel++;
	else if ((ch == '\r' || tkey == TUI_KEY_ENTER) && n > 0) {
		const char *name = con->sidebar_sel < (int)con->inv->nhosts ?
		    con->inv->hosts[con->sidebar_sel].name :
		    con->inv->aliases[con->sidebar_sel - (int)con->inv->nhosts];

		tui_console_add_targets(con, name);
	} else
		return 0;
	tui_console_dirty(con);
	return 1;
}

/* The console's own keys; see config/keymap.c for the table. */
static const char *
bound(tui_console *con, int tkey, int mods, uint32_t ch, int after_prefix)
{
	static const int map[][2] = {
		{ TUI_KEY_UP, CFG_KEY_UP }, { TUI_KEY_DOWN, CFG_KEY_DOWN },
		{ TUI_KEY_LEFT, CFG_KEY_LEFT }, { TUI_KEY_RIGHT, CFG_KEY_RIGHT },
		{ TUI_KEY_HOME, CFG_KEY_HOME }, { TUI_KEY_END, CFG_KEY_END },
		{ TUI_KEY_PGUP, CFG_KEY_PGUP }, { TUI_KEY_PGDN, CFG_KEY_PGDN },
		{ TUI_KEY_INS, CFG_KEY_INSERT }, { TUI_KEY_DEL, CFG_KEY_DELETE },
		{ TUI_KEY_ENTER, CFG_KEY_ENTER }, { TUI_KEY_TAB, CFG_KEY_TAB },
		{ TUI_KEY_BACKSPACE, CFG_KEY_BACKSPACE }, { TUI_KEY_ESC, CFG_KEY_ESCAPE },
	};
	int key = (int)ch;
	size_t i;

	if (tkey >= TUI_KEY_F1 && tkey <= TUI_KEY_F12) {
		key = CFG_KEY_F1 + (tkey - TUI_KEY_F1);
	} else if (tkey != TUI_KEY_NONE) {
		key = CFG_KEY_NONE;
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (map[i][0] == tkey)
				key = map[i][1];
	}
	if (key == CFG_KEY_NONE)
		return NULL;
	return cfg_keymap_lookup(con->cfg->keys, key, mods, after_prefix);
}

void
tui_input_key(tui_console *con, int ckey, int cmods, uint32_t ch)
{
	int mods = 0, tkey = TUI_KEY_NONE;
	const char *name;

	if (ckey != 0)
		tkey = curses_to_tui(ckey, &mods);
	mods |= cmods;
	if (con->dialogs != NULL) {
		dialog_key(con, tkey, ch);
		return;
	}
	if (con->prefix) {
		con->prefix = 0;
		name = bound(con, tkey, mods, ch, 1);
		if (name != NULL && (strcmp(name, "prefix") == 0 ||
		    strcmp(name, "send-prefix") == 0)) {
			/* Prefix twice: the key itself goes to the pane. */
			send_to_panes(con, tkey, mods, ch);
		} else if (name != NULL) {
			cmd(con, name);
		}
		tui_console_dirty(con);
		return;
	}
	name = bound(con, tkey, mods, ch, 0);
	if (name != NULL && strcmp(name, "prefix") == 0) {
		con->prefix = 1;
		tui_console_dirty(con);
		return;
	}
	if (name != NULL) {
		cmd(con, name);
		return;
	}
	if (con->help) {
		con->help = 0;
		con->full_dirty = 1;
		tui_console_dirty(con);
		return;
	}
	if (con->board != NULL && tui_board_key(con->board, tkey, mods, ch))
		return;
	if (con->scroll_mode) {
		scroll_key(con, tkey, ch);
		return;
	}
	if (con->compact) {
		compact_key(con, tkey, ch);
		return;
	}
	if (sidebar_key(con, tkey, ch))
		return;
	if (tkey == TUI_KEY_NONE && ckey != 0)
		return;   /* a curses key we do not pass on */
	send_to_panes(con, tkey, mods, ch);
}

void
tui_input_mouse(tui_console *con, int x, int y, int button)
{
	tui_rect *r;
	int hit;

	if (con->npanes == 0)
		return;
	if (button & BUTTON4_PRESSED) {
		tui_term_scroll(focused(con)->term, 3);
		con->scroll_mode = 1;
		tui_term_touch(focused(con)->term);
		tui_console_dirty(con);
		return;
	}
	if (button & BUTTON5_PRESSED) {
		tui_term_scroll(focused(con)->term, -3);
		tui_term_touch(focused(con)->term);
		tui_console_dirty(con);
		return;
	}
	r = pane_rects(con);
	hit = tui_layout_hit(r, con->npanes, x, y);
	free(r);
	if (hit >= 0)
		set_focus(con, hit);
	tui_console_dirty(con);
}
