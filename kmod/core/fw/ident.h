/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulation's own identity.  Tools key quirks and decoders on what a
 * device says it is (smartctl's drive database, udev rules, sg3_utils'
 * vendor VPD pages, storcli consumers), so nothing the simulated firmware
 * reports may name a real vendor: like scsi_debug ("Linux"/"scsi_debug"),
 * every controller, drive, enclosure and VD answers with hbamgr's T10 vendor
 * id, its own serial scheme and firmware version, and NAA 3 (locally
 * assigned) addresses instead of an NAA 5 address under a vendor's IEEE
 * OUI.  Model names may still say which class of hardware they imitate.
 */
#ifndef HBA_FW_IDENT_H
#define HBA_FW_IDENT_H

#include "../hba_os.h"

/* INQUIRY vendor identification (T10, at most 8 characters). */
#define FW_IDENT_VENDOR		"HBAMGR"
/* Controller model (GET_INFO, CTRL_GET_INFO). */
#define FW_IDENT_CTRL_MODEL	"HBAMGR SIM-9460-16i"
/* INQUIRY product identification of a VD (at most 16 characters). */
#define FW_IDENT_VD_PRODUCT	"SIM-9460-16i VD"
/* Enclosure product (CTRL encl list). */
#define FW_IDENT_ENCL_PRODUCT	"SIM-SES"
/* Firmware version (GET_INFO, CTRL_GET_INFO: at most 15 characters) and
 * the same version as INQUIRY product revision level (4 characters) of
 * every logical unit the firmware serves.
 */
#define FW_IDENT_FW_VERSION	"HBAMGR FW 1.00"
#define FW_IDENT_REVISION	"1.00"

/* What an identifier names; one letter in serials, a nibble in NAAs. */
enum fw_ident_kind {
	FW_IDENT_CTRL,		/* the controller (its SAS address) */
	FW_IDENT_PD_PORT,	/* a drive's SAS port */
	FW_IDENT_PD_LU,		/* a drive's logical unit name */
	FW_IDENT_VD_LU,		/* a VD's logical unit name */
};

/*
 * Serial number: "HBAMGR", adapter index modulo 100 (2 digits), a letter for
 * the kind (C, D, V), the object index (4 digits) and 8 hex digits that are
 * unique per (adapter, kind, index), e.g. "HBAMGR00D0003F28EE6C4" (21
 * characters).
 */
void fw_ident_serial(char *buf, size_t len, u32 adapter_index,
		     enum fw_ident_kind kind, u32 index);

/*
 * NAA 3 identifier: 4-bit NAA (3), 24-bit tag "HBM", 4-bit kind, 16-bit
 * adapter index, 16-bit object index.  Unique per object of every adapter.
 */
u64 fw_ident_naa(u32 adapter_index, enum fw_ident_kind kind, u32 index);

#endif /* HBA_FW_IDENT_H */
