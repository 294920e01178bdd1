/*
 * Host tests of the interrupt handler table behind arch_irq_register(): valid
 * registrations route, and exception vectors, out-of-range vectors, NULL handlers and
 * double registration are refused with their exact error without changing the table.
 */
#include "test.h"

#include <arch/irq_table.h>
#include <capos/error.h>

static void handler_a(struct arch_trap_frame *tf)
{
	(void)tf;
}

static void handler_b(struct arch_trap_frame *tf)
{
	(void)tf;
}

TEST(irq_register_and_lookup)
{
	static struct irq_table t;
	memset(&t, 0, sizeof(t));
	CHECK_EQ(irq_table_register(&t, 32, handler_a), CAPOS_OK);
	CHECK_EQ(irq_table_register(&t, 255, handler_b), CAPOS_OK);
	CHECK(irq_table_lookup(&t, 32) == handler_a);
	CHECK(irq_table_lookup(&t, 255) == handler_b);
	CHECK(irq_table_lookup(&t, 33) == NULL);
}

TEST(irq_register_rejects_exception_vectors)
{
	static struct irq_table t;
	memset(&t, 0, sizeof(t));
	CHECK_EQ(irq_table_register(&t, 0, handler_a), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(irq_table_register(&t, 14, handler_a), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(irq_table_register(&t, 31, handler_a), CAPOS_ERR_OUT_OF_RANGE);
	CHECK(irq_table_lookup(&t, 14) == NULL);
}

TEST(irq_register_rejects_out_of_range_vectors)
{
	static struct irq_table t;
	memset(&t, 0, sizeof(t));
	CHECK_EQ(irq_table_register(&t, 256, handler_a), CAPOS_ERR_OUT_OF_RANGE);
	CHECK_EQ(irq_table_register(&t, 0xFFFFFFFFu, handler_a), CAPOS_ERR_OUT_OF_RANGE);
	CHECK(irq_table_lookup(&t, 256) == NULL);
	CHECK(irq_table_lookup(&t, 0xFFFFFFFFu) == NULL);
}

TEST(irq_register_rejects_null_handler)
{
	static struct irq_table t;
	memset(&t, 0, sizeof(t));
	CHECK_EQ(irq_table_register(&t, 40, NULL), CAPOS_ERR_INVALID);
	CHECK(irq_table_lookup(&t, 40) == NULL);
}

TEST(irq_register_twice_is_exists_and_keeps_first)
{
	static struct irq_table t;
	memset(&t, 0, sizeof(t));
	CHECK_EQ(irq_table_register(&t, 48, handler_a), CAPOS_OK);
	CHECK_EQ(irq_table_register(&t, 48, handler_b), CAPOS_ERR_EXISTS);
	CHECK(irq_table_lookup(&t, 48) == handler_a);
}
