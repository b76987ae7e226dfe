/*
 * tests/fuzz/fuzz_tail.c - libFuzzer target for the tail record parser
 * (engine/tail_parse.c), which reads bytes a remote host sends. Each input
 * is parsed twice: in one piece, and cut into pieces whose sizes come from
 * the input's own bytes (as the network would cut it). Both must give the
 * same records and the same verdict, every record must keep the parser's
 * promises (index range, lengths, body sizes), and nothing may crash, leak
 * or read out of bounds.
 *
 * Build and run (clang with libFuzzer):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_tail
 *   cp -r tests/fuzz/corpus/tail /tmp/corpus-tail
 *   build-fuzz/tests/fuzz/fuzz_tail -max_total_time=60 -dict=tests/fuzz/tail.dict \
 *       /tmp/corpus-tail
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/tail_int.h"

typedef struct sink {
	char *s;
	size_t len, cap;
	int n;
	int reject;                 /* reject every 11th record */
	eng_tail_parser *p;
} sink;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static void
put(sink *k, const void *data, size_t n)
{
	if (k->len + n > k->cap) {
		k->cap = (k->len + n) * 2 + 64;
		k->s = realloc(k->s, k->cap);
		check(k->s != NULL, "memory");
	}
	memcpy(k->s + k->len, data, n);
	k->len += n;
}

static int
on_rec(const eng_tail_rec *r, void *ud)
{
	sink *k = ud;
	char hdr[200];
	int n;

	check(strchr("FWEGADTRLS", r->type) != NULL && r->type != '\0', "record type");
	check(r->type == 'G' ? r->idx == 0 : r->idx >= 1 && r->idx <= ENG_TAIL_MAXFILES,
	    "index range");
	if (r->type == 'D') {
		check(r->len >= 1 && r->len <= ENG_TAIL_CHUNK && r->dlen == r->len, "data length");
		check(r->ok == 0 || r->ok == 1, "trailer");
		check(r->off + r->len >= r->off, "offset overflow");
	}
	if (r->type == 'F') {
		check(r->dlen >= 1 && r->dlen <= ENG_TAIL_MAXNAME, "name length");
		check(memchr(r->data, '\0', r->dlen) == NULL, "NUL in name");
	}
	if (r->type == 'E')
		check(r->dlen >= 1 && r->dlen <= 16 && strlen(r->data) == r->dlen, "error word");
	n = snprintf(hdr, sizeof(hdr), "%c %u %llu %llu %llu %llu %llu %d %zu|", r->type,
	    r->idx, (unsigned long long)r->dev, (unsigned long long)r->ino,
	    (unsigned long long)r->off, (unsigned long long)r->len,
	    (unsigned long long)r->birth, r->ok, r->dlen);
	put(k, hdr, (size_t)n);
	if (r->data != NULL)
		put(k, r->data, r->dlen);
	k->n++;
	/* Stop now and then, as tail.c does when its consumer pauses. */
	return k->n % 7 == 0;
}

/* Rejects every 11th record, as tail.c rejects records that contradict it. */
static int
on_rec_reject(const eng_tail_rec *r, void *ud)
{
	sink *k = ud;

	if (k->reject && (k->n + 1) % 11 == 0) {
		snprintf(k->p->err, sizeof(k->p->err), "rejected");
		return -1;
	}
	return on_rec(r, ud);
}

/* Parses data in pieces of the given sizes (cycled); returns the verdict. */
static int
run(const uint8_t *data, size_t size, const uint8_t *cuts, size_t ncuts, sink *k)
{
	eng_tail_parser p;
	size_t off = 0, c = 0, used;
	int r = 0;

	memset(&p, 0, sizeof(p));
	eng__tail_parser_reset(&p);
	k->p = &p;
	while (off < size) {
		size_t n = ncuts > 0 ? (size_t)cuts[c++ % ncuts] + 1 : size - off;

		if (n > size - off)
			n = size - off;
		while (n > 0) {
			r = eng__tail_parse(&p, (const char *)data + off, n, &used, on_rec_reject,
			    k);
			if (r < 0) {
				check(p.err[0] != '\0', "error without a message");
				put(k, "ERR", 3);
				eng__tail_parser_free(&p);
				return -1;
			}
			check(used <= n && (r == 1 || used == n), "used");
			off += used;
			n -= used;
		}
	}
	eng__tail_parser_free(&p);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sink a = { 0 }, b = { 0 };
	size_t ncuts = size > 0 ? data[0] % 8 : 0;
	int ra, rb;

	if (size < 1 + ncuts)
		return 0;
	a.reject = b.reject = data[0] >> 7;
	ra = run(data + 1 + ncuts, size - 1 - ncuts, NULL, 0, &a);
	rb = run(data + 1 + ncuts, size - 1 - ncuts, data + 1, ncuts, &b);
	check(ra == rb, "verdict depends on how the bytes were cut");
	check(a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0),
	    "records depend on how the bytes were cut");
	free(a.s);
	free(b.s);
	return 0;
}
