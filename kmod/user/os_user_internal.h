/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the userspace shim's own files (os_user.c, wq_user.c). */
#ifndef HBA_OS_USER_INTERNAL_H
#define HBA_OS_USER_INTERNAL_H

#include "hba_os_user.h"

/* A condition variable on CLOCK_MONOTONIC. */
void hba_os_cond_init(pthread_cond_t *cond);
/* Wait until signalled or deadline_ns (0 = none); false on timeout. */
bool hba_os_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
			    u64 deadline_ns);

#ifdef HBA_TEST_HOOKS
/* Emulated fatal signals (os_user.c): the calling thread's task, and
 * making a task's killable waits return -EINTR.
 */
void *hba_os_task_self(void);
void hba_os_task_kill(void *task);
void hba_os_kill_all(bool on);
#endif

#endif /* HBA_OS_USER_INTERNAL_H */
