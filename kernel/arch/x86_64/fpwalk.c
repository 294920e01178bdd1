/*
 * Frame-pointer chain walker (arch/fpwalk.h). Pure: every frame is validated before
 * the callback reads it, so a corrupt or cyclic chain ends the walk in bounded time.
 */
#include <arch/fpwalk.h>

static bool fpwalk_frame_ok(const struct fpwalk_mem *m, uint64_t rbp, uint64_t prev)
{
	if (rbp < m->lo || m->hi < 16 || rbp > m->hi - 16)
		return false;
	return (rbp & 7) == 0 && rbp > prev;
}

size_t fpwalk(uint64_t rip, uint64_t rbp, const struct fpwalk_mem *m, uint64_t *pcs, size_t max,
	      bool *truncated)
{
	size_t n = 0;
	uint64_t prev = 0;
	*truncated = false;
	pcs[n++] = rip;
	/* Invariant: rbp > prev, so the walk visits strictly increasing addresses. */
	while (rbp != 0 && fpwalk_frame_ok(m, rbp, prev)) {
		uint64_t frame[2];
		if (!m->read(m->ctx, rbp, frame) || frame[1] == 0)
			break;
		if (n == max) {
			*truncated = true;
			break;
		}
		pcs[n++] = frame[1];
		prev = rbp;
		rbp = frame[0];
	}
	return n;
}
