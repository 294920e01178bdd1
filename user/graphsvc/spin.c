/* graphspin (user/graphsvc/graphsvc.h): spins until killed, printing nothing (whether it
 * ran before init kills it is up to the scheduler). */
#include "graphsvc.h"

int main(void)
{
	volatile uint64_t n = 0;

	for (;;)
		n++;
}
