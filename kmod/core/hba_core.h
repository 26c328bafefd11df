/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver core's API: what the kernel glue (kmod/linux/) and the
 * userspace library (kmod/user/, libhbacore) call.  Both serve the ABI of
 * <linux/hbamgr.h> through exactly these functions, so the userspace tests
 * exercise the kernel's validation.
 *
 * Lifetime (DESIGN.md invariant 3): an adapter is reference counted.  The
 * creator holds one reference and every open file holds one.
 * hba_adapter_remove() moves the adapter to DELETING, fails every waiter
 * and every later call with -ENODEV, stops the firmware, and drops the
 * creator's reference; the memory goes when the last file is released.
 */
#ifndef HBA_CORE_H
#define HBA_CORE_H

#include "hba_os.h"
#include "hba_fw.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hba_adapter;
struct hba_file;

#define HBA_DRV_MAX_CMDS	1024	/* the driver's own command maximum */
#define HBA_EVENT_RING_DEFAULT	256	/* event records per open file */
/*
 * HBA_DRV_VERSION (MODULE_VERSION, GET_INFO driver_version) is the project
 * version of CMakeLists.txt, passed by the build: CMake for libhbacore,
 * kmod/Kbuild from HBAMGR_VERSION for hbamgr.ko.
 */

struct hba_adapter_params {
	struct hba_fw_config fw;	/* the simulated adapter to power on */
	u32 drv_max_cmds;		/* clamp; 0 = HBA_DRV_MAX_CMDS */
	u32 event_ring_records;		/* per open file; 0 = 256 */
	/*
	 * Optional: told of every firmware event after it was queued to the
	 * open files (the SCSI glue adds/removes LUNs on VD events).  Called
	 * from the driver's work item, sleepable, with no core lock held.
	 */
	void (*on_event)(void *ctx, const struct hbamgr_event *ev);
	void *on_event_ctx;
};

/*
 * Power on the simulated firmware and run the hardened init (invariant 5).
 * On success *out is LIVE.  Fails with the init error (and frees all).
 */
int hba_adapter_create(const struct hba_adapter_params *p,
		       struct hba_adapter **out);
void hba_adapter_remove(struct hba_adapter *a);

u32 hba_adapter_state(struct hba_adapter *a);	/* enum hbamgr_state */
/* The state's name as docs/abi.md spells it ("live"); "invalid" if none. */
const char *hba_state_name(u32 state);
struct hba_fw *hba_adapter_fw(struct hba_adapter *a);
/* Commands the SCSI host may have queued at once (blk-mq can_queue). */
u32 hba_adapter_can_queue(struct hba_adapter *a);

/*
 * Reset (RESET ioctl, SCSI host reset, recovery from a firmware fault).
 * Flushes every posted command with HBAMGR_ST_RESET.  wait: return only
 * when LIVE or DEAD.  0, -ENODEV, -EINTR (killed while waiting).
 */
int hba_adapter_reset(struct hba_adapter *a, bool wait);

/* File (one per open of /dev/hbamgrN or per in-process opener). */
int hba_file_open(struct hba_adapter *a, struct hba_file **out);
void hba_file_release(struct hba_file *f);
long hba_file_ioctl(struct hba_file *f, unsigned int cmd, u64 uarg,
		    bool cap_sys_admin);
ssize_t hba_file_read(struct hba_file *f, u64 ubuf, size_t len,
		      bool nonblock);
#define HBA_POLLIN	0x1
#define HBA_POLLHUP	0x2
u32 hba_file_poll(struct hba_file *f);
/* The wait queue poll() must register on. */
struct hba_waitq *hba_file_waitq(struct hba_file *f);

/*
 * SCSI I/O from the SCSI host glue (queuecommand).  The request is owned by
 * the core from a successful submit until done() is called exactly once,
 * from completion work (never from submit itself).
 */
struct hba_io {
	u16 target;		/* VD id */
	u16 lun;
	u8 cdb_len;
	u8 dir;			/* HBAMGR_DIR_* */
	u8 cdb[32];
	struct hba_sge *sgl;	/* host virtual addresses */
	u32 sge_count;
	u32 data_len;
	u8 *sense;		/* buffer of sense_len bytes */
	u32 sense_len;
	u32 timeout_ms;
	/* out, valid in done() */
	u32 status;		/* enum hbamgr_status */
	u8 scsi_status;
	u8 sense_len_out;
	u32 resid;
	void (*done)(struct hba_io *io);
	void *priv;		/* the glue's (struct scsi_cmnd *) */
	/* core-owned */
	u16 smid;
};
/* 0; -EAGAIN not LIVE or no free command (retry later); -ENODEV removed. */
int hba_io_submit(struct hba_adapter *a, struct hba_io *io);
/* Abort (SCSI error handler): 0 when done() has run or will not be needed;
 * -EIO when the abort failed and a reset is required.
 */
int hba_io_abort(struct hba_adapter *a, struct hba_io *io);

/* Counters for sysfs/debugfs and tests. */
struct hba_adapter_stats {
	u32 state;
	u32 reset_count;
	u32 fw_max_cmds;
	u32 drv_max_cmds;
	u32 max_srbs;
	u32 srbs_posted;
	u32 cmds_outstanding;
	u32 fw_fault_code;
	u64 stale_replies;
	u64 dup_replies;
	u64 timeouts;
	u64 aborts;
	u64 events_dispatched;
	u64 last_event_seq;
};
void hba_adapter_get_stats(struct hba_adapter *a, struct hba_adapter_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* HBA_CORE_H */
