/*
 * engine/sftp_proto.c - strict parsing of SFTP v3 server packets
 * (draft-ietf-secsh-filexfer-02, OpenSSH's dialect): VERSION with its
 * extension pairs, STATUS, HANDLE, DATA, NAME, ATTRS, EXTENDED_REPLY, and
 * the statvfs@ / limits@openssh.com reply payloads.
 *
 * Owns nothing past one packet; sftp.c hands it each framed packet and the
 * libFuzzer target (tests/fuzz/fuzz_sftp.c) calls it on raw bytes, so it
 * never touches a session. Every length and count is checked against what
 * is left of the packet before it is used or allocated for: a hostile
 * server gets a parse error, never an over-read or a huge allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

typedef struct rd {
	const unsigned char *p;
	size_t len, off;
} rd;

static int
get_u8(rd *r, uint8_t *v)
{
	if (r->len - r->off < 1)
		return -1;
	*v = r->p[r->off++];
	return 0;
}

static int
get_u32(rd *r, uint32_t *v)
{
	const unsigned char *q;

	if (r->len - r->off < 4)
		return -1;
	q = r->p + r->off;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	r->off += 4;
	return 0;
}

static int
get_u64(rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (get_u32(r, &hi) != 0 || get_u32(r, &lo) != 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* A string: the pointer stays inside the packet, the length was checked. */
static int
get_str(rd *r, const unsigned char **s, uint32_t *n)
{
	if (get_u32(r, n) != 0 || *n > r->len - r->off)
		return -1;
	*s = r->p + r->off;
	r->off += *n;
	return 0;
}

static size_t
left(const rd *r)
{
	return r->len - r->off;
}

static int
get_attrs(rd *r, eng_sftp_attrs *a)
{
	uint32_t flags, n, i, sl;
	const unsigned char *s;

	memset(a, 0, sizeof(*a));
	if (get_u32(r, &flags) != 0)
		return -1;
	a->flags = flags & (ENG_SFTP_ATTR_SIZE | ENG_SFTP_ATTR_UIDGID |
	    ENG_SFTP_ATTR_PERMISSIONS | ENG_SFTP_ATTR_ACMODTIME);
	if ((flags & ENG_SFTP_ATTR_SIZE) && get_u64(r, &a->size) != 0)
		return -1;
	if ((flags & ENG_SFTP_ATTR_UIDGID) &&
	    (get_u32(r, &a->uid) != 0 || get_u32(r, &a->gid) != 0))
		return -1;
	if ((flags & ENG_SFTP_ATTR_PERMISSIONS) && get_u32(r, &a->perm) != 0)
		return -1;
	if ((flags & ENG_SFTP_ATTR_ACMODTIME) &&
	    (get_u32(r, &a->atime) != 0 || get_u32(r, &a->mtime) != 0))
		return -1;
	if (flags & 0x80000000u) {
		/* Extended attributes: skipped, but every pair must be there. */
		if (get_u32(r, &n) != 0 || n > left(r) / 8)
			return -1;
		for (i = 0; i < n * 2; i++)
			if (get_str(r, &s, &sl) != 0)
				return -1;
	}
	return 0;
}

/* Copies s into the arena as a C string; NULs inside are kept (callers check). */
static const char *
arena_put(char **cur, const unsigned char *s, uint32_t n)
{
	char *d = *cur;

	memcpy(d, s, n);
	d[n] = '\0';
	*cur = d + n + 1;
	return d;
}

int
eng__sftp_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '/' || ch < 0x20 || ch == 0x7f)
			return 0;
	}
	return 1;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

int
eng__sftp_parse(const unsigned char *body, size_t len, int check_names,
    eng__sftp_msg *m, char *err, size_t errlen)
{
	rd r = { body, len, 0 };
	const unsigned char *s, *l;
	uint32_t n = 0, sl = 0, ll = 0, i;
	char *cur;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (errlen > 0)
		err[0] = '\0';
	if (len > ENG_SFTP_MAX_PACKET)
		BAD("packet of %zu bytes is over the limit", len);
	if (get_u8(&r, &m->type) != 0)
		BAD("empty packet");
	if (m->type == ENG__FXP_VERSION) {
		if (get_u32(&r, &m->version) != 0)
			BAD("VERSION too short");
		while (left(&r) > 0) {
			if (get_str(&r, &s, &sl) != 0 || get_str(&r, &l, &ll) != 0)
				BAD("VERSION: bad extension pair");
			if (m->next < ENG__SFTP_MAX_EXT) {
				m->ext[m->next].name = s;
				m->ext[m->next].nlen = sl;
				m->ext[m->next].data = l;
				m->ext[m->next].dlen = ll;
				m->next++;
			}
		}
		return 0;
	}
	if (get_u32(&r, &m->id) != 0)
		BAD("packet type %u without a request id", m->type);
	switch (m->type) {
	case ENG__FXP_STATUS:
		if (get_u32(&r, &m->status) != 0)
			BAD("STATUS without a code");
		s = (const unsigned char *)"";
		sl = 0;
		/* The message and language tag are optional in practice. */
		if (left(&r) > 0 && get_str(&r, &s, &sl) != 0)
			BAD("STATUS: message length %u past the packet", sl);
		if (left(&r) > 0 && get_str(&r, &l, &ll) != 0)
			BAD("STATUS: bad language tag");
		m->strbuf = util_xmalloc((size_t)sl + 1);
		cur = m->strbuf;
		m->message = arena_put(&cur, s, sl);
		break;
	case ENG__FXP_HANDLE:
		if (get_str(&r, &s, &sl) != 0)
			BAD("HANDLE: length past the packet");
		if (sl == 0 || sl > sizeof(m->handle.data))
			BAD("HANDLE of %u bytes (1..256 allowed)", sl);
		m->handle.len = sl;
		memcpy(m->handle.data, s, sl);
		break;
	case ENG__FXP_DATA:
		if (get_str(&r, &s, &sl) != 0)
			BAD("DATA: length past the packet");
		m->data = s;
		m->len = sl;
		break;
	case ENG__FXP_NAME:
		/* Each entry takes at least 12 bytes: no count can outgrow the packet. */
		if (get_u32(&r, &n) != 0 || n > left(&r) / 12)
			BAD("NAME: count %u does not fit the packet", n);
		m->names = util_xcalloc(n ? n : 1, sizeof(*m->names));
		m->strbuf = util_xmalloc(left(&r) + 2 * (size_t)n + 1);
		cur = m->strbuf;
		for (i = 0; i < n; i++) {
			eng_sftp_name *e = &m->names[m->nnames];

			if (get_str(&r, &s, &sl) != 0 || get_str(&r, &l, &ll) != 0 ||
			    get_attrs(&r, &e->attrs) != 0)
				BAD("NAME: entry %u of %u is cut short", i + 1, n);
			if (check_names && !eng__sftp_name_ok((const char *)s, sl)) {
				if (!((sl == 1 && s[0] == '.') ||
				    (sl == 2 && s[0] == '.' && s[1] == '.')))
					m->refused++;
				continue;
			}
			/* A path (realpath, readlink) with a NUL would be cut: refuse it. */
			if (memchr(s, '\0', sl) != NULL)
				BAD("NAME: entry %u holds a NUL byte", i + 1);
			e->name = arena_put(&cur, s, sl);
			e->longname = arena_put(&cur, l, ll);
			m->nnames++;
		}
		break;
	case ENG__FXP_ATTRS:
		if (get_attrs(&r, &m->attrs) != 0)
			BAD("ATTRS cut short");
		break;
	case ENG__FXP_EXTENDED_REPLY:
		m->data = body + r.off;
		m->len = left(&r);
		r.off = r.len;
		break;
	default:
		BAD("unknown packet type %u", m->type);
	}
	if (left(&r) != 0)
		BAD("%zu stray bytes after packet type %u", left(&r), m->type);
	rc = 0;
out:
	return rc;
}

void
eng__sftp_msg_clear(eng__sftp_msg *m)
{
	if (m == NULL)
		return;
	free(m->names);
	free(m->strbuf);
	m->names = NULL;
	m->strbuf = NULL;
	m->nnames = 0;
}

int
eng__sftp_parse_statvfs(const unsigned char *p, size_t len, eng_sftp_vfs *v)
{
	rd r = { p, len, 0 };
	uint64_t *f[] = { &v->bsize, &v->frsize, &v->blocks, &v->bfree, &v->bavail,
	    &v->files, &v->ffree, &v->favail, &v->fsid, &v->flag, &v->namemax };
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (get_u64(&r, f[i]) != 0)
			return -1;
	return left(&r) == 0 ? 0 : -1;
}

int
eng__sftp_parse_limits(const unsigned char *p, size_t len, eng_sftp_limits *l)
{
	rd r = { p, len, 0 };

	if (get_u64(&r, &l->max_packet) != 0 || get_u64(&r, &l->max_read) != 0 ||
	    get_u64(&r, &l->max_write) != 0 || get_u64(&r, &l->max_handles) != 0)
		return -1;
	return left(&r) == 0 ? 0 : -1;
}
