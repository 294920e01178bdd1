/*
 * Interprocessor interrupts (kernel/arch.h smp block): fixed-delivery IPIs to one CPU
 * or to all others, the STOP vector, and stopping every other CPU with an NMI for
 * panic(). A CPU asked to stop increments smp_stopped and halts with interrupts off
 * for good (in the NMI handler, NMIs stay blocked as there is no IRET).
 *
 * Lock legend: [A] atomic.
 */
#include <arch/cpu.h>
#include <arch/platform.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <capos/error.h>
#include <kernel/arch.h>
#include <kernel/panic.h>

#define IPI_STOP_WAIT_MS 200u
#define IPI_NO_CPU UINT32_MAX

static uint32_t ipi_stop_owner = IPI_NO_CPU; /* [A] the CPU that stops the others */
static uint32_t ipi_stopped;		     /* [A] CPUs that obeyed */

static _Noreturn void ipi_halt_stopped(void)
{
	__atomic_fetch_add(&ipi_stopped, 1, __ATOMIC_ACQ_REL);
	arch_halt_forever();
}

bool ipi_nmi_stop(void)
{
	uint32_t owner = __atomic_load_n(&ipi_stop_owner, __ATOMIC_ACQUIRE);

	if (owner == IPI_NO_CPU || owner == arch_cpu_index())
		return false;
	ipi_halt_stopped();
}

static void ipi_stop_irq(struct arch_trap_frame *tf)
{
	(void)tf;
	lapic_eoi();
	ipi_halt_stopped();
}

static int ipi_check(uint32_t cpu_index, unsigned vector)
{
	if (vector < 32 || vector > 255)
		return CAPOS_ERR_OUT_OF_RANGE;
	if (cpu_index >= arch_cpu_online_count())
		return CAPOS_ERR_SMP_NO_CPU;
	return CAPOS_OK;
}

void arch_irq_eoi(void)
{
	lapic_eoi();
}

int arch_ipi_send(uint32_t cpu_index, unsigned vector)
{
	int err = ipi_check(cpu_index, vector);

	if (err != CAPOS_OK)
		return err;
	return lapic_send_icr(smp_cpu(cpu_index)->apic_id, ICR_FIXED | vector);
}

/* Send `icr_low` to every online CPU but this one; the first error, after trying all. */
static int ipi_others(uint32_t icr_low)
{
	uint32_t me = arch_cpu_index(), n = arch_cpu_online_count();
	int first = CAPOS_OK;

	for (uint32_t i = 0; i < n; i++) {
		if (i == me)
			continue;
		int err = lapic_send_icr(smp_cpu(i)->apic_id, icr_low);
		if (err != CAPOS_OK && first == CAPOS_OK)
			first = err;
	}
	return first;
}

int arch_ipi_send_others(unsigned vector)
{
	int err = ipi_check(0, vector);

	return err != CAPOS_OK ? err : ipi_others(ICR_FIXED | vector);
}

uint32_t arch_cpu_stop_others(void)
{
	uint32_t expected = IPI_NO_CPU, others = arch_cpu_online_count() - 1;

	if (!__atomic_compare_exchange_n(&ipi_stop_owner, &expected, arch_cpu_index(), false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	if (others == 0)
		return 0;
	(void)ipi_others(ICR_NMI);
	uint64_t hz = arch_tsc_hz(), end = cpu_rdtsc() + hz / 1000 * IPI_STOP_WAIT_MS;
	while (__atomic_load_n(&ipi_stopped, __ATOMIC_ACQUIRE) < others && hz && cpu_rdtsc() < end)
		arch_cpu_relax();
	return __atomic_load_n(&ipi_stopped, __ATOMIC_ACQUIRE);
}

int ipi_init(void)
{
	int err = arch_irq_register(ARCH_VEC_STOP, ipi_stop_irq);

	return err != CAPOS_OK ? err : arch_irq_register(VEC_IPI_TEST, smptest_ipi_irq);
}
