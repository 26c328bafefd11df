// SPDX-License-Identifier: GPL-2.0
/*
 * Timeouts and aborts.  A command that timed out stays POSTED (owned by
 * the firmware) until the firmware gave it up: a TM abort answered
 * ABORTED, a reset flushed it, or its late reply arrived (invariant 2).
 */
#include "drv_internal.h"

/*
 * Send a TASK_MGMT abort for victim and wait for the answer.
 * 0 with *tm_status = HBA_TM_ABORTED or HBA_TM_NOT_FOUND;
 * -EAGAIN/-ENODEV the adapter is resetting or removed (which flushes the
 * victim); -ETIMEDOUT no answer or no TM frame: the caller resets.
 */
static int tm_abort(struct hba_adapter *a, struct hba_cmd *victim,
		    u32 *tm_status)
{
	struct hba_cmd *tm = NULL;
	struct hba_req_frame *frame;
	int ret;

	hba_wait_event_timeout(&a->tm_waitq,
			       (tm = hba_cmd_alloc(a, HBA_CMD_KIND_TM)) ||
			       hba_get_state(a) != HBAMGR_STATE_LIVE,
			       HBA_TM_ALLOC_MS);
	if (!tm)
		return hba_get_state(a) == HBAMGR_STATE_LIVE ? -ETIMEDOUT :
							       -EAGAIN;
	hba_cmd_prepare(tm, 2);
	frame = &a->frames[tm->smid];
	frame->function = HBA_FUNC_TASK_MGMT;
	frame->task_smid = victim->smid;
	ret = hba_cmd_post(tm, false);
	if (ret) {
		hba_cmd_discard(tm);
		return ret;
	}
	hba_atomic64_inc(&a->aborts);
	if (hba_wait_for_completion_timeout(&tm->done, HBA_TM_TIMEOUT_MS) > 0) {
		*tm_status = tm->status;
		/* A TM frame flushed by a reset flushed the victim too. */
		ret = tm->status == HBAMGR_ST_RESET ? -EAGAIN : 0;
	} else {
		ret = -ETIMEDOUT;
	}
	hba_cmd_put(tm);
	return ret;
}

/*
 * Wait until something completed cmd; only a fatal signal ends it early.
 * The one way to learn that the completion came is a wait that returned
 * > 0: that wait consumed it, so completion_done() is false afterwards
 * and must not be asked (a completion arriving while a loop on it slept
 * would leave the caller waiting forever).  The timeout only bounds each
 * sleep.
 */
static int wait_finished(struct hba_cmd *cmd)
{
	long ret;

	do {
		ret = hba_wait_for_completion_killable_timeout(&cmd->done,
							       1000);
	} while (ret == 0);
	return ret < 0 ? -EINTR : 0;
}

/*
 * Get a timed-out command back from the firmware: abort it, or wait for
 * its reply when the firmware no longer holds it, or reset.  Returns with
 * the command COMPLETED, or -EINTR.
 */
static int recover_timed_out(struct hba_cmd *cmd)
{
	struct hba_adapter *a = cmd->a;
	u32 tm_status = HBA_TM_NOT_FOUND;
	int ret;

	ret = tm_abort(a, cmd, &tm_status);
	if (!ret && tm_status == HBA_TM_ABORTED) {
		/*
		 * The firmware dropped it: no reply will come.  If a reset
		 * flush took it first, that flush may still be writing the
		 * result: its completion says when it is done.
		 */
		if (hba_cmd_finish(cmd, HBAMGR_ST_TIMEOUT, NULL))
			return 0;
		return wait_finished(cmd);
	}
	if (!ret) {
		/* NOT_FOUND: its reply is on the way or already in. */
		ret = hba_wait_for_completion_killable_timeout(&cmd->done,
							       HBA_TM_GRACE_MS);
		if (ret < 0)
			return -EINTR;
		if (ret > 0)
			return 0;
		/* The firmware lost the reply: only a reset gets it back. */
		hba_adapter_reset(a, false);
	} else if (ret == -ETIMEDOUT) {
		hba_adapter_reset(a, false);
	}
	return wait_finished(cmd);
}

/*
 * Wait for a posted command (the caller holds a waiter reference).  0:
 * the command is COMPLETED and its result valid (HBAMGR_ST_TIMEOUT when it
 * was aborted).  -EINTR: a fatal signal; the command stays owned by the
 * firmware side and is released when it is done.
 */
int hba_cmd_wait(struct hba_cmd *cmd, u32 timeout_ms)
{
	struct hba_adapter *a = cmd->a;
	long ret;

	ret = hba_wait_for_completion_killable_timeout(&cmd->done, timeout_ms);
	if (ret > 0)
		return 0;
	if (ret < 0)
		return -EINTR;
	hba_atomic_set(&cmd->timed_out, 1);
	hba_atomic64_inc(&a->timeouts);
	return recover_timed_out(cmd);
}

int hba_io_abort(struct hba_adapter *a, struct hba_io *io)
{
	struct hba_cmd *cmd;
	u32 tm_status = HBA_TM_NOT_FOUND;
	int ret;

	if (!hba_smid_is_cmd(a, io->smid))
		return 0;
	cmd = &a->cmds[io->smid];
	if (!hba_cmd_get_unless_released(cmd))
		return 0;
	if (hba_atomic_read(&cmd->state) != HBA_CMD_POSTED || cmd->io != io) {
		hba_cmd_put(cmd);
		return 0;
	}
	hba_atomic_set(&cmd->timed_out, 1);
	hba_atomic64_inc(&a->timeouts);
	ret = tm_abort(a, cmd, &tm_status);
	if (!ret && tm_status == HBA_TM_ABORTED) {
		hba_cmd_finish(cmd, HBAMGR_ST_TIMEOUT, NULL);
	} else if (!ret) {
		if (hba_wait_for_completion_timeout(&cmd->done,
						    HBA_TM_GRACE_MS) == 0)
			ret = -EIO;
	} else if (ret == -EAGAIN || ret == -ENODEV) {
		/* A reset or removal flushes it. */
		ret = 0;
	} else {
		ret = -EIO;
	}
	hba_cmd_put(cmd);
	return ret;
}
