/* alloc.c — 64-byte aligned blocks with a bounded cache of large ones (see alloc.h). */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include "alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MIN_BYTES ((size_t)64 << 10)   /* smaller blocks are not cached */
#define CACHE_SLOTS 64
#define CACHE_MAX_BYTES ((size_t)512 << 20)  /* at most this much memory kept cached */
#define PAGE 4096

typedef struct {
    void *block;
    size_t capacity;
} cached_block;

static cached_block cache[CACHE_SLOTS];
static int cache_count = 0;
static size_t cache_bytes = 0;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set once by pl_alloc_init (module initialisation, before any tensor exists); read-only after. */
static bool caches_off = false;

void
pl_alloc_init(void)
{
    const char *v = getenv("PYTORCHLITE_NO_CACHE");
    caches_off = v && v[0] && strcmp(v, "0") != 0;
}

bool
pl_alloc_caches_off(void)
{
    return caches_off;
}

void *
pl_block_alloc(size_t *bytes)
{
    if (caches_off) {
        /* exactly the bytes asked for, so that a memory checker sees every overrun */
        void *b = NULL;
        return posix_memalign(&b, 64, *bytes ? *bytes : 1) == 0 ? b : NULL;
    }
    size_t want = (*bytes + 63) & ~(size_t)63;
    if (want == 0) want = 64;
    if (want < CACHE_MIN_BYTES) {
        *bytes = want;
        return aligned_alloc(64, want);
    }
    want = (want + PAGE - 1) & ~(size_t)(PAGE - 1);
    /* best fit among cached blocks no more than a quarter larger than asked */
    pthread_mutex_lock(&cache_lock);
    int best = -1;
    for (int i = 0; i < cache_count; i++) {
        size_t cap = cache[i].capacity;
        if (cap >= want && cap <= want + want / 4 && (best < 0 || cap < cache[best].capacity)) {
            best = i;
        }
    }
    if (best >= 0) {
        void *b = cache[best].block;
        *bytes = cache[best].capacity;
        cache_bytes -= cache[best].capacity;
        cache[best] = cache[--cache_count];
        pthread_mutex_unlock(&cache_lock);
        return b;
    }
    pthread_mutex_unlock(&cache_lock);
    *bytes = want;
    return aligned_alloc(PAGE, want);
}

void
pl_block_free(void *block, size_t capacity)
{
    if (!block) return;
    if (capacity < CACHE_MIN_BYTES || caches_off) {
        free(block);
        return;
    }
    pthread_mutex_lock(&cache_lock);
    /* make room: evict the oldest entries until the new block fits the budget */
    while (cache_count > 0 && (cache_count == CACHE_SLOTS || cache_bytes + capacity > CACHE_MAX_BYTES)) {
        cache_bytes -= cache[0].capacity;
        free(cache[0].block);
        for (int i = 1; i < cache_count; i++) cache[i - 1] = cache[i];
        cache_count--;
    }
    if (capacity <= CACHE_MAX_BYTES) {
        cache[cache_count].block = block;
        cache[cache_count].capacity = capacity;
        cache_count++;
        cache_bytes += capacity;
        block = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    free(block);
}

void
pl_block_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < cache_count; i++) free(cache[i].block);
    cache_count = 0;
    cache_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
}
