/*
 * engine/sockbuf.c - reading ahead for libssh on the sessions' sockets.
 *
 * libssh 0.10 reads its socket 4 KiB at a time, each read after a poll(2)
 * of its own (socket.c, MAX_BUF_SIZE): a 1 GiB get was 262,144 recv(2)
 * and as many poll(2) calls, a third of the client's CPU. libssh reads
 * through the process's recv() and poll(), so those two are defined here.
 * For a socket the engine registered - a session's, from the moment
 * libssh has it until the engine lets it go - recv takes up to SB_SIZE
 * from the kernel at once and hands out what is asked from that, and poll
 * reports the socket readable while bytes wait here. libssh keeps asking
 * for POLLOUT too while data comes in (its poll callback forgets to drop
 * it when both fire), so the answer is kept: a socket the kernel last
 * called writable stays so until the next send(), which is defined here
 * for that. With bytes in hand and the answers known, poll makes no system
 * call. Every other descriptor, and any recv with flags, goes straight to
 * libc: a registered socket is read and written by libssh alone, on the
 * loop's thread.
 *
 * Bytes read ahead do not wake epoll: the conn's step looks at
 * eng__sockbuf_pending() before it returns to the loop.
 */
#ifdef _FORTIFY_SOURCE
#undef _FORTIFY_SOURCE   /* its inline recv() wrapper would clash with ours */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/engine_int.h"

#define SB_SIZE (64u << 10)

typedef struct sockbuf {
	size_t off, len;        /* the bytes read ahead: data[off .. off + len) */
	int err;                /* what the kernel said after bytes were read ahead */
	int eof;
	int writable;           /* the kernel said POLLOUT, and nothing was sent since */
	char data[SB_SIZE];
} sockbuf;

/*
 * Indexed by descriptor. A bigger table replaces a smaller one but never
 * frees it: another thread's poll() may be looking at the old one (for its
 * own descriptors, which are never in it).
 */
typedef struct sbtab {
	int n;
	struct sbtab *prev;
	_Atomic(sockbuf *) e[];
} sbtab;

static _Atomic(sbtab *) g_tab;

typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
static _Atomic(void *) g_recv, g_send, g_poll;

/* libc's own (or a sanitizer's in front of it), found on first use. */
static void *
real_sym(_Atomic(void *) *slot, const char *name)
{
	void *p = atomic_load_explicit(slot, memory_order_acquire);

	if (p == NULL) {
		if ((p = dlsym(RTLD_NEXT, name)) == NULL) {
			fprintf(stderr, "drover: cannot find libc's %s\n", name);
			abort();
		}
		atomic_store_explicit(slot, p, memory_order_release);
	}
	return p;
}

/* A data pointer to a function pointer, as dlsym's users must. */
#define REAL(type, slot, name) \
	static type real_##name(void) \
	{ \
		void *p = real_sym(&slot, #name); \
		type f; \
		memcpy(&f, &p, sizeof(f)); \
		return f; \
	}
REAL(recv_fn, g_recv, recv)
REAL(send_fn, g_send, send)
REAL(poll_fn, g_poll, poll)

static sockbuf *
sb_of(int fd)
{
	sbtab *t = atomic_load_explicit(&g_tab, memory_order_acquire);

	if (t == NULL || fd < 0 || fd >= t->n)
		return NULL;
	return atomic_load_explicit(&t->e[fd], memory_order_relaxed);
}

/* Something for a read: bytes, or the end or error that followed them. */
static int
sb_ready(const sockbuf *b)
{
	return b->len > 0 || b->eof || b->err != 0;
}

void
eng__sockbuf_add(int fd)
{
	sbtab *t = atomic_load_explicit(&g_tab, memory_order_acquire), *nt;
	sockbuf *b, *old;
	int n, i;

	if (fd < 0)
		return;
	if (t == NULL || fd >= t->n) {
		for (n = t != NULL ? t->n * 2 : 256; n <= fd; n *= 2)
			;
		nt = util_xcalloc(1, sizeof(*nt) + (size_t)n * sizeof(nt->e[0]));
		nt->n = n;
		nt->prev = t;
		for (i = 0; t != NULL && i < t->n; i++)
			atomic_init(&nt->e[i], atomic_load_explicit(&t->e[i], memory_order_relaxed));
		atomic_store_explicit(&g_tab, nt, memory_order_release);
		t = nt;
	}
	/*
	 * Not calloc: clearing would make all 64 KiB resident for every host,
	 * where a quiet one only ever fills the first page or two (a buffer
	 * emptied starts again at its front).
	 */
	b = util_xmalloc(sizeof(*b));
	b->off = b->len = 0;
	b->err = b->eof = b->writable = 0;
	old = atomic_exchange_explicit(&t->e[fd], b, memory_order_release);
	free(old);   /* a number libssh closed and the kernel gave out again */
}

void
eng__sockbuf_del(int fd)
{
	sbtab *t = atomic_load_explicit(&g_tab, memory_order_acquire);

	if (t != NULL && fd >= 0 && fd < t->n)
		free(atomic_exchange_explicit(&t->e[fd], NULL, memory_order_relaxed));
}

int
eng__sockbuf_pending(int fd)
{
	sockbuf *b = sb_of(fd);

	return b != NULL && sb_ready(b);
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	sockbuf *b = flags == 0 ? sb_of(fd) : NULL;
	ssize_t got;
	size_t n;

	if (b == NULL)
		return real_recv()(fd, buf, len, flags);
	if (b->len < len && !b->eof && b->err == 0) {
		if (b->off > 0 && b->len > 0)
			memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
		/* With bytes in hand, never wait for more. */
		got = real_recv()(fd, b->data + b->len, SB_SIZE - b->len, b->len > 0 ? MSG_DONTWAIT : 0);
		if (got > 0)
			b->len += (size_t)got;
		else if (b->len == 0)
			return got;   /* the end, or an error (errno), as the kernel said */
		else if (got == 0)
			b->eof = 1;
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			b->err = errno;
	}
	if (b->len == 0) {
		if (b->err != 0) {
			errno = b->err;
			b->err = 0;
			return -1;
		}
		return 0;   /* b->eof */
	}
	n = len < b->len ? len : b->len;
	memcpy(buf, b->data + b->off, n);
	b->off += n;
	if ((b->len -= n) == 0)
		b->off = 0;
	return (ssize_t)n;
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	sockbuf *b = sb_of(fd);

	if (b != NULL)
		b->writable = 0;
	return real_send()(fd, buf, len, flags);
}

/* What the bytes in hand and a kept POLLOUT answer for fds[i], or -1. */
static int
sb_revents(const struct pollfd *p)
{
	sockbuf *b = sb_of(p->fd);
	int r = POLLIN;

	if (b == NULL || (p->events & POLLIN) == 0 || !sb_ready(b))
		return -1;
	if ((p->events & POLLOUT) != 0 && b->writable)
		r |= POLLOUT;
	return (p->events & ~r) != 0 ? -1 : r;
}

int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int ready = 0, kernel = 0, rc, r;
	sockbuf *b;
	nfds_t i;

	if (atomic_load_explicit(&g_tab, memory_order_acquire) == NULL)
		return real_poll()(fds, nfds, timeout);
	for (i = 0; i < nfds; i++) {
		b = sb_of(fds[i].fd);
		if (b != NULL && (fds[i].events & POLLIN) && sb_ready(b))
			ready = 1;
		if (sb_revents(&fds[i]) < 0)
			kernel = 1;
	}
	/* Something readable already: the kernel is asked, not waited for. */
	if (kernel && (rc = real_poll()(fds, nfds, ready ? 0 : timeout)) < 0)
		return rc;
	for (rc = 0, i = 0; i < nfds; i++) {
		if (!kernel)
			fds[i].revents = 0;
		if ((b = sb_of(fds[i].fd)) != NULL) {
			if (kernel && (fds[i].events & POLLOUT))
				b->writable = (fds[i].revents & POLLOUT) != 0;
			if ((fds[i].events & POLLIN) && sb_ready(b))
				fds[i].revents |= POLLIN;
			if (!kernel && (r = sb_revents(&fds[i])) > 0)
				fds[i].revents = (short)r;
		}
		if (fds[i].revents != 0)
			rc++;
	}
	return rc;
}
