/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libhbacore's public C API: a simulated adapter and the driver core
 * running in-process, served through exactly the dispatch code hbamgr.ko
 * uses (hba_file_ioctl() and friends), so a caller sees the kernel ABI of
 * <linux/hbamgr.h> without a kernel.  For C and C++ callers (the daemon's
 * SimTransport, tools, tests); it exposes no OS-shim type.
 *
 * Errors are returned as negative errno values, the way the kernel returns
 * them from the corresponding system call.
 *
 * Lifetime: the creator owns the adapter until hbacore_adapter_remove();
 * every open file keeps the adapter's memory alive until
 * hbacore_release(), and after removal every call on it fails with
 * -ENODEV (poll reports HBACORE_POLLHUP).
 */
#ifndef HBACORE_H
#define HBACORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/hbamgr.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hba_adapter;
struct hba_file;
struct hbacore_nvram;

/*
 * The simulated adapter's NVRAM and drives in a state directory: its
 * configuration (VDs, drive states, hot spares, properties, background
 * operations and their progress), its event log (identity and sequence
 * numbers) and its drives' data, kept across power cycles and crashes of
 * the process the way a controller keeps them across power cuts.  Created
 * (with its parents, mode 0700) when missing; locked (flock) so that one
 * process at a time uses it.  0 and *out, or -errno with a message naming
 * the directory in err: -EBUSY when another process holds it.
 *
 * What is wrong with its contents shows when an adapter is powered on from
 * it: hbacore_adapter_create() fails with -EUCLEAN (damaged, truncated,
 * another adapter's, another topology) or another -errno (I/O), and
 * hbacore_nvram_error() says what, for the administrator to repair or move
 * away (a new, empty directory powers on a factory-new adapter).
 */
int hbacore_nvram_open(const char *dir, struct hbacore_nvram **out,
		       char *err, size_t err_len);
/* Unlocks and closes; no adapter may still be using it. */
void hbacore_nvram_close(struct hbacore_nvram *nv);
/*
 * The last problem the firmware or the files reported (also logged on
 * stderr), NUL-terminated into buf; its length, 0 when none.
 */
size_t hbacore_nvram_error(struct hbacore_nvram *nv, char *buf, size_t len);

/*
 * The simulated adapter and driver parameters.  Zero means "default" for
 * every integer; hbacore_sim_params_default() fills the defaults in so a
 * caller can see and change them.
 */
struct hbacore_sim_params {
	/* Firmware (struct hba_fw_config). */
	uint32_t adapter_index;		/* N in hbamgrN */
	uint32_t num_enclosures;	/* 1..4 */
	uint32_t slots_per_enclosure;	/* 1..32 */
	uint32_t num_drives;		/* populated slots, in order */
	uint32_t drive_size_mb;		/* nominal; RAM used on write only */
	uint32_t sector_size;		/* 512, 4096, 0: a mix */
	uint32_t max_cmds;		/* firmware command limit */
	uint32_t max_srbs;		/* firmware SRB limit */
	uint32_t num_reply_queues;
	uint32_t default_vds;		/* 1: RAID1 on slots 0-1, RAID5 2-4 */
	uint32_t bgop_rate_mb_s;	/* background operation speed */
	/*
	 * NVRAM and drives (hbacore_nvram_open()), used by one adapter at a
	 * time and outliving it; NULL: RAM only, a factory-new adapter.
	 */
	struct hbacore_nvram *nvram;
	/*
	 * An NVRAM made for another topology (enclosures, slots, drives,
	 * drive size, sector size) powers on with its own topology (true)
	 * or not at all (false: -EUCLEAN).
	 */
	bool adopt_topology;
	bool dirty_start;		/* power up as a crashed kernel left */
	bool fault_injection;		/* allow HBAMGR_MGMT_FAULT_INJECT */
	/* Driver. */
	uint32_t drv_max_cmds;		/* driver clamp, <= 1024 */
	uint32_t event_ring_records;	/* per open file */
	/*
	 * Optional: told of every firmware event after the open files got
	 * it, from a driver work item with no lock held.
	 */
	void (*on_event)(void *ctx, const struct hbamgr_event *ev);
	void *on_event_ctx;
};

/* Fill *p with the defaults (a small adapter with drives and two VDs). */
void hbacore_sim_params_default(struct hbacore_sim_params *p);

/*
 * Power on a simulated adapter and bring the driver up (LIVE).
 * 0 and *out set, or -errno (nothing left behind).
 */
int hbacore_adapter_create(const struct hbacore_sim_params *p,
			   struct hba_adapter **out);

/*
 * Remove the adapter (hot unplug): blocked calls on open files return
 * -ENODEV, later ones too; the memory goes with the last file.  The
 * adapter pointer must not be used after this, and no other call on it
 * (other than through still-open files) may run concurrently.
 */
void hbacore_adapter_remove(struct hba_adapter *a);

/* Open a file on the adapter (as open(2) of /dev/hbamgrN): 0 or -errno. */
int hbacore_open(struct hba_adapter *a, struct hba_file **out);

/* Close a file (as the last close(2)); also closes its event fd. */
void hbacore_release(struct hba_file *f);

/*
 * ioctl(2): cmd is an HBAMGR_IOC_* number, arg the caller's argument
 * struct (user memory: a bad pointer gives -EFAULT, never a crash).
 * cap_sys_admin stands for the caller's CAP_SYS_ADMIN.  0 or -errno.
 */
int hbacore_ioctl(struct hba_file *f, unsigned int cmd, void *arg,
		  bool cap_sys_admin);

/*
 * read(2) of whole struct hbamgr_event records: bytes read, or -EINVAL
 * (len below one record), -EAGAIN (nonblock, nothing queued), -ENODEV
 * (removed), -EFAULT.
 */
ssize_t hbacore_read(struct hba_file *f, void *buf, size_t len,
		     bool nonblock);

#define HBACORE_POLLIN	0x1	/* records queued */
#define HBACORE_POLLHUP	0x2	/* adapter removed */
/* poll(2) mask without waiting: HBACORE_POLLIN | HBACORE_POLLHUP bits. */
unsigned int hbacore_poll(struct hba_file *f);

/*
 * An eventfd (non-blocking, close-on-exec) that becomes readable whenever
 * the file's wait queue is woken (event queued, adapter removed): poll it,
 * drain it with read(2), then call hbacore_poll()/hbacore_read().  Owned
 * by the file: closed by hbacore_release().  fd or -errno.
 */
int hbacore_event_fd(struct hba_file *f);

/*
 * Inject a firmware fault outside the frame path, with the semantics of
 * the FAULT_INJECT management opcode (HBAMGR_ST_INVALID_OPCODE unless the
 * adapter was created with fault_injection).  Returns an enum
 * hbamgr_status, or -ENODEV after removal.
 */
int hbacore_inject_fault(struct hba_adapter *a,
			 const struct hbamgr_mbox_fault *f);

/* Reset the adapter; wait: until LIVE or DEAD.  0 or -ENODEV. */
int hbacore_adapter_reset(struct hba_adapter *a, bool wait);

/* Counters of the driver and of the simulated firmware. */
struct hbacore_stats {
	uint32_t state;			/* enum hbamgr_state */
	uint32_t reset_count;
	uint32_t fw_max_cmds;
	uint32_t drv_max_cmds;
	uint32_t max_srbs;
	uint32_t srbs_posted;
	uint32_t cmds_outstanding;
	uint32_t fw_fault_code;
	uint64_t stale_replies;		/* ignored replies */
	uint64_t dup_replies;		/* of those, for completed commands */
	uint64_t timeouts;
	uint64_t aborts;
	uint64_t events_dispatched;
	uint64_t last_event_seq;
	/* Firmware side; zero after removal. */
	uint32_t fw_ioc_state;		/* HBA_IOC_* */
	uint32_t fw_faults;		/* times the firmware FAULTed */
	uint32_t fw_max_outstanding_cmds;
	uint32_t fw_max_outstanding_srbs;
	uint32_t fw_diag_resets;
	uint64_t fw_frames_executed;
	uint64_t fw_dirty_replies;
};
void hbacore_adapter_stats(struct hba_adapter *a, struct hbacore_stats *st);

/* Core invariant violations seen so far in this process (tests: 0). */
unsigned long hbacore_warn_count(void);

#ifdef __cplusplus
}
#endif

#endif /* HBACORE_H */
