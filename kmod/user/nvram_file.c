// SPDX-License-Identifier: GPL-2.0
/*
 * libhbacore's NVRAM for the simulated adapter (struct hba_fw_nvram_ops):
 * the files of a state directory, which one process at a time may use
 * (an flock on "lock").
 *
 *   config       the configuration image: written to config.tmp, fsynced,
 *                renamed over config, and the directory fsynced, so it is
 *                the old or the new image after a crash or a power cut
 *   evtlog       the event log, mapped MAP_SHARED: what the firmware
 *                stores into it is in the page cache at once and survives
 *                the death of the process; msync()ed when the firmware
 *                syncs it (every second) and at power-off.  Its blocks are
 *                allocated up front, so a full disk cannot fault a store.
 *   pd-NNN.img   drive NNN's data, a sparse file (pread/pwrite; what was
 *                never written is a hole and reads as zeros); fdatasync()ed
 *                on SYNCHRONIZE CACHE
 *
 * What goes into the files and how they stay consistent is the firmware's
 * business (kmod/core/fw/nvram.c, evtlog.c).  Problems are kept as one
 * message naming the directory (hbacore_nvram_error()).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hbacore.h"
#include "hba_fw.h"
#include "nvram_file.h"

#define NV_DIR_MODE	0700
#define NV_FILE_MODE	0600

struct hbacore_nvram {
	char dir[PATH_MAX];
	int dir_fd;
	int lock_fd;
	bool had_config;	/* a configuration was there at open */
	int evtlog_fd;
	void *evtlog;		/* MAP_SHARED, evtlog_len bytes */
	size_t evtlog_len;
	pthread_mutex_t error_mu;
	char error[PATH_MAX + 600];	/* guarded by error_mu */
};

struct nv_drive {
	int fd;
};

__attribute__((format(printf, 2, 3)))
static void nv_error(struct hbacore_nvram *nv, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&nv->error_mu);
	snprintf(nv->error, sizeof(nv->error), "state directory %s: %s",
		 nv->dir, msg);
	pthread_mutex_unlock(&nv->error_mu);
}

static void nv_report(void *ctx, const char *msg)
{
	nv_error(ctx, "%s", msg);
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static ssize_t nv_config_load(void *ctx, void *buf, size_t cap)
{
	struct hbacore_nvram *nv = ctx;
	size_t done = 0;
	struct stat st;
	int fd, ret = 0;

	fd = openat(nv->dir_fd, "config", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		nv_error(nv, "config: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
	} else if ((size_t)st.st_size > cap) {
		ret = -EFBIG;
	} else if (st.st_size == 0) {
		nv_error(nv, "config: empty file");
		ret = -EUCLEAN;
	}
	while (!ret && done < (size_t)st.st_size) {
		ssize_t n = pread(fd, (char *)buf + done,
				  (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	close(fd);
	if (ret && ret != -EFBIG && ret != -EUCLEAN)
		nv_error(nv, "config: %s", strerror(-ret));
	return ret ? ret : (ssize_t)done;
}

static int nv_config_save(void *ctx, const void *buf, size_t len)
{
	struct hbacore_nvram *nv = ctx;
	int fd, ret;

	fd = openat(nv->dir_fd, "config.tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, NV_FILE_MODE);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, buf, len, 0);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	if (!ret && renameat(nv->dir_fd, "config.tmp", nv->dir_fd, "config"))
		ret = -errno;
	if (!ret && fsync(nv->dir_fd))
		ret = -errno;
	if (ret)
		unlinkat(nv->dir_fd, "config.tmp", 0);
	return ret;
}

static int nv_evtlog_map(void *ctx, size_t len, void **region)
{
	struct hbacore_nvram *nv = ctx;
	struct stat st;
	void *map;
	int fd, ret;

	if (nv->evtlog) {
		*region = nv->evtlog;
		return nv->evtlog_len == len ? 0 : -EINVAL;
	}
	fd = openat(nv->dir_fd, "evtlog", O_RDWR | O_CREAT | O_CLOEXEC,
		    NV_FILE_MODE);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		nv_error(nv, "evtlog: %s", strerror(-ret));
		goto fail;
	}
	if (st.st_size == 0 && nv->had_config) {
		nv_error(nv, "evtlog: missing, but there is a configuration (the state was damaged or partly removed)");
		ret = -EUCLEAN;
		goto fail;
	}
	if (st.st_size != 0 && (size_t)st.st_size != len) {
		nv_error(nv, "evtlog: %lld bytes, an event log has %zu (truncated?)",
			 (long long)st.st_size, len);
		ret = -EUCLEAN;
		goto fail;
	}
	/* Every block now: a store into the mapping can never hit ENOSPC. */
	ret = -posix_fallocate(fd, 0, (off_t)len);
	if (ret) {
		nv_error(nv, "evtlog: allocating %zu bytes: %s", len,
			 strerror(-ret));
		goto fail;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		nv_error(nv, "evtlog: mmap: %s", strerror(-ret));
		goto fail;
	}
	nv->evtlog_fd = fd;
	nv->evtlog = map;
	nv->evtlog_len = len;
	*region = map;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int nv_evtlog_sync(void *ctx)
{
	struct hbacore_nvram *nv = ctx;

	return msync(nv->evtlog, nv->evtlog_len, MS_SYNC) ? -errno : 0;
}

static int nv_drive_open(void *ctx, u32 pd_id, u64 size, void **drive)
{
	struct hbacore_nvram *nv = ctx;
	struct nv_drive *d;
	char name[32];
	struct stat st;
	int fd, ret;

	snprintf(name, sizeof(name), "pd-%03u.img", pd_id);
	fd = openat(nv->dir_fd, name, O_RDWR | O_CREAT | O_CLOEXEC,
		    NV_FILE_MODE);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		nv_error(nv, "%s: %s", name, strerror(-ret));
		goto fail;
	}
	if (st.st_size == 0 && nv->had_config) {
		nv_error(nv, "%s: missing, but there is a configuration (the state was damaged or partly removed)",
			 name);
		ret = -EUCLEAN;
		goto fail;
	}
	if (st.st_size == 0 && ftruncate(fd, (off_t)size)) {
		ret = -errno;
		nv_error(nv, "%s: %s", name, strerror(-ret));
		goto fail;
	}
	if (st.st_size != 0 && (u64)st.st_size != size) {
		nv_error(nv, "%s: %lld bytes, the drive has %llu", name,
			 (long long)st.st_size, (unsigned long long)size);
		ret = -EUCLEAN;
		goto fail;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		ret = -ENOMEM;
		goto fail;
	}
	d->fd = fd;
	*drive = d;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return ret;
}

static void nv_drive_close(void *drive)
{
	struct nv_drive *d = drive;

	close(d->fd);
	free(d);
}

static int nv_drive_read(void *drive, u64 off, void *buf, size_t len)
{
	struct nv_drive *d = drive;
	char *p = buf;

	while (len) {
		ssize_t n = pread(d->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {		/* past the end: never written */
			memset(p, 0, len);
			break;
		}
		p += n;
		len -= (size_t)n;
		off += (u64)n;
	}
	return 0;
}

static int nv_drive_write(void *drive, u64 off, const void *buf, size_t len)
{
	struct nv_drive *d = drive;

	return write_all(d->fd, buf, len, (off_t)off);
}

static bool nv_drive_is_hole(void *drive, u64 off, u64 len)
{
	struct nv_drive *d = drive;
	off_t data = lseek(d->fd, (off_t)off, SEEK_DATA);

	if (data < 0)
		return errno == ENXIO;	/* no data after off */
	return (u64)data >= off + len;
}

static int nv_drive_sync(void *drive)
{
	struct nv_drive *d = drive;

	return fdatasync(d->fd) ? -errno : 0;
}

const struct hba_fw_nvram_ops hbacore_nvram_file_ops = {
	.evtlog_map = nv_evtlog_map,
	.evtlog_sync = nv_evtlog_sync,
	.config_load = nv_config_load,
	.config_save = nv_config_save,
	.drive_open = nv_drive_open,
	.drive_close = nv_drive_close,
	.drive_read = nv_drive_read,
	.drive_write = nv_drive_write,
	.drive_is_hole = nv_drive_is_hole,
	.drive_sync = nv_drive_sync,
	.report = nv_report,
};

/* mkdir -p, new directories private. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, NV_DIR_MODE) && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

/* The state directory is ours alone while lock_fd is open. */
static int nv_lock(struct hbacore_nvram *nv)
{
	char pid[32];
	ssize_t n;

	nv->lock_fd = openat(nv->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
			     NV_FILE_MODE);
	if (nv->lock_fd < 0) {
		nv_error(nv, "lock: %s", strerror(errno));
		return -errno;
	}
	if (flock(nv->lock_fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

		n = pread(nv->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (err == EWOULDBLOCK)
			nv_error(nv, "in use by process %s (another hbamgrd on the same state directory?)",
				 pid[0] ? pid : "?");
		else
			nv_error(nv, "lock: %s", strerror(err));
		return err == EWOULDBLOCK ? -EBUSY : -err;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(nv->lock_fd, 0) || write_all(nv->lock_fd, pid, n, 0)) {
		nv_error(nv, "lock: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void hbacore_nvram_close(struct hbacore_nvram *nv)
{
	if (!nv)
		return;
	if (nv->evtlog) {
		msync(nv->evtlog, nv->evtlog_len, MS_SYNC);
		munmap(nv->evtlog, nv->evtlog_len);
	}
	if (nv->evtlog_fd >= 0)
		close(nv->evtlog_fd);
	if (nv->lock_fd >= 0)
		close(nv->lock_fd);	/* releases the flock */
	if (nv->dir_fd >= 0)
		close(nv->dir_fd);
	pthread_mutex_destroy(&nv->error_mu);
	free(nv);
}

int hbacore_nvram_open(const char *dir, struct hbacore_nvram **out,
		       char *err, size_t err_len)
{
	struct hbacore_nvram *nv;
	struct stat st;
	int ret;

	*out = NULL;
	if (err_len)
		err[0] = '\0';
	nv = calloc(1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	pthread_mutex_init(&nv->error_mu, NULL);
	nv->dir_fd = nv->lock_fd = nv->evtlog_fd = -1;
	snprintf(nv->dir, sizeof(nv->dir), "%s", dir);
	ret = make_dirs(dir);
	if (ret) {
		nv_error(nv, "cannot create it: %s", strerror(-ret));
		goto fail;
	}
	nv->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nv->dir_fd < 0) {
		ret = -errno;
		nv_error(nv, "%s", strerror(-ret));
		goto fail;
	}
	ret = nv_lock(nv);
	if (ret)
		goto fail;
	/* A save the process did not live to finish. */
	unlinkat(nv->dir_fd, "config.tmp", 0);
	nv->had_config = !fstatat(nv->dir_fd, "config", &st, 0);
	*out = nv;
	return 0;
fail:
	if (err_len)
		snprintf(err, err_len, "%s", nv->error);
	hbacore_nvram_close(nv);
	return ret;
}

size_t hbacore_nvram_error(struct hbacore_nvram *nv, char *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&nv->error_mu);
	n = strlen(nv->error);
	if (len)
		snprintf(buf, len, "%s", nv->error);
	pthread_mutex_unlock(&nv->error_mu);
	return n;
}
