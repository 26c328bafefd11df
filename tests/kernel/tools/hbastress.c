// SPDX-License-Identifier: GPL-2.0
/*
 * hbastress - a bounded random ioctl-sequence stress of hbamgr.ko for the
 * in-guest kernel tests (run under KASAN and lockdep on the debug kernel).
 * Uses nothing but <linux/hbamgr.h> and pthreads; built with `cc -static`.
 *
 *   hbastress [-t SECONDS] [-j THREADS] [-s SEED] [-f] [-r] DEV...
 *
 *   -t SECONDS  run this long (default 30)
 *   -j THREADS  opener threads (default 9)
 *   -s SEED     random seed (default: from the clock; printed)
 *   -f          also inject faults with FAULT_INJECT (lost, late and
 *               duplicate completions, SRB storms, firmware faults)
 *   -r          also RESET, with and without waiting
 *
 * Every thread, until the time is up: opens one of the DEVs at random (an
 * adapter removed meanwhile fails the open, which is fine), runs a random
 * number of random calls on it and closes it.  Calls: GET_INFO, PASSTHRU
 * (SCSI and MGMT) and RESET with random sizes (below, at and above the
 * struct, with zero and non-zero trailing bytes), random flags, reserved
 * fields and directions, random data and sense lengths up to past the
 * limits, valid, NULL and unmapped pointers, short passthrough timeouts;
 * unknown ioctl numbers; read() of random lengths (blocking only when poll
 * says an event is queued); poll().
 *
 * Checks: every ioctl returns 0 or -1 with an errno the ABI allows, every
 * read() a whole number of records or -1 with an allowed errno, and every
 * call returns within CALL_BOUND_S (a watchdog aborts the run naming the
 * stuck call otherwise: a hang is a failure with a reason).  The kernel's
 * own checks (KASAN, lockdep, WARN) are judged from the console log.
 *
 * Output: the seed, then per call kind the number of calls and of each
 * errno.  Exit status: 0 no check failed, 1 a check failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/hbamgr.h>

#define MAX_THREADS	64
#define CALL_BOUND_S	180	/* passthrough timeouts here are <= 2 s */
#define DATA_BUF	(2u << 20)
#define BAD_PTR		0x10ull	/* never mapped */

enum call_kind {
	K_INFO, K_PT_SCSI, K_PT_MGMT, K_FAULT, K_RESET, K_BADCMD, K_READ,
	K_POLL, K_OPEN, K_NR
};

static const char *const kind_names[K_NR] = {
	"GET_INFO", "PASSTHRU-SCSI", "PASSTHRU-MGMT", "FAULT_INJECT",
	"RESET", "bad-ioctl", "read", "poll", "open",
};

/* Outcomes counted per kind: 0 success, else the errno (< 256). */
#define NR_OUTCOMES	256
static unsigned long counts[K_NR][NR_OUTCOMES];	/* __atomic */
static int failed;				/* __atomic */

static int ndevs;
static char **devs;
static int faults, resets;
static time_t deadline;

struct worker {
	pthread_t thread;
	unsigned int seed;
	int index;
	/* the call in progress, for the watchdog; __atomic */
	time_t call_start;
	const char *call_name;
	unsigned char *data;
};

static struct worker workers[MAX_THREADS];
static int nworkers;

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return n ? (unsigned int)rand_r(&w->seed) % n : 0;
}

static int chance(struct worker *w, unsigned int percent)
{
	return rnd(w, 100) < percent;
}

static void count(enum call_kind k, int err)
{
	__atomic_add_fetch(&counts[k][err < NR_OUTCOMES ? err : 0], 1,
			   __ATOMIC_RELAXED);
}

static void check_failed(struct worker *w, const char *fmt, const char *what,
			 long ret, int err)
{
	fprintf(stderr, "hbastress: thread %d: CHECK FAILED: ", w->index);
	fprintf(stderr, fmt, what, ret, err);
	fputc('\n', stderr);
	__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
}

static void call_begin(struct worker *w, const char *name)
{
	__atomic_store_n(&w->call_name, name, __ATOMIC_RELAXED);
	__atomic_store_n(&w->call_start, time(NULL), __ATOMIC_RELAXED);
}

static void call_end(struct worker *w)
{
	__atomic_store_n(&w->call_start, 0, __ATOMIC_RELAXED);
}

/* The errnos the ABI documents for the calls made here. */
static int errno_allowed(int e)
{
	switch (e) {
	case EINVAL: case E2BIG: case EFAULT: case ENODEV: case EAGAIN:
	case EPERM: case ENOTTY: case ENOMEM: case EIO: case EBUSY:
	case ETIMEDOUT: case ENOSPC:
		return 1;
	default:
		return 0;
	}
}

static void do_ioctl(struct worker *w, int fd, enum call_kind k,
		     unsigned long cmd, void *arg)
{
	long ret;
	int err;

	call_begin(w, kind_names[k]);
	ret = ioctl(fd, cmd, arg);
	err = ret < 0 ? errno : 0;
	call_end(w);
	count(k, err);
	if (ret > 0 || (ret < 0 && !errno_allowed(err)))
		check_failed(w, "%s returned %ld, errno %d", kind_names[k], ret,
			     err);
}

/* A size for an argument struct of n bytes: mostly right, often not. */
static unsigned int pick_size(struct worker *w, unsigned int n)
{
	switch (rnd(w, 12)) {
	case 0: return 0;
	case 1: return rnd(w, HBAMGR_SIZE_MIN);
	case 2: return n - 8;
	case 3: return n + 8;
	case 4: return HBAMGR_SIZE_MAX;
	case 5: return HBAMGR_SIZE_MAX + 1 + rnd(w, 64);
	case 6: return HBAMGR_SIZE_MIN + rnd(w, 2 * n);
	default: return n;
	}
}

/*
 * The argument buffer: the struct at its start, the bytes after it zero
 * or (sometimes) not, so sizes beyond the struct hit both E2BIG paths.
 */
static void *arg_buf(struct worker *w, unsigned char *buf, size_t buf_len,
		     size_t n)
{
	memset(buf, 0, buf_len);
	if (chance(w, 20))
		buf[n + rnd(w, (unsigned int)(buf_len - n))] = 1 + rnd(w, 255);
	return buf;
}

/* Sometimes NULL or unmapped instead of p. */
static void *maybe_bad(struct worker *w, void *p)
{
	switch (rnd(w, 40)) {
	case 0: return NULL;
	case 1: return (void *)(uintptr_t)BAD_PTR;
	default: return p;
	}
}

static void op_info(struct worker *w, int fd)
{
	unsigned char buf[HBAMGR_SIZE_MAX + 256];
	struct hbamgr_info *in = arg_buf(w, buf, sizeof(buf), sizeof(*in));

	in->size = pick_size(w, sizeof(*in));
	if (chance(w, 5))
		in->flags = 1u << rnd(w, 32);
	do_ioctl(w, fd, K_INFO, HBAMGR_IOC_GET_INFO, maybe_bad(w, in));
}

static const unsigned char scsi_ops[] = {
	0x00,	/* TEST UNIT READY */
	0x12,	/* INQUIRY */
	0x25,	/* READ CAPACITY(10) */
	0x28,	/* READ(10) */
	0x2a,	/* WRITE(10) */
	0x1a,	/* MODE SENSE(6) */
	0x4d,	/* LOG SENSE */
	0xa0,	/* REPORT LUNS */
	0x9e,	/* SERVICE ACTION IN(16) */
	0x88,	/* READ(16) */
};

static const unsigned int mgmt_ops[] = {
	HBAMGR_MGMT_CTRL_GET_INFO, HBAMGR_MGMT_ENCL_LIST, HBAMGR_MGMT_PD_LIST,
	HBAMGR_MGMT_VD_LIST, HBAMGR_MGMT_BGOP_LIST, HBAMGR_MGMT_EVTLOG_INFO,
	HBAMGR_MGMT_EVTLOG_GET, HBAMGR_MGMT_PD_LOCATE, 0x0999,
};

static unsigned int pick_data_len(struct worker *w)
{
	switch (rnd(w, 10)) {
	case 0: return 0;
	case 1: return (1u << 20) + rnd(w, 2) * (1 + rnd(w, 4096));
	case 2: return 1 + rnd(w, DATA_BUF - 1);
	default: return 1 + rnd(w, 64 * 1024);
	}
}

static void fill_passthru(struct worker *w, struct hbamgr_passthru *pt)
{
	static __thread unsigned char sense_buf[HBAMGR_SENSE_MAX + 16];

	pt->size = chance(w, 20) ? 112 : pick_size(w, sizeof(*pt));
	pt->dir = chance(w, 5) ? rnd(w, 8) : rnd(w, 3);
	pt->data_len = pt->dir == HBAMGR_DIR_NONE && chance(w, 90) ? 0 :
		       pick_data_len(w);
	pt->data_ptr = pt->data_len ?
		       (uintptr_t)maybe_bad(w, w->data) : 0;
	if (chance(w, 3))
		pt->data_ptr = (uintptr_t)w->data;
	pt->sense_len = chance(w, 50) ? rnd(w, HBAMGR_SENSE_MAX + 8) : 0;
	pt->sense_ptr = pt->sense_len ?
			(uintptr_t)maybe_bad(w, sense_buf) : 0;
	pt->timeout_ms = chance(w, 10) ? 0 : 20 + rnd(w, 1980);
	if (chance(w, 3))
		pt->flags = 1u << rnd(w, 32);
	if (chance(w, 2))
		pt->reserved[rnd(w, 2)] = 1;
	if (chance(w, 2))
		pt->pad0 = 1;
	if (chance(w, 2))
		pt->lun = 1;
}

static void op_pt_scsi(struct worker *w, int fd)
{
	unsigned char buf[HBAMGR_SIZE_MAX + 256];
	struct hbamgr_passthru *pt = arg_buf(w, buf, sizeof(buf), sizeof(*pt));
	unsigned int i, lba;

	fill_passthru(w, pt);
	pt->type = chance(w, 3) ? rnd(w, 8) : HBAMGR_PT_SCSI;
	pt->target = chance(w, 80) ? rnd(w, 3) : rnd(w, 70);
	if (chance(w, 10))
		pt->flags |= HBAMGR_PT_F_PHYS;
	pt->cdb_len = chance(w, 5) ? rnd(w, 40) :
		      (unsigned char[]){ 6, 10, 12, 16 }[rnd(w, 4)];
	pt->cdb[0] = scsi_ops[rnd(w, sizeof(scsi_ops))];
	if (chance(w, 5))
		for (i = 1; i < sizeof(pt->cdb); i++)
			pt->cdb[i] = rnd(w, 256);
	/* READ/WRITE(10): a few blocks near the start of the VD. */
	lba = rnd(w, 4096);
	pt->cdb[2] = lba >> 24;
	pt->cdb[3] = lba >> 16;
	pt->cdb[4] = lba >> 8;
	pt->cdb[5] = lba;
	pt->cdb[8] = 1 + rnd(w, 8);
	do_ioctl(w, fd, K_PT_SCSI, HBAMGR_IOC_PASSTHRU, maybe_bad(w, pt));
}

static void op_pt_mgmt(struct worker *w, int fd)
{
	unsigned char buf[HBAMGR_SIZE_MAX + 256];
	struct hbamgr_passthru *pt = arg_buf(w, buf, sizeof(buf), sizeof(*pt));
	unsigned int i;

	fill_passthru(w, pt);
	pt->type = HBAMGR_PT_MGMT;
	pt->opcode = mgmt_ops[rnd(w, sizeof(mgmt_ops) / sizeof(mgmt_ops[0]))];
	if (chance(w, 70))
		pt->dir = HBAMGR_DIR_FROM_DEV;
	if (chance(w, 10))
		for (i = 0; i < sizeof(pt->cdb); i++)
			pt->cdb[i] = rnd(w, 256);
	if (pt->dir == HBAMGR_DIR_NONE) {
		pt->data_len = 0;
		pt->data_ptr = 0;
	} else if (!pt->data_len) {
		pt->data_len = 1 + rnd(w, 128 * 1024);
		pt->data_ptr = (uintptr_t)w->data;
	}
	do_ioctl(w, fd, K_PT_MGMT, HBAMGR_IOC_PASSTHRU, maybe_bad(w, pt));
}

/* Faults the recovery paths must survive (never a drive failure). */
static void op_fault(struct worker *w, int fd)
{
	struct hbamgr_passthru pt;
	struct hbamgr_mbox_fault f;

	memset(&pt, 0, sizeof(pt));
	memset(&f, 0, sizeof(f));
	switch (rnd(w, 20)) {
	case 0:
		f.fault = HBAMGR_FAULT_FW_FAULT;
		break;
	case 1: case 2: case 3:
		f.fault = HBAMGR_FAULT_LOSE_COMPLETION;
		f.count = 1 + rnd(w, 3);
		break;
	case 4: case 5: case 6: case 7:
		f.fault = HBAMGR_FAULT_LATE_COMPLETION;
		f.count = 1 + rnd(w, 3);
		f.delay_ms = 10 + rnd(w, 1000);
		break;
	case 8: case 9: case 10:
		f.fault = HBAMGR_FAULT_DUP_COMPLETION;
		f.count = 1 + rnd(w, 5);
		break;
	case 11: case 12: case 13: case 14:
		f.fault = HBAMGR_FAULT_SRB_STORM;
		f.count = 1 + rnd(w, 50);
		break;
	case 15: case 16:
		f.fault = HBAMGR_FAULT_STORM_ON_RESET;
		f.count = 1 + rnd(w, 200);
		break;
	default:
		f.fault = HBAMGR_FAULT_CLEAR;
		break;
	}
	pt.size = sizeof(pt);
	pt.type = HBAMGR_PT_MGMT;
	pt.opcode = HBAMGR_MGMT_FAULT_INJECT;
	pt.timeout_ms = 2000;
	memcpy(pt.cdb, &f, sizeof(f));
	do_ioctl(w, fd, K_FAULT, HBAMGR_IOC_PASSTHRU, &pt);
}

static void op_reset(struct worker *w, int fd)
{
	unsigned char buf[HBAMGR_SIZE_MAX + 256];
	struct hbamgr_reset *r = arg_buf(w, buf, sizeof(buf), sizeof(*r));

	r->size = pick_size(w, sizeof(*r));
	r->flags = chance(w, 5) ? 1u << rnd(w, 32) :
		   (chance(w, 50) ? HBAMGR_RESET_F_WAIT : 0);
	if (chance(w, 3))
		r->reserved[rnd(w, 2)] = 1;
	do_ioctl(w, fd, K_RESET, HBAMGR_IOC_RESET, maybe_bad(w, r));
}

static void op_bad_ioctl(struct worker *w, int fd)
{
	unsigned char buf[HBAMGR_SIZE_MAX + 256];
	static const unsigned long cmds[] = {
		_IOWR(HBAMGR_IOC_MAGIC, 0x00, struct hbamgr_info),
		_IOWR(HBAMGR_IOC_MAGIC, 0x04, struct hbamgr_info),
		_IOWR(HBAMGR_IOC_MAGIC, 0x7f, struct hbamgr_info),
		_IOR(HBAMGR_IOC_MAGIC, 0x01, struct hbamgr_info),
		_IOWR(HBAMGR_IOC_MAGIC, 0x01, __u64),
		_IOWR(0x42, 0x01, struct hbamgr_info),
		_IO(HBAMGR_IOC_MAGIC, 0x02),
	};

	memset(buf, 0, sizeof(buf));
	*(__u32 *)buf = sizeof(struct hbamgr_info);
	do_ioctl(w, fd, K_BADCMD, cmds[rnd(w, sizeof(cmds) / sizeof(cmds[0]))],
		 buf);
}

static void op_read(struct worker *w, int fd)
{
	struct hbamgr_event ev[4];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = rnd(w, sizeof(ev) + 1);
	int flags = fcntl(fd, F_GETFL);
	int block;
	ssize_t n;
	int err;

	/* Blocking only when something is queued: read() must not sleep. */
	call_begin(w, "poll");
	block = poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && chance(w, 30);
	call_end(w);
	fcntl(fd, F_SETFL, block ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
	call_begin(w, "read");
	n = read(fd, maybe_bad(w, ev), len);
	err = n < 0 ? errno : 0;
	call_end(w);
	count(K_READ, err);
	if ((n >= 0 && (n % sizeof(ev[0]) || (size_t)n > len)) ||
	    (n < 0 && !errno_allowed(err)))
		check_failed(w, "%s returned %ld, errno %d", "read", n, err);
}

static void op_poll(struct worker *w, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n, err;

	call_begin(w, "poll");
	n = poll(&p, 1, rnd(w, 50));
	err = n < 0 ? errno : 0;
	call_end(w);
	count(K_POLL, err);
	if (n < 0 || (n == 1 && (p.revents & ~(POLLIN | POLLHUP | POLLERR))))
		check_failed(w, "%s returned %ld, errno %d", "poll", n, err);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (time(NULL) < deadline) {
		const char *dev = devs[rnd(w, ndevs)];
		int fd, calls, i, err;

		call_begin(w, "open");
		fd = open(dev, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		err = fd < 0 ? errno : 0;
		call_end(w);
		count(K_OPEN, err);
		if (fd < 0) {
			/* The adapter was removed: its node is gone. */
			if (err != ENOENT && err != ENODEV && err != ENXIO)
				check_failed(w, "%s returned %ld, errno %d",
					     dev, -1, err);
			usleep(1000);
			continue;
		}
		calls = 1 + rnd(w, 100);
		for (i = 0; i < calls && time(NULL) < deadline; i++) {
			unsigned int op = rnd(w, 100);

			if (op < 20)
				op_info(w, fd);
			else if (op < 45)
				op_pt_scsi(w, fd);
			else if (op < 65)
				op_pt_mgmt(w, fd);
			else if (op < 70)
				op_bad_ioctl(w, fd);
			else if (op < 82)
				op_read(w, fd);
			else if (op < 88)
				op_poll(w, fd);
			else if (op < 96)
				faults ? op_fault(w, fd) : op_info(w, fd);
			else
				resets ? op_reset(w, fd) : op_info(w, fd);
		}
		close(fd);
	}
	return NULL;
}

/* Aborts the run, naming the call, when one does not return in time. */
static void *watchdog_main(void *arg)
{
	(void)arg;
	for (;;) {
		time_t now = time(NULL);
		int i;

		for (i = 0; i < nworkers; i++) {
			time_t t = __atomic_load_n(&workers[i].call_start,
						   __ATOMIC_RELAXED);

			if (t && now - t > CALL_BOUND_S) {
				fprintf(stderr,
					"hbastress: HANG: thread %d: %s did not return within %d s\n",
					i, __atomic_load_n(&workers[i].call_name,
							   __ATOMIC_RELAXED),
					CALL_BOUND_S);
				fflush(stderr);
				_exit(1);
			}
		}
		sleep(1);
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: hbastress [-t SECONDS] [-j THREADS] [-s SEED] [-f] [-r] DEV...\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	unsigned long total = 0;
	int seconds = 30, threads = 9, opt, i, k, e;
	pthread_t wd;

	while ((opt = getopt(argc, argv, "t:j:s:fr")) != -1) {
		switch (opt) {
		case 't': seconds = atoi(optarg); break;
		case 'j': threads = atoi(optarg); break;
		case 's': seed = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'f': faults = 1; break;
		case 'r': resets = 1; break;
		default: return usage();
		}
	}
	if (optind >= argc || seconds < 1 || threads < 1 ||
	    threads > MAX_THREADS)
		return usage();
	devs = argv + optind;
	ndevs = argc - optind;
	printf("hbastress: seed %u, %d threads, %d s, faults %s, resets %s, %d device(s)\n",
	       seed, threads, seconds, faults ? "on" : "off",
	       resets ? "on" : "off", ndevs);
	fflush(stdout);
	deadline = time(NULL) + seconds;
	nworkers = threads;
	for (i = 0; i < threads; i++) {
		workers[i].index = i;
		workers[i].seed = seed + (unsigned int)i * 7919u;
		workers[i].data = calloc(1, DATA_BUF);
		if (!workers[i].data) {
			perror("hbastress: calloc");
			return 1;
		}
	}
	if (pthread_create(&wd, NULL, watchdog_main, NULL)) {
		perror("hbastress: pthread_create");
		return 1;
	}
	for (i = 0; i < threads; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i])) {
			perror("hbastress: pthread_create");
			return 1;
		}
	for (i = 0; i < threads; i++)
		pthread_join(workers[i].thread, NULL);

	for (k = 0; k < K_NR; k++) {
		unsigned long n = 0;

		for (e = 0; e < NR_OUTCOMES; e++)
			n += counts[k][e];
		total += n;
		printf("%-14s %8lu:", kind_names[k], n);
		for (e = 0; e < NR_OUTCOMES; e++)
			if (counts[k][e])
				printf(" %s %lu", e ? strerror(e) : "ok",
				       counts[k][e]);
		printf("\n");
	}
	printf("hbastress: %lu calls, %s\n", total,
	       failed ? "CHECKS FAILED" : "all checks passed");
	return failed ? 1 : 0;
}
