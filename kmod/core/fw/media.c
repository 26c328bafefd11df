// SPDX-License-Identifier: GPL-2.0
/*
 * RAM-backed drive media, sparse: a two-level table of 64 KiB chunks that
 * are allocated on the first write of non-zero data, so a drive costs only
 * what was written to it.  Unallocated chunks read as zeros.
 */
#include "store_internal.h"

int fw_media_init(struct fw_media *m, u64 size)
{
	u64 chunks = (size + FW_CHUNK_SIZE - 1) >> FW_CHUNK_SHIFT;

	m->size = size;
	m->num_leaves = (chunks + FW_LEAF_CHUNKS - 1) >> FW_LEAF_SHIFT;
	m->chunks_allocated = 0;
	m->leaves = hba_vzalloc(sizeof(*m->leaves) * (m->num_leaves ?: 1));
	return m->leaves ? 0 : -ENOMEM;
}

void fw_media_free(struct fw_media *m)
{
	u32 i, j;

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
	last = (off + len - 1) >> FW_CHUNK_SHIFT;
	for (chunk = off >> FW_CHUNK_SHIFT; chunk <= last; chunk++)
		if (media_chunk(m, chunk))
			return false;
	return true;
}

void fw_media_read(const struct fw_media *m, u64 off, void *buf, size_t len)
{
	u8 *dst = buf;

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
}

int fw_media_write(struct fw_media *m, u64 off, const void *buf, size_t len)
{
	const u8 *src = buf;

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
