/*
 * tests/engine/test_sockbuf.c - engine/sockbuf.c, the read-ahead under
 * libssh, on real sockets: what recv() hands out comes in order and
 * whole whatever the sizes asked, the kernel's queue is taken in big
 * reads, poll() reports bytes held here without the kernel, never a
 * POLLOUT the kernel would not give, and the end of the stream or a
 * reset comes after the bytes that preceded it. A socket nobody
 * registered behaves as libc's. (The engine's own use - every session's
 * socket - is what every fleet test runs through.)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"

TestSuite(sockbuf, .timeout = 60);

static void
pattern(unsigned char *p, size_t n, size_t from)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((from + i) * 7 + ((from + i) >> 9));
}

static size_t
kernel_queued(int fd)
{
	int n = 0;

	cr_assert_eq(ioctl(fd, FIONREAD, &n), 0);
	return (size_t)n;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(sockbuf, in_order_and_whole_in_big_reads)
{
	enum { TOTAL = 300000 };
	static unsigned char sent[TOTAL], got[TOTAL];
	static const size_t asks[] = { 4096, 1, 17, 4096, 65536, 3, 100000, 4096 };
	size_t at = 0, k = 0, w = 0, ask;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	pattern(sent, TOTAL, 0);
	eng__sockbuf_add(sv[0]);
	while (at < TOTAL) {
		ssize_t n;

		/* Keep the kernel's queue fed from the other end. */
		while (w < TOTAL && (n = send(sv[1], sent + w, TOTAL - w, MSG_DONTWAIT)) > 0)
			w += (size_t)n;
		ask = asks[k++ % 8];
		n = recv(sv[0], got + at, ask < TOTAL - at ? ask : TOTAL - at, 0);
		if (n < 0) {
			cr_assert(errno == EAGAIN, "recv: %s", strerror(errno));
			continue;
		}
		cr_assert_gt(n, 0, "an end before %zu bytes", at);
		at += (size_t)n;
	}
	cr_assert_eq(memcmp(sent, got, TOTAL), 0, "bytes out of order or lost");

	/* One 4 KiB ask takes far more than 4 KiB off the kernel's queue. */
	pattern(sent, 200000, 0);
	for (w = 0; w < 200000;) {
		ssize_t n = send(sv[1], sent + w, 200000 - w, 0);

		cr_assert_gt(n, 0);
		w += (size_t)n;
		if (kernel_queued(sv[0]) >= 150000)
			break;
	}
	{
		size_t before = kernel_queued(sv[0]);

		cr_assert_eq(recv(sv[0], got, 4096, 0), 4096);
		cr_assert_geq(before - kernel_queued(sv[0]), 32768,
		    "a 4 KiB recv took only %zu bytes from the kernel",
		    before - kernel_queued(sv[0]));
		cr_assert(eng__sockbuf_pending(sv[0]), "the bytes read ahead are not reported");
	}
	eng__sockbuf_del(sv[0]);
	close(sv[0]);
	close(sv[1]);
}

Test(sockbuf, poll_reports_what_is_held_not_false_pollout)
{
	char buf[4096], big[65536];
	struct pollfd p;
	double t0;
	int sv[2], n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	eng__sockbuf_add(sv[0]);
	memset(big, 'x', sizeof(big));
	cr_assert_eq(send(sv[1], big, 20000, 0), 20000);
	cr_assert_eq(recv(sv[0], buf, 100, 0), 100);
	cr_assert_eq(kernel_queued(sv[0]), 0, "the rest should be held here");

	/* The kernel has nothing: poll must still answer at once. */
	p.fd = sv[0];
	p.events = POLLIN;
	p.revents = 0;
	t0 = now_s();
	cr_assert_eq(poll(&p, 1, 5000), 1);
	cr_assert(p.revents & POLLIN);
	cr_assert_lt(now_s() - t0, 1.0, "poll waited for the kernel");

	/* Fill sv[0]'s way out until the kernel refuses: no POLLOUT then. */
	while (send(sv[0], big, sizeof(big), MSG_DONTWAIT) > 0)
		;
	p.events = POLLIN | POLLOUT;
	p.revents = 0;
	n = poll(&p, 1, 0);
	cr_assert_eq(n, 1);
	cr_assert(p.revents & POLLIN);
	cr_assert_not(p.revents & POLLOUT, "POLLOUT on a full socket");

	/* The other end reads: writable again, and said so. */
	while (recv(sv[1], big, sizeof(big), MSG_DONTWAIT) > 0)
		;
	p.revents = 0;
	cr_assert_eq(poll(&p, 1, 1000), 1);
	cr_assert_eq(p.revents & (POLLIN | POLLOUT), POLLIN | POLLOUT);
	/* A second look without a send in between needs no new answer. */
	p.revents = 0;
	cr_assert_eq(poll(&p, 1, 0), 1);
	cr_assert_eq(p.revents & (POLLIN | POLLOUT), POLLIN | POLLOUT);

	/* Drained: back to the kernel, which has nothing. */
	while (recv(sv[0], buf, sizeof(buf), 0) > 0)
		;
	p.events = POLLIN;
	p.revents = 0;
	cr_assert_eq(poll(&p, 1, 0), 0);
	cr_assert_not(eng__sockbuf_pending(sv[0]));
	eng__sockbuf_del(sv[0]);
	close(sv[0]);
	close(sv[1]);
}

Test(sockbuf, end_and_reset_come_after_the_bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct linger lg = { 1, 0 };
	socklen_t alen = sizeof(a);
	char buf[4096], data[3000];
	int ls, c, s, sv[2];

	/* The end of a stream: the bytes, then 0, and 0 again. */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	eng__sockbuf_add(sv[0]);
	memset(data, 'e', sizeof(data));
	cr_assert_eq(send(sv[1], data, 3000, 0), 3000);
	close(sv[1]);
	cr_assert_eq(recv(sv[0], buf, 1000, 0), 1000);
	cr_assert_eq(recv(sv[0], buf, 4096, 0), 2000);
	cr_assert_eq(recv(sv[0], buf, 4096, 0), 0);
	cr_assert_eq(recv(sv[0], buf, 4096, 0), 0);
	eng__sockbuf_del(sv[0]);
	close(sv[0]);

	/* A reset (TCP, linger 0): the bytes sent before it, then the error. */
	ls = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(ls, 1), 0);
	cr_assert_eq(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(ls, NULL, NULL);
	cr_assert_geq(s, 0);
	eng__sockbuf_add(c);
	cr_assert_eq(send(s, data, 3000, 0), 3000);
	usleep(100000);
	cr_assert_eq(recv(c, buf, 10, 0), 10);   /* 2990 held here */
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(s);
	usleep(100000);
	{
		size_t total = 10;
		ssize_t n;

		while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
			total += (size_t)n;
		cr_assert_eq(total, 3000, "bytes before the reset lost");
		cr_assert_eq(n, -1);
		cr_assert_eq(errno, ECONNRESET, "%s", strerror(errno));
	}
	eng__sockbuf_del(c);
	close(c);
	close(ls);
}

Test(sockbuf, unregistered_and_flagged_calls_are_libcs)
{
	char buf[64];
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(send(sv[1], "hello world", 11, 0), 11);
	/* Not registered: a 5-byte recv leaves the rest in the kernel. */
	cr_assert_eq(recv(sv[0], buf, 5, 0), 5);
	cr_assert_eq(kernel_queued(sv[0]), 6);
	/* Registered, but MSG_PEEK: the kernel's answer, nothing taken. */
	eng__sockbuf_add(sv[0]);
	cr_assert_eq(recv(sv[0], buf, sizeof(buf), MSG_PEEK), 6);
	cr_assert_eq(kernel_queued(sv[0]), 6);
	cr_assert_eq(recv(sv[0], buf, sizeof(buf), 0), 6);
	cr_assert_eq(memcmp(buf, " world", 6), 0);
	eng__sockbuf_del(sv[0]);
	/* A number let go and registered again starts empty. */
	cr_assert_eq(send(sv[1], "ab", 2, 0), 2);
	eng__sockbuf_add(sv[0]);
	cr_assert_eq(recv(sv[0], buf, 1, 0), 1);   /* "b" held here */
	eng__sockbuf_del(sv[0]);
	eng__sockbuf_add(sv[0]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	cr_assert_eq(recv(sv[0], buf, sizeof(buf), 0), -1,
	    "a registration got the bytes of the one before");
	cr_assert_eq(errno, EAGAIN);
	eng__sockbuf_del(sv[0]);
	close(sv[0]);
	close(sv[1]);
}
