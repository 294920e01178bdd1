/*
 * 8254 PIT channel 2 as a free-running counter: the calibration reference when there
 * is no HPET. Channel 2 is used because its gate is under software control (port
 * 0x61) and it raises no interrupt; the speaker stays disconnected. Channel 0 (the
 * legacy timer IRQ) is left alone; its IRQ is masked at the PIC.
 */
#include <arch/io.h>
#include <arch/platform.h>

#define PIT_CH2_DATA 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PIT_CMD_CH2_LOHI_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PIT_CMD_CH2_LATCH 0x80	    /* channel 2, counter latch */

void pit_free_run_start(void)
{
	uint8_t b = (uint8_t)(inb(PORT_B) & ~(PORT_B_SPEAKER | PORT_B_GATE2));
	outb(PORT_B, b);
	/* Mode 0 with count 0 (= 65536): counts down, wraps, and keeps counting. */
	outb(PIT_CMD, PIT_CMD_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, 0);
	outb(PIT_CH2_DATA, 0);
	outb(PORT_B, (uint8_t)(b | PORT_B_GATE2));
}

uint64_t pit_counter(void)
{
	outb(PIT_CMD, PIT_CMD_CH2_LATCH);
	uint8_t lo = inb(PIT_CH2_DATA);
	uint8_t hi = inb(PIT_CH2_DATA);
	/* The hardware counts down; present it counting up, like the HPET. */
	return (uint16_t)(0u - (uint16_t)(lo | hi << 8));
}

void pit_stop(void)
{
	outb(PORT_B, (uint8_t)(inb(PORT_B) & ~(PORT_B_SPEAKER | PORT_B_GATE2)));
}
