/* graphfail (user/graphsvc/graphsvc.h): prints one line and exits 3 (a failing run). */
#include <stdio.h>

#include "graphsvc.h"

int main(void)
{
	printf("graphfail: exiting 3\n");
	return 3;
}
