/*
 * tui/cli/batch_live.c - `-o group` on a terminal: the groups as they form,
 * redrawn in place while the run goes on (batch.c holds the results and
 * prints the final groups).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli/batch_int.h"

/*
 * Called at most every 100 ms by the command's timer: the finished hosts
 * grouped (count, state, first lines of output), the others counted,
 * drawn over the previous view. Never taller than the terminal, so the
 * cursor can always go back up to its first row.
 */
void
tui_batch_live(tui_batch *b, const eng_fanout *f, int rows, int cols)
{
	size_t *ord, i, j, n = 0, running = 0, shown = 0;
	const char **names;
	const eng_fanout_host **hosts;
	tui_buf out = { 0 }, line = { 0 };
	int budget, used = 0;

	if (!b->o.live || !b->live_dirty || b->out_errno != 0)
		return;
	b->live_dirty = 0;
	if (rows < 4)
		rows = 4;
	if (cols < 20)
		cols = 20;
	budget = rows - 2;
	ord = util_xcalloc(b->n ? b->n : 1, sizeof(size_t));
	names = util_xcalloc(b->n ? b->n : 1, sizeof(char *));
	for (i = 0; i < b->n; i++) {
		if (b->h[i].done)
			ord[n++] = i;
		else
			running++;
	}
	hosts = util_xcalloc(b->n ? b->n : 1, sizeof(*hosts));
	for (i = 0; i < b->n; i++)
		hosts[i] = eng_fanout_host_get(f, i);
	tui__batch_order(b, hosts, ord, n);
	if (b->live_lines > 0)
		tui_buf_addf(&out, "\r\033[%dA", b->live_lines);
	tui_buf_addstr(&out, "\r\033[J");
	for (i = 0; i < n && used < budget - 1; i = j) {
		const eng_fanout_host *fh = eng_fanout_host_get(f, ord[i]);
		const tui_buf *cap = &b->h[ord[i]].cap[1];
		const char *p = cap->p, *end = cap->p + cap->len, *nl;
		char *fold;
		int k;

		for (j = i; j < n && tui__batch_same(ord[i], ord[j]); j++)
			names[j - i] = b->h[ord[j]].name;
		fold = tui_fold_hosts(names, j - i);
		tui_buf_reset(&line);
		tui_buf_addf(&line, "%s (%zu)", fold, j - i);
		if (fh->state != ENG_HOST_OK) {
			tui_buf_addf(&line, " %s", tui_host_state_label(fh));
			if (fh->error != NULL) {
				tui_buf_addstr(&line, ": ");
				tui_sanitize(&line, fh->error, strlen(fh->error));
			}
		}
		free(fold);
		shown += j - i;
		/* Up to 2 lines of output per group: enough to tell them apart. */
		for (k = 0; k < 3 && used < budget - 1; k++) {
			size_t cut = line.len < (size_t)cols - 1 ? line.len : (size_t)cols - 1;

			cut = line.len > cut ? util_utf8_drop_last(line.p, cut + 1) : cut;
			tui_buf_add(&out, line.p, cut);
			tui_buf_addstr(&out, "\033[K\n");
			used++;
			if (p == NULL || p >= end)
				break;
			nl = memchr(p, '\n', (size_t)(end - p));
			tui_buf_reset(&line);
			tui_buf_addstr(&line, "    ");
			tui_sanitize(&line, p, (size_t)((nl ? nl : end) - p));
			p = nl ? nl + 1 : end;
		}
	}
	tui_buf_addf(&out, "[%zu done%s, %zu running]\033[K\n", n,
	    shown < n ? ", more groups than fit" : "", running);
	used++;
	b->live_lines = used;
	tui__batch_out_write(b, stdout, out.p, out.len);
	tui__batch_out_flush(b);
	tui_buf_free(&out);
	tui_buf_free(&line);
	free(ord);
	free(hosts);
	free(names);
}
