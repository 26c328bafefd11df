// SPDX-License-Identifier: GPL-2.0
/*
 * The adapter state machine: an explicit table of allowed transitions, like
 * nvme_change_ctrl_state().  docs/abi.md lists the same table.
 */
#include "drv_internal.h"

#define S(x)	(1U << HBAMGR_STATE_##x)

/* allowed_from[new] = the states new may be entered from. */
static const u32 allowed_from[] = {
	[HBAMGR_STATE_NEW] = 0,
	[HBAMGR_STATE_INITIALIZING] = S(NEW),
	[HBAMGR_STATE_LIVE] = S(INITIALIZING) | S(RECOVERING),
	[HBAMGR_STATE_RESETTING] = S(LIVE) | S(DEAD),
	[HBAMGR_STATE_RECOVERING] = S(RESETTING),
	[HBAMGR_STATE_DEAD] = S(INITIALIZING) | S(RESETTING) | S(RECOVERING),
	[HBAMGR_STATE_DELETING] = S(NEW) | S(INITIALIZING) | S(LIVE) |
				  S(RESETTING) | S(RECOVERING) | S(DEAD),
};

#undef S

static const char *const state_names[] = {
	[HBAMGR_STATE_NEW] = "new",
	[HBAMGR_STATE_INITIALIZING] = "initializing",
	[HBAMGR_STATE_LIVE] = "live",
	[HBAMGR_STATE_RESETTING] = "resetting",
	[HBAMGR_STATE_RECOVERING] = "recovering",
	[HBAMGR_STATE_DEAD] = "dead",
	[HBAMGR_STATE_DELETING] = "deleting",
};

const char *hba_state_name(u32 state)
{
	if (state >= ARRAY_SIZE(state_names))
		return "invalid";
	return state_names[state];
}

/*
 * Move the adapter to new_state if the table allows it from the current
 * state; false (and nothing changed) otherwise.  Wakes state waiters.
 */
bool hba_change_state(struct hba_adapter *a, u32 new_state)
{
	unsigned long flags;
	bool changed = false;
	u32 old;

	if (HBA_WARN_ON(new_state >= ARRAY_SIZE(allowed_from)))
		return false;
	hba_spin_lock_irqsave(&a->state_lock, flags);
	old = a->state;
	if (allowed_from[new_state] & (1U << old)) {
		a->state = new_state;
		if (new_state != HBAMGR_STATE_LIVE &&
		    new_state != HBAMGR_STATE_RECOVERING)
			a->ioc_operational = false;
		changed = true;
	}
	hba_spin_unlock_irqrestore(&a->state_lock, flags);
	if (changed) {
		hba_dbg("hbamgr%u: %s -> %s\n", a->params.fw.adapter_index,
			hba_state_name(old), hba_state_name(new_state));
		hba_wake_up_all(&a->state_waitq);
	}
	return changed;
}

/* The firmware took IOC_INIT: frames may be posted again. */
void hba_set_ioc_operational(struct hba_adapter *a)
{
	unsigned long flags;

	hba_spin_lock_irqsave(&a->state_lock, flags);
	a->ioc_operational = true;
	hba_spin_unlock_irqrestore(&a->state_lock, flags);
}

u32 hba_get_state(struct hba_adapter *a)
{
	unsigned long flags;
	u32 state;

	hba_spin_lock_irqsave(&a->state_lock, flags);
	state = a->state;
	hba_spin_unlock_irqrestore(&a->state_lock, flags);
	return state;
}

u32 hba_adapter_state(struct hba_adapter *a)
{
	return hba_get_state(a);
}
