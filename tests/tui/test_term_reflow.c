/*
 * tests/tui/test_term_reflow.c - a new pane width re-wraps what the host
 * printed (tui/term/term_reflow.c): soft-wrapped lines join and are cut
 * again, lines the host ended stay lines, the cursor stays on its
 * character, the scrollback reflows too, and the alternate screen is left
 * to its program. The strongest check: text printed at one width and
 * resized to another reads exactly as the same text printed at the second
 * width from the start.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term.h"

static tui_term *
tnew(int rows, int cols, int sb)
{
	tui_term *t = tui_term_new(rows, cols, sb, NULL, NULL);

	cr_assert_not_null(t);
	return t;
}

static void
feed(tui_term *t, const char *s)
{
	tui_term_feed(t, s, strlen(s));
}

/* Every history line (scrollback then screen), one per text line. */
static char *
all_text(tui_term *t)
{
	int i, n = tui_term_history_lines(t);
	size_t len = 0;
	char *out = calloc(1, 1), *l;

	for (i = 0; i < n; i++) {
		l = tui_term_line_text(t, i);
		out = realloc(out, len + strlen(l) + 2);
		memcpy(out + len, l, strlen(l));
		len += strlen(l);
		out[len++] = '\n';
		out[len] = '\0';
		free(l);
	}
	return out;
}

/* Screen row as text. */
static char *
row(tui_term *t, int r)
{
	return tui_term_line_text(t, tui_term_sb_lines(t) + r);
}

#define ROW_IS(t, r, want) do { \
	char *got_ = row((t), (r)); \
	cr_assert_str_eq(got_, (want), "row %d: '%s', want '%s'", (r), got_, (want)); \
	free(got_); \
} while (0)

static void
cursor_at(tui_term *t, int r, int c)
{
	int cr, cc, vis;

	tui_term_cursor(t, &cr, &cc, &vis);
	cr_assert(cr == r && cc == c, "cursor at %d,%d, want %d,%d", cr, cc, r, c);
}

Test(reflow, a_wrapped_line_joins_when_wider_and_splits_when_narrower)
{
	tui_term *t = tnew(5, 10, 100);

	feed(t, "abcdefghijklmnopqrstuvwxy\r\n$ ");
	ROW_IS(t, 0, "abcdefghij");
	ROW_IS(t, 2, "uvwxy");
	cr_assert_eq(tui_term_resize(t, 5, 30), 1);
	ROW_IS(t, 0, "abcdefghijklmnopqrstuvwxy");
	ROW_IS(t, 1, "$ ");
	cursor_at(t, 1, 2);
	cr_assert_eq(tui_term_resize(t, 5, 8), 1);
	ROW_IS(t, 0, "abcdefgh");
	ROW_IS(t, 1, "ijklmnop");
	ROW_IS(t, 2, "qrstuvwx");
	ROW_IS(t, 3, "y");
	ROW_IS(t, 4, "$ ");
	cursor_at(t, 4, 2);
	/* Typing goes on where the cursor is. */
	feed(t, "ls");
	ROW_IS(t, 4, "$ ls");
	tui_term_free(t);
}

Test(reflow, lines_the_host_ended_stay_lines)
{
	tui_term *t = tnew(4, 10, 100);

	/* Exactly ten characters, then a newline: not a wrap. */
	feed(t, "0123456789\r\nabc\r\ndef");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	ROW_IS(t, 0, "0123456789");
	ROW_IS(t, 1, "abc");
	ROW_IS(t, 2, "def");
	cursor_at(t, 2, 3);
	tui_term_free(t);
}

Test(reflow, cursor_after_a_full_line_stays_after_it)
{
	tui_term *t = tnew(4, 10, 100);

	/* The cursor waits past the last column (pending wrap). */
	feed(t, "0123456789");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	cursor_at(t, 0, 10);
	feed(t, "X");
	ROW_IS(t, 0, "0123456789X");
	tui_term_free(t);
}

Test(reflow, cursor_after_a_line_that_fills_the_new_width_starts_the_next)
{
	tui_term *t = tnew(4, 20, 100);

	feed(t, "0123456789");
	cr_assert_eq(tui_term_resize(t, 4, 10), 1);
	ROW_IS(t, 0, "0123456789");
	cursor_at(t, 1, 0);
	/* What comes next is still the same line. */
	feed(t, "X");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	ROW_IS(t, 0, "0123456789X");
	cursor_at(t, 0, 11);
	tui_term_free(t);
}

Test(reflow, a_cursor_move_between_is_not_a_wrap)
{
	tui_term *t = tnew(4, 10, 100);

	/* The last column, then an explicit move to the next line. */
	feed(t, "0123456789\033[2;1Hnext");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	ROW_IS(t, 0, "0123456789");
	ROW_IS(t, 1, "next");
	tui_term_free(t);
}

Test(reflow, erasing_a_lines_end_ends_the_wrap)
{
	tui_term *t = tnew(4, 10, 100);

	feed(t, "abcdefghijKLM\033[1;5H\033[K");
	ROW_IS(t, 0, "abcd");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	ROW_IS(t, 0, "abcd");
	ROW_IS(t, 1, "KLM");
	tui_term_free(t);
}

Test(reflow, a_wide_character_that_did_not_fit_leaves_no_gap)
{
	tui_term *t = tnew(4, 10, 100);

	/* Nine columns, then a two-column character: it wraps whole. */
	feed(t, "abcdefghi\xe7\x95\x8c" "z");
	ROW_IS(t, 0, "abcdefghi");
	ROW_IS(t, 1, "\xe7\x95\x8c" "z");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	ROW_IS(t, 0, "abcdefghi\xe7\x95\x8c" "z");
	cursor_at(t, 0, 12);
	/* Narrower again: never cut in half. */
	cr_assert_eq(tui_term_resize(t, 4, 10), 1);
	ROW_IS(t, 0, "abcdefghi");
	ROW_IS(t, 1, "\xe7\x95\x8c" "z");
	tui_term_free(t);
}

Test(reflow, the_alternate_screen_is_left_to_its_program)
{
	tui_term *t = tnew(4, 10, 100);

	feed(t, "abcdefghijklmno\r\n");
	feed(t, "\033[?1049h\033[H0123456789ABC");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	/* The full-screen program's rows are not joined... */
	ROW_IS(t, 0, "0123456789");
	ROW_IS(t, 1, "ABC");
	/* ...the shell's screen behind it is. */
	feed(t, "\033[?1049l");
	ROW_IS(t, 0, "abcdefghijklmno");
	tui_term_free(t);
}

Test(reflow, a_cleared_screen_does_not_pull_history_back)
{
	tui_term *t = tnew(4, 10, 100);
	int i;

	for (i = 0; i < 10; i++)
		feed(t, "line-of-fifteen\r\n");
	/* What `clear` does: the screen emptied, the prompt at the top. */
	feed(t, "\033[H\033[2J$ ");
	cr_assert_eq(tui_term_resize(t, 4, 20), 1);
	ROW_IS(t, 0, "$ ");
	cursor_at(t, 0, 2);
	tui_term_free(t);
}

/*
 * Lines of many lengths (0 to 3 widths, some exactly a width, spaces,
 * trailing text without a newline) printed at one width, the pane resized:
 * the same as printing them at the new width, scrollback and screen, and
 * the cursor.
 */
static void
same_as_printed_at(int from, int to, unsigned seed, int wide)
{
	tui_term *a = tnew(7, from, 2000), *b = tnew(7, to, 2000);
	char line[1024], *ta, *tb;
	int i, n, k, m, ar, ac, br, bc, v;

	srand(seed);
	for (i = 0; i < 120; i++) {
		n = rand() % 4 == 0 ? (rand() % 2 ? from : to) : rand() % (3 * from);
		for (k = m = 0; k < n; k++) {
			if (wide && rand() % 7 == 0) {
				/* a two-column character (U+754C) */
				memcpy(line + m, "\xe7\x95\x8c", 3);
				m += 3;
			} else {
				line[m++] = (char)(rand() % 5 == 0 ? ' ' : 'a' + (i + k) % 26);
			}
		}
		n = m;
		line[n] = '\0';
		/* Trailing spaces are not text a terminal keeps. */
		while (n > 0 && line[n - 1] == ' ')
			line[--n] = '\0';
		feed(a, line);
		feed(b, line);
		feed(a, "\r\n");
		feed(b, "\r\n");
	}
	/* A prompt, the cursor after it. */
	feed(a, "$ ");
	feed(b, "$ ");
	cr_assert_eq(tui_term_resize(a, 7, to), 1);
	ta = all_text(a);
	tb = all_text(b);
	cr_assert_str_eq(ta, tb, "%d -> %d columns differs from printing at %d (seed %u%s)",
	    from, to, to, seed, wide ? ", wide" : "");
	tui_term_cursor(a, &ar, &ac, &v);
	tui_term_cursor(b, &br, &bc, &v);
	cr_assert(ar == br && ac == bc, "cursor %d,%d vs %d,%d", ar, ac, br, bc);
	free(ta);
	free(tb);
	tui_term_free(a);
	tui_term_free(b);
}

Test(reflow, wider_is_the_same_as_printed_wider)
{
	unsigned seed;

	for (seed = 1; seed <= 20; seed++) {
		same_as_printed_at(13, 40, seed, 0);
		same_as_printed_at(20, 21, seed, 0);
		same_as_printed_at(7, 80, seed, 0);
	}
}

Test(reflow, narrower_is_the_same_as_printed_narrower)
{
	unsigned seed;

	for (seed = 1; seed <= 20; seed++) {
		same_as_printed_at(40, 13, seed, 0);
		same_as_printed_at(21, 20, seed, 0);
		same_as_printed_at(80, 3, seed, 0);
	}
}

Test(reflow, wide_characters_reflow_as_printed)
{
	unsigned seed;

	for (seed = 1; seed <= 20; seed++) {
		same_as_printed_at(13, 40, seed, 1);
		same_as_printed_at(40, 13, seed, 1);
		same_as_printed_at(10, 11, seed, 1);
		same_as_printed_at(11, 10, seed, 1);
	}
}

Test(reflow, there_and_back_keeps_every_line)
{
	tui_term *t = tnew(6, 30, 1000);
	char *before, *after;
	int i;

	for (i = 0; i < 40; i++) {
		char l[128];

		snprintf(l, sizeof l, "%d:%.*s\r\n", i, i * 7 % 70,
		    "the quick brown fox jumps over the lazy dog, again and again and again");
		feed(t, l);
	}
	before = all_text(t);
	cr_assert_eq(tui_term_resize(t, 6, 11), 1);
	cr_assert_eq(tui_term_resize(t, 9, 57), 1);
	cr_assert_eq(tui_term_resize(t, 6, 30), 1);
	after = all_text(t);
	cr_assert_str_eq(after, before);
	free(before);
	free(after);
	tui_term_free(t);
}
