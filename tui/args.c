/*
 * tui/args.c - one spelling rule for every command's long options:
 * "--name=value" means "--name value", as in getopt_long, so each parser
 * matches the name and takes the value from wherever it was written.
 */
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

void
tui_arg_split(const char *a, tui_arg *out)
{
	const char *eq = NULL;

	out->value = NULL;
	if (a[0] == '-' && a[1] == '-' && a[2] != '\0')
		eq = strchr(a, '=');
	if (eq == NULL || (size_t)(eq - a) >= sizeof(out->name)) {
		snprintf(out->name, sizeof(out->name), "%s", a);
		return;
	}
	snprintf(out->name, sizeof(out->name), "%.*s", (int)(eq - a), a);
	out->value = eq + 1;
}

/* Subcommands of drover, for suggestions when a word looks like one. */
const char *const tui_subcommand_names[] = { "exec", "tail", "put", "get", "ls", "cat",
	"demo", NULL };

/* Levenshtein distance, capped: words here are short. */
static int
distance(const char *a, const char *b)
{
	int row[64], i, j, prev, tmp, la = (int)strlen(a), lb = (int)strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev :
			    1 + (prev < row[j] ? (prev < row[j - 1] ? prev : row[j - 1]) :
			    (row[j] < row[j - 1] ? row[j] : row[j - 1]));
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
tui_suggest(const char *word, const char *const *words)
{
	const char *best = NULL;
	int d, bd = 3;

	for (; words != NULL && *words != NULL; words++) {
		d = distance(word, *words);
		if (d > 0 && d < bd) {
			bd = d;
			best = *words;
		}
	}
	return best;
}
