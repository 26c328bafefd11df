/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test points: places in the core where a userspace test may pause the
 * thread that reached them, so that a race the test is about happens in
 * every run instead of now and then (like the kernel's fault-injection
 * points, but for scheduling).  hba_test_point(id, arg) is a no-op in
 * hbamgr.ko and in the plain libhbacore; only the test builds of
 * libhbacore (HBA_TEST_HOOKS, kmod/user/test/) call the handler a test
 * installed.  arg is what the point is about; hbacore_test.h can read it.
 */
#ifndef HBA_TEST_POINT_H
#define HBA_TEST_POINT_H

enum hba_test_point_id {
	/* hba_cmd_post(): the doorbell was written (arg: struct hba_cmd) */
	HBA_TP_CMD_POSTED = 1,
	/*
	 * hba_rq_work(): a command taken from a reply ring is about to be
	 * completed to its owner (arg: struct hba_cmd, COMPLETED)
	 */
	HBA_TP_REPLY_COMPLETE,
	/*
	 * hba_do_reset(): the firmware was reset and the adapter is
	 * RESETTING; the posted frames are about to be flushed
	 * (arg: struct hba_adapter)
	 */
	HBA_TP_RESET_FLUSH,
	/*
	 * The userspace shim: a thread read the atomic a test watches
	 * (hbacore_test_watch_atomic(); arg: struct hbacore_test_atomic_read,
	 * its address and the value read)
	 */
	HBA_TP_ATOMIC_READ,
};

#endif /* HBA_TEST_POINT_H */
