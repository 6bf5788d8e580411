/* autocast.c — the per-thread CPU autocast state, its weight cache and the cast rules
 * (autocast.h). */
#include <stdlib.h>

#include "autocast.h"
#include "autograd.h"
#include "error.h"
#include "ops.h"

/* One cached cast: the float32 source (owned: keeps its address from being reused by another
 * tensor while it is a key) and its lower-precision copy (owned). */
typedef struct {
    pl_tensor *src;
    pl_tensor *cast;
} cache_entry;

static _Thread_local bool on = false;
static _Thread_local pl_dtype fast_dtype = PL_BFLOAT16;
static _Thread_local bool cache_on = true;
static _Thread_local int nesting = 0;
static _Thread_local cache_entry *cache = NULL; /* owned array of cache_len entries */
static _Thread_local int cache_len = 0, cache_cap = 0;

bool pl_autocast_on(void) { return on; }
void pl_autocast_set_on(bool value) { on = value; }
pl_dtype pl_autocast_dtype(void) { return fast_dtype; }
void pl_autocast_set_dtype(pl_dtype dtype) { fast_dtype = dtype; }
bool pl_autocast_cache_on(void) { return cache_on; }
void pl_autocast_set_cache_on(bool value) { cache_on = value; }
int pl_autocast_nesting_add(int delta) { return nesting += delta; }

void
pl_autocast_clear_cache(void)
{
    /* detach the array first: releasing a tensor never re-enters the cache, but stay safe */
    cache_entry *entries = cache;
    int n = cache_len;
    cache = NULL;
    cache_len = cache_cap = 0;
    for (int i = 0; i < n; i++) {
        pl_tensor_release(entries[i].cast);
        pl_tensor_release(entries[i].src);
    }
    free(entries);
}

bool
pl_autocast_eligible(const pl_tensor *t)
{
    return t && pl_dtype_is_floating(t->dtype) && t->dtype != PL_FLOAT64;
}

static bool
cacheable(const pl_tensor *t, pl_dtype dtype)
{
    return cache_on && dtype == fast_dtype && t->dtype == PL_FLOAT32 && t->requires_grad &&
           !t->grad_fn && !t->is_view && pl_grad_enabled();
}

pl_tensor *
pl_autocast_cast(pl_tensor *t, pl_dtype dtype)
{
    if (!pl_autocast_eligible(t) || t->dtype == dtype) return pl_tensor_retain(t);
    if (!cacheable(t, dtype)) return pl_to_dtype(t, dtype);
    for (int i = 0; i < cache_len; i++) {
        if (cache[i].src == t) return pl_tensor_retain(cache[i].cast);
    }
    pl_tensor *cast = pl_to_dtype(t, dtype);
    if (!cast) return NULL;
    if (cache_len == cache_cap) {
        int cap = cache_cap ? 2 * cache_cap : 16;
        cache_entry *grown = realloc(cache, (size_t)cap * sizeof *grown);
        if (!grown) return cast; /* no room to remember it: the cast itself is still right */
        cache = grown;
        cache_cap = cap;
    }
    cache[cache_len].src = pl_tensor_retain(t);
    cache[cache_len].cast = pl_tensor_retain(cast);
    cache_len++;
    return cast;
}

pl_status
pl_autocast_promote_dtype(pl_tensor *const *ts, int n, pl_dtype *out)
{
    pl_dtype current = fast_dtype;
    for (int i = 0; i < n; i++) {
        const pl_tensor *t = ts[i];
        if (!t || !pl_dtype_is_floating(t->dtype) || t->dtype == PL_FLOAT64) continue;
        if (current == PL_FLOAT32 || t->dtype == PL_FLOAT32) {
            current = PL_FLOAT32;
        } else if (t->dtype != fast_dtype) {
            return pl_error_set(PL_ERR_RUNTIME,
                                "Unexpected floating ScalarType in at::autocast::prioritize");
        }
    }
    *out = current;
    return PL_OK;
}

pl_status
pl_autocast_target(pl_autocast_policy policy, pl_tensor *const *ts, int n, pl_dtype *out)
{
    if (policy == PL_AUTOCAST_PROMOTE) return pl_autocast_promote_dtype(ts, n, out);
    *out = policy == PL_AUTOCAST_FP32 ? PL_FLOAT32 : fast_dtype;
    return PL_OK;
}
