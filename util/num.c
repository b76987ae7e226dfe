/*
 * util/num.c - numbers and yes/no values from the command line and config
 * files, strict: "10x", " 10", "+10" and out-of-range values are errors, so
 * a typo is reported instead of half-read.
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "util/util.h"

int
util_parse_int(const char *v, long min, long max, int *out)
{
	char *end;
	long n;

	if (v == NULL || !((v[0] >= '0' && v[0] <= '9') ||
	    (v[0] == '-' && min < 0 && v[1] >= '0' && v[1] <= '9')))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

int
util_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < UTIL_NELEM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}
