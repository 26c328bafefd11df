/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driver core internals shared by the files in kmod/core/drv/.
 *
 * Lock order (outermost first); no lock is ever taken recursively:
 *
 *   a->reset_mutex	serializes init, reset/recovery and removal
 *   rq->lock		(mutex) one reply queue's ring consumption
 *   a->state_lock	a->state, a->ioc_operational; held across every
 *			doorbell write (the firmware's own lock nests inside)
 *			so that no frame is posted after the state changed
 *   a->pool_lock	the command free list
 *   a->srb_lock	the list of completed SRBs waiting for srb_work
 *   a->files_lock	the list of open files
 *   f->ring_lock	one file's event ring
 *   a->isr_lock	a->isr_enabled; leaf, never held across a firmware
 *			call (the isr runs in whatever context the firmware
 *			raises it from)
 *
 * srb_lock, files_lock (-> ring_lock) and isr_lock are never held
 * together with pool_lock or with each other otherwise.
 *
 * Work items (on a->wq; in hbamgr.ko each is its own lockdep class, one
 * per init site, see hba_os_linux.h) and what they take or wait for:
 *   rq[q].work	(hba_rq_work) rq->lock; completes commands: wakes the
 *			PT/TM waiters, calls the glue's done(), queues
 *			srb_work.  Waits for nothing.
 *   srb_work	files_lock -> ring_lock (events), state_lock -> the
 *			firmware's lock (SRB re-post).  Waits for nothing.
 *   health_work	reads IOC_STATE, queues reset_work.
 *   reset_work	reset_mutex, and under it rq->lock (hba_rq_clear), the
 *			locks of the flush (as rq work) and of the re-post (as
 *			srb_work).  Flushes no work item.
 * The firmware's work items (fw/) take only the firmware's locks and call
 * hba_isr(), which takes isr_lock and queues rq work.
 *
 * There is no cycle between removal, reset and completion work:
 * hba_adapter_remove() cancels health_work and reset_work before it takes
 * reset_mutex, and nothing queues either once the state is DELETING
 * (queue_unless_deleting() checks it under state_lock); under reset_mutex
 * it waits only for rq work, srb_work and the firmware's work items
 * (hba_fw_destroy), and none of those takes reset_mutex or waits for
 * anything.  So reset_mutex -> {rq work, srb_work, firmware work} has no
 * way back to reset_mutex.  (Before each work item had its own lockdep
 * class, lockdep saw them as one and reported rmmod's flush of rq work
 * under reset_mutex as a wait for reset_work, which takes reset_mutex.)
 * The callers that wait for a reset (RESET with F_WAIT, the SCSI host
 * reset handler) are process context holding no core lock; a passthrough
 * waiting for its command holds none either.
 *
 * Command ownership (invariant 1): every frame (SCSI/MGMT command, SRB, TM)
 * is a struct hba_cmd whose state moves only
 *   FREE -> ALLOCATED -> POSTED -> COMPLETED -> RELEASED -> FREE
 * by compare-and-exchange (hba_cmd_set_state() warns on any other step).
 * POSTED -> COMPLETED happens exactly once, in io.c, whoever completes it
 * (a reply, a TM abort, a reset or removal flush).  Everything the
 * firmware accounts (the SMID, the outstanding count, SRB credit) goes back
 * only in hba_cmd_release().
 */
#ifndef HBA_DRV_INTERNAL_H
#define HBA_DRV_INTERNAL_H

#include "../hba_core.h"

#define HBA_HEALTH_PERIOD_MS	100
#define HBA_READY_TIMEOUT_MS	5000	/* the firmware needs HBA_FW_RESET_MS */
#define HBA_TM_TIMEOUT_MS	2000	/* a TM frame not answered: reset */
#define HBA_TM_GRACE_MS		2000	/* NOT_FOUND, reply still not in */
#define HBA_TM_ALLOC_MS		2000	/* wait for a free TM frame */
#define HBA_SRB_QUEUE		0	/* all SRBs reply here: in order */

/*
 * Reply rings are written by the firmware and read by the driver; a
 * descriptor is published after its reply frame (release) and read before
 * it (acquire).
 */
#ifdef __KERNEL__
/* acquire: the reply frame is read only after its descriptor */
#define hba_ring_load(p)	smp_load_acquire(p)
/* release: the descriptor is visible only after the frame it names */
#define hba_ring_store(p, v)	smp_store_release((p), (v))
#else
#define hba_ring_load(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define hba_ring_store(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

/*
 * What a released command's result reads as (the slab's POISON_FREE
 * bytes): a completion path that gave the command back before it read the
 * result (invariant 1) reads this instead of a status, at once and in every
 * build, even when no other thread reused the command in between.
 */
#define HBA_CMD_POISON		0x6b6b6b6bu

enum hba_cmd_state {
	HBA_CMD_FREE,
	HBA_CMD_ALLOCATED,
	HBA_CMD_POSTED,
	HBA_CMD_COMPLETED,
	HBA_CMD_RELEASED,
};

enum hba_cmd_kind {
	HBA_CMD_KIND_PT,	/* ioctl passthrough, a waiter owns a ref */
	HBA_CMD_KIND_IO,	/* SCSI I/O from the glue, done() callback */
	HBA_CMD_KIND_SRB,	/* status-read buffer */
	HBA_CMD_KIND_TM,	/* task management (abort), a waiter */
};

struct hba_adapter;

struct hba_cmd {
	struct hba_adapter *a;
	u16 smid;
	u8 kind;			/* enum hba_cmd_kind, fixed by SMID */
	hba_atomic_t state;		/* enum hba_cmd_state */
	/*
	 * References: the firmware's (dropped by hba_cmd_finish) and a
	 * waiter's (PT, TM).  The last hba_cmd_put() releases the command.
	 */
	hba_atomic_t owners;
	hba_atomic_t timed_out;		/* waiter gave up waiting once */
	struct hba_completion done;	/* completed by hba_cmd_finish */
	/* Result, written by hba_cmd_finish before done is completed. */
	u32 status;			/* enum hbamgr_status */
	u8 scsi_status;
	u8 sense_len;
	u32 transfer_count;
	u32 result;
	u32 resid_needed;
	struct hba_reason reason;	/* MGMT refusal, from the reply frame */
	u8 sense[HBAMGR_SENSE_MAX];
	struct hbamgr_event event;	/* SRB */
	/* Owned by the command until release. */
	struct hba_io *io;		/* KIND_IO */
	void *bounce;			/* KIND_PT: hba_vfree on release */
	struct hba_cmd *next;		/* pool free list / SRB done list */
	struct hba_cmd *batch_next;	/* completed in one hba_rq_work run */
};

struct hba_reply_queue {
	struct hba_adapter *a;
	u32 index;
	struct hba_work work;		/* hba_rq_work */
	hba_mutex_t lock;		/* host_idx and ring consumption */
	u32 host_idx;			/* next descriptor to read */
};

struct hba_adapter {
	struct hba_kref kref;		/* creator + every open file */
	struct hba_adapter_params params;
	struct hba_fw *fw;
	struct hba_wq *wq;		/* completion, SRB, health, reset */

	hba_mutex_t reset_mutex;	/* see lock order */
	hba_spinlock_t state_lock;	/* see lock order */
	u32 state;			/* enum hbamgr_state */
	/* IOC_INIT done since the last reset: SRBs may be posted while
	 * RECOVERING.
	 */
	bool ioc_operational;
	struct hba_waitq state_waitq;	/* woken on every state change */

	hba_spinlock_t isr_lock;	/* see lock order */
	bool isr_enabled;

	/* Limits, read once at init (IOC_FACTS) and never changed. */
	u32 fw_max_cmds;		/* what the firmware reported */
	u32 max_cmds;			/* min(fw, params): pool, SMID range */
	u32 max_srbs;			/* the SRB credit (srb.c) */
	u32 srb_frames;			/* SRB SMIDs: 2 * max_srbs (srb.c) */
	u32 max_sge;
	u32 max_transfer;
	u32 num_rq;
	u32 total_frames;		/* max_cmds + srb_frames + TM frames */
	u32 ring_depth;
	char fw_version[16];
	char model[32];
	char serial[24];
	u64 sas_address;

	/* Host memory handed to the firmware by IOC_INIT. */
	struct hba_req_frame *frames;		/* [1 + total_frames] */
	struct hba_reply_frame *reply_frames;	/* [1 + total_frames] */
	u64 *rings[HBA_MAX_REPLY_QUEUES];	/* [ring_depth] each */
	struct hba_reply_queue rq[HBA_MAX_REPLY_QUEUES];

	struct hba_cmd *cmds;		/* [1 + total_frames], by SMID */
	hba_spinlock_t pool_lock;	/* see lock order */
	struct hba_cmd *free_head;	/* FIFO: a SMID is reused last */
	struct hba_cmd *free_tail;
	struct hba_waitq tm_waitq;	/* a TM frame was released */

	hba_atomic_t srb_credit;	/* SRBs that may still be posted */
	hba_spinlock_t srb_lock;	/* see lock order */
	struct hba_cmd *srb_done_head;	/* completed, event not dispatched */
	struct hba_cmd *srb_done_tail;
	struct hba_work srb_work;	/* dispatch events, refill */

	struct hba_delayed_work health_work;
	struct hba_work reset_work;

	hba_spinlock_t files_lock;	/* see lock order */
	struct hba_file *files;		/* doubly linked list of open files */

	hba_atomic_t cmds_outstanding;	/* posted, not yet released */
	hba_atomic_t reset_count;
	hba_atomic_t fw_fault_code;
	hba_atomic64_t stale_replies;
	hba_atomic64_t dup_replies;
	hba_atomic64_t timeouts;
	hba_atomic64_t aborts;
	hba_atomic64_t events_dispatched;
	hba_atomic64_t last_event_seq;	/* written under files_lock */
};

struct hba_file {
	struct hba_adapter *a;		/* holds a reference */
	struct hba_file *prev, *next;	/* a->files, under a->files_lock */
	struct hba_waitq waitq;		/* events queued, adapter removed */
	hba_spinlock_t ring_lock;	/* everything below */
	struct hbamgr_event *ring;	/* [a->params.event_ring_records] */
	u32 head;
	u32 count;
	bool overflow;			/* an OVERFLOW record is due */
	u64 overflow_seq;		/* first dropped seq */
	u32 overflow_dropped;
};

/* state.c */
bool hba_change_state(struct hba_adapter *a, u32 new_state);
void hba_set_ioc_operational(struct hba_adapter *a);
u32 hba_get_state(struct hba_adapter *a);

/* adapter.c */
void hba_adapter_get(struct hba_adapter *a);
void hba_adapter_put(struct hba_adapter *a);
int hba_wait_ready(struct hba_adapter *a);
int hba_ioc_init(struct hba_adapter *a);

/* cmd.c */
int hba_cmd_pool_init(struct hba_adapter *a);
void hba_cmd_pool_free(struct hba_adapter *a);
void hba_cmd_set_state(struct hba_cmd *cmd, u32 from, u32 to);
struct hba_cmd *hba_cmd_alloc(struct hba_adapter *a, u32 kind);
void hba_cmd_prepare(struct hba_cmd *cmd, u32 owners);
void hba_cmd_put(struct hba_cmd *cmd);
void hba_cmd_discard(struct hba_cmd *cmd);
bool hba_cmd_get_unless_released(struct hba_cmd *cmd);
static inline bool hba_smid_is_cmd(struct hba_adapter *a, u32 smid)
{
	return smid >= 1 && smid <= a->max_cmds;
}

static inline struct hba_cmd *hba_smid_to_cmd(struct hba_adapter *a,
					      u32 smid)
{
	if (smid < 1 || smid > a->total_frames)
		return NULL;
	return &a->cmds[smid];
}

/* io.c */
int hba_cmd_post(struct hba_cmd *cmd, bool allow_recovering);
bool hba_cmd_finish(struct hba_cmd *cmd, u32 status,
		    const struct hba_reply_frame *r);
void hba_isr(void *ctx, u32 queue);
void hba_rq_work(struct hba_work *w);
void hba_rq_init(struct hba_adapter *a);
void hba_rq_clear(struct hba_adapter *a);
void hba_isr_enable(struct hba_adapter *a, bool on);
void hba_flush_posted(struct hba_adapter *a);

/* tm.c */
int hba_cmd_wait(struct hba_cmd *cmd, u32 timeout_ms);

/* reset.c */
void hba_health_work(struct hba_work *w);
void hba_health_start(struct hba_adapter *a);
void hba_reset_work(struct hba_work *w);
int hba_do_reset(struct hba_adapter *a);

/* srb.c */
void hba_srb_refill(struct hba_adapter *a);
void hba_srb_completed(struct hba_cmd *srb);
void hba_srb_work(struct hba_work *w);
void hba_srb_drain(struct hba_adapter *a, bool dispatch);

/* events.c */
int hba_file_ring_init(struct hba_file *f, u32 records);
void hba_file_ring_free(struct hba_file *f);
void hba_events_dispatch(struct hba_adapter *a, const struct hbamgr_event *ev);
void hba_files_wake_all(struct hba_adapter *a);

/* ioctl.c */
int hba_copy_struct_from_user(void *dst, size_t ksize, u64 usrc,
			      u32 *usize);
int hba_copy_struct_to_user(u64 udst, u32 usize, const void *src,
			    size_t ksize);

/* passthru.c */
long hba_ioctl_passthru(struct hba_file *f, u64 uarg, bool cap_sys_admin);

#endif /* HBA_DRV_INTERNAL_H */
