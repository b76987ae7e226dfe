/*
 * util/util.h - drover's low-level helpers, below the three layers (engine,
 * config, tui all link them; they depend on libc only): allocation that
 * aborts, string vectors and NULL-terminated lists, UTF-8, number and yes/no
 * parsing, terminal colour conversion and NO_COLOR.
 *
 * Allocation failure aborts with a message (ENOMEM never flows through an
 * API). Everything else returns 0 / -1 or a documented value; nothing here
 * keeps state between calls.
 */
#ifndef DROVER_UTIL_H
#define DROVER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define UTIL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UTIL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- alloc.c ---- */
void *util_xmalloc(size_t n);                /* n 0 is 1 */
void *util_xcalloc(size_t n, size_t size);
void *util_xrealloc(void *p, size_t n);
void *util_xreallocarray(void *p, size_t n, size_t size);   /* overflow aborts */
/*
 * Called when an allocation fails, before the program aborts: return 1 if
 * memory was released (a reserve) so the allocation is tried again, 0 to
 * abort. It must not allocate. NULL (the default): abort at once.
 */
void util_set_oom_hook(int (*fn)(size_t want));
char *util_xstrdup(const char *s);           /* NULL gives NULL */
char *util_xstrndup(const char *s, size_t n);
char *util_xasprintf(const char *fmt, ...) UTIL_PRINTF(1, 2);
char *util_xvasprintf(const char *fmt, va_list ap) UTIL_PRINTF(1, 0);
/* Zeroes a secret string, then frees it (NULL-safe). */
void util_secure_free(char *s);

/* ---- strv.c ---- */
/*
 * A growable vector of owned strings, kept NULL-terminated so that v can be
 * handed out as a char ** list once non-empty.
 */
typedef struct util_strv {
	char **v;
	size_t n;
	size_t cap;
} util_strv;

void util_strv_push(util_strv *sv, const char *s);
void util_strv_push_take(util_strv *sv, char *s);
/* Releases the array to the caller: NULL-terminated, NULL if empty. */
char **util_strv_steal(util_strv *sv);
void util_strv_clear(util_strv *sv);

/* s in single quotes for a POSIX shell ('it'\''s'), malloc'd. */
char *util_shell_quote(const char *s);

/* NULL-terminated string lists (NULL is the empty list). */
size_t util_list_len(char *const *list);
char **util_list_dup(char *const *list);     /* NULL when empty */
int util_list_has(char *const *list, const char *s);
void util_list_free(char **list);

/* ---- utf8.c ---- */
/*
 * Decodes one UTF-8 sequence at s (len bytes available): its length and
 * *cp, or 0 when the bytes are not valid UTF-8 (overlong, surrogate, past
 * U+10FFFF, truncated, stray continuation byte).
 */
size_t util_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Encodes cp (<= U+10FFFF) into out; returns 1-4, 0 for an invalid cp. */
size_t util_utf8_encode(uint32_t cp, char out[4]);
/* Length of s[0..len) without its last character (for a backspace). */
size_t util_utf8_drop_last(const char *s, size_t len);

/* ---- num.c ---- */
/*
 * A decimal in [min, max] with nothing around it (no spaces, no '+'; '-'
 * only when min < 0): 0, else -1 and *out unchanged.
 */
int util_parse_int(const char *v, long min, long max, int *out);
/* yes/true/on/1 or no/false/off/0 (any case): 0, else -1. */
int util_parse_bool(const char *v, int *out);

/* ---- color.c ---- */
/* xterm's RGB for palette entry i (0..255). */
void util_palette_rgb(int i, unsigned char rgb[3]);
/*
 * A colour number for RGB on a terminal with ncolors colours (curses'
 * COLORS): 0xRRGGBB on a direct-colour terminal (ncolors >= 2^24; never
 * 0-7, which such terminals read as ANSI palette numbers), the nearest
 * entry of the stable cube and grey ramp (16..255) on 256 colours, the
 * nearest of 0..15 (or 0..7) below. ncolors <= 0: -1.
 */
int util_color_from_rgb(unsigned char r, unsigned char g, unsigned char b, int ncolors);
/*
 * A palette index for such a terminal: kept when the terminal has it
 * (direct colour keeps 0-7 only), else its RGB converted as above.
 */
int util_color_from_index(int index, int ncolors);
/* 1 if $NO_COLOR is set and not empty (no-color.org). */
int util_no_color(void);

/*
 * NULL if regcomp(3) can take pattern without blowing up (a repetition of a
 * repetition, counts over 255, a count around a counted group, over 1024
 * characters), else why not. For every pattern the operator supplies.
 */
const char *util_regex_unsafe(const char *pattern);

#endif
