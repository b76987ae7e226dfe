/*
 * tests/engine/test_tail.c - engine/tail.c against the demo fleet: files
 * written here (the hosts share this filesystem) and followed through real
 * sshds as the fleet user. The main scenario kills the connections (the
 * per-connection sshd) several times while writers append numbered lines,
 * rotates one host's file by rename+create and truncates another while
 * detached, and then checks that every number of every host arrived exactly
 * once and in order with exactly the expected marks. Then: a missing file
 * created later, a glob with a new match, permission denied, a 1 MB line
 * (cut), binary and escape bytes, the partial-line timeout, initial lines,
 * two files on each of four hosts, a command tail restarted after a
 * rebind, backpressure, a protocol error, and no remote process left.
 */
#include <fcntl.h>

#include "engtest.h"

static void suite_fini(void);

TestSuite(tail, .fini = suite_fini, .timeout = 120);

#define SCRIPT_PAT "drover-tai[l]"

static void
suite_fini(void)
{
	et_cleanup();
}

/* ---- recording a tail's events ------------------------------------------- */

typedef struct tl_ev {
	char kind;                  /* 'l' line, 'm' mark, 's' state */
	char *file;                 /* copy, or NULL */
	char *buf;                  /* line bytes (NUL added) */
	size_t len;
	uint64_t off, bytes;
	int flags, mark, st;
	char text[160];
	double at;
} tl_ev;

#define TL_MAXCONN 16

typedef struct tl tl;
struct tl {
	et_env *e;
	char host[16];
	char path[1024];
	et_conn conns[TL_MAXCONN];
	int nconn;
	eng_tail *t;
	eng_tail_opts o;
	tl_ev *ev;
	size_t nev, cap;
	eng_tail_state st;          /* the tail as a whole */
	int ndetached, nfollowing, nerror;
	int reconnect;              /* rebind on a new conn after DETACHED */
	double detached_at;
	int rebind_due;             /* the poller rebinds */
	void (*on_detached)(tl *x); /* while away (before the rebind) */
	int pause_at_line;          /* backpressure test */
	int lines_seen;
};

static void
tl_push(tl *x, const tl_ev *ev)
{
	if (x->nev == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->ev = realloc(x->ev, x->cap * sizeof(*x->ev));
		cr_assert_not_null(x->ev);
	}
	x->ev[x->nev] = *ev;
	x->ev[x->nev].at = tu_now();
	x->nev++;
}

static void
tl_line(eng_tail *t, const eng_tail_line *l, void *ud)
{
	tl *x = ud;
	tl_ev ev;

	cr_assert_eq(t, x->t);
	cr_assert_not_null(l->host);
	memset(&ev, 0, sizeof(ev));
	ev.kind = 'l';
	ev.file = l->file != NULL ? strdup(l->file) : NULL;
	ev.buf = malloc(l->len + 1);
	cr_assert_not_null(ev.buf);
	memcpy(ev.buf, l->buf, l->len);
	ev.buf[l->len] = '\0';
	ev.len = l->len;
	ev.off = l->offset;
	ev.flags = l->flags;
	tl_push(x, &ev);
	x->lines_seen++;
	if (x->pause_at_line > 0 && x->lines_seen == x->pause_at_line)
		eng_tail_pause(t, 1);
}

static void
tl_mark(eng_tail *t, const char *file, eng_tail_mark m, uint64_t bytes, void *ud)
{
	tl *x = ud;
	tl_ev ev;

	cr_assert_eq(t, x->t);
	memset(&ev, 0, sizeof(ev));
	ev.kind = 'm';
	ev.file = file != NULL ? strdup(file) : NULL;
	ev.mark = (int)m;
	ev.bytes = bytes;
	tl_push(x, &ev);
}

static void
tl_state(eng_tail *t, const char *file, eng_tail_state st, const char *text, void *ud)
{
	tl *x = ud;
	tl_ev ev;

	cr_assert_eq(t, x->t);
	memset(&ev, 0, sizeof(ev));
	ev.kind = 's';
	ev.file = file != NULL ? strdup(file) : NULL;
	ev.st = (int)st;
	snprintf(ev.text, sizeof(ev.text), "%s", text != NULL ? text : "");
	tl_push(x, &ev);
	if (file != NULL)
		return;
	x->st = st;
	if (st == ENG_TAIL_FOLLOWING)
		x->nfollowing++;
	if (st == ENG_TAIL_ERROR)
		x->nerror++;
	if (st == ENG_TAIL_DETACHED) {
		x->ndetached++;
		x->detached_at = tu_now();
		if (x->on_detached != NULL)
			x->on_detached(x);
		if (x->reconnect)
			x->rebind_due = 1;
	}
}

static const eng_tail_cbs tl_cbs = { tl_line, tl_mark, tl_state };

static et_conn *
tl_connect(tl *x)
{
	eng_conn_opts o;
	et_conn *ec;

	cr_assert_lt(x->nconn, TL_MAXCONN);
	ec = &x->conns[x->nconn++];
	et_conn_opts_init(&o, x->host);
	et_open(x->e, ec, &o);
	return ec;
}

/* A conn to x->host and a tail on it following x->o. */
static void
tl_start(et_env *e, tl *x, const char *host)
{
	int r;

	x->e = e;
	snprintf(x->host, sizeof(x->host), "%s", host);
	tl_connect(x);
	r = eng_tail_start(x->conns[0].c, &x->o, &tl_cbs, x, &x->t);
	cr_assert_eq(r, 0, "eng_tail_start: %s", eng_strerror(r));
	cr_assert_not_null(x->t);
}

static void
tl_rebind(tl *x)
{
	et_conn *ec = tl_connect(x);
	int r = eng_tail_rebind(x->t, ec->c);

	cr_assert_eq(r, 0, "eng_tail_rebind: %s", eng_strerror(r));
	x->rebind_due = 0;
}

/* Frees the tail and closes every conn still open. */
static void
tl_stop(tl *x)
{
	int i;

	eng_tail_free(x->t);
	x->t = NULL;
	for (i = 0; i < x->nconn; i++)
		if (x->conns[i].c != NULL)
			eng_conn_close(x->conns[i].c);
}

static void
tl_free(tl *x)
{
	size_t i;

	for (i = 0; i < x->nev; i++) {
		free(x->ev[i].file);
		free(x->ev[i].buf);
	}
	free(x->ev);
	x->ev = NULL;
	x->nev = x->cap = 0;
}

/* The events as text, for messages: runs of plain lines of one file as one. */
static char *
tl_dump(const tl *x)
{
	char *s = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&s, &len);

	for (i = 0; i < x->nev; i = j) {
		const tl_ev *ev = &x->ev[i];

		j = i + 1;
		if (ev->kind == 'l' && ev->flags == 0) {
			while (j < x->nev && x->ev[j].kind == 'l' && x->ev[j].flags == 0 &&
			    (ev->file == NULL) == (x->ev[j].file == NULL) &&
			    (ev->file == NULL || strcmp(ev->file, x->ev[j].file) == 0))
				j++;
			fprintf(f, "  lines %s @%llu..%llu [%.30s]..[%.30s] (%zu)\n",
			    ev->file ? ev->file : "-", (unsigned long long)ev->off,
			    (unsigned long long)x->ev[j - 1].off, ev->buf, x->ev[j - 1].buf, j - i);
		} else if (ev->kind == 'l') {
			fprintf(f, "  line %s @%llu f%d [%.40s]\n", ev->file ? ev->file : "-",
			    (unsigned long long)ev->off, ev->flags, ev->buf);
		} else if (ev->kind == 'm') {
			fprintf(f, "  mark %s %s %llu\n", ev->file ? ev->file : "-",
			    eng_tail_mark_name(ev->mark), (unsigned long long)ev->bytes);
		} else {
			fprintf(f, "  state %s %s %s\n", ev->file ? ev->file : "-",
			    eng_tail_state_name(ev->st), ev->text);
		}
	}
	fclose(f);
	return s;
}

/* Events around the n-th line, for messages (caller frees). */
static char *
tl_dump_near(const tl *x, int n)
{
	char *s = NULL;
	size_t len = 0, i, at = 0;
	FILE *f = open_memstream(&s, &len);

	for (i = 0; i < x->nev; i++)
		if (x->ev[i].kind == 'l' && n-- == 0)
			at = i;
	for (i = at > 15 ? at - 15 : 0; i < x->nev && i < at + 15; i++) {
		const tl_ev *ev = &x->ev[i];

		if (ev->kind == 'l')
			fprintf(f, "  %s line %s @%llu f%d [%.40s]\n", i == at ? ">>" : "  ",
			    ev->file ? ev->file : "-", (unsigned long long)ev->off, ev->flags, ev->buf);
		else if (ev->kind == 'm')
			fprintf(f, "     mark %s %s %llu\n", ev->file ? ev->file : "-",
			    eng_tail_mark_name(ev->mark), (unsigned long long)ev->bytes);
		else
			fprintf(f, "     state %s %s %s\n", ev->file ? ev->file : "-",
			    eng_tail_state_name(ev->st), ev->text);
	}
	fclose(f);
	return s;
}

static int
tl_count_marks(const tl *x, eng_tail_mark m)
{
	size_t i;
	int n = 0;

	for (i = 0; i < x->nev; i++)
		if (x->ev[i].kind == 'm' && x->ev[i].mark == (int)m)
			n++;
	return n;
}

static int
tl_count_marks_all(const tl *x)
{
	size_t i;
	int n = 0;

	for (i = 0; i < x->nev; i++)
		n += x->ev[i].kind == 'm';
	return n;
}

/* The n-th line event (from 0) for file (NULL: any), or NULL. */
static const tl_ev *
tl_nth_line(const tl *x, const char *file, int n)
{
	size_t i;

	for (i = 0; i < x->nev; i++) {
		const tl_ev *ev = &x->ev[i];

		if (ev->kind != 'l' || (file != NULL && (ev->file == NULL ||
		    strcmp(ev->file, file) != 0)))
			continue;
		if (n-- == 0)
			return ev;
	}
	return NULL;
}

static int
tl_nlines(const tl *x, const char *file)
{
	int n = 0;

	if (file == NULL)
		return x->lines_seen;
	while (tl_nth_line(x, file, n) != NULL)
		n++;
	return n;
}

/* The last state reported for file (NULL: the tail), -1 if none. */
static int
tl_file_state(const tl *x, const char *file, char *text, size_t tlen)
{
	size_t i;
	int st = -1;

	for (i = 0; i < x->nev; i++) {
		const tl_ev *ev = &x->ev[i];

		if (ev->kind != 's')
			continue;
		if ((file == NULL) != (ev->file == NULL) ||
		    (file != NULL && strcmp(file, ev->file) != 0))
			continue;
		st = ev->st;
		if (text != NULL)
			snprintf(text, tlen, "%s", ev->text);
	}
	return st;
}

/* ---- a poller: runs a scenario step every 20 ms until it says done ------- */

typedef struct poller {
	uv_timer_t t;
	int (*step)(void *arg);     /* 1: done, stop polling */
	void *arg;
} poller;

static void
poller_tick(uv_timer_t *h)
{
	poller *p = h->data;

	if (p->step(p->arg)) {
		uv_timer_stop(h);
		uv_close((uv_handle_t *)h, NULL);
	}
}

static void
poller_start(et_env *e, poller *p, int (*step)(void *), void *arg)
{
	uv_timer_init(&e->loop, &p->t);
	p->t.data = p;
	p->step = step;
	p->arg = arg;
	uv_timer_start(&p->t, poller_tick, 20, 20);
}

/* ---- files ----------------------------------------------------------------- */

static void
append(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void
appends(const char *path, const char *s)
{
	append(path, s, strlen(s));
}

/* A scratch dir the fleet user can read. */
static char *
scratch(et_env *e, const char *sub)
{
	char *p = NULL;

	chmod(et_tmp(e), 0755);
	cr_assert(asprintf(&p, "%s/%s", et_tmp(e), sub) > 0);
	cr_assert_eq(mkdir(p, 0755), 0);
	chmod(p, 0755);
	return p;
}

/*
 * Kills the per-connection sshd serving the tail script whose command line
 * matches pattern (walk up: sh -> sshd: user@notty). Returns 1 if killed.
 */
static int
kill_session_of(const char *pattern)
{
	long pids[64], p;
	char cl[512];
	int n, i, depth, tries;

	/* Some matches are short-lived helpers (dd, stat, tail): look again. */
	for (tries = 0; tries < 20; tries++) {
		n = et_remote_pids(pattern, pids, 64);
		for (i = 0; i < n && i < 64; i++) {
			for (p = pids[i], depth = 0; p > 1 && depth < 10; depth++) {
				p = et_proc_info(p, cl, sizeof(cl));
				if (p <= 1)
					break;
				et_proc_info(p, cl, sizeof(cl));
				if (strncmp(cl, "sshd: ", 6) == 0 && strstr(cl, "@notty") != NULL) {
					kill((pid_t)p, SIGKILL);
					return 1;
				}
			}
		}
		usleep(50000);
	}
	{
		char *cmd = NULL, *out;

		cr_assert(asprintf(&cmd, "pgrep -f '%s' | head -5 | while read p; do "
		    "ps -o pid=,ppid=,stat=,args= -p $p | cut -c1-150; done; "
		    "ps -eo pid,ppid,stat,args | grep '[s]shd: drover' | cut -c1-100", pattern) > 0);
		out = tu_sh(cmd, NULL);
		fprintf(stderr, "kill_session_of(%s): nothing found\n%s\n", pattern, out);
		free(out);
		free(cmd);
	}
	return 0;
}

/* ---- the main scenario: reconnects, rotation, truncation, exact numbers ---- */

#define SC_HOSTS 3

typedef struct scen {
	et_env *e;
	tl x[SC_HOSTS];
	char *dir;
	char path[SC_HOSTS][1100];
	char pat[SC_HOSTS][1200];
	int seq[SC_HOSTS];
	int wpaused[SC_HOSTS];
	uv_timer_t wt;
	double t0;                  /* writer start */
	int phase, round;
	double phase_at;
	int writing, done, rotated;
	poller p;
} scen;

static scen *sc;

static void
sc_write(uv_timer_t *h)
{
	char buf[64];
	int i, n;

	(void)h;
	for (i = 0; i < SC_HOSTS; i++) {
		if (sc->wpaused[i])
			continue;
		n = snprintf(buf, sizeof(buf), "h%d %06d\n", i + 1, ++sc->seq[i]);
		append(sc->path[i], buf, (size_t)n);
	}
}

/* Bytes the tail of host i has consumed in the file now at its path. */
static uint64_t
sc_consumed(int i)
{
	const tl *x = &sc->x[i];
	size_t k;

	for (k = x->nev; k-- > 0;) {
		const tl_ev *ev = &x->ev[k];

		if (ev->kind == 'l')
			return ev->off + ev->len + 1;
		if (ev->kind == 'm')
			return 0;
	}
	return 0;
}

static void
sc_detached(tl *x)
{
	int i = (int)(x - sc->x);

	/* Round 3: h3's file is truncated in place (it was read to the end). */
	if (i == 2 && x->ndetached == 3)
		cr_assert_eq(truncate(sc->path[i], 0), 0);
}

static int
sc_step(void *arg)
{
	double now = tu_now();
	int i, all;

	(void)arg;
	for (i = 0; i < SC_HOSTS; i++) {
		tl *x = &sc->x[i];

		/*
		 * Round 2: h2's file is rotated by rename while we are away,
		 * after the writer added to the old one for a while (what we
		 * must read first), then it writes the new one.
		 */
		if (i == 1 && x->ndetached == 2 && !sc->rotated && now - x->detached_at > 0.15) {
			char *old = NULL;

			cr_assert(asprintf(&old, "%s.1", sc->path[i]) > 0);
			cr_assert_eq(rename(sc->path[i], old), 0);
			free(old);
			sc->rotated = 1;
		}
		if (x->rebind_due && now - x->detached_at > 0.3)
			tl_rebind(x);
		/* h3's writer waits until the tail is back after the truncation. */
		if (i == 2 && sc->wpaused[i] && x->ndetached == 3 &&
		    x->st == ENG_TAIL_FOLLOWING)
			sc->wpaused[i] = 0;
	}
	switch (sc->phase) {
	case 0:   /* every tail following its (empty) file: start writing */
		for (i = 0, all = 1; i < SC_HOSTS; i++)
			all &= tl_file_state(&sc->x[i], sc->path[i], NULL, 0) == ENG_TAIL_FOLLOWING;
		if (!all) {
			cr_assert_lt(now - sc->e->t0, 10, "tails did not start");
			return 0;
		}
		uv_timer_start(&sc->wt, sc_write, 10, 10);
		sc->t0 = sc->phase_at = now;
		sc->phase = 1;
		return 0;
	case 1:   /* a round: wait, then cut every connection */
		if (now - sc->phase_at < 1.2)
			return 0;
		for (i = 0, all = 1; i < SC_HOSTS; i++)
			all &= sc->x[i].st == ENG_TAIL_FOLLOWING;
		if (!all)
			return 0;   /* the previous rebind is not through yet */
		if (sc->round == 2 && !sc->wpaused[2]) {
			sc->wpaused[2] = 1;   /* let h3's tail catch up first */
			sc->phase_at = now - 1.2;
			return 0;
		}
		if (sc->round == 2 && sc_consumed(2) != et_file_size(sc->path[2]))
			return 0;
		for (i = 0; i < SC_HOSTS; i++)
			cr_assert(kill_session_of(sc->pat[i]), "no session found for h%d", i + 1);
		sc->round++;
		sc->phase_at = now;
		sc->phase = 2;
		return 0;
	case 2:   /* every tail saw the loss */
		for (i = 0, all = 1; i < SC_HOSTS; i++)
			all &= sc->x[i].ndetached == sc->round;
		if (!all) {
			cr_assert_lt(now - sc->phase_at, 10, "round %d: a tail never detached",
			    sc->round);
			return 0;
		}
		sc->phase = sc->round < 3 ? 1 : 3;
		sc->phase_at = now;
		return 0;
	case 3:   /* back and writing for a while, then stop the writers */
		for (i = 0, all = 1; i < SC_HOSTS; i++)
			all &= sc->x[i].st == ENG_TAIL_FOLLOWING && !sc->wpaused[i];
		if (!all || now - sc->phase_at < 1.0)
			return 0;
		uv_timer_stop(&sc->wt);
		uv_close((uv_handle_t *)&sc->wt, NULL);
		sc->phase = 4;
		sc->phase_at = now;
		return 0;
	case 4:   /* every line in */
		for (i = 0, all = 1; i < SC_HOSTS; i++)
			all &= tl_nlines(&sc->x[i], NULL) >= sc->seq[i];
		if (!all && now - sc->phase_at < 8)
			return 0;
		for (i = 0; i < SC_HOSTS; i++)
			tl_stop(&sc->x[i]);
		return 1;
	}
	return 0;
}

Test(tail, exact_across_kills_rotation_truncation)
{
	et_env e;
	int i;

	sc = calloc(1, sizeof(*sc));
	cr_assert_not_null(sc);
	et_init(&e, 0);
	sc->e = &e;
	sc->dir = scratch(&e, "sc");
	for (i = 0; i < SC_HOSTS; i++) {
		char host[8], *d = NULL;

		snprintf(host, sizeof(host), "h%d", i + 1);
		cr_assert(asprintf(&d, "%s/%s", sc->dir, host) > 0);
		cr_assert_eq(mkdir(d, 0755), 0);
		snprintf(sc->path[i], sizeof(sc->path[i]), "%s/app.log", d);
		/* pgrep -f: the script names its file; [.] keeps pgrep off itself */
		snprintf(sc->pat[i], sizeof(sc->pat[i]), "%s/app[.]log", d);
		free(d);
		append(sc->path[i], "", 0);
		sc->x[i].o.path = sc->path[i];
		sc->x[i].reconnect = 1;
		sc->x[i].on_detached = sc_detached;
		tl_start(&e, &sc->x[i], host);
	}
	uv_timer_init(&e.loop, &sc->wt);
	poller_start(&e, &sc->p, sc_step, NULL);
	et_run(&e, 60);
	for (i = 0; i < SC_HOSTS; i++) {
		tl *x = &sc->x[i];
		char *dump = tl_dump(x);
		int n = tl_nlines(x, NULL), k;

		cr_assert_eq(x->ndetached, 3, "h%d detached %d times\n%s", i + 1, x->ndetached, dump);
		cr_assert_gt(sc->seq[i], 200, "h%d: only %d lines written", i + 1, sc->seq[i]);
		cr_assert_eq(n, sc->seq[i], "h%d: %d lines for %d written\n%s", i + 1, n, sc->seq[i],
		    dump);
		for (k = 0; k < n; k++) {
			const tl_ev *ev = tl_nth_line(x, NULL, k);
			char want[32];

			snprintf(want, sizeof(want), "h%d %06d", i + 1, k + 1);
			cr_assert_str_eq(ev->buf, want, "h%d line %d\n%s", i + 1, k, dump);
			cr_assert_eq(ev->flags, 0);
			cr_assert_str_eq(ev->file, sc->path[i]);
		}
		cr_assert_eq(tl_count_marks(x, ENG_TAIL_MARK_ROTATED), i == 1, "h%d\n%s", i + 1, dump);
		cr_assert_eq(tl_count_marks(x, ENG_TAIL_MARK_TRUNCATED), i == 2, "h%d\n%s", i + 1,
		    dump);
		cr_assert_eq(tl_count_marks_all(x), i > 0, "h%d: other marks\n%s", i + 1, dump);
		cr_assert_eq(x->nerror, 0, "h%d\n%s", i + 1, dump);
		free(dump);
		cr_assert_eq(et_remote_wait_gone(sc->pat[i], 3), 0,
		    "h%d: the remote script outlived its channel", i + 1);
	}
	for (i = 0; i < SC_HOSTS; i++)
		tl_free(&sc->x[i]);
	free(sc->dir);
	free(sc);
	et_fini(&e);
}

/* ---- one tail on h1, driven by a step function ----------------------------- */

typedef struct one one;
struct one {
	et_env e;
	tl x;
	poller p;
	char *dir;
	char path[1100];
	int phase;
	double phase_at;
	int (*step)(one *g, double since);   /* 1: done (the tail is stopped then) */
	double limit;
};

static one *g1;

static int
one_tick(void *arg)
{
	one *g = arg;
	double now = tu_now();

	cr_assert_lt(now - g->e.t0, g->limit, "phase %d did not finish\n%s", g->phase,
	    tl_dump(&g->x));
	if (g->step(g, now - g->phase_at)) {
		tl_stop(&g->x);
		return 1;
	}
	return 0;
}

static void
one_next(one *g)
{
	g->phase++;
	g->phase_at = tu_now();
}

/* Sets up g1 with a scratch dir and path = dir/name; the caller fills o. */
static one *
one_new(const char *name)
{
	one *g = calloc(1, sizeof(*g));

	cr_assert_not_null(g);
	et_init(&g->e, 0);
	g->dir = scratch(&g->e, "d");
	snprintf(g->path, sizeof(g->path), "%s/%s", g->dir, name);
	g->x.o.path = g->path;
	g->limit = 20;
	g1 = g;
	return g;
}

static void
one_run(one *g, const char *host)
{
	tl_start(&g->e, &g->x, host != NULL ? host : "h1");
	g->phase_at = tu_now();
	poller_start(&g->e, &g->p, one_tick, g);
	et_run(&g->e, g->limit + 10);
}

static void
one_free(one *g)
{
	tl_free(&g->x);
	free(g->dir);
	et_fini(&g->e);
	free(g);
}

/* ---- a file that does not exist yet ---------------------------------------- */

static int
missing_step(one *g, double since)
{
	switch (g->phase) {
	case 0:
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_WAITING)
			return 0;
		cr_assert_eq(tl_nlines(&g->x, NULL), 0);
		one_next(g);
		return 0;
	case 1:   /* still waiting a while later, then it appears */
		if (since < 0.6)
			return 0;
		cr_assert_eq(tl_file_state(&g->x, g->path, NULL, 0), ENG_TAIL_WAITING);
		appends(g->path, "first\nsecond\n");
		one_next(g);
		return 0;
	default:
		return tl_nlines(&g->x, NULL) >= 2 && since > 0.5;
	}
}

Test(tail, missing_file_waited_for)
{
	one *g = one_new("later.log");
	const tl_ev *l;

	g->step = missing_step;
	one_run(g, NULL);
	cr_assert_eq(tl_file_state(&g->x, g->path, NULL, 0), ENG_TAIL_FOLLOWING);
	cr_assert_eq(tl_nlines(&g->x, NULL), 2, "%s", tl_dump(&g->x));
	/* A file that appears is read from its start (like tail -F). */
	l = tl_nth_line(&g->x, g->path, 0);
	cr_assert_str_eq(l->buf, "first");
	cr_assert_eq(l->off, 0);
	l = tl_nth_line(&g->x, g->path, 1);
	cr_assert_str_eq(l->buf, "second");
	cr_assert_eq(l->off, 6);
	cr_assert_eq(tl_count_marks_all(&g->x), 0);
	one_free(g);
}

/* ---- initial lines ----------------------------------------------------------- */

static int initial_want;

/* The expected lines in, then a while to see that no more come. */
static int
initial_step(one *g, double since)
{
	if (g->phase == 0) {
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_FOLLOWING ||
		    tl_nlines(&g->x, NULL) < initial_want)
			return 0;
		one_next(g);
		return 0;
	}
	return since > 0.7;
}

Test(tail, initial_lines)
{
	int lines[3] = { 0, 3, -1 }, want[3] = { 10, 3, 0 }, k, i;

	for (k = 0; k < 3; k++) {
		one *g = one_new("init.log");
		char buf[32];

		for (i = 1; i <= 30; i++) {
			snprintf(buf, sizeof(buf), "line %d\n", i);
			appends(g->path, buf);
		}
		g->x.o.lines = lines[k];
		initial_want = want[k];
		g->step = initial_step;
		one_run(g, NULL);
		cr_assert_eq(tl_nlines(&g->x, NULL), want[k], "lines=%d\n%s", lines[k],
		    tl_dump(&g->x));
		for (i = 0; i < want[k]; i++) {
			snprintf(buf, sizeof(buf), "line %d", 30 - want[k] + 1 + i);
			cr_assert_str_eq(tl_nth_line(&g->x, NULL, i)->buf, buf);
			cr_assert_eq(tl_nth_line(&g->x, NULL, i)->flags, 0);
		}
		one_free(g);
	}
}

/* ---- a glob: matches at start (initial lines), a new match later ------------ */

static char glob_a[1100], glob_b[1100];

static int
glob_step(one *g, double since)
{
	switch (g->phase) {
	case 0:
		if (tl_nlines(&g->x, glob_a) < 10)
			return 0;
		one_next(g);
		return 0;
	case 1:   /* a new match, and a file the glob does not match */
		if (since < 0.5)
			return 0;
		appends(glob_b, "b1\nb2\n");
		{
			char *other = NULL;

			cr_assert(asprintf(&other, "%s/c.txt", g->dir) > 0);
			appends(other, "not me\n");
			free(other);
		}
		appends(glob_a, "a16\n");
		one_next(g);
		return 0;
	default:
		return (tl_nlines(&g->x, glob_b) >= 2 && tl_nlines(&g->x, glob_a) >= 11 &&
		    since > 0.6) || since > 5;
	}
}

Test(tail, glob_picks_up_new_files)
{
	one *g = one_new("*.log");
	int i;

	snprintf(glob_a, sizeof(glob_a), "%s/a.log", g->dir);
	snprintf(glob_b, sizeof(glob_b), "%s/b.log", g->dir);
	for (i = 1; i <= 15; i++) {
		char line[16];

		snprintf(line, sizeof(line), "a%d\n", i);
		appends(glob_a, line);
	}
	g->step = glob_step;
	one_run(g, NULL);
	/* A match present at the start: its last 10 lines; a later one: all. */
	cr_assert_eq(tl_nlines(&g->x, NULL), 13, "%s", tl_dump(&g->x));
	cr_assert_str_eq(tl_nth_line(&g->x, glob_a, 0)->buf, "a6");
	cr_assert_str_eq(tl_nth_line(&g->x, glob_a, 9)->buf, "a15");
	cr_assert_str_eq(tl_nth_line(&g->x, glob_a, 10)->buf, "a16");
	cr_assert_str_eq(tl_nth_line(&g->x, glob_b, 0)->buf, "b1");
	cr_assert_eq(tl_nth_line(&g->x, glob_b, 0)->off, 0);
	cr_assert_str_eq(tl_nth_line(&g->x, glob_b, 1)->buf, "b2");
	cr_assert_eq(tl_file_state(&g->x, glob_b, NULL, 0), ENG_TAIL_FOLLOWING);
	one_free(g);
}

/* A glob that matches nothing yet: the pattern is shown waiting. */
static int
glob_empty_step(one *g, double since)
{
	if (g->phase == 0) {
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_WAITING)
			return 0;
		appends(glob_a, "late\n");
		one_next(g);
		return 0;
	}
	return tl_nlines(&g->x, NULL) >= 1 || since > 5;
}

Test(tail, glob_without_matches_waits)
{
	one *g = one_new("*.log");

	snprintf(glob_a, sizeof(glob_a), "%s/x.log", g->dir);
	g->step = glob_empty_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, glob_a), 1, "%s", tl_dump(&g->x));
	cr_assert_str_eq(tl_nth_line(&g->x, glob_a, 0)->buf, "late");
	one_free(g);
}

/* ---- permission denied: a per-file error ------------------------------------ */

static int
perm_step(one *g, double since)
{
	(void)since;
	if (g->phase == 0) {
		if (tl_file_state(&g->x, glob_b, NULL, 0) != ENG_TAIL_ERROR ||
		    tl_nlines(&g->x, glob_a) < 1)
			return 0;
		appends(glob_a, "more\n");
		one_next(g);
		return 0;
	}
	return tl_nlines(&g->x, glob_a) >= 2;
}

Test(tail, permission_denied_is_per_file)
{
	one *g = one_new("*.log");
	char text[160];

	snprintf(glob_a, sizeof(glob_a), "%s/open.log", g->dir);
	snprintf(glob_b, sizeof(glob_b), "%s/secret.log", g->dir);
	appends(glob_a, "visible\n");
	appends(glob_b, "hidden\n");
	cr_assert_eq(chmod(glob_b, 0600), 0);   /* ours (root); the fleet user may not read */
	g->step = perm_step;
	one_run(g, NULL);
	cr_assert_eq(tl_file_state(&g->x, glob_b, text, sizeof(text)), ENG_TAIL_ERROR);
	cr_assert_str_eq(text, "permission denied");
	cr_assert_eq(tl_nlines(&g->x, glob_b), 0);
	cr_assert_eq(tl_nlines(&g->x, glob_a), 2, "%s", tl_dump(&g->x));
	cr_assert_eq(tl_file_state(&g->x, NULL, NULL, 0), ENG_TAIL_FOLLOWING);
	one_free(g);
}

/* ---- a 1 MB line without a newline: cut, the rest dropped with a mark ------- */

static int
cut_step(one *g, double since)
{
	if (g->phase == 0) {
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_FOLLOWING)
			return 0;
		{
			char *big = malloc(1048576);

			cr_assert_not_null(big);
			memset(big, 'x', 1048576);
			append(g->path, big, 1048576);
			free(big);
		}
		one_next(g);
		return 0;
	}
	if (g->phase == 1) {
		/* Delivered cut right away, no need to wait for the newline. */
		if (tl_nlines(&g->x, NULL) < 1 || eng_tail_received(g->x.t) < 1048576)
			return 0;
		cr_assert_eq(tl_count_marks_all(&g->x), 0, "the cut mark comes with the newline");
		appends(g->path, "yz\nnext\n");
		one_next(g);
		return 0;
	}
	return tl_nlines(&g->x, NULL) >= 2 || since > 5;
}

Test(tail, long_line_cut_with_mark)
{
	one *g = one_new("big.log");
	const tl_ev *l;
	size_t i;

	appends(g->path, "");
	g->step = cut_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, NULL), 2, "%s", tl_dump(&g->x));
	l = tl_nth_line(&g->x, NULL, 0);
	cr_assert_eq(l->len, 65536);
	cr_assert_eq(l->flags, ENG_TAIL_CUT);
	cr_assert_eq(l->off, 0);
	for (i = 0; i < l->len; i++)
		cr_assert_eq(l->buf[i], 'x');
	cr_assert_eq(tl_count_marks(&g->x, ENG_TAIL_MARK_CUT), 1);
	for (i = 0; i < g->x.nev; i++)
		if (g->x.ev[i].kind == 'm')
			cr_assert_eq(g->x.ev[i].bytes, 1048576 + 2 - 65536);
	l = tl_nth_line(&g->x, NULL, 1);
	cr_assert_str_eq(l->buf, "next");
	cr_assert_eq(l->flags, 0);
	cr_assert_eq(l->off, 1048576 + 3);
	one_free(g);
}

/* ---- binary and escape bytes arrive as they are ----------------------------- */

static char bin_data[600];
static size_t bin_len;

static int
bin_step(one *g, double since)
{
	if (g->phase == 0) {
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_FOLLOWING)
			return 0;
		append(g->path, bin_data, bin_len);
		one_next(g);
		return 0;
	}
	return tl_nlines(&g->x, NULL) >= 3 || since > 5;
}

Test(tail, binary_and_escape_bytes_intact)
{
	one *g = one_new("bin.log");
	size_t i, n = 0, l1;
	static const char esc[] = "\033]0;title\007\033[2J\033[31mred\r\033P+q\033\\";
	const tl_ev *l;

	/* Line 1: every byte value but the newline; line 2: escapes; line 3: empty. */
	for (i = 0; i < 256; i++)
		if (i != '\n')
			bin_data[n++] = (char)i;
	l1 = n;
	bin_data[n++] = '\n';
	memcpy(bin_data + n, esc, sizeof(esc) - 1);
	n += sizeof(esc) - 1;
	bin_data[n++] = '\n';
	bin_data[n++] = '\n';
	bin_len = n;
	appends(g->path, "");
	g->step = bin_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, NULL), 3, "%s", tl_dump(&g->x));
	l = tl_nth_line(&g->x, NULL, 0);
	cr_assert_eq(l->len, l1);
	cr_assert(memcmp(l->buf, bin_data, l1) == 0, "binary line altered");
	l = tl_nth_line(&g->x, NULL, 1);
	cr_assert_eq(l->len, sizeof(esc) - 1);
	cr_assert(memcmp(l->buf, esc, sizeof(esc) - 1) == 0, "escape line altered");
	l = tl_nth_line(&g->x, NULL, 2);
	cr_assert_eq(l->len, 0);
	cr_assert_eq(l->off, bin_len - 1);
	one_free(g);
}

/* ---- an unfinished line: held, shown as partial, continued without repeats -- */

static double partial_written, partial_seen;

static int
partial_step(one *g, double since)
{
	switch (g->phase) {
	case 0:
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_FOLLOWING)
			return 0;
		appends(g->path, "whole\nhalf a ");
		partial_written = tu_now();
		one_next(g);
		return 0;
	case 1:
		if (tl_nlines(&g->x, NULL) < 2)
			return 0;
		partial_seen = tu_now();
		appends(g->path, "line\nnext\n");
		one_next(g);
		return 0;
	default:
		return tl_nlines(&g->x, NULL) >= 4 || since > 5;
	}
}

Test(tail, partial_line_after_timeout)
{
	one *g = one_new("part.log");
	const tl_ev *l;
	double held;

	appends(g->path, "");
	g->x.o.partial_ms = 1000;
	g->step = partial_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, NULL), 4, "%s", tl_dump(&g->x));
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 0)->buf, "whole");
	l = tl_nth_line(&g->x, NULL, 1);
	cr_assert_str_eq(l->buf, "half a ");
	cr_assert_eq(l->flags, ENG_TAIL_PARTIAL);
	cr_assert_eq(l->off, 6);
	/* From the arrival of "whole" (same chunk as "half a "), not the write. */
	held = tl_nth_line(&g->x, NULL, 1)->at - tl_nth_line(&g->x, NULL, 0)->at;
	cr_assert(held > 0.9 && held < 1.6, "partial line shown %.2fs after it came", held);
	cr_assert_gt(partial_seen - partial_written, 0.9);
	/* The rest only, marked as a continuation. */
	l = tl_nth_line(&g->x, NULL, 2);
	cr_assert_str_eq(l->buf, "line");
	cr_assert_eq(l->flags, ENG_TAIL_CONT);
	cr_assert_eq(l->off, 13);
	l = tl_nth_line(&g->x, NULL, 3);
	cr_assert_str_eq(l->buf, "next");
	cr_assert_eq(l->flags, 0);
	one_free(g);
}

/* ---- four hosts, two files each (two tails sharing each host's conn) ------- */

#define MH_HOSTS 4

typedef struct mh {
	et_env e;
	tl x[MH_HOSTS][2];
	char path[MH_HOSTS][2][1100];
	int seq[MH_HOSTS][2];
	uv_timer_t wt;
	poller p;
	int phase;
	double phase_at;
} mh;

static mh *m;

static void
mh_write(uv_timer_t *h)
{
	char buf[64];
	int i, j, n;

	(void)h;
	for (i = 0; i < MH_HOSTS; i++) {
		for (j = 0; j < 2; j++) {
			n = snprintf(buf, sizeof(buf), "h%d f%d %06d\n", i + 1, j, ++m->seq[i][j]);
			append(m->path[i][j], buf, (size_t)n);
		}
	}
}

static int
mh_step(void *arg)
{
	double now = tu_now();
	int i, j, all = 1;

	(void)arg;
	for (i = 0; i < MH_HOSTS; i++)
		for (j = 0; j < 2; j++)
			all &= m->phase == 0 ?
			    tl_file_state(&m->x[i][j], m->path[i][j], NULL, 0) == ENG_TAIL_FOLLOWING :
			    tl_nlines(&m->x[i][j], NULL) >= m->seq[i][j];
	switch (m->phase) {
	case 0:
		if (!all)
			return 0;
		uv_timer_start(&m->wt, mh_write, 5, 5);
		m->phase = 1;
		m->phase_at = now;
		return 0;
	case 1:
		if (now - m->phase_at < 2.0)
			return 0;
		uv_timer_stop(&m->wt);
		uv_close((uv_handle_t *)&m->wt, NULL);
		m->phase = 2;
		m->phase_at = now;
		return 0;
	default:
		if (!all && now - m->phase_at < 8)
			return 0;
		for (i = 0; i < MH_HOSTS; i++)
			for (j = 1; j >= 0; j--)
				tl_stop(&m->x[i][j]);
		return 1;
	}
}

Test(tail, four_hosts_two_files_each)
{
	int i, j, k, r;

	m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
	et_init(&m->e, 0);
	chmod(et_tmp(&m->e), 0755);
	for (i = 0; i < MH_HOSTS; i++) {
		char host[8];

		snprintf(host, sizeof(host), "h%d", i + 1);
		for (j = 0; j < 2; j++) {
			tl *x = &m->x[i][j];

			snprintf(m->path[i][j], sizeof(m->path[i][j]), "%s/%s-f%d.log",
			    et_tmp(&m->e), host, j);
			append(m->path[i][j], "", 0);
			x->o.path = m->path[i][j];
			if (j == 0) {
				tl_start(&m->e, x, host);
				continue;
			}
			/* The second file's tail shares the host's conn. */
			x->e = &m->e;
			snprintf(x->host, sizeof(x->host), "%s", host);
			r = eng_tail_start(m->x[i][0].conns[0].c, &x->o, &tl_cbs, x, &x->t);
			cr_assert_eq(r, 0);
		}
	}
	uv_timer_init(&m->e.loop, &m->wt);
	poller_start(&m->e, &m->p, mh_step, NULL);
	et_run(&m->e, 30);
	for (i = 0; i < MH_HOSTS; i++) {
		for (j = 0; j < 2; j++) {
			tl *x = &m->x[i][j];
			int n = tl_nlines(x, NULL);

			cr_assert_gt(m->seq[i][j], 100);
			cr_assert_eq(n, m->seq[i][j], "h%d f%d: %d lines of %d", i + 1, j, n,
			    m->seq[i][j]);
			for (k = 0; k < n; k++) {
				char want[32];

				snprintf(want, sizeof(want), "h%d f%d %06d", i + 1, j, k + 1);
				cr_assert_str_eq(tl_nth_line(x, NULL, k)->buf, want);
				cr_assert_str_eq(tl_nth_line(x, NULL, k)->file, m->path[i][j]);
			}
			cr_assert_eq(tl_count_marks_all(x), 0);
			tl_free(x);
		}
	}
	et_fini(&m->e);
	free(m);
}

/* ---- a command: followed, restarted after a rebind with a mark, its end --- */

#define CMD_PAT "tailcmd434[3]"

static int
cmd_step(one *g, double since)
{
	tl *x = &g->x;

	if (x->rebind_due && tu_now() - x->detached_at > 0.2)
		tl_rebind(x);
	switch (g->phase) {
	case 0:
		if (tl_nlines(x, NULL) < 5)
			return 0;
		cr_assert(kill_session_of(CMD_PAT), "no session for the command");
		one_next(g);
		return 0;
	case 1:
		if (x->ndetached < 1 || x->st != ENG_TAIL_FOLLOWING || tl_count_marks_all(x) < 1)
			return 0;
		one_next(g);
		return 0;
	default:
		return since > 0.5;
	}
}

Test(tail, command_restarted_after_rebind)
{
	one *g = one_new("unused");
	size_t i;
	int restart = -1, n = 0;

	g->x.o.path = NULL;
	g->x.o.command = ": tailcmd4343; i=0; while :; do i=$((i+1)); echo c$i; sleep 0.05; done";
	g->x.reconnect = 1;
	g->step = cmd_step;
	one_run(g, NULL);
	cr_assert_eq(et_remote_wait_gone(CMD_PAT, 3), 0, "the command outlived its channel");
	cr_assert_eq(tl_count_marks(&g->x, ENG_TAIL_MARK_RESTARTED), 1, "%s", tl_dump(&g->x));
	/* c1, c2, ... then after the mark c1, c2, ... again (the command restarted). */
	for (i = 0; i < g->x.nev; i++) {
		const tl_ev *ev = &g->x.ev[i];
		char want[16];

		if (ev->kind == 'm') {
			restart = n;
			n = 0;
			continue;
		}
		if (ev->kind != 'l')
			continue;
		snprintf(want, sizeof(want), "c%d", ++n);
		cr_assert_str_eq(ev->buf, want, "%s", tl_dump(&g->x));
		cr_assert_null(ev->file);
	}
	cr_assert_geq(restart, 5);
	cr_assert_geq(n, 3);
	one_free(g);
}

static int
cmd_end_step(one *g, double since)
{
	(void)since;
	return g->x.st == ENG_TAIL_ENDED;
}

Test(tail, command_end_reported)
{
	one *g = one_new("unused");
	char text[160];

	g->x.o.path = NULL;
	g->x.o.command = "echo one; echo two >&2; printf three; exit 3";
	g->step = cmd_end_step;
	one_run(g, NULL);
	cr_assert_eq(tl_file_state(&g->x, NULL, text, sizeof(text)), ENG_TAIL_ENDED);
	cr_assert_str_eq(text, "command exited with status 3");
	cr_assert_eq(tl_nlines(&g->x, NULL), 3, "%s", tl_dump(&g->x));
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 0)->buf, "one");
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 1)->buf, "two");
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 2)->buf, "three");
	cr_assert_eq(tl_nth_line(&g->x, NULL, 2)->flags, ENG_TAIL_PARTIAL);
	one_free(g);
}

/* ---- backpressure: a paused tail lets the SSH window stop the host --------- */

#define BP_LINES 100000         /* 100 bytes each: 10 MB */

static uint64_t bp_in_paused;

static int
bp_step(one *g, double since)
{
	tl *x = &g->x;
	eng_traffic tr;

	switch (g->phase) {
	case 0:
		if (tl_file_state(x, g->path, NULL, 0) != ENG_TAIL_FOLLOWING)
			return 0;
		{
			FILE *f = fopen(g->path, "a");
			int i;

			cr_assert_not_null(f);
			for (i = 1; i <= BP_LINES; i++)
				fprintf(f, "%07d %091d\n", i, 0);
			fclose(f);
		}
		one_next(g);
		return 0;
	case 1:   /* paused at line 1 by tl_line; the host keeps 20 MB for us */
		if (since < 2.0)
			return 0;
		cr_assert_eq(tl_nlines(x, NULL), 1, "lines delivered while paused");
		eng_conn_traffic(x->conns[0].c, &tr);
		bp_in_paused = tr.in_bytes;
		eng_tail_pause(x->t, 0);
		one_next(g);
		return 0;
	default:
		return tl_nlines(x, NULL) >= BP_LINES || since > 60;
	}
}

Test(tail, paused_consumer_bounds_memory)
{
	one *g = one_new("flood.log");
	int i;

	appends(g->path, "");
	g->x.pause_at_line = 1;
	g->step = bp_step;
	g->limit = 80;
	one_run(g, NULL);
	/* sshd's channel window (2 MB) plus what libssh holds: far below 10 MB. */
	cr_assert_lt(bp_in_paused, 6u << 20, "%llu bytes came in while paused",
	    (unsigned long long)bp_in_paused);
	cr_assert_eq(tl_nlines(&g->x, NULL), BP_LINES);
	for (i = 0; i < BP_LINES; i += 997) {
		char want[16];

		snprintf(want, sizeof(want), "%07d ", i + 1);
		cr_assert(strncmp(tl_nth_line(&g->x, NULL, i)->buf, want, 8) == 0);
	}
	one_free(g);
}

/* ---- rotation while connected: the rest of the old file first -------------- */

static int live_seq;
static uv_timer_t live_wt;

static void
live_write(uv_timer_t *h)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "n %06d\n", ++live_seq);

	(void)h;
	append(g1->path, buf, (size_t)n);
}

static int
live_step(one *g, double since)
{
	char *old = NULL;

	switch (g->phase) {
	case 0:
		if (tl_file_state(&g->x, g->path, NULL, 0) != ENG_TAIL_FOLLOWING)
			return 0;
		uv_timer_init(&g->e.loop, &live_wt);
		uv_timer_start(&live_wt, live_write, 5, 5);
		one_next(g);
		return 0;
	case 1:
	case 2:
		/* Rotated twice, a second apart. */
		if (since < 1.0)
			return 0;
		cr_assert(asprintf(&old, "%s.%d", g->path, g->phase) > 0);
		cr_assert_eq(rename(g->path, old), 0);
		free(old);
		one_next(g);
		return 0;
	case 3:
		if (since < 1.0)
			return 0;
		uv_timer_stop(&live_wt);
		uv_close((uv_handle_t *)&live_wt, NULL);
		one_next(g);
		return 0;
	default:
		return tl_nlines(&g->x, NULL) >= live_seq || since > 5;
	}
}

Test(tail, rotation_while_connected)
{
	one *g = one_new("live.log");
	int i, n;

	appends(g->path, "");
	live_seq = 0;
	g->step = live_step;
	one_run(g, NULL);
	n = tl_nlines(&g->x, NULL);
	cr_assert_gt(live_seq, 200);
	cr_assert_eq(n, live_seq, "%d lines for %d written\n%s", n, live_seq, tl_dump(&g->x));
	for (i = 0; i < n; i++) {
		char want[16];

		snprintf(want, sizeof(want), "n %06d", i + 1);
		cr_assert_str_eq(tl_nth_line(&g->x, NULL, i)->buf, want);
	}
	cr_assert_eq(tl_count_marks(&g->x, ENG_TAIL_MARK_ROTATED), 2, "%s", tl_dump(&g->x));
	cr_assert_eq(tl_count_marks_all(&g->x), 2);
	one_free(g);
}

/* ---- the old file gone while we were away: a mark, never silence ---------- */

static void
gone_detached(tl *x)
{
	char *old = NULL;

	(void)x;
	appends(g1->path, "unseen 1\nunseen 2\n");
	cr_assert(asprintf(&old, "%s.1", g1->path) > 0);
	cr_assert_eq(rename(g1->path, old), 0);
	cr_assert_eq(unlink(old), 0);
	free(old);
	appends(g1->path, "fresh\n");
}

static int
gone_step(one *g, double since)
{
	tl *x = &g->x;

	(void)since;
	if (x->rebind_due)
		tl_rebind(x);
	switch (g->phase) {
	case 0:
		if (tl_nlines(x, NULL) < 2)
			return 0;
		cr_assert(kill_session_of(g->path), "no session\n%s", tl_dump(&g->x));
		one_next(g);
		return 0;
	default:
		return tl_nlines(x, NULL) >= 3;
	}
}

Test(tail, old_file_gone_while_away)
{
	one *g = one_new("gone.log");
	size_t i;
	int lost = -1, rot = -1, fresh = -1;

	appends(g->path, "seen 1\nseen 2\n");
	g->x.reconnect = 1;
	g->x.on_detached = gone_detached;
	g->step = gone_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, NULL), 3, "%s", tl_dump(&g->x));
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 2)->buf, "fresh");
	cr_assert_eq(tl_nth_line(&g->x, NULL, 2)->off, 0);
	for (i = 0; i < g->x.nev; i++) {
		const tl_ev *ev = &g->x.ev[i];

		if (ev->kind == 'm' && ev->mark == ENG_TAIL_MARK_LOST)
			lost = (int)i;
		if (ev->kind == 'm' && ev->mark == ENG_TAIL_MARK_ROTATED)
			rot = (int)i;
		if (ev->kind == 'l' && strcmp(ev->buf, "fresh") == 0)
			fresh = (int)i;
	}
	/* The lost mark, then the new file; how much was lost is unknown (0). */
	cr_assert(lost >= 0 && rot > lost && fresh > rot, "%s", tl_dump(&g->x));
	cr_assert_eq(tl_count_marks_all(&g->x), 2);
	one_free(g);
}

/* ---- freeing the tail from its own callback: not one callback more -------- */

static void
free_on_second(eng_tail *t, const eng_tail_line *l, void *ud)
{
	tl *x = ud;

	tl_line(t, l, ud);
	if (x->lines_seen == 2) {
		eng_tail_free(t);
		x->t = NULL;   /* tl_line asserts every later callback against this */
	}
}

static int
free_step(one *g, double since)
{
	return g->x.t == NULL && since > 1.0;
}

Test(tail, free_inside_callback)
{
	static const eng_tail_cbs cbs = { free_on_second, tl_mark, tl_state };
	one *g = one_new("free.log");
	int r;

	appends(g->path, "1\n2\n3\n4\n");
	g->step = free_step;
	g->e.t0 = tu_now();
	g->x.e = &g->e;
	snprintf(g->x.host, sizeof(g->x.host), "h1");
	tl_connect(&g->x);
	r = eng_tail_start(g->x.conns[0].c, &g->x.o, &cbs, &g->x, &g->x.t);
	cr_assert_eq(r, 0);
	g->phase_at = tu_now();
	poller_start(&g->e, &g->p, one_tick, g);
	et_run(&g->e, 20);
	cr_assert_eq(tl_nlines(&g->x, NULL), 2);
	cr_assert_eq(et_remote_wait_gone(g->path, 3), 0, "the script outlived eng_tail_free");
	one_free(g);
}

/* ---- API contract: errors never call back ---------------------------------- */

static int api_cb_calls;

static void
api_line(eng_tail *t, const eng_tail_line *l, void *ud)
{
	(void)t;
	(void)l;
	(void)ud;
	api_cb_calls++;
}

static void
api_ready(et_conn *ec, eng_conn_state st)
{
	static const eng_tail_cbs cbs = { api_line, NULL, NULL };
	eng_tail_opts o;
	eng_tail *t = (eng_tail *)1;
	int r;

	if (st != ENG_CONN_READY)
		return;
	memset(&o, 0, sizeof(o));
	cr_assert_eq(eng_tail_start(ec->c, &o, &cbs, NULL, &t), ENG_EINVAL);
	cr_assert_null(t);
	o.path = "/x";
	o.command = "y";
	cr_assert_eq(eng_tail_start(ec->c, &o, &cbs, NULL, &t), ENG_EINVAL);
	o.command = NULL;
	cr_assert_eq(eng_tail_start(NULL, &o, &cbs, NULL, &t), ENG_EINVAL);
	/* Attached: rebind is refused. */
	r = eng_tail_start(ec->c, &o, &cbs, NULL, &t);
	cr_assert_eq(r, 0);
	cr_assert_eq(eng_tail_rebind(t, ec->c), ENG_ESTATE);
	eng_tail_free(t);
	eng_conn_close(ec->c);
	t = (eng_tail *)1;
	cr_assert_eq(eng_tail_start(ec->c, &o, &cbs, NULL, &t), ENG_ECLOSED);
	cr_assert_null(t);
}

Test(tail, api_errors_never_call_back)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = api_ready;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert_eq(api_cb_calls, 0);
	cr_assert_str_eq(eng_tail_state_name(ENG_TAIL_DETACHED), "detached");
	cr_assert_str_eq(eng_tail_mark_name(ENG_TAIL_MARK_LOST), "lost");
	et_fini(&e);
}

/* ---- a glob that also matches the rotated names (app.log*) ----------------- */

static int gr_rot;

static void
gr_rotate(const char *dir)
{
	char from[1200], to[1200];
	int k;

	/* logrotate's numbered scheme: .2 -> .3, .1 -> .2, app.log -> .1 */
	for (k = 3; k >= 1; k--) {
		snprintf(from, sizeof(from), k > 1 ? "%s/app.log.%d" : "%s/app.log", dir, k - 1);
		snprintf(to, sizeof(to), "%s/app.log.%d", dir, k);
		if (access(from, F_OK) == 0)
			cr_assert_eq(rename(from, to), 0);
	}
	gr_rot++;
}

static void
gr_detached(tl *x)
{
	(void)x;
	gr_rotate(g1->dir);
}

static int
gr_step(one *g, double since)
{
	tl *x = &g->x;

	if (x->rebind_due && tu_now() - x->detached_at > 0.2)
		tl_rebind(x);
	switch (g->phase) {
	case 0:   /* the old file's lines in (initial lines) */
		if (tl_nlines(x, NULL) < 2)
			return 0;
		uv_timer_init(&g->e.loop, &live_wt);
		uv_timer_start(&live_wt, live_write, 5, 5);
		one_next(g);
		return 0;
	case 1:
	case 2:   /* two rotations while connected */
		if (since < 0.8)
			return 0;
		gr_rotate(g->dir);
		one_next(g);
		return 0;
	case 3:   /* and one while away */
		if (since < 0.8)
			return 0;
		cr_assert(kill_session_of(g->path), "no session\n%s", tl_dump(&g->x));
		one_next(g);
		return 0;
	case 4:
		if (x->ndetached < 1 || x->st != ENG_TAIL_FOLLOWING || since < 0.8)
			return 0;
		uv_timer_stop(&live_wt);
		uv_close((uv_handle_t *)&live_wt, NULL);
		one_next(g);
		return 0;
	default:
		return tl_nlines(x, NULL) >= live_seq + 2 || since > 5;
	}
}

Test(tail, glob_matching_rotated_names)
{
	one *g = one_new("app.log");
	char glob[1200], old[1200], *seen;
	int i, n, k = 0;

	snprintf(glob, sizeof(glob), "%s/app.log*", g->dir);
	snprintf(old, sizeof(old), "%s/app.log.1", g->dir);
	appends(g->path, "");
	appends(old, "old 1\nold 2\n");
	g->x.o.path = glob;
	g->x.o.lines = 5;
	g->x.reconnect = 1;
	g->x.on_detached = gr_detached;
	live_seq = gr_rot = 0;
	g->step = gr_step;
	one_run(g, NULL);
	n = tl_nlines(&g->x, NULL);
	cr_assert_eq(gr_rot, 3);
	cr_assert_gt(live_seq, 200);
	/*
	 * The old lines once (initial lines), then every number exactly once.
	 * In order within each file; across files a glob promises no order
	 * (after the rotation while away, app.log.1 and the new app.log are
	 * both new to the tail and read side by side).
	 */
	cr_assert_eq(n, live_seq + 2, "%d lines for %d written\n%s", n, live_seq + 2,
	    tl_dump(&g->x));
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 0)->buf, "old 1");
	cr_assert_str_eq(tl_nth_line(&g->x, NULL, 1)->buf, "old 2");
	seen = calloc((size_t)live_seq + 1, 1);
	cr_assert_not_null(seen);
	for (i = 2; i < n; i++) {
		const tl_ev *l = tl_nth_line(&g->x, NULL, i), *prev = tl_nth_line(&g->x, NULL, i - 1);

		cr_assert_eq(sscanf(l->buf, "n %d", &k), 1, "%s", l->buf);
		cr_assert(k >= 1 && k <= live_seq && !seen[k], "line %d: %s twice or out of range\n%s",
		    i, l->buf, tl_dump_near(&g->x, i));
		seen[k] = 1;
		if (i > 2 && strcmp(l->file, prev->file) == 0 && l->off > prev->off)
			cr_assert_gt(k, atoi(prev->buf + 2), "%s", tl_dump_near(&g->x, i));
	}
	free(seen);
	/*
	 * The away rotation overwrote app.log.3 (as logrotate drops the
	 * oldest): a file gone after we had read all of it, so LOST marks of
	 * 0 bytes may come for the rotated names, never for app.log.
	 */
	for (i = 0; i < (int)g->x.nev; i++) {
		const tl_ev *ev = &g->x.ev[i];

		if (ev->kind == 'm' && ev->mark == ENG_TAIL_MARK_LOST)
			cr_assert(ev->bytes == 0 && strcmp(ev->file, g->path) != 0, "%s",
			    tl_dump(&g->x));
	}
	cr_assert_eq(tl_count_marks(&g->x, ENG_TAIL_MARK_TRUNCATED), 0);
	cr_assert_gt(tl_count_marks(&g->x, ENG_TAIL_MARK_ROTATED), 0);
	one_free(g);
}

/* ---- two rotations while away: the file in between is read too ------------ */

static void
away2_append(int from, int to)
{
	char buf[32];
	int i;

	for (i = from; i <= to; i++) {
		snprintf(buf, sizeof(buf), "n %06d\n", i);
		appends(g1->path, buf);
	}
}

static void
away2_rotate(void)
{
	char a[1200], b[1200];

	snprintf(a, sizeof(a), "%s.1", g1->path);
	snprintf(b, sizeof(b), "%s.2", g1->path);
	if (access(a, F_OK) == 0)
		cr_assert_eq(rename(a, b), 0);
	cr_assert_eq(rename(g1->path, a), 0);
}

static void
away2_detached(tl *x)
{
	(void)x;
	away2_append(6, 8);      /* the rest of the file we were reading */
	away2_rotate();
	away2_append(9, 12);     /* a file that is never at the path when we look */
	away2_rotate();
	away2_append(13, 15);    /* the one at the path when we are back */
}

static int
away2_step(one *g, double since)
{
	tl *x = &g->x;

	if (x->rebind_due)
		tl_rebind(x);
	switch (g->phase) {
	case 0:
		if (tl_nlines(x, NULL) < 5)
			return 0;
		cr_assert(kill_session_of(g->path), "no session");
		one_next(g);
		return 0;
	default:
		return (tl_nlines(x, NULL) >= 15 && since > 0.5) || since > 10;
	}
}

Test(tail, two_rotations_while_away)
{
	one *g = one_new("twice.log");
	int i;

	away2_append(1, 5);
	g->x.reconnect = 1;
	g->x.on_detached = away2_detached;
	g->step = away2_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, NULL), 15, "%s", tl_dump(&g->x));
	for (i = 0; i < 15; i++) {
		char want[16];

		snprintf(want, sizeof(want), "n %06d", i + 1);
		cr_assert_str_eq(tl_nth_line(&g->x, NULL, i)->buf, want, "%s", tl_dump(&g->x));
	}
	cr_assert_eq(tl_count_marks(&g->x, ENG_TAIL_MARK_ROTATED), 2, "%s", tl_dump(&g->x));
	cr_assert_eq(tl_count_marks_all(&g->x), 2);
	one_free(g);
}

/* ---- the streaming reader: a truncation under it, and its look-alike ------ */

static int
stream_step(one *g, double since)
{
	tl *x = &g->x;
	long pids[4];
	int fd;

	switch (g->phase) {
	case 0:
		if (tl_nlines(x, NULL) < 1)
			return 0;
		/* Streaming: GNU tail on the descriptor, not the polling script. */
		if (et_remote_pids("tail -c [+][0-9]* -s [0-9.]* -f", pids, 4) < 1)
			return 0;
		/* A line that reads like GNU tail's notice is only a line. */
		appends(g->path, "tail: 'standard input': file truncated\nafter look-alike\n");
		one_next(g);
		return 0;
	case 1:
		if (tl_nlines(x, NULL) < 3 || since < 1.5)
			return 0;
		/* copytruncate, while the stream reads the file. */
		fd = open(g->path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		cr_assert_geq(fd, 0);
		close(fd);
		usleep(300000);
		appends(g->path, "fresh 1\n");
		one_next(g);
		return 0;
	case 2:
		if (tl_nlines(x, NULL) < 4)
			return 0;
		appends(g->path, "fresh 2\n");
		one_next(g);
		return 0;
	default:
		return tl_nlines(x, NULL) >= 5 || since > 5;
	}
}

Test(tail, truncated_while_streaming)
{
	one *g = one_new("st.log");
	static const char *const want[] = {
		"first", "tail: 'standard input': file truncated", "after look-alike",
		"fresh 1", "fresh 2",
	};
	int i;

	appends(g->path, "first\n");
	g->step = stream_step;
	one_run(g, NULL);
	cr_assert_eq(tl_nlines(&g->x, NULL), 5, "%s", tl_dump(&g->x));
	for (i = 0; i < 5; i++)
		cr_assert_str_eq(tl_nth_line(&g->x, NULL, i)->buf, want[i], "%s", tl_dump(&g->x));
	cr_assert_eq(tl_count_marks(&g->x, ENG_TAIL_MARK_TRUNCATED), 1, "%s", tl_dump(&g->x));
	cr_assert_eq(tl_count_marks_all(&g->x), 1, "%s", tl_dump(&g->x));
	one_free(g);
}
