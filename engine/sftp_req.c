/*
 * engine/sftp_req.c - the client side of SFTP v3 on the wire: each request
 * of the public API (engine.h, "sftp") encoded into a packet, written to
 * the session's channel (sftp.c owns it) and recorded under its id for the
 * reply. Argument checks happen here, so a request that returns an error
 * was never sent and never calls back; extension requests are refused
 * (ENG_ENOTSUP) unless the server's VERSION offered them.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

typedef struct pkt {
	unsigned char *b;
	size_t len, cap;
} pkt;

static void
put_raw(pkt *p, const void *d, size_t n)
{
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 256;

		while (cap < p->len + n)
			cap *= 2;
		p->b = util_xrealloc(p->b, cap);
		p->cap = cap;
	}
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void
put_u32(pkt *p, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	put_raw(p, b, 4);
}

static void
put_u64(pkt *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p, (uint32_t)v);
}

static void
put_str(pkt *p, const void *d, size_t n)
{
	put_u32(p, (uint32_t)n);
	put_raw(p, d, n);
}

static void
put_cstr(pkt *p, const char *s)
{
	put_str(p, s, strlen(s));
}

static void
put_attrs(pkt *p, const eng_sftp_attrs *a)
{
	uint32_t f = a != NULL ? a->flags & 0x0f : 0;

	put_u32(p, f);
	if (f & ENG_SFTP_ATTR_SIZE)
		put_u64(p, a->size);
	if (f & ENG_SFTP_ATTR_UIDGID) {
		put_u32(p, a->uid);
		put_u32(p, a->gid);
	}
	if (f & ENG_SFTP_ATTR_PERMISSIONS)
		put_u32(p, a->perm);
	if (f & ENG_SFTP_ATTR_ACMODTIME) {
		put_u32(p, a->atime);
		put_u32(p, a->mtime);
	}
}

/* Starts a request packet: length placeholder, type, id. */
static void
begin(pkt *p, uint8_t type, uint32_t id)
{
	memset(p, 0, sizeof(*p));
	put_u32(p, 0);
	put_raw(p, &type, 1);
	put_u32(p, id);
}

static int
check(eng_sftp *s, eng_sftp_cb cb)
{
	if (s == NULL || cb == NULL)
		return ENG_EINVAL;
	if (s->failed || s->close_req)
		return ENG_ECLOSED;
	if (!s->ready)
		return ENG_ESTATE;
	return 0;
}

/*
 * Sends p (and extra, appended without a copy into p: WRITE data) and
 * records the request; the length word counts both.
 */
static int
send_req(eng_sftp *s, pkt *p, const void *extra, size_t elen, uint8_t type,
    uint8_t ext, eng_sftp_cb cb, void *ud)
{
	size_t total = p->len - 4 + elen;
	struct eng__sftp_req *q;
	int r;

	p->b[0] = (unsigned char)(total >> 24);
	p->b[1] = (unsigned char)(total >> 16);
	p->b[2] = (unsigned char)(total >> 8);
	p->b[3] = (unsigned char)total;
	r = eng_exec_write(s->x, p->b, p->len);
	if (r == 0 && elen > 0)
		r = eng_exec_write(s->x, extra, elen);
	free(p->b);
	if (r != 0)
		return ENG_ECLOSED;
	q = util_xcalloc(1, sizeof(*q));
	q->id = s->next_id - 1;
	q->type = type;
	q->ext = ext;
	q->cb = cb;
	q->ud = ud;
	eng__sftp_req_add(s, q);
	return 0;
}

static int
path_req(eng_sftp *s, uint8_t type, const char *path, eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (path == NULL)
		return ENG_EINVAL;
	begin(&p, type, s->next_id++);
	put_cstr(&p, path);
	return send_req(s, &p, NULL, 0, type, ENG__SFTP_EXT_NONE, cb, ud);
}

static int
two_path_req(eng_sftp *s, uint8_t type, const char *ext, const char *a, const char *b,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (a == NULL || b == NULL)
		return ENG_EINVAL;
	if (ext != NULL && !eng_sftp_has_ext(s, ext))
		return ENG_ENOTSUP;
	begin(&p, type, s->next_id++);
	if (ext != NULL)
		put_cstr(&p, ext);
	put_cstr(&p, a);
	put_cstr(&p, b);
	return send_req(s, &p, NULL, 0, type, ext ? ENG__SFTP_EXT_STATUS : ENG__SFTP_EXT_NONE, cb, ud);
}

static int
handle_req(eng_sftp *s, uint8_t type, const char *ext, const eng_sftp_handle *h,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (h == NULL || h->len == 0 || h->len > sizeof(h->data))
		return ENG_EINVAL;
	if (ext != NULL && !eng_sftp_has_ext(s, ext))
		return ENG_ENOTSUP;
	begin(&p, type, s->next_id++);
	if (ext != NULL)
		put_cstr(&p, ext);
	put_str(&p, h->data, h->len);
	return send_req(s, &p, NULL, 0, type, ext ? ENG__SFTP_EXT_STATUS : ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_open(eng_sftp *s, const char *path, uint32_t flags, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (path == NULL)
		return ENG_EINVAL;
	begin(&p, ENG__FXP_OPEN, s->next_id++);
	put_cstr(&p, path);
	put_u32(&p, flags);
	put_attrs(&p, a);
	return send_req(s, &p, NULL, 0, ENG__FXP_OPEN, ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_fclose(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud)
{
	return handle_req(s, ENG__FXP_CLOSE, NULL, h, cb, ud);
}

int
eng_sftp_read(eng_sftp *s, const eng_sftp_handle *h, uint64_t off, uint32_t len,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (h == NULL || h->len == 0 || h->len > sizeof(h->data) || len == 0)
		return ENG_EINVAL;
	begin(&p, ENG__FXP_READ, s->next_id++);
	put_str(&p, h->data, h->len);
	put_u64(&p, off);
	put_u32(&p, len);
	return send_req(s, &p, NULL, 0, ENG__FXP_READ, ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_write(eng_sftp *s, const eng_sftp_handle *h, uint64_t off, const void *buf,
    size_t len, eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (h == NULL || h->len == 0 || h->len > sizeof(h->data) ||
	    len > ENG_SFTP_MAX_PACKET - 1024 || (len > 0 && buf == NULL))
		return ENG_EINVAL;
	begin(&p, ENG__FXP_WRITE, s->next_id++);
	put_str(&p, h->data, h->len);
	put_u64(&p, off);
	put_u32(&p, (uint32_t)len);
	return send_req(s, &p, buf, len, ENG__FXP_WRITE, ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_stat(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_STAT, path, cb, ud);
}

int
eng_sftp_lstat(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_LSTAT, path, cb, ud);
}

int
eng_sftp_fstat(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud)
{
	return handle_req(s, ENG__FXP_FSTAT, NULL, h, cb, ud);
}

int
eng_sftp_setstat(eng_sftp *s, const char *path, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (path == NULL)
		return ENG_EINVAL;
	begin(&p, ENG__FXP_SETSTAT, s->next_id++);
	put_cstr(&p, path);
	put_attrs(&p, a);
	return send_req(s, &p, NULL, 0, ENG__FXP_SETSTAT, ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_fsetstat(eng_sftp *s, const eng_sftp_handle *h, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (h == NULL || h->len == 0 || h->len > sizeof(h->data))
		return ENG_EINVAL;
	begin(&p, ENG__FXP_FSETSTAT, s->next_id++);
	put_str(&p, h->data, h->len);
	put_attrs(&p, a);
	return send_req(s, &p, NULL, 0, ENG__FXP_FSETSTAT, ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_opendir(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_OPENDIR, path, cb, ud);
}

int
eng_sftp_readdir(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud)
{
	return handle_req(s, ENG__FXP_READDIR, NULL, h, cb, ud);
}

int
eng_sftp_mkdir(eng_sftp *s, const char *path, const eng_sftp_attrs *a,
    eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (path == NULL)
		return ENG_EINVAL;
	begin(&p, ENG__FXP_MKDIR, s->next_id++);
	put_cstr(&p, path);
	put_attrs(&p, a);
	return send_req(s, &p, NULL, 0, ENG__FXP_MKDIR, ENG__SFTP_EXT_NONE, cb, ud);
}

int
eng_sftp_rmdir(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_RMDIR, path, cb, ud);
}

int
eng_sftp_remove(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_REMOVE, path, cb, ud);
}

int
eng_sftp_rename(eng_sftp *s, const char *oldpath, const char *newpath,
    eng_sftp_cb cb, void *ud)
{
	return two_path_req(s, ENG__FXP_RENAME, NULL, oldpath, newpath, cb, ud);
}

int
eng_sftp_realpath(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_REALPATH, path, cb, ud);
}

int
eng_sftp_readlink(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	return path_req(s, ENG__FXP_READLINK, path, cb, ud);
}

int
eng_sftp_symlink(eng_sftp *s, const char *target, const char *linkpath,
    eng_sftp_cb cb, void *ud)
{
	/*
	 * OpenSSH's sftp-server reads SYMLINK's two paths in the opposite
	 * order from the draft (target first); every client follows it.
	 */
	return two_path_req(s, ENG__FXP_SYMLINK, NULL, target, linkpath, cb, ud);
}

int
eng_sftp_posix_rename(eng_sftp *s, const char *oldpath, const char *newpath,
    eng_sftp_cb cb, void *ud)
{
	return two_path_req(s, ENG__FXP_EXTENDED, "posix-rename@openssh.com", oldpath,
	    newpath, cb, ud);
}

int
eng_sftp_hardlink(eng_sftp *s, const char *oldpath, const char *newpath,
    eng_sftp_cb cb, void *ud)
{
	return two_path_req(s, ENG__FXP_EXTENDED, "hardlink@openssh.com", oldpath,
	    newpath, cb, ud);
}

int
eng_sftp_fsync(eng_sftp *s, const eng_sftp_handle *h, eng_sftp_cb cb, void *ud)
{
	return handle_req(s, ENG__FXP_EXTENDED, "fsync@openssh.com", h, cb, ud);
}

int
eng_sftp_statvfs(eng_sftp *s, const char *path, eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (path == NULL)
		return ENG_EINVAL;
	if (!eng_sftp_has_ext(s, "statvfs@openssh.com"))
		return ENG_ENOTSUP;
	begin(&p, ENG__FXP_EXTENDED, s->next_id++);
	put_cstr(&p, "statvfs@openssh.com");
	put_cstr(&p, path);
	return send_req(s, &p, NULL, 0, ENG__FXP_EXTENDED, ENG__SFTP_EXT_STATVFS, cb, ud);
}

int
eng_sftp_copy_data(eng_sftp *s, const eng_sftp_handle *src, uint64_t src_off,
    uint64_t len, const eng_sftp_handle *dst, uint64_t dst_off, eng_sftp_cb cb, void *ud)
{
	pkt p;
	int r;

	if ((r = check(s, cb)) != 0)
		return r;
	if (src == NULL || dst == NULL || src->len == 0 || src->len > sizeof(src->data) ||
	    dst->len == 0 || dst->len > sizeof(dst->data))
		return ENG_EINVAL;
	if (!eng_sftp_has_ext(s, "copy-data"))
		return ENG_ENOTSUP;
	begin(&p, ENG__FXP_EXTENDED, s->next_id++);
	put_cstr(&p, "copy-data");
	put_str(&p, src->data, src->len);
	put_u64(&p, src_off);
	put_u64(&p, len);
	put_str(&p, dst->data, dst->len);
	put_u64(&p, dst_off);
	return send_req(s, &p, NULL, 0, ENG__FXP_EXTENDED, ENG__SFTP_EXT_STATUS, cb, ud);
}

int
eng__sftp_send_limits(eng_sftp *s, eng_sftp_cb cb)
{
	pkt p;

	begin(&p, ENG__FXP_EXTENDED, s->next_id++);
	put_cstr(&p, "limits@openssh.com");
	return send_req(s, &p, NULL, 0, ENG__FXP_EXTENDED, ENG__SFTP_EXT_LIMITS, cb, NULL);
}
