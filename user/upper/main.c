/*
 * upper: a cat-like demo program for the shell's `run`: copies standard input to
 * standard output upper-cased (ASCII), line by line, until the end of input. Lines
 * longer than its buffer pass through in pieces, unchanged otherwise.
 *
 * Exit codes: 0 end of input reached; 1 standard output failed; 2 standard input
 * failed (the reason, strerror(errno), on stderr).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define UPPER_BUF 512

int main(void)
{
	char buf[UPPER_BUF];

	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		for (char *p = buf; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (fputs(buf, stdout) < 0)
			return 1;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "upper: cannot read stdin: %s\n", strerror(errno));
		return 2;
	}
	return fflush(stdout) != 0 ? 1 : 0;
}
