/*
 * A tiny static executable for the ELF validator's host test: linked by clang/lld
 * (tests/host/abi.mk) the way user programs are, with initialised and zeroed TLS,
 * data and bss, so the validator is checked against real toolchain output and not
 * only against its own builder. Never run.
 */
__thread int sample_tls_counter = 5;
__thread char sample_tls_zero[64];
int sample_data_word = 7;
char sample_bss[8192];

void _start(void)
{
	sample_tls_counter++;
	sample_tls_zero[3] = (char)sample_tls_counter;
	sample_bss[100] = (char)sample_data_word;
	for (;;)
		__asm__ volatile("pause");
}
