// SPDX-License-Identifier: GPL-2.0
/* Scatter-gather copies for the simulated firmware's "DMA". */
#include "fw_store.h"

static size_t sgl_copy(const struct hba_sge *sgl, u32 sge_count, size_t off,
		       void *buf, size_t len, bool to_sgl)
{
	size_t done = 0;
	u32 i;

	for (i = 0; i < sge_count && done < len; i++) {
		size_t seg = sgl[i].len, n;
		u8 *mem = (u8 *)(uintptr_t)sgl[i].addr;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = min_t(size_t, seg - off, len - done);
		if (to_sgl)
			memcpy(mem + off, (u8 *)buf + done, n);
		else
			memcpy((u8 *)buf + done, mem + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t fw_sgl_copy_to(const struct hba_sge *sgl, u32 sge_count, size_t off,
		      const void *src, size_t len)
{
	return sgl_copy(sgl, sge_count, off, (void *)src, len, true);
}

size_t fw_sgl_copy_from(const struct hba_sge *sgl, u32 sge_count, size_t off,
			void *dst, size_t len)
{
	return sgl_copy(sgl, sge_count, off, dst, len, false);
}
