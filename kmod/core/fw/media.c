// SPDX-License-Identifier: GPL-2.0
/*
 * Drive media, sparse either way: in the environment's drive storage
 * (hba_fw_nvram_ops.drive_*, sparse files in libhbacore) when the adapter
 * has NVRAM, else in RAM, a two-level table of 64 KiB chunks allocated on
 * the first write of non-zero data, so a drive costs only what was written
 * to it.  What was never written reads as zeros.
 */
#include "store_internal.h"

static bool all_zero(const u8 *p, size_t len);

int fw_media_init(struct fw_media *m, const struct hba_fw_config *cfg,
		  u32 pd_id, u64 size)
{
	u64 chunks = (size + FW_CHUNK_SIZE - 1) >> FW_CHUNK_SHIFT;
	int ret;

	m->size = size;
	m->chunks_allocated = 0;

	if (cfg->nvram && cfg->nvram->drive_open) {
		ret = cfg->nvram->drive_open(cfg->nvram_ctx, pd_id, size,
					     &m->drive);
		if (!ret)
			m->ops = cfg->nvram;
		return ret;
	}
	m->num_leaves = (chunks + FW_LEAF_CHUNKS - 1) >> FW_LEAF_SHIFT;
	m->leaves = hba_vzalloc(sizeof(*m->leaves) * (m->num_leaves ?: 1));
	return m->leaves ? 0 : -ENOMEM;
}

void fw_media_free(struct fw_media *m)
{
	u32 i, j;

	if (m->ops) {
		m->ops->drive_close(m->drive);
		m->ops = NULL;
		m->drive = NULL;
		return;
	}
	if (!m->leaves)
		return;
	for (i = 0; i < m->num_leaves; i++) {
		if (!m->leaves[i])
			continue;
		for (j = 0; j < FW_LEAF_CHUNKS; j++)
			hba_vfree(m->leaves[i][j]);
		hba_vfree(m->leaves[i]);
	}
	hba_vfree(m->leaves);
	m->leaves = NULL;
}

static u8 *media_chunk(const struct fw_media *m, u64 chunk)
{
	u8 **leaf = m->leaves[chunk >> FW_LEAF_SHIFT];

	return leaf ? leaf[chunk & (FW_LEAF_CHUNKS - 1)] : NULL;
}

static bool all_zero(const u8 *p, size_t len)
{
	size_t i = 0;
	u64 w;

	for (; i + 8 <= len; i += 8) {	/* a word at a time */
		memcpy(&w, p + i, 8);
		if (w)
			return false;
	}
	for (; i < len; i++)
		if (p[i])
			return false;
	return true;
}

bool fw_media_is_hole(const struct fw_media *m, u64 off, u64 len)
{
	u64 chunk, last;

	if (!len)
		return true;
	if (m->ops)
		return m->ops->drive_is_hole(m->drive, off, len);
	last = (off + len - 1) >> FW_CHUNK_SHIFT;
	for (chunk = off >> FW_CHUNK_SHIFT; chunk <= last; chunk++)
		if (media_chunk(m, chunk))
			return false;
	return true;
}

int fw_media_read(const struct fw_media *m, u64 off, void *buf, size_t len)
{
	u8 *dst = buf;

	if (m->ops)
		return m->ops->drive_read(m->drive, off, buf, len);
	while (len) {
		u64 chunk = off >> FW_CHUNK_SHIFT;
		u32 in = off & (FW_CHUNK_SIZE - 1);
		size_t n = min_t(size_t, len, FW_CHUNK_SIZE - in);
		u8 *c = media_chunk(m, chunk);

		if (c)
			memcpy(dst, c + in, n);
		else
			memset(dst, 0, n);
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

int fw_media_write(struct fw_media *m, u64 off, const void *buf, size_t len)
{
	const u8 *src = buf;

	if (m->ops) {
		/* Zeros where nothing was ever written: keep the hole. */
		if (all_zero(buf, len) && fw_media_is_hole(m, off, len))
			return 0;
		return m->ops->drive_write(m->drive, off, buf, len);
	}
	while (len) {
		u64 chunk = off >> FW_CHUNK_SHIFT;
		u32 in = off & (FW_CHUNK_SIZE - 1);
		size_t n = min_t(size_t, len, FW_CHUNK_SIZE - in);
		u8 ***leaf = &m->leaves[chunk >> FW_LEAF_SHIFT];
		u8 **slot;

		if (!*leaf) {
			if (all_zero(src, n))
				goto next;
			*leaf = hba_vzalloc(sizeof(u8 *) * FW_LEAF_CHUNKS);
			if (!*leaf)
				return -ENOMEM;
		}
		slot = &(*leaf)[chunk & (FW_LEAF_CHUNKS - 1)];
		if (!*slot) {
			if (all_zero(src, n))
				goto next;
			*slot = hba_vzalloc(FW_CHUNK_SIZE);
			if (!*slot)
				return -ENOMEM;
			m->chunks_allocated++;
		}
		memcpy(*slot + in, src, n);
next:
		src += n;
		off += n;
		len -= n;
	}
	return 0;
}

int fw_media_sync(struct fw_media *m)
{
	return m->ops ? m->ops->drive_sync(m->drive) : 0;
}
