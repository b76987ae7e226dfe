/*
 * tui/console/input.c - what a key or a click does. Reads the terminal
 * (curses, non-blocking, bounded per loop turn), turns curses keys into
 * the emulator's keys, and routes: dialogs first, then the prefix and
 * bound commands (commands.c, through the keymap), then whatever is up
 * (help, the board, scroll mode, the compact list, the sidebar), and
 * everything else to the focused pane's terminal, or in broadcast mode to
 * every pane of the broadcast set, each encoding the key with its own
 * modes.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/console/console.h"
#include "tui/console/provide_curses.h"

/* Keys read per loop turn: a paste flood must not starve the engine. */
#define INPUT_MAX_KEYS 4096

/* ---- key translation: curses -> terminal keys -> config keys ---- */

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

/* The command bound to a key, after the prefix or directly; NULL if none. */
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
		for (i = 0; i < UTIL_NELEM(map); i++)
			if (map[i][0] == tkey)
				key = map[i][1];
	}
	if (key == CFG_KEY_NONE)
		return NULL;
	return cfg_keymap_lookup(con->cfg->keys, key, mods, after_prefix);
}

/* ---- to the panes ---- */

void
tui_input_to_panes(tui_console *con, int tkey, int mods, uint32_t ch)
{
	tui_pane **t, *p = tui_console_focused(con);
	int n = 1, i;

	if (p == NULL)
		return;
	t = con->broadcast ? tui_console_typing_targets(con, &n) : &p;
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
	tui_pane **t, *p = tui_console_focused(con);
	int n = 1, i;

	if (p == NULL)
		return;
	t = con->broadcast ? tui_console_typing_targets(con, &n) : &p;
	for (i = 0; i < n; i++)
		tui_term_paste(t[i]->term, text, len);
	if (con->broadcast)
		free(t);
}

/* ---- modes that take keys ---- */

static void
scroll_key(tui_console *con, int tkey, uint32_t ch)
{
	tui_pane *p = tui_console_focused(con);
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
		tui_console_layout_changed(con);
	}
	tui_console_dirty(con);
}

/* The help overlay scrolls; only its own keys close it. */
static void
help_key(tui_console *con, int tkey, uint32_t ch)
{
	int page = con->rows > 8 ? con->rows - 8 : 1;

	if (tkey == TUI_KEY_UP || ch == 'k')
		con->help_top--;
	else if (tkey == TUI_KEY_DOWN || ch == 'j')
		con->help_top++;
	else if (tkey == TUI_KEY_PGUP || ch == 'b')
		con->help_top -= page;
	else if (tkey == TUI_KEY_PGDN || ch == ' ' || ch == 'f')
		con->help_top += page;
	else if (tkey == TUI_KEY_HOME || ch == 'g')
		con->help_top = 0;
	else if (ch == 'q' || ch == '?' || ch == 27 || ch == '\r' || tkey == TUI_KEY_ESC ||
	    tkey == TUI_KEY_ENTER)
		con->help = 0;
	if (con->help_top < 0)
		con->help_top = 0;
	con->full_dirty = 1;
	tui_console_dirty(con);
}

/* ---- routing ---- */

void
tui_input_key(tui_console *con, int ckey, int cmods, uint32_t ch)
{
	int mods = 0, tkey = TUI_KEY_NONE;
	const char *name;

	if (ckey != 0)
		tkey = curses_to_tui(ckey, &mods);
	mods |= cmods;
	if (con->dialogs != NULL) {
		tui_dialog_key(con, tkey, ch);
		return;
	}
	if (con->pick_pane) {
		/* Panes are numbered from 1 on screen, as the digits are typed. */
		con->pick_pane = 0;
		if (ch >= '1' && ch <= '9')
			tui_console_set_focus(con, (int)(ch - '1'));
		con->full_dirty = 1;
		tui_console_dirty(con);
		return;
	}
	if (con->prefix) {
		con->prefix = 0;
		name = bound(con, tkey, mods, ch, 1);
		/* The prefix again, whatever it is bound to: send it itself. */
		if (name == NULL && (name = bound(con, tkey, mods, ch, 0)) != NULL &&
		    strcmp(name, "prefix") == 0)
			name = "send-prefix";
		else if (name != NULL && strcmp(name, "prefix") == 0)
			name = "send-prefix";
		if (name != NULL)
			tui_command_run(con, name);
		tui_console_dirty(con);
		return;
	}
	name = bound(con, tkey, mods, ch, 0);
	if (name != NULL) {
		tui_command_run(con, name);
		return;
	}
	if (con->help) {
		help_key(con, tkey, ch);
		return;
	}
	if (con->xboard != NULL && con->xboard_shown && tui_xboard_key(con->xboard, tkey, ch))
		return;
	if (con->tail != NULL && con->tail_shown && tui_tailpane_key(con->tail, tkey, mods, ch))
		return;
	if (con->board != NULL && con->board_shown && tui_board_key(con->board, tkey, mods, ch))
		return;
	if (con->scroll_mode) {
		scroll_key(con, tkey, ch);
		return;
	}
	if (con->compact) {
		compact_key(con, tkey, ch);
		return;
	}
	if (tui_sidebar_key(con, tkey, ch))
		return;
	if (tkey == TUI_KEY_NONE && ckey != 0)
		return;   /* a curses key we do not pass on */
	tui_input_to_panes(con, tkey, mods, ch);
}

void
tui_input_mouse(tui_console *con, int x, int y, int button)
{
	tui_pane *p = tui_console_focused(con);
	tui_rect *r;
	int hit;

	if (p == NULL)
		return;
	if (button & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		tui_term_scroll(p->term, button & BUTTON4_PRESSED ? 3 : -3);
		if (button & BUTTON4_PRESSED)
			con->scroll_mode = 1;
		tui_term_touch(p->term);
		tui_console_dirty(con);
		return;
	}
	r = tui_console_pane_rects(con);
	hit = tui_layout_hit(r, con->npanes, x, y);
	free(r);
	tui_console_set_focus(con, hit);
	tui_console_dirty(con);
}

static void
on_input(uv_poll_t *h, int status, int events)
{
	tui_console *con = h->data;
	wint_t wc;
	int r, n = 0;

	(void)status;
	(void)events;
	tui_console_typing(con);
	while (n++ < INPUT_MAX_KEYS && (r = wget_wch(stdscr, &wc)) != ERR) {
		int alt = 0;

		/* ESC then a key at once is Alt+key (what terminals send). */
		if (r == OK && wc == 27) {
			wint_t w2;
			int r2 = wget_wch(stdscr, &w2);

			if (r2 == OK && w2 == 27) {
				tui_input_key(con, 0, 0, 27);   /* ESC ESC: both go */
			} else if (r2 == OK) {
				alt = TUI_MOD_ALT;
				wc = w2;
			} else if (r2 == KEY_CODE_YES) {
				tui_input_key(con, (int)w2, TUI_MOD_ALT, 0);
				continue;
			}
		}
		if (r == KEY_CODE_YES) {
			int key = (int)wc;

			if (key == KEY_MOUSE) {
				MEVENT me;

				if (getmouse(&me) == OK)
					tui_input_mouse(con, me.x, me.y, (int)me.bstate);
				continue;
			}
			if (key == KEY_RESIZE) {
				tui_console_read_size(con);
				tui_console_layout_changed(con);
				continue;
			}
			tui_input_key(con, key, alt, 0);
		} else {
			tui_input_key(con, 0, alt, (uint32_t)wc);
		}
		if (con->quit)
			break;
	}
	/*
	 * No frame just for a key: the echo will ask for one, and a frame drawn
	 * now would push the echo's frame back by a whole frame interval.
	 */
	if (con->quit)
		uv_stop(con->loop);
}

void
tui_input_start(tui_console *con)
{
	uv_poll_init(con->loop, &con->in, 0);
	con->in.data = con;
	uv_poll_start(&con->in, UV_READABLE, on_input);
}
