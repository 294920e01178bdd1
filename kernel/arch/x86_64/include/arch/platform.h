/*
 * x86_64 platform devices, arch-private: the legacy 8259 PICs, the local APIC (xAPIC
 * MMIO mode), IOAPICs, the HPET, the 8254 PIT, and the interrupt vector plan they
 * share. Portable code reaches these only through the platform block of
 * kernel/arch.h (arch_platform_init, arch_timer_*). Owned by kplat.
 *
 * The LAPIC functions act on the calling CPU's local APIC; the state here is written
 * once during boot by the BSP before interrupts are enabled and before any AP starts,
 * then only read (per-CPU timer state lives in struct arch_cpu, arch/smp.h).
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/arch.h>

/* Interrupt vector plan. */
#define VEC_PIC_BASE 0x20 /* legacy PIC IRQs 0-15 land on 0x20..0x2f (all masked) */
#define VEC_PIC_SPURIOUS_MASTER (VEC_PIC_BASE + 7)
#define VEC_PIC_SPURIOUS_SLAVE (VEC_PIC_BASE + 15)
#define VEC_IOAPIC_BASE 0x30	/* IOAPIC pins, programmed masked for now */
#define VEC_TIMER 0x40		/* LAPIC timer */
#define VEC_IPI_TEST 0xf3	/* SMP self-test IPI (ARCH_VEC_RESCHED..STOP are 0xf0..0xf2) */
#define VEC_LAPIC_ERROR 0xfe	/* LAPIC internal error */
#define VEC_LAPIC_SPURIOUS 0xff /* LAPIC spurious (low 4 bits must be 1s on old parts) */

/* Remap the 8259 pair to VEC_PIC_BASE and mask every line. Never fails. */
void pic_disable(void);
/* Acknowledge a spurious IRQ 15 (VEC_PIC_SPURIOUS_SLAVE): EOI to the master only. */
void pic_spurious_slave_ack(void);

/*
 * Enable this CPU's local APIC at `phys` (from the MADT): software-enable with the
 * spurious vector, TPR 0, LVT timer/LINT0/LINT1 masked, errors on VEC_LAPIC_ERROR.
 * Errors: mm_map_mmio()'s, CAPOS_ERR_PLATFORM_NO_LAPIC (the version register does
 * not read as an integrated APIC). On a CPU with x2APIC (CPUID) it switches to x2APIC
 * mode (lapic_x2apic()), and the APs follow (lapic_init_ap, arch/smp.h).
 */
int lapic_init(uint64_t phys);
/* Program LINT pin `lint` (0 or 1) as NMI with the MADT's MPS INTI `mps_flags`. */
void lapic_set_nmi_pin(uint8_t lint, uint16_t mps_flags);
/* This CPU's APIC ID (xAPIC: bits 31:24 of the ID register; x2APIC: 32 bits).
 * Precondition: lapic_init. */
uint32_t lapic_id(void);
/* Whether the APICs run in x2APIC mode / CPUID offers the TSC-deadline timer mode. */
bool lapic_x2apic(void);
bool lapic_tsc_deadline(void);

/* ICR low-word values (SDM vol. 3, 11.6.1). */
#define ICR_FIXED 0x000u
#define ICR_NMI 0x400u
#define ICR_INIT 0x500u
#define ICR_STARTUP 0x600u
#define ICR_LEVEL_ASSERT 0x4000u
#define ICR_TRIGGER_LEVEL 0x8000u

/*
 * Send an interprocessor interrupt: `icr_low` (delivery mode | vector | level bits)
 * to the APIC `apic_id` (physical destination). In xAPIC mode waits for the
 * delivery-status bit to clear before and after (1 ms each, by the TSC).
 * Errors: CAPOS_ERR_OUT_OF_RANGE (xAPIC and apic_id > 255),
 * CAPOS_ERR_SMP_IPI_TIMEOUT.
 */
int lapic_send_icr(uint32_t apic_id, uint32_t icr_low);
/* One-shot interrupt on `vector` after `count` ticks of the divide-by-16 clock. */
void lapic_timer_start_oneshot(uint8_t vector, uint32_t count);
/* TSC-deadline mode: one interrupt on `vector` when the TSC reaches `tsc`.
 * Precondition: lapic_tsc_deadline(). */
void lapic_timer_start_deadline(uint8_t vector, uint64_t tsc);
/* The version register: version in bits 7:0, highest LVT index in bits 23:16. */
uint32_t lapic_version(void);
/* Signal end of interrupt; every handler of a LAPIC-delivered vector except the
 * spurious one calls it once. */
void lapic_eoi(void);
/* Latch and return the error status register (ESR), clearing it. */
uint32_t lapic_error_status(void);
/* One-shot, masked, divide-by-16, count from 0xffffffff: a free-running down-counter. */
void lapic_timer_start_free(void);
/* The timer's current count (counts down from the initial count). */
uint32_t lapic_timer_current(void);
/* Periodic interrupt on `vector` every `count` ticks of the divide-by-16 clock. */
void lapic_timer_start_periodic(uint8_t vector, uint32_t count);
/* Mask the timer and clear its count: no further timer interrupts. */
void lapic_timer_stop(void);

/*
 * Map the IOAPIC at `phys` and mask every redirection entry (vector VEC_IOAPIC_BASE +
 * pin, masked, edge, physical destination 0). `*pins` receives the number of entries.
 * The IOAPIC (serving GSIs gsi_base..) is remembered for ioapic_route (at most
 * IOAPIC_MAX_UNITS of them). Errors: mm_map_mmio()'s, CAPOS_ERR_PLATFORM_IOAPIC
 * (version register reads as all ones).
 */
#define IOAPIC_MAX_UNITS 16
int ioapic_mask_all(uint64_t phys, uint32_t gsi_base, uint32_t *pins, uint32_t *version);

/*
 * Unmask `gsi` on the IOAPIC serving it: delivered as `vector` (fixed, physical) to
 * the local APIC `dest_apic`, with the given trigger mode and polarity.
 * Errors: CAPOS_ERR_NOT_FOUND (no mapped IOAPIC serves gsi).
 */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t dest_apic, bool level, bool active_low);

/*
 * Route ISA interrupt `isa_irq` (0-15) to `fn` on the boot CPU: the MADT's interrupt
 * source override for it (if any) gives the GSI, trigger and polarity (default: the
 * same GSI, edge, active high); the vector is VEC_IOAPIC_BASE + GSI. `*gsi` receives
 * the GSI used. Errors: CAPOS_ERR_OUT_OF_RANGE (isa_irq > 15, or the GSI's vector
 * would reach VEC_TIMER), arch_irq_register()'s, ioapic_route()'s.
 */
int platform_isa_irq_route(uint8_t isa_irq, arch_irq_handler_fn *fn, uint32_t *gsi);

struct acpi_madt;
/* The decoded MADT (valid after arch_platform_init), for AP bring-up. */
const struct acpi_madt *platform_madt(void);
/* Program this CPU's LINT NMI pin from the MADT (as the BSP's), by its APIC id. */
void platform_lapic_nmi_setup(void);

/*
 * Map the HPET at `phys`, check the counter period (1 fs .. 100 ns, per the HPET
 * spec), disable legacy replacement and every comparator's interrupt, and start the
 * main counter. `*hz` receives the counter frequency.
 * Errors: mm_map_mmio()'s, CAPOS_ERR_PLATFORM_HPET (period out of range).
 */
int hpet_start(uint64_t phys, uint64_t *hz);
/* Main counter, masked to its width (32 or 64 bits). */
uint64_t hpet_counter(void);
/* Mask that delta arithmetic on hpet_counter() values must apply (wrap-around). */
uint64_t hpet_counter_mask(void);

/* Time-stamp counter (not serialising; calibration brackets it with MMIO/port reads). */
static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

#define PIT_HZ 1193182u /* 8254 input clock */

/* Start PIT channel 2 (gate on, speaker off) counting freely, wrapping every 65536. */
void pit_free_run_start(void);
/* Channel 2's count, latched, presented as counting up modulo 65536. */
uint64_t pit_counter(void);
/* Gate channel 2 off again. */
void pit_stop(void);

#endif
