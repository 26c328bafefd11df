/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the simulated firmware: the storage model (topology, drives holding
 * real data, RAID, SCSI command emulation, management of PDs/VDs, background
 * operations) behind the frame engine (engine.c: registers, doorbell, reply
 * rings, interrupts, limits, faults, event log, SRBs).
 *
 * The engine calls every function here from sleepable firmware context, one
 * frame at a time per store.  The store has its own lock (store.c); lock
 * order: store lock -> engine event lock (fw_event_sink.emit may be called
 * with the store lock held and must not call back into the store).
 */
#ifndef HBA_FW_STORE_H
#define HBA_FW_STORE_H

#include "../hba_fw.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fw_store;

/* Where the store reports events: the engine assigns seq and timestamp. */
struct fw_event_sink {
	void (*emit)(void *ctx, struct hbamgr_event *ev);
	void *ctx;
};

int fw_store_create(const struct hba_fw_config *cfg,
		    const struct fw_event_sink *sink, struct fw_store **out);
void fw_store_destroy(struct fw_store *s);

/* Identity the engine reports in IOC_FACTS. */
void fw_store_ident(struct fw_store *s, struct hba_ioc_facts *facts);

/*
 * Execute one frame.  sgl/sge_count are the frame's resolved SGEs (inline or
 * chained).  The store fills r->status, scsi_status, sense/sense_len,
 * transfer_count, result and resid_needed; the engine fills smid/function.
 */
void fw_store_scsi(struct fw_store *s, const struct hba_req_frame *f,
		   const struct hba_sge *sgl, u32 sge_count,
		   struct hba_reply_frame *r);
/* Every MGMT opcode except EVTLOG_* and the completion-path faults, which
 * the engine handles itself.
 */
void fw_store_mgmt(struct fw_store *s, const struct hba_req_frame *f,
		   const struct hba_sge *sgl, u32 sge_count,
		   struct hba_reply_frame *r);

/* Storage-model faults: DRIVE_FAIL, LINK_DOWN, LINK_UP, MEDIA_ERROR,
 * TEMPERATURE.  Returns enum hbamgr_status.
 */
int fw_store_inject(struct fw_store *s, const struct hbamgr_mbox_fault *f);

/* Advance background operations by elapsed_ms of firmware time. */
void fw_store_tick(struct fw_store *s, u32 elapsed_ms);

/* Copy between a flat buffer and an SGL at byte offset off; returns bytes
 * copied (less than len when the SGL is shorter).  sgl.c.
 */
size_t fw_sgl_copy_to(const struct hba_sge *sgl, u32 sge_count, size_t off,
		      const void *src, size_t len);
size_t fw_sgl_copy_from(const struct hba_sge *sgl, u32 sge_count, size_t off,
			void *dst, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* HBA_FW_STORE_H */
