/*
 * true_libc: a static glibc program that only returns 0, spawned by bench_linux's
 * `spawn-libc` workload to show what libc start-up adds to `spawn`.
 */
int main(void)
{
	return 0;
}
