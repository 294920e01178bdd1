/*
 * 8254 PIT channel 2 as a polled one-shot: the calibration reference when there is no
 * HPET. Channel 2 is used because its output can be read back through port 0x61
 * without any interrupt, and its gate is under software control; the speaker stays
 * disconnected. Channel 0 (the legacy timer IRQ) is left alone (its IRQ is masked).
 */
#include <arch/io.h>
#include <arch/platform.h>

#define PIT_CH2_DATA 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define PIT_CMD_CH2_LOHI_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */

void pit_oneshot_start(uint16_t count)
{
	/* Gate low first: mode 0 then (re)starts counting on the count write. */
	uint8_t b = (uint8_t)(inb(PORT_B) & ~(PORT_B_SPEAKER | PORT_B_GATE2));
	outb(PORT_B, b);
	outb(PIT_CMD, PIT_CMD_CH2_LOHI_MODE0);
	outb(PIT_CH2_DATA, (uint8_t)count);
	outb(PIT_CH2_DATA, (uint8_t)(count >> 8));
	outb(PORT_B, (uint8_t)(b | PORT_B_GATE2));
}

bool pit_oneshot_done(void)
{
	return (inb(PORT_B) & PORT_B_OUT2) != 0;
}
