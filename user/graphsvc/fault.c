/* graphfault (user/graphsvc/graphsvc.h): writes to address 0, so the kernel kills it
 * (#PF): the "killed" end of a service. */
#include "graphsvc.h"

/* A null pointer the compiler cannot see through. */
static volatile uintptr_t graphfault_null;

int main(void)
{
	*(volatile uint64_t *)graphfault_null = 1;
	return 0;
}
