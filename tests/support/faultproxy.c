/*
 * tests/support/faultproxy.c - drover-faultproxy: a TCP proxy on libuv that
 * injects the faults this kernel cannot (no netem), for tests and
 * benchmarks.
 *
 *   drover-faultproxy -l ADDR:PORT -t ADDR:PORT [-d MS] [-r BYTES_PER_S]
 *                     [-s N] [-x N]
 *
 *   -l  listen here (port 0: any; the chosen port is printed as
 *       "PORT <n>" on stdout, flushed, once listening)
 *   -t  forward each accepted connection to this target
 *   -d  one-way delay added to every chunk, both directions (RTT += 2*MS)
 *   -r  bandwidth cap per direction per connection
 *   -s  stall: stop forwarding once N bytes went through (both directions
 *       counted per connection); SIGUSR1 toggles a stall of everything
 *   -x  reset: after N bytes, close both sides with RST
 *
 * Bytes are held, never dropped, while delayed or stalled; a direction
 * stops reading while 16 MiB wait, so memory stays bounded. SIGTERM/SIGINT
 * end it. One process, one loop, no threads.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

/*
 * Held per direction before reading stops: bounds memory, and also the
 * throughput of a delayed link (HOLD_MAX / delay), which must stay far
 * above what is measured through it: 16 MiB at 15 ms is about 1 GB/s.
 */
#define HOLD_MAX (16u << 20)
/* Read size; a read that fills at least half of it is queued as is. */
#define READ_BUF (256u << 10)
/* Read buffers kept for reuse (malloc/free of fresh pages cost more than the copy). */
#define POOL_MAX 64

typedef struct dirn dirn;

typedef struct chunk {
	struct chunk *next;
	dirn *d;                    /* while being written: whose held it counts in */
	uint64_t due;               /* ms, loop time */
	size_t len;
	char data[];
} chunk;

typedef struct conn conn;

struct dirn {
	conn *c;
	uv_tcp_t *from, *to;
	chunk *head, *tail;
	size_t held;
	int reading, eof, shut;
	uint64_t next_free;         /* rate: when the next byte may go */
	uv_timer_t timer;
};

struct conn {
	uv_tcp_t a, b;              /* a: accepted client, b: to the target */
	uv_connect_t creq;
	dirn up, down;              /* up: a -> b */
	uint64_t moved;
	int closing, nclosed, reset;
	conn *next;
};

static uv_loop_t *loop;
static struct sockaddr_storage target;
static uint64_t opt_delay, opt_rate, opt_stall = UINT64_MAX, opt_reset = UINT64_MAX;
static int stalled_all;
static conn *conns;

static void pump(dirn *d);

static chunk *pool;
static int npool;

static chunk *
buf_get(void)
{
	chunk *k = pool;

	if (k != NULL) {
		pool = k->next;
		npool--;
	} else if ((k = malloc(sizeof(*k) + READ_BUF)) == NULL) {
		abort();
	}
	k->next = NULL;
	k->len = READ_BUF;
	return k;
}

/* A chunk back: read buffers to the pool, exact-size copies freed. */
static void
chunk_free(chunk *k)
{
	if (k->len == READ_BUF && npool < POOL_MAX) {
		k->next = pool;
		pool = k;
		npool++;
		return;
	}
	free(k);
}

static chunk *
buf_chunk(const uv_buf_t *b)
{
	return (chunk *)(void *)(b->base - offsetof(chunk, data));
}

static void
on_closed(uv_handle_t *h)
{
	conn *c = h->data;
	conn **pp;
	chunk *k;

	if (++c->nclosed < 4)
		return;
	for (pp = &conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	while ((k = c->up.head) != NULL) {
		c->up.head = k->next;
		chunk_free(k);
	}
	while ((k = c->down.head) != NULL) {
		c->down.head = k->next;
		chunk_free(k);
	}
	free(c);
}

static void
conn_close(conn *c, int rst)
{
	if (c->closing)
		return;
	c->closing = 1;
	/* Reads and timers pointed at a direction; the close callback wants c. */
	c->a.data = c->b.data = c->up.timer.data = c->down.timer.data = c;
	/* RST where asked and possible (a socket never connected just closes). */
	if (!rst || uv_tcp_close_reset(&c->a, on_closed) != 0)
		uv_close((uv_handle_t *)&c->a, on_closed);
	if (!rst || uv_tcp_close_reset(&c->b, on_closed) != 0)
		uv_close((uv_handle_t *)&c->b, on_closed);
	uv_close((uv_handle_t *)&c->up.timer, on_closed);
	uv_close((uv_handle_t *)&c->down.timer, on_closed);
}

static void
on_alloc(uv_handle_t *h, size_t sug, uv_buf_t *b)
{
	chunk *k = buf_get();

	(void)h;
	(void)sug;
	b->base = k->data;
	b->len = READ_BUF;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	dirn *d = s->data;
	chunk *k;

	if (n < 0) {
		if (b->base != NULL)
			chunk_free(buf_chunk(b));
		d->eof = 1;
		uv_read_stop(s);
		d->reading = 0;
		pump(d);
		return;
	}
	if (n == 0) {
		chunk_free(buf_chunk(b));
		return;
	}
	if ((size_t)n >= READ_BUF / 2) {
		/* Mostly full: queued without a copy (memory stays within 2x held). */
		k = buf_chunk(b);
	} else {
		k = malloc(sizeof(*k) + (size_t)n);
		if (k == NULL)
			abort();
		memcpy(k->data, b->base, (size_t)n);
		chunk_free(buf_chunk(b));
	}
	k->next = NULL;
	k->len = (size_t)n;
	k->due = uv_now(loop) + opt_delay;
	if (d->tail != NULL)
		d->tail->next = k;
	else
		d->head = k;
	d->tail = k;
	d->held += (size_t)n;
	if (d->held >= HOLD_MAX && d->reading) {
		uv_read_stop(s);
		d->reading = 0;
	}
	pump(d);
}

static void
on_timer(uv_timer_t *t)
{
	pump(t->data);
}

static void
on_written(uv_write_t *w, int status)
{
	chunk *k = w->data;
	dirn *d = k->d;

	/* Held until written: a slow receiver stops our reads, not our memory. */
	d->held -= k->len;
	chunk_free(k);
	free(w);
	if (status == 0 && !d->c->closing)
		pump(d);
}

static void
on_shut(uv_shutdown_t *r, int status)
{
	(void)status;
	free(r);
}

/* Sends whatever is due, within the rate; re-arms the timer otherwise. */
static void
pump(dirn *d)
{
	conn *c = d->c;
	uint64_t now = uv_now(loop);
	chunk *k;

	if (c->closing)
		return;
	while ((k = d->head) != NULL) {
		uint64_t at = k->due;

		if (stalled_all || c->moved >= opt_stall)
			return;   /* held until SIGUSR1 */
		if (opt_rate > 0 && d->next_free > at)
			at = d->next_free;
		if (at > now) {
			uv_timer_start(&d->timer, on_timer, at - now, 0);
			return;
		}
		if (c->moved + k->len > opt_reset) {
			/* Forward up to the limit, then reset both sides. */
			size_t part = (size_t)(opt_reset - c->moved);
			uv_buf_t b = uv_buf_init(k->data, (unsigned)part);

			if (part > 0)
				uv_try_write((uv_stream_t *)d->to, &b, 1);
			c->reset = 1;
			conn_close(c, 1);
			return;
		}
		d->head = k->next;
		if (d->head == NULL)
			d->tail = NULL;
		c->moved += k->len;
		if (opt_rate > 0)
			d->next_free = (d->next_free > now ? d->next_free : now) +
			    k->len * 1000 / opt_rate;
		{
			uv_write_t *w = malloc(sizeof(*w));
			uv_buf_t b = uv_buf_init(k->data, (unsigned)k->len);

			if (w == NULL)
				abort();
			w->data = k;
			k->d = d;
			if (uv_write(w, (uv_stream_t *)d->to, &b, 1, on_written) != 0) {
				free(w);
				d->held -= k->len;
				chunk_free(k);
				conn_close(c, 0);
				return;
			}
		}
	}
	if (d->eof && !d->shut) {
		uv_shutdown_t *r = malloc(sizeof(*r));

		d->shut = 1;
		if (r != NULL && uv_shutdown(r, (uv_stream_t *)d->to, on_shut) != 0)
			free(r);
		if (c->up.shut && c->down.shut)
			conn_close(c, 0);
		return;
	}
	if (!d->reading && !d->eof && d->held < HOLD_MAX / 2) {
		d->reading = 1;
		uv_read_start((uv_stream_t *)d->from, on_alloc, on_read);
	}
}

static void
dirn_init(conn *c, dirn *d, uv_tcp_t *from, uv_tcp_t *to)
{
	d->c = c;
	d->from = from;
	d->to = to;
	uv_timer_init(loop, &d->timer);
	d->timer.data = d;
}

static void
on_target(uv_connect_t *r, int status)
{
	conn *c = r->data;

	if (status != 0) {
		fprintf(stderr, "faultproxy: target: %s\n", uv_strerror(status));
		conn_close(c, 0);
		return;
	}
	c->a.data = &c->up;
	c->b.data = &c->down;
	c->up.reading = c->down.reading = 1;
	uv_read_start((uv_stream_t *)&c->a, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&c->b, on_alloc, on_read);
}

static void
on_accept(uv_stream_t *srv, int status)
{
	conn *c;

	if (status != 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	uv_tcp_init(loop, &c->a);
	uv_tcp_init(loop, &c->b);
	c->a.data = c->b.data = c;
	dirn_init(c, &c->up, &c->a, &c->b);
	dirn_init(c, &c->down, &c->b, &c->a);
	c->next = conns;
	conns = c;
	if (uv_accept(srv, (uv_stream_t *)&c->a) != 0) {
		conn_close(c, 0);
		return;
	}
	uv_tcp_nodelay(&c->a, 1);
	uv_tcp_nodelay(&c->b, 1);
	c->creq.data = c;
	if (uv_tcp_connect(&c->creq, &c->b, (struct sockaddr *)&target, on_target) != 0)
		conn_close(c, 0);
}

static void
on_signal(uv_signal_t *s, int sig)
{
	conn *c;

	if (sig == SIGUSR1) {
		stalled_all = !stalled_all;
		for (c = conns; c != NULL; c = c->next) {
			pump(&c->up);
			pump(&c->down);
		}
		return;
	}
	uv_stop(s->loop);
}

static int
parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	return uv_ip4_addr(host, atoi(colon + 1), (struct sockaddr_in *)ss);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage la;
	struct sockaddr_in bound;
	int namelen = sizeof(bound), opt, have_l = 0, have_t = 0;
	uv_tcp_t srv;
	uv_signal_t s1, s2, s3;

	while ((opt = getopt(argc, argv, "l:t:d:r:s:x:")) != -1) {
		switch (opt) {
		case 'l':
			have_l = parse_addr(optarg, &la) == 0;
			break;
		case 't':
			have_t = parse_addr(optarg, &target) == 0;
			break;
		case 'd':
			opt_delay = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			opt_rate = strtoull(optarg, NULL, 10);
			break;
		case 's':
			opt_stall = strtoull(optarg, NULL, 10);
			break;
		case 'x':
			opt_reset = strtoull(optarg, NULL, 10);
			break;
		default:
			have_l = 0;
		}
	}
	if (!have_l || !have_t) {
		fprintf(stderr, "usage: drover-faultproxy -l ADDR:PORT -t ADDR:PORT [-d MS] "
		    "[-r BYTES_PER_S] [-s STALL_AFTER] [-x RESET_AFTER]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	loop = uv_default_loop();
	uv_tcp_init(loop, &srv);
	if (uv_tcp_bind(&srv, (struct sockaddr *)&la, 0) != 0 ||
	    uv_listen((uv_stream_t *)&srv, 128, on_accept) != 0) {
		fprintf(stderr, "faultproxy: cannot listen\n");
		return 1;
	}
	uv_tcp_getsockname(&srv, (struct sockaddr *)&bound, &namelen);
	printf("PORT %d\n", ntohs(bound.sin_port));
	fflush(stdout);
	uv_signal_init(loop, &s1);
	uv_signal_start(&s1, on_signal, SIGUSR1);
	uv_signal_init(loop, &s2);
	uv_signal_start(&s2, on_signal, SIGTERM);
	uv_signal_init(loop, &s3);
	uv_signal_start(&s3, on_signal, SIGINT);
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
