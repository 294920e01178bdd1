/*
 * Kernel object reference counting (see kernel/include/kernel/kobj.h). The magic
 * number turns a use after free into a typed error the caller reports (the kernel
 * panics with the object's address; host tests assert the code). Counts change with
 * compare-and-swap loops so a saturated or zero count is refused without ever
 * wrapping, and so the last put is decided by exactly one caller.
 */
#include <kernel/kobj.h>

#include <capos/error.h>

static uint32_t kobj_live; /* [a] objects between kobj_init and their release */

int kobj_init(struct kobj *obj, enum kobj_type type, const struct kobj_ops *ops)
{
	if (!obj || !ops || !ops->release || type <= KOBJ_NONE || type >= KOBJ_TYPE_COUNT)
		return CAPOS_ERR_INVALID;
	obj->type = (uint16_t)type;
	obj->rsvd = 0;
	obj->ops = ops;
	__atomic_store_n(&obj->refs, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&obj->magic, KOBJ_MAGIC, __ATOMIC_RELEASE);
	__atomic_add_fetch(&kobj_live, 1, __ATOMIC_RELAXED);
	return CAPOS_OK;
}

bool kobj_is_live(const struct kobj *obj)
{
	return obj && __atomic_load_n(&obj->magic, __ATOMIC_ACQUIRE) == KOBJ_MAGIC;
}

int kobj_get(struct kobj *obj)
{
	if (!kobj_is_live(obj))
		return CAPOS_ERR_KOBJ_BAD_MAGIC;
	uint32_t old = __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
	do {
		/* Zero means a put is releasing it right now: reviving it is a bug. */
		if (old == 0 || old >= KOBJ_REFS_MAX)
			return CAPOS_ERR_KOBJ_REFCOUNT;
	} while (!__atomic_compare_exchange_n(&obj->refs, &old, old + 1, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return CAPOS_OK;
}

int kobj_put(struct kobj *obj)
{
	if (!kobj_is_live(obj))
		return CAPOS_ERR_KOBJ_BAD_MAGIC;
	uint32_t old = __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
	do {
		if (old == 0)
			return CAPOS_ERR_KOBJ_REFCOUNT;
	} while (!__atomic_compare_exchange_n(&obj->refs, &old, old - 1, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	if (old == 1) {
		__atomic_store_n(&obj->magic, KOBJ_DEAD_MAGIC, __ATOMIC_RELEASE);
		__atomic_sub_fetch(&kobj_live, 1, __ATOMIC_RELAXED);
		obj->ops->release(obj);
	}
	return CAPOS_OK;
}

uint32_t kobj_refs(const struct kobj *obj)
{
	return __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
}

uint32_t kobj_live_count(void)
{
	return __atomic_load_n(&kobj_live, __ATOMIC_RELAXED);
}
