/*
 * tui/term/term_input.c - what the operator types into a pane: keys and
 * characters encoded by libvterm's keyboard layer (modifiers, application
 * cursor keys) and pastes (bracketed when the application asked), all
 * leaving through the pane's on_output callback. Split from term.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term.h"
#include "tui/term/term_int.h"

/* ---- input --------------------------------------------------------- */

static const VTermKey keymap[TUI_KEY__COUNT] = {
	[TUI_KEY_NONE] = VTERM_KEY_NONE,
	[TUI_KEY_ENTER] = VTERM_KEY_ENTER,
	[TUI_KEY_TAB] = VTERM_KEY_TAB,
	[TUI_KEY_BACKSPACE] = VTERM_KEY_BACKSPACE,
	[TUI_KEY_ESC] = VTERM_KEY_ESCAPE,
	[TUI_KEY_UP] = VTERM_KEY_UP,
	[TUI_KEY_DOWN] = VTERM_KEY_DOWN,
	[TUI_KEY_LEFT] = VTERM_KEY_LEFT,
	[TUI_KEY_RIGHT] = VTERM_KEY_RIGHT,
	[TUI_KEY_INS] = VTERM_KEY_INS,
	[TUI_KEY_DEL] = VTERM_KEY_DEL,
	[TUI_KEY_HOME] = VTERM_KEY_HOME,
	[TUI_KEY_END] = VTERM_KEY_END,
	[TUI_KEY_PGUP] = VTERM_KEY_PAGEUP,
	[TUI_KEY_PGDN] = VTERM_KEY_PAGEDOWN,
};

static VTermModifier
vmods(int mods)
{
	return (VTermModifier)(mods & (TUI_MOD_SHIFT | TUI_MOD_ALT | TUI_MOD_CTRL));
}

void
tui_term_key(tui_term *t, int key, int mods)
{
	VTermKey k;

	if (key <= TUI_KEY_NONE || key >= TUI_KEY__COUNT)
		return;
	if (key >= TUI_KEY_F1)
		k = (VTermKey)VTERM_KEY_FUNCTION(key - TUI_KEY_F1 + 1);
	else
		k = keymap[key];
	vterm_keyboard_key(t->vt, k, vmods(mods));
}

void
tui_term_char(tui_term *t, uint32_t c, int mods)
{
	VTermModifier m = vmods(mods);

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return;
	/*
	 * libvterm 0.1 encodes Ctrl+i/j/m/[ and Ctrl+non-letters as CSI u,
	 * which shells and most programs do not read. Send the C0 byte a
	 * terminal sends instead; Alt still adds its ESC prefix.
	 */
	if (c < 0x20 || c == 0x7f) {
		/* Already a control byte (as curses delivers C-a): as is. */
		vterm_keyboard_unichar(t->vt, c, m & VTERM_MOD_ALT);
		return;
	}
	if ((m & VTERM_MOD_CTRL) != 0) {
		uint32_t b = c;

		if (b >= 'a' && b <= 'z')
			b -= 'a' - 'A';
		if (b == ' ' || b == '@')
			b = 0;
		else if (b == '?')
			b = 0x7f;
		else if (b >= 'A' && b <= '_')
			b &= 0x1f;
		else
			b = (uint32_t)-1;
		if (b != (uint32_t)-1) {
			vterm_keyboard_unichar(t->vt, b, m & VTERM_MOD_ALT);
			return;
		}
	}
	vterm_keyboard_unichar(t->vt, c, m);
}

void
tui_term_paste(tui_term *t, const char *s, size_t len)
{
	char buf[512];
	size_t i, n = 0;
	int bracketed;

	/* libvterm has no getter for the mode: see if it emits the bracket. */
	t->probing = 1;
	t->probed = 0;
	vterm_keyboard_start_paste(t->vt);
	t->probing = 0;
	bracketed = t->probed > 0;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;               /* \r\n -> \r */
		if (ch == '\n')
			ch = '\r';
		if (ch == '\x1b' && bracketed)
			continue;
		buf[n++] = ch;
		if (n == sizeof buf) {
			tui__term_output(buf, n, t);
			n = 0;
		}
	}
	if (n > 0)
		tui__term_output(buf, n, t);
	vterm_keyboard_end_paste(t->vt);
}
