// SPDX-License-Identifier: GPL-2.0
/*
 * hbactl - a tiny hbamgr ioctl client for the in-guest kernel tests.
 * Uses nothing but <linux/hbamgr.h>; built with `cc -static`.
 *
 *   hbactl DEV info                  GET_INFO as "key value" lines
 *   hbactl DEV reset                 RESET with F_WAIT; prints state, count
 *   hbactl DEV pds                   PD_LIST: "pd_id encl slot vd_id state bs"
 *   hbactl DEV vds                   VD_LIST: "vd_id raid state blocks bs"
 *   hbactl DEV vd-create LEVEL PD... VD_CREATE over all of the PDs' space;
 *                                    prints the new VD id
 *   hbactl DEV vd-delete VD          VD_DELETE
 *   hbactl DEV bgop-start TYPE ID    BGOP_START (TYPE: enum hbamgr_bgop_type)
 *   hbactl DEV bgops                 BGOP_LIST: "type state target pm errors"
 *   hbactl DEV fault F ARG COUNT DELAY_MS
 *                                    FAULT_INJECT (F: enum hbamgr_fault)
 *   hbactl DEV block-ioctl MS        a CTRL_GET_INFO passthru with timeout
 *                                    MS, then close(): prints
 *                                    "ioctl: <errno name>" and "close: ok"
 *
 * Exit status: 0 when the call (and a passthru's status) succeeded, 1 on
 * failure, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/hbamgr.h>

#define LIST_MAX 128

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "OK";
	case ENODEV: return "ENODEV";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return strerror(e);
	}
}

static int usage(void)
{
	fprintf(stderr,
		"usage: hbactl DEV info|reset|pds|vds|bgops\n"
		"       hbactl DEV vd-create LEVEL PD...\n"
		"       hbactl DEV vd-delete VD\n"
		"       hbactl DEV bgop-start TYPE TARGET\n"
		"       hbactl DEV fault FAULT ARG COUNT DELAY_MS\n"
		"       hbactl DEV block-ioctl TIMEOUT_MS\n");
	return 2;
}

/* A number argument; anything else is a usage error (exit 2). */
static unsigned long arg_number(const char *arg)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (!*arg || *end || errno) {
		fprintf(stderr, "hbactl: not a number: '%s'\n", arg);
		exit(2);
	}
	return v;
}

/* A MGMT passthru; 0 when the ioctl and the command succeeded. */
static int mgmt(int fd, unsigned int opcode, unsigned int dir,
		const void *mbox, size_t mbox_len, void *data,
		unsigned int data_len, unsigned int timeout_ms,
		struct hbamgr_passthru *out)
{
	struct hbamgr_passthru pt;

	memset(&pt, 0, sizeof(pt));
	pt.size = sizeof(pt);
	pt.type = HBAMGR_PT_MGMT;
	pt.dir = dir;
	pt.opcode = opcode;
	pt.timeout_ms = timeout_ms;
	if (mbox)
		memcpy(pt.cdb, mbox, mbox_len);
	pt.data_ptr = (unsigned long)data;
	pt.data_len = data_len;
	if (ioctl(fd, HBAMGR_IOC_PASSTHRU, &pt) < 0) {
		fprintf(stderr, "hbactl: PASSTHRU 0x%x: %s\n", opcode,
			errno_name(errno));
		return -1;
	}
	if (out)
		*out = pt;
	if (pt.status != HBAMGR_ST_OK) {
		fprintf(stderr, "hbactl: PASSTHRU 0x%x: status %u\n", opcode,
			pt.status);
		return -1;
	}
	return 0;
}

static int cmd_info(int fd)
{
	struct hbamgr_info in;

	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	if (ioctl(fd, HBAMGR_IOC_GET_INFO, &in) < 0) {
		fprintf(stderr, "hbactl: GET_INFO: %s\n", errno_name(errno));
		return 1;
	}
	printf("abi %u.%u\n", in.abi_major, in.abi_minor);
	printf("state %u\n", in.state);
	printf("features 0x%llx\n", (unsigned long long)in.features);
	printf("driver_version %s\n", in.driver_version);
	printf("fw_version %s\n", in.fw_version);
	printf("model %s\n", in.model);
	printf("serial %s\n", in.serial);
	printf("adapter_index %u\n", in.adapter_index);
	printf("fw_max_cmds %u\n", in.fw_max_cmds);
	printf("drv_max_cmds %u\n", in.drv_max_cmds);
	printf("max_srbs %u\n", in.max_srbs);
	printf("srbs_posted %u\n", in.srbs_posted);
	printf("max_transfer %u\n", in.max_transfer);
	printf("reset_count %u\n", in.reset_count);
	printf("fw_fault_code %u\n", in.fw_fault_code);
	printf("cmds_outstanding %u\n", in.cmds_outstanding);
	printf("last_event_seq %llu\n", (unsigned long long)in.last_event_seq);
	printf("stale_replies %llu\n", (unsigned long long)in.stale_replies);
	return 0;
}

static int cmd_reset(int fd)
{
	struct hbamgr_reset r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = HBAMGR_RESET_F_WAIT;
	if (ioctl(fd, HBAMGR_IOC_RESET, &r) < 0) {
		fprintf(stderr, "hbactl: RESET: %s\n", errno_name(errno));
		return 1;
	}
	printf("state %u\nreset_count %u\n", r.state, r.reset_count);
	return r.state == HBAMGR_STATE_LIVE ? 0 : 1;
}

static int cmd_pds(int fd)
{
	static struct hbamgr_pd_info pd[LIST_MAX];
	struct hbamgr_passthru pt;
	unsigned int i;

	if (mgmt(fd, HBAMGR_MGMT_PD_LIST, HBAMGR_DIR_FROM_DEV, NULL, 0, pd,
		 sizeof(pd), 0, &pt))
		return 1;
	for (i = 0; i < pt.result; i++)
		printf("%u %u %u %u %u %u\n", pd[i].pd_id, pd[i].encl_id,
		       pd[i].slot, pd[i].vd_id, pd[i].state,
		       pd[i].logical_block_size);
	return 0;
}

static int cmd_vds(int fd)
{
	static struct hbamgr_vd_info vd[LIST_MAX];
	struct hbamgr_passthru pt;
	unsigned int i;

	if (mgmt(fd, HBAMGR_MGMT_VD_LIST, HBAMGR_DIR_FROM_DEV, NULL, 0, vd,
		 sizeof(vd), 0, &pt))
		return 1;
	for (i = 0; i < pt.result; i++)
		printf("%u %u %u %llu %u\n", vd[i].vd_id, vd[i].raid_level,
		       vd[i].state, (unsigned long long)vd[i].num_blocks,
		       vd[i].logical_block_size);
	return 0;
}

static int cmd_vd_create(int fd, int argc, char **argv)
{
	struct hbamgr_vd_create vc;
	struct hbamgr_passthru pt;
	int i;

	if (argc < 2 || argc - 1 > HBAMGR_VD_MAX_PDS)
		return usage();
	memset(&vc, 0, sizeof(vc));
	vc.raid_level = arg_number(argv[0]);
	vc.num_pds = argc - 1;
	for (i = 1; i < argc; i++)
		vc.pd_ids[i - 1] = arg_number(argv[i]);
	snprintf(vc.name, sizeof(vc.name), "hbactl");
	if (mgmt(fd, HBAMGR_MGMT_VD_CREATE, HBAMGR_DIR_TO_DEV, NULL, 0, &vc,
		 sizeof(vc), 0, &pt))
		return 1;
	printf("%u\n", pt.result);
	return 0;
}

static int cmd_vd_delete(int fd, unsigned int vd_id)
{
	struct hbamgr_mbox_vd_delete mb;

	memset(&mb, 0, sizeof(mb));
	mb.vd_id = vd_id;
	return mgmt(fd, HBAMGR_MGMT_VD_DELETE, HBAMGR_DIR_NONE, &mb,
		    sizeof(mb), NULL, 0, 0, NULL) ? 1 : 0;
}

static int cmd_bgop_start(int fd, unsigned int type, unsigned int target)
{
	struct hbamgr_mbox_bgop mb;

	memset(&mb, 0, sizeof(mb));
	mb.type = type;
	mb.target = target;
	return mgmt(fd, HBAMGR_MGMT_BGOP_START, HBAMGR_DIR_NONE, &mb,
		    sizeof(mb), NULL, 0, 0, NULL) ? 1 : 0;
}

static int cmd_bgops(int fd)
{
	static struct hbamgr_bgop_info op[LIST_MAX];
	struct hbamgr_passthru pt;
	unsigned int i;

	if (mgmt(fd, HBAMGR_MGMT_BGOP_LIST, HBAMGR_DIR_FROM_DEV, NULL, 0, op,
		 sizeof(op), 0, &pt))
		return 1;
	for (i = 0; i < pt.result; i++)
		printf("%u %u %u %u %llu\n", op[i].type, op[i].state,
		       op[i].target, op[i].progress_pm,
		       (unsigned long long)op[i].errors);
	return 0;
}

static int cmd_fault(int fd, char **argv)
{
	struct hbamgr_mbox_fault mb;

	memset(&mb, 0, sizeof(mb));
	mb.fault = arg_number(argv[0]);
	mb.arg = arg_number(argv[1]);
	mb.count = arg_number(argv[2]);
	mb.delay_ms = arg_number(argv[3]);
	return mgmt(fd, HBAMGR_MGMT_FAULT_INJECT, HBAMGR_DIR_NONE, &mb,
		    sizeof(mb), NULL, 0, 0, NULL) ? 1 : 0;
}

/* For the removal test: the ioctl is expected to fail with ENODEV. */
static int cmd_block_ioctl(int fd, unsigned int timeout_ms)
{
	static struct hbamgr_ctrl_info ci;
	struct hbamgr_passthru pt;
	int ret, err;

	memset(&pt, 0, sizeof(pt));
	pt.size = sizeof(pt);
	pt.type = HBAMGR_PT_MGMT;
	pt.dir = HBAMGR_DIR_FROM_DEV;
	pt.opcode = HBAMGR_MGMT_CTRL_GET_INFO;
	pt.timeout_ms = timeout_ms;
	pt.data_ptr = (unsigned long)&ci;
	pt.data_len = sizeof(ci);
	ret = ioctl(fd, HBAMGR_IOC_PASSTHRU, &pt);
	err = ret < 0 ? errno : 0;
	printf("ioctl: %s\n", errno_name(err));
	if (!err)
		printf("status: %u\n", pt.status);
	fflush(stdout);
	if (close(fd) < 0) {
		printf("close: %s\n", errno_name(errno));
		return 1;
	}
	printf("close: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int fd;

	if (argc < 3)
		return usage();
	cmd = argv[2];
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "hbactl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (!strcmp(cmd, "info") && argc == 3)
		return cmd_info(fd);
	if (!strcmp(cmd, "reset") && argc == 3)
		return cmd_reset(fd);
	if (!strcmp(cmd, "pds") && argc == 3)
		return cmd_pds(fd);
	if (!strcmp(cmd, "vds") && argc == 3)
		return cmd_vds(fd);
	if (!strcmp(cmd, "vd-create") && argc >= 5)
		return cmd_vd_create(fd, argc - 3, argv + 3);
	if (!strcmp(cmd, "vd-delete") && argc == 4)
		return cmd_vd_delete(fd, arg_number(argv[3]));
	if (!strcmp(cmd, "bgops") && argc == 3)
		return cmd_bgops(fd);
	if (!strcmp(cmd, "bgop-start") && argc == 5)
		return cmd_bgop_start(fd, arg_number(argv[3]),
				      arg_number(argv[4]));
	if (!strcmp(cmd, "fault") && argc == 7)
		return cmd_fault(fd, argv + 3);
	if (!strcmp(cmd, "block-ioctl") && argc == 4)
		return cmd_block_ioctl(fd, arg_number(argv[3]));
	return usage();
}
