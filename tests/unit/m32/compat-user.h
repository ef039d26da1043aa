/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * m32/compat-user.h - the part of src/core/compat-user.h the viommu event
 * queue and arch files use, without liburcu (Debian ships no 32-bit
 * liburcu-dev on an amd64 host): pthread locks and calloc.  Only
 * tests/unit/m32-eventq.sh puts this directory first on the include path.
 */
#ifndef INVT_COMPAT_USER_H
#define INVT_COMPAT_USER_H

#include <assert.h>
#include <errno.h>
#include <invtrack/compat.h>
#include <invtrack/fault.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void *invt_zalloc(size_t size);
void invt_free(void *p);

#define INVT_DEBUG_ASSERT(cond) assert(cond)

static inline pthread_mutex_t *invt_pmutex(invt_mutex_t *m)
{
	return (pthread_mutex_t *)(void *)m->u.bytes;
}

static inline void invt_mutex_init(invt_mutex_t *m)
{
	pthread_mutex_init(invt_pmutex(m), NULL);
}

static inline void invt_mutex_destroy(invt_mutex_t *m)
{
	pthread_mutex_destroy(invt_pmutex(m));
}

static inline void invt_mutex_lock(invt_mutex_t *m)
{
	pthread_mutex_lock(invt_pmutex(m));
}

static inline void invt_mutex_unlock(invt_mutex_t *m)
{
	pthread_mutex_unlock(invt_pmutex(m));
}

#define invt_spin_lock_init invt_mutex_init
#define invt_spin_lock_destroy invt_mutex_destroy
#define invt_spin_lock invt_mutex_lock
#define invt_spin_unlock invt_mutex_unlock

#endif /* INVT_COMPAT_USER_H */
