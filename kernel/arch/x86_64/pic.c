/*
 * Legacy 8259 PIC pair: moved out of the exception vectors and masked for good. The
 * LAPIC and IOAPICs deliver every interrupt capOS uses; the PICs are only reprogrammed
 * so that a spurious IRQ 7/15 raised before or during masking arrives on a harmless
 * vector (VEC_PIC_SPURIOUS_*) instead of looking like a CPU exception.
 */
#include <arch/io.h>
#include <arch/platform.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT_ICW4 0x11 /* initialise, edge triggered, cascade, ICW4 follows */
#define ICW3_MASTER_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01
#define OCW2_EOI 0x20

/* Give the (real) PIC time to settle between initialisation words. */
static void pic_io_wait(void)
{
	outb(0x80, 0);
}

static void pic_write(uint16_t port, uint8_t v)
{
	outb(port, v);
	pic_io_wait();
}

void pic_disable(void)
{
	pic_write(PIC1_DATA, 0xff);
	pic_write(PIC2_DATA, 0xff);
	pic_write(PIC1_CMD, ICW1_INIT_ICW4);
	pic_write(PIC2_CMD, ICW1_INIT_ICW4);
	pic_write(PIC1_DATA, VEC_PIC_BASE);
	pic_write(PIC2_DATA, VEC_PIC_BASE + 8);
	pic_write(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IRQ2);
	pic_write(PIC2_DATA, ICW3_SLAVE_ID);
	pic_write(PIC1_DATA, ICW4_8086);
	pic_write(PIC2_DATA, ICW4_8086);
	/* Initialisation leaves the mask register cleared: mask everything again. */
	pic_write(PIC1_DATA, 0xff);
	pic_write(PIC2_DATA, 0xff);
}

void pic_spurious_slave_ack(void)
{
	/* The master saw a real IRQ 2 from the slave; only the master gets an EOI. */
	outb(PIC1_CMD, OCW2_EOI);
}
