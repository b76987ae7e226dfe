/*
 * tests/fuzz/fuzz_proto.c - libFuzzer target for the session socket's
 * message decoder (tui/session/proto.c), which reads what any local peer
 * sends to a session server. The input is decoded as a stream, in one
 * piece and cut where its own bytes say (as a socket would cut it); both
 * must find the same messages and the same verdict, every payload parser
 * runs on what was found, and nothing may crash, leak or read out of
 * bounds. Encoding what was decoded must give back the same bytes.
 *
 * Build and run (clang with libFuzzer):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_proto
 *   build-fuzz/tests/fuzz/fuzz_proto -max_total_time=60 /tmp/corpus-proto
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/session/proto.h"

/* Decodes data as a server would; returns a digest of what it found. */
static uint64_t
decode(const uint8_t *data, size_t size, const uint8_t *cuts, size_t ncuts, int *bad)
{
	tui_buf in = { 0 }, re = { 0 };
	uint64_t digest = 1469598103934665603ull;
	size_t fed = 0, off = 0, used, k = 0;
	tui_msg m;
	int r;

	*bad = 0;
	while (fed < size && !*bad) {
		size_t n = ncuts > 0 ? (size_t)cuts[k++ % ncuts] + 1 : size;

		if (n > size - fed)
			n = size - fed;
		tui_buf_add(&in, data + fed, n);
		fed += n;
		while ((r = tui_msg_parse((const uint8_t *)in.p + off, in.len - off, &m, &used)) != 0) {
			tui_hello h;
			util_strv argv = { 0 };
			const char *t;
			size_t tl;
			int a, b;

			if (r < 0) {
				*bad = 1;
				break;
			}
			if (m.len > TUI_MSG_MAX || used != TUI_MSG_HDR + m.len)
				abort();
			digest = (digest ^ (uint64_t)m.type ^ ((uint64_t)m.len << 8)) * 1099511628211ull;
			/* What was read must encode to the same bytes. */
			tui_buf_reset(&re);
			tui_msg_add(&re, m.type, m.data, m.len);
			if (re.len != used || memcmp(re.p, in.p + off, used) != 0)
				abort();
			if (tui_hello_parse(&m, &h) == 0 && (h.rows < 1 || h.cols < 1 ||
			    strlen(h.term) >= sizeof(h.term)))
				abort();
			if (tui_resize_parse(&m, &a, &b) == 0 && (a < 1 || b < 1))
				abort();
			if (tui_ctl_parse(&m, &argv) == 0 && argv.n == 0)
				abort();
			util_strv_clear(&argv);
			if (tui_coded_parse(&m, &a, &t, &tl) == 0 && (t < (const char *)m.data || tl >= m.len))
				abort();
			off += used;
		}
	}
	tui_buf_free(&in);
	tui_buf_free(&re);
	return digest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t one, cut;
	int bad1, bad2;
	size_t ncuts = size > 0 ? data[0] % 8 : 0;

	if (size < 1 + ncuts)
		return 0;
	one = decode(data + 1 + ncuts, size - 1 - ncuts, NULL, 0, &bad1);
	cut = decode(data + 1 + ncuts, size - 1 - ncuts, data + 1, ncuts, &bad2);
	/* A malformed stream is dropped wherever it was cut; a good one reads the same. */
	if (bad1 != bad2 || (!bad1 && one != cut))
		abort();
	return 0;
}
