// SPDX-License-Identifier: GPL-2.0
/*
 * Open and release (invariant 3): a file holds an adapter reference, so
 * the adapter's memory outlives every file; release only unlinks the file
 * and drops that reference, it never tears down what the remover owns.
 */
#include "drv_internal.h"

int hba_file_open(struct hba_adapter *a, struct hba_file **out)
{
	unsigned long flags;
	struct hba_file *f;
	int ret;

	if (hba_get_state(a) == HBAMGR_STATE_DELETING)
		return -ENODEV;
	f = hba_zalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->a = a;
	ret = hba_file_ring_init(f, a->params.event_ring_records);
	if (ret) {
		hba_free(f);
		return ret;
	}
	hba_adapter_get(a);
	hba_spin_lock_irqsave(&a->files_lock, flags);
	f->next = a->files;
	if (a->files)
		a->files->prev = f;
	a->files = f;
	hba_spin_unlock_irqrestore(&a->files_lock, flags);
	*out = f;
	return 0;
}

void hba_file_release(struct hba_file *f)
{
	struct hba_adapter *a = f->a;
	unsigned long flags;

	hba_spin_lock_irqsave(&a->files_lock, flags);
	if (f->prev)
		f->prev->next = f->next;
	else
		a->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	hba_spin_unlock_irqrestore(&a->files_lock, flags);
	hba_file_ring_free(f);
	hba_free(f);
	hba_adapter_put(a);
}
