/* SPDX-License-Identifier: GPL-2.0 */
/* libhbacore's file-backed NVRAM (nvram_file.c), for hbacore.c. */
#ifndef HBACORE_NVRAM_FILE_H
#define HBACORE_NVRAM_FILE_H

#include "hba_fw.h"

extern const struct hba_fw_nvram_ops hbacore_nvram_file_ops;

#endif /* HBACORE_NVRAM_FILE_H */
