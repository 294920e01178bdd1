/*
 * hello: the first demo program a shell runs (`run hello with { stdio: client @stdio }`,
 * docs/shell.md). It greets, asks for a name on standard input and answers, with
 * nothing but newlib's printf/fgets: with a "stdio" cap the streams are the shell's
 * StdIO (docs/userspace.md "Standard streams"), without one stdout is the Console.
 *
 * Exit codes: 0 greeted; 1 standard output failed (nothing more is attempted);
 * 2 standard input failed (the reason, strerror(errno), on stderr); 3 end of input
 * before a name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define HELLO_NAME_MAX 64

int main(void)
{
	char name[HELLO_NAME_MAX];
	size_t n;

	if (printf("Hello from capOS!\nWhat is your name? ") < 0 || fflush(stdout) != 0)
		return 1;
	if (fgets(name, sizeof(name), stdin) == NULL) {
		if (ferror(stdin)) {
			fprintf(stderr, "hello: cannot read stdin: %s\n", strerror(errno));
			return 2;
		}
		return printf("\nhello: no name given\n") < 0 ? 1 : 3;
	}
	n = strcspn(name, "\n");
	name[n] = '\0';
	if (printf("Nice to meet you, %s.\n", n ? name : "stranger") < 0 || fflush(stdout) != 0)
		return 1;
	return 0;
}
