// SPDX-License-Identifier: GPL-2.0
/*
 * Serial numbers and NAA identifiers of the simulated controller, drives and
 * VDs (the scheme is in ident.h).
 */
#include "ident.h"

/* "HBM": the locally assigned NAA space hbamgr's objects are named in. */
#define FW_IDENT_NAA_LOCAL	0x3ULL
#define FW_IDENT_NAA_TAG	0x48424dULL

static const char fw_ident_letter[] = {
	[FW_IDENT_CTRL] = 'C',
	[FW_IDENT_PD_PORT] = 'D',
	[FW_IDENT_PD_LU] = 'D',
	[FW_IDENT_VD_LU] = 'V',
};

void fw_ident_serial(char *buf, size_t len, u32 adapter_index,
		     enum fw_ident_kind kind, u32 index)
{
	/* A bijection of (adapter, kind, index): odd multiplier mod 2^32. */
	u32 mix = ((adapter_index << 20 ^ (u32)kind << 16 ^ index) + 1) *
		  2654435761U;

	snprintf(buf, len, "%s%02u%c%04u%08X", FW_IDENT_VENDOR,
		 adapter_index % 100, fw_ident_letter[kind], index % 10000,
		 mix);
}

u64 fw_ident_naa(u32 adapter_index, enum fw_ident_kind kind, u32 index)
{
	return FW_IDENT_NAA_LOCAL << 60 | FW_IDENT_NAA_TAG << 36 |
	       (u64)kind << 32 | (u64)(adapter_index & 0xffff) << 16 |
	       (index & 0xffff);
}
