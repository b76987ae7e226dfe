/*
 * engine/tail_parse.c - strict parser for the records the remote tail
 * script prints (format in tail_int.h). Every byte is remote and untrusted:
 * header lines have a fixed field count, numbers are plain decimal without
 * overflow, bodies have capped lengths, and anything else is an error that
 * ends the tail's channel (tail.c then reports it) - never a crash, never
 * unbounded memory. It allocates nothing but one body buffer of at most
 * ENG_TAIL_CHUNK + 2 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/tail_int.h"

void
eng__tail_parser_reset(eng_tail_parser *p)
{
	char *buf = p->buf;
	size_t cap = p->bcap;

	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->bcap = cap;
}

void
eng__tail_parser_free(eng_tail_parser *p)
{
	if (p == NULL)
		return;
	free(p->buf);
	p->buf = NULL;
	p->bcap = 0;
	eng__tail_parser_reset(p);
}

static int
fail(eng_tail_parser *p, const char *what)
{
	char shown[48];
	size_t i, n = p->hlen < 32 ? p->hlen : 32;

	/* The header as seen, printable ASCII only: it goes into a message. */
	for (i = 0; i < n; i++)
		shown[i] = p->hdr[i] >= 0x20 && p->hdr[i] < 0x7f ? p->hdr[i] : '?';
	shown[n] = '\0';
	snprintf(p->err, sizeof(p->err), "%s (\"%s\")", what, shown);
	return -1;
}

/* Decimal, 1..20 digits, no sign, no overflow. */
static int
num(const char **s, uint64_t *out)
{
	const char *q = *s;
	uint64_t v = 0;
	int n = 0;

	if (*q != ' ')
		return -1;
	q++;
	while (*q >= '0' && *q <= '9') {
		unsigned d = (unsigned)(*q - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		q++;
		n++;
	}
	if (n == 0 || n > 20)
		return -1;
	*s = q;
	*out = v;
	return 0;
}

/* Parses p->hdr (NUL-terminated, no newline) into p->rec. */
static int
header(eng_tail_parser *p)
{
	eng_tail_rec *r = &p->rec;
	const char *s = p->hdr + 1;
	uint64_t f[6] = { 0 };
	int nf, i;

	memset(r, 0, sizeof(*r));
	r->type = p->hdr[0];
	switch (r->type) {
	case 'G': nf = 0; break;
	case 'W': case 'E': nf = 1; break;
	case 'F': nf = 2; break;
	case 'T': case 'R': case 'L': case 'S': nf = 4; break;
	case 'D': nf = 5; break;
	case 'A': nf = 6; break;
	default:
		return fail(p, "unknown record");
	}
	for (i = 0; i < nf; i++)
		if (num(&s, &f[i]) != 0)
			return fail(p, "bad number in record");
	if (r->type != 'G' && (f[0] < 1 || f[0] > ENG_TAIL_MAXFILES))
		return fail(p, "file index out of range");
	r->idx = (uint32_t)f[0];
	switch (r->type) {
	case 'E': {
		size_t n;

		/* One lower-case word from the script's fixed set. */
		if (*s != ' ')
			return fail(p, "bad error record");
		s++;
		n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
		if (n == 0 || n > 16 || s[n] != '\0')
			return fail(p, "bad error record");
		r->data = s;
		r->dlen = n;
		return 0;
	}
	case 'F':
		if (f[1] == 0 || f[1] > ENG_TAIL_MAXNAME)
			return fail(p, "bad name length");
		r->len = f[1];
		break;
	case 'T':
		r->dev = f[1];
		r->ino = f[2];
		r->len = f[3];
		break;
	case 'R': case 'L': case 'S':
		r->dev = f[1];
		r->ino = f[2];
		r->off = f[3];
		break;
	case 'A': case 'D':
		r->dev = f[1];
		r->ino = f[2];
		r->off = f[3];
		r->len = f[4];
		r->birth = f[5];
		if (r->type == 'D' && (r->len == 0 || r->len > ENG_TAIL_CHUNK))
			return fail(p, "bad data length");
		if (r->off > UINT64_MAX - r->len)
			return fail(p, "offset overflow");
		break;
	}
	if (*s != '\0')
		return fail(p, "trailing bytes in record");
	return 0;
}

int
eng__tail_parse(eng_tail_parser *p, const char *buf, size_t len, size_t *used,
    eng_tail_rec_fn cb, void *ud)
{
	size_t i = 0;

	*used = 0;
	while (i < len) {
		if (!p->body) {
			const char *nl = memchr(buf + i, '\n', len - i);
			size_t n = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;

			if (p->hlen + n > ENG_TAIL_HDRMAX) {
				memcpy(p->hdr + p->hlen, buf + i, ENG_TAIL_HDRMAX - p->hlen);
				p->hlen = ENG_TAIL_HDRMAX;
				return fail(p, "record header too long");
			}
			memcpy(p->hdr + p->hlen, buf + i, n);
			p->hlen += n;
			i += n;
			if (nl == NULL)
				break;
			i++;   /* the newline */
			p->hdr[p->hlen] = '\0';
			if (p->hlen == 0 || memchr(p->hdr, '\0', p->hlen) != NULL)
				return fail(p, "empty or binary record header");
			if (header(p) != 0)
				return -1;
			p->hlen = 0;
			if (p->rec.type == 'F' || p->rec.type == 'D') {
				p->body = 1;
				p->blen = 0;
				p->bneed = (size_t)p->rec.len + (p->rec.type == 'F' ? 1 : 2);
				if (p->bcap < p->bneed) {
					p->bcap = p->bneed;
					p->buf = util_xrealloc(p->buf, p->bcap);
				}
				continue;
			}
		} else {
			size_t n = p->bneed - p->blen;

			if (n > len - i)
				n = len - i;
			memcpy(p->buf + p->blen, buf + i, n);
			p->blen += n;
			i += n;
			if (p->blen < p->bneed)
				break;
			p->body = 0;
			p->rec.data = p->buf;
			p->rec.dlen = (size_t)p->rec.len;
			if (p->rec.type == 'F') {
				if (p->buf[p->rec.len] != '\n' ||
				    memchr(p->buf, '\0', p->rec.dlen) != NULL)
					return fail(p, "bad file name record");
			} else {
				const char *t = p->buf + p->rec.len;

				if ((t[0] != 'K' && t[0] != 'X') || t[1] != '\n')
					return fail(p, "bad data trailer");
				p->rec.ok = t[0] == 'K';
			}
		}
		switch (cb(&p->rec, ud)) {
		case 0:
			break;
		case 1:
			*used = i;
			return 1;
		default:
			*used = i;
			return -1;   /* the callback put its reason in p->err */
		}
	}
	*used = i;
	return 0;
}
