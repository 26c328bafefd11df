// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line part of the kernel OS shim (see hba_os_linux.h): the
 * workqueue and the trampolines from work_struct to struct hba_work.
 */
#include "hba_os.h"

void hba_work_trampoline(struct work_struct *ws)
{
	struct hba_work *w = container_of(ws, struct hba_work, work);

	w->func(w);
}

void hba_delayed_work_trampoline(struct work_struct *ws)
{
	struct hba_delayed_work *dw =
		container_of(to_delayed_work(ws), struct hba_delayed_work,
			     dwork);

	dw->work.func(&dw->work);
}

/*
 * Unbound, so completion work spreads over the CPUs; WQ_MEM_RECLAIM because
 * block I/O completes through it and must make progress under memory
 * pressure.
 */
struct hba_wq *hba_wq_create(const char *name, int max_active)
{
	struct hba_wq *wq = kzalloc(sizeof(*wq), GFP_KERNEL);

	if (!wq)
		return NULL;
	wq->wq = alloc_workqueue("%s", WQ_UNBOUND | WQ_MEM_RECLAIM,
				 max_active, name);
	if (!wq->wq) {
		kfree(wq);
		return NULL;
	}
	return wq;
}

void hba_wq_destroy(struct hba_wq *wq)
{
	if (!wq)
		return;
	destroy_workqueue(wq->wq);
	kfree(wq);
}
