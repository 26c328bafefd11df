/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libhbacore's test-only API, in the test builds of the library alone
 * (hbacore_test, hbacore_asan, hbacore_tsan; HBA_TEST_HOOKS): nothing here
 * exists in the plain libhbacore the daemon links, nor in hbamgr.ko.
 *
 * Test points (kmod/core/hba_test_point.h) let a test hold the thread that
 * reached a point in the core until the test made the race it is about
 * happen, so the race happens in every run.  Emulated fatal signals let a
 * test end a call that did not return (its killable waits return -EINTR,
 * as SIGKILL ends them in the kernel), so a hang is a failure with a
 * message, not a stuck test.
 */
#ifndef HBACORE_TEST_H
#define HBACORE_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "hba_test_point.h"
#include "hbacore.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The handler every test point calls, in the thread that reached it (a
 * driver work item, an ioctl caller...); it may block.  One per process;
 * NULL removes it, and returns only when no call of the old handler is
 * still running.
 */
typedef void (*hbacore_test_point_fn)(void *ctx, enum hba_test_point_id id,
				      const void *arg);
void hbacore_test_set_point_handler(hbacore_test_point_fn fn, void *ctx);

/*
 * Reads of the atomic at addr (an address hbacore_test_*_addr() gave)
 * call the handler with HBA_TP_ATOMIC_READ after the load, arg a struct
 * hbacore_test_atomic_read; NULL: none.
 */
void hbacore_test_watch_atomic(const void *addr);
struct hbacore_test_atomic_read {
	const void *addr;
	int64_t value;		/* what the thread read */
};

/* The driver's SRB credit (invariant 4), for hbacore_test_watch_atomic(). */
const void *hbacore_test_srb_credit_addr(struct hba_adapter *a);

/* What a test point's struct hba_cmd argument is. */
struct hbacore_test_cmd {
	struct hba_adapter *adapter;
	uint32_t smid;
	uint32_t kind;		/* HBACORE_TEST_KIND_* */
	uint32_t state;		/* HBACORE_TEST_CMD_* */
	bool done;		/* its completion is done (not yet consumed) */
	uint32_t waiters;	/* threads asleep waiting for its completion */
};
#define HBACORE_TEST_KIND_PT	0	/* ioctl passthrough */
#define HBACORE_TEST_KIND_IO	1	/* SCSI I/O of the glue */
#define HBACORE_TEST_KIND_SRB	2
#define HBACORE_TEST_KIND_TM	3
#define HBACORE_TEST_CMD_FREE		0
#define HBACORE_TEST_CMD_ALLOCATED	1
#define HBACORE_TEST_CMD_POSTED		2
#define HBACORE_TEST_CMD_COMPLETED	3
#define HBACORE_TEST_CMD_RELEASED	4

void hbacore_test_cmd_info(const void *cmd, struct hbacore_test_cmd *out);
/* The same for a SMID of a; false when out of range. */
bool hbacore_test_smid_info(struct hba_adapter *a, uint32_t smid,
			    struct hbacore_test_cmd *out);

/*
 * Emulated fatal signals.  hbacore_test_task_self() names the calling
 * thread (valid while it runs); hbacore_test_task_kill() makes every
 * killable wait of that thread, now and later, return -EINTR.
 */
void *hbacore_test_task_self(void);
void hbacore_test_task_kill(void *task);
/* Every thread counts as killed while on (a test that overran its bound). */
void hbacore_test_kill_all(bool on);

#ifdef __cplusplus
}
#endif

#endif /* HBACORE_TEST_H */
