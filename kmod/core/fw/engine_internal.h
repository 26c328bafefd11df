/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated firmware's frame engine (hba_fw.h): registers, doorbell,
 * limits, request execution, reply rings, interrupts, completion faults,
 * SRBs and the event log.  The storage model behind it is fw_store.h.
 *
 *   engine.c  power on/off, registers, doorbell checks, IOC handshake,
 *             diag reset, background tick
 *   exec.c    executing frames (SGL, SCSI, MGMT, task management)
 *   reply.c   reply frames, reply rings, back-pressure, interrupts
 *   evtlog.c  event log (in NVRAM), SRB delivery, EVTLOG_* opcodes, storms
 *   fault.c   fault injection, FAULT state, lost/late/dup completions
 *
 * Contexts: the driver calls hba_fw_*() (registers possibly from atomic
 * context); everything else runs as work items on fw->wq.  Only exec_work
 * calls fw_store_scsi/mgmt, so the store sees one frame at a time.
 */
#ifndef HBA_FW_ENGINE_INTERNAL_H
#define HBA_FW_ENGINE_INTERNAL_H

#include "fw_store.h"

#define FW_RESET_DELAY_MS	5	/* RESET -> READY; <= HBA_FW_RESET_MS */
#define FW_TICK_MS		10	/* background operations clock */
#define FW_EVTLOG_RECORDS	1024
#define FW_MAX_SRBS		256	/* largest max_srbs */
#define FW_MAX_SRB_FRAMES	512	/* largest srb_frames */
#define FW_MAX_SMIDS	(HBA_FW_MAX_CMDS_LIMIT + FW_MAX_SRB_FRAMES + \
			 HBA_TM_FRAMES)
#define FW_MAX_SGE		128
#define FW_MAX_TRANSFER		(1024 * 1024)
#define FW_DIRTY_FRAMES		8	/* frames "from before" a dirty start */
/* Descriptors waiting for ring space, per queue (see reply.c). */
#define FW_PEND_CAP		(2 * FW_MAX_SMIDS + FW_DIRTY_FRAMES)
#define FW_LATE_DEFAULT_MS	100	/* LATE_COMPLETION with delay_ms 0 */
#define FW_STORM_MAX		100000	/* most events one storm may ask */
#define FW_STORM_MAX_RATE	1000000	/* SRB_STORM arg: events per second */
#define FW_STORM_TICK_MS	1	/* a paced storm's period */
/* The event log region is flushed to stable storage this often. */
#define FW_EVTLOG_SYNC_MS	1000

/* Reply ring slots are shared with the driver without a lock (reply.c). */
#ifdef __KERNEL__
/* Acquire: a slot the driver released is really free. */
#define fw_ring_load(p)		smp_load_acquire(p)
/* Release: the reply frame is visible before its descriptor. */
#define fw_ring_store(p, v)	smp_store_release((p), (v))
#else
#define fw_ring_load(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define fw_ring_store(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

enum fw_cmd_state {
	FW_CMD_FREE = 0,	/* the driver owns the SMID */
	FW_CMD_QUEUED,		/* on a run list, waiting for exec_work */
	FW_CMD_EXECUTING,	/* exec_work runs it, without fw->lock */
	FW_CMD_PARKED,		/* an SRB waiting for an event */
	FW_CMD_LATE,		/* reply held until late_deadline_ns */
	FW_CMD_LOST,		/* reply dropped; owned until abort/reset */
};

enum fw_smid_kind {
	FW_SMID_INVALID,
	FW_SMID_CMD,		/* SCSI_IO, MGMT */
	FW_SMID_SRB,		/* STATUS_READ */
	FW_SMID_TM,		/* TASK_MGMT */
};

struct fw_cmd {
	u8 state;			/* enum fw_cmd_state */
	u16 next;			/* fw_smid_list link; 0 ends it */
	struct hba_req_frame frame;	/* snapshot taken at the doorbell */
	struct hba_reply_frame reply;	/* the held reply of a LATE frame */
	u64 late_deadline_ns;
};

/* FIFO of SMIDs linked through fw_cmd.next. */
struct fw_smid_list {
	u16 head;
	u16 tail;
};

/* Descriptors that found their ring full, oldest first. */
struct fw_pend_queue {
	u64 *desc;		/* FW_PEND_CAP */
	u32 head;
	u32 count;
};

/*
 * The event log as it lies in NVRAM (hba_fw_nvram_ops.evtlog_map, a shared
 * file mapping in libhbacore) or, without NVRAM, in RAM; host byte order.
 * Stores into it survive the death of the process, so an event is as
 * durable as a firmware log entry the moment it is logged; the region is
 * synced every FW_EVTLOG_SYNC_MS for power loss.  Records are written
 * first and newest_seq is stored after them (release): it is the commit
 * point, so a record beyond it is never read back.
 */
#define FW_EVTLOG_MAGIC		0x4c454248u	/* "HBEL" */
#define FW_EVTLOG_VERSION	1

struct fw_evtlog_nv {
	u32 magic;
	u32 version;
	u32 record_size;		/* sizeof(struct hbamgr_event) */
	u32 capacity;			/* FW_EVTLOG_RECORDS */
	u64 log_id;			/* never 0 */
	u64 first_seq;			/* seq of the log's first record */
	u64 newest_seq;			/* committed; first_seq - 1 when empty */
	/*
	 * Journal of configuration generations (fw/nvram.c): the events
	 * of generation jr_gen are records jr_first .. jr_first +
	 * jr_count - 1, all logged once newest_seq reaches the last.
	 */
	u64 jr_gen;
	u64 jr_first;
	u64 jr_count;
	u64 reserved[8];
	struct hbamgr_event rec[FW_EVTLOG_RECORDS];	/* seq s in [(s-1) % N] */
};
_Static_assert(offsetof(struct fw_evtlog_nv, rec) == 128,
	       "the event log's header is 128 bytes (docs/sim.md)");

struct hba_fw {
	struct hba_fw_config cfg;	/* immutable after create */
	struct fw_store *store;
	struct fw_event_sink sink;	/* handed to the store */
	struct hba_wq *wq;
	struct hba_work exec_work;	/* runs queued frames */
	struct hba_work irq_work;	/* calls the isr */
	struct hba_work storm_work;	/* STORM_ON_RESET events */
	struct hba_delayed_work late_work;	/* posts LATE replies */
	struct hba_delayed_work paced_work;	/* SRB_STORM with a rate */
	struct hba_delayed_work reset_work;	/* RESET -> READY */
	struct hba_delayed_work tick_work;	/* fw_store_tick() */
	u64 last_tick_ns;		/* tick_work only */
	struct hba_sge *chain_sgl;	/* exec_work only: FW_MAX_SGE */

	/*
	 * lock protects every field below.  Lock order: store lock -> lock
	 * (the event sink is called with the store's lock held), so no
	 * fw_store_*() call and no isr call is ever made with it held.  A
	 * spinlock: the driver writes registers from atomic context.
	 */
	hba_spinlock_t lock;
	bool dead;			/* destroy began: queue no work */
	u32 ioc_state;			/* HBA_IOC_* */
	u32 fault_code;
	u32 intr_mask;
	bool initialized;		/* IOC_INIT handed over host memory */
	struct hba_ioc_init init;
	u32 total_frames;		/* SMIDs 1..total_frames valid */
	u32 reset_gen;			/* bumped by a diag reset */
	bool exec_active;		/* exec_work runs a frame unlocked */
	struct fw_cmd *cmds;		/* [FW_MAX_SMIDS + 1], by SMID */
	struct fw_smid_list tm_runq;	/* TASK_MGMT first */
	struct fw_smid_list runq;	/* SCSI_IO, MGMT */
	struct fw_smid_list parked;	/* SRBs, oldest first */
	u32 dirty_frames;		/* dirty start: stale replies owed */

	u32 ring_prod[HBA_MAX_REPLY_QUEUES];	/* next slot to write */
	u32 host_idx[HBA_MAX_REPLY_QUEUES];	/* REPLY_HOST_IDX */
	struct fw_pend_queue pend[HBA_MAX_REPLY_QUEUES];
	u32 irq_pending;		/* replies not yet signalled */
	u32 irq_raised;			/* signalled, not acknowledged */
	u32 irq_deliver;		/* for irq_work to call the isr */
	void (*isr)(void *ctx, u32 queue);
	void *isr_ctx;

	u32 lose_count;			/* armed completion faults */
	u32 late_count;
	u32 late_delay_ms;
	u32 dup_count;
	u64 late_next_ns;		/* late_work armed for; 0 idle */
	u32 paced_rate;			/* paced storm: events per second */
	u32 paced_left;			/* paced_work still to emit */
	u64 paced_start_ns;		/* when the paced storm began */
	u64 paced_done;			/* emitted since paced_start_ns */
	u32 storm_on_reset;		/* events at the next IOC_INIT */
	u32 storm_left;			/* storm_work still to emit */
	u32 storm_index;

	struct fw_evtlog_nv *log;	/* the event log: NVRAM or RAM */
	bool log_in_ram;		/* no NVRAM: hba_vfree() it */
	u64 log_synced_seq;		/* tick_work: newest_seq at the last sync */
	u64 log_synced_ns;		/* tick_work: time of the last sync */

	struct hba_fw_stats st;
};

/* engine.c */
enum fw_smid_kind fw_smid_kind(const struct hba_fw *fw, u32 smid);
void fw_cmd_release(struct hba_fw *fw, u16 smid);
void fw_list_append(struct hba_fw *fw, struct fw_smid_list *l, u16 smid);
u16 fw_list_pop(struct hba_fw *fw, struct fw_smid_list *l);
bool fw_list_remove(struct hba_fw *fw, struct fw_smid_list *l, u16 smid);
bool fw_queue_work(struct hba_fw *fw, struct hba_work *w);

/* exec.c */
void fw_exec_work(struct hba_work *w);

/* reply.c */
int fw_reply_queues_alloc(struct hba_fw *fw);
void fw_reply_queues_free(struct hba_fw *fw);
void fw_replies_reset(struct hba_fw *fw);
void fw_complete(struct hba_fw *fw, u16 smid,
		 const struct hba_reply_frame *r, bool dup);
void fw_post_desc(struct hba_fw *fw, u32 q, u64 desc);
void fw_irq_maybe_raise(struct hba_fw *fw, u32 q);
void fw_write_host_idx(struct hba_fw *fw, u32 q, u32 val);
void fw_write_intr_mask(struct hba_fw *fw, u32 val);
void fw_irq_work(struct hba_work *w);

/* evtlog.c */
int fw_evtlog_attach(struct hba_fw *fw);
void fw_evtlog_detach(struct hba_fw *fw);
void fw_evtlog_sync(struct hba_fw *fw, bool force);
void fw_event_sink_init(struct hba_fw *fw);
void fw_event_log(struct hba_fw *fw, struct hbamgr_event *ev);
void fw_ctrl_event(struct hba_fw *fw, u32 code, u8 severity, u32 arg0,
		   const char *desc);
void fw_evtlog_info(struct hba_fw *fw, const struct hba_req_frame *f,
		    const struct hba_sge *sgl, u32 sge_count,
		    struct hba_reply_frame *r);
void fw_evtlog_get(struct hba_fw *fw, const struct hba_req_frame *f,
		   const struct hba_sge *sgl, u32 sge_count,
		   struct hba_reply_frame *r);
void fw_storm(struct hba_fw *fw, u32 count);
void fw_storm_work(struct hba_work *w);
void fw_storm_pace(struct hba_fw *fw, u32 count, u32 rate);
void fw_storm_paced_work(struct hba_work *w);

/* fault.c */
void fw_enter_fault(struct hba_fw *fw, u32 code);
int fw_inject(struct hba_fw *fw, const struct hbamgr_mbox_fault *f);
void fw_finish(struct hba_fw *fw, u16 smid, struct hba_reply_frame *r);
void fw_late_work(struct hba_work *w);

#endif /* HBA_FW_ENGINE_INTERNAL_H */
