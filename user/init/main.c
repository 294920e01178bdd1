/*
 * init: the first user process, named by the boot manifest (system/minimal.capnp) and
 * started by the kernel with the CapSet the manifest grants it. For now it only
 * returns 0, which libcapos's start-up turns into exit(0); printing through Console,
 * Timer and VirtualMemory use arrive when the kernel runs processes (issue 4, kproc).
 */
int main(void)
{
	return 0;
}
