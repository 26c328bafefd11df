/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the simulated firmware: the storage model (topology, drives holding
 * real data, RAID, SCSI command emulation, management of PDs/VDs, background
 * operations) behind the frame engine (engine.c: registers, doorbell, reply
 * rings, interrupts, limits, faults, event log, SRBs).
 *
 * The engine calls every function here from sleepable firmware context, one
 * frame at a time per store.  The store has its own lock (store.c); lock
 * order: store lock -> engine event lock (fw_event_sink ops are called with
 * the store lock held and must not call back into the store).
 *
 * fw_store_create() powers the store on from the configuration in NVRAM
 * (hba_fw_config.nvram) when there is one: -EUCLEAN when it is damaged or
 * made for another topology (the NVRAM's report op says what), -EIO and
 * friends when it cannot be read.
 */
#ifndef HBA_FW_STORE_H
#define HBA_FW_STORE_H

#include "../hba_fw.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fw_store;

/*
 * The event log, as the store sees it (the engine's evtlog.c behind it).
 * The store collects the events of one operation and hands them over when
 * it has saved the configuration they describe (fw/nvram.c).
 */
struct fw_event_sink {
	/*
	 * Log n events in one step: each gets the next seq and a timestamp.
	 * gen != 0: they describe configuration generation gen, saved in
	 * NVRAM; the log journals it, so that a power-on can tell whether
	 * they made it into the log.
	 */
	void (*log)(void *ctx, struct hbamgr_event *evs, u32 n, u64 gen);
	/* The log's identity and newest seq. */
	void (*state)(void *ctx, u64 *log_id, u64 *newest_seq);
	/*
	 * Power-on: the configuration generation the log journalled last,
	 * *complete telling whether all of its events were logged; and no
	 * seq up to seq_floor is ever handed out again (a power failure may
	 * have cost the log its newest records).
	 */
	u64 (*attach)(void *ctx, u64 seq_floor, bool *complete);
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

/*
 * Advance background operations by elapsed_ms of firmware time; saves the
 * progress in NVRAM now and then.
 */
void fw_store_tick(struct fw_store *s, u32 elapsed_ms);

/* A problem with the NVRAM: logged, and told to its environment. */
void fw_nv_report(const struct hba_fw_config *cfg, const char *fmt, ...)
	__printf(2, 3);

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
