/* tensor.c — storage and tensor lifetime, construction, and shape helpers. */
#include "tensor.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "autograd.h"

/* Tensors whose data fits in this many bytes take one allocation. */
#define PL_SMALL_TENSOR_BYTES 512
/* Blocks of tensors with at most this many data bytes are recycled through a per-thread free
 * list instead of going back to malloc: a chain of ops on small tensors frees and allocates
 * such blocks constantly. */
#define PL_TINY_TENSOR_BYTES 64
#define PL_TINY_FREE_MAX 256

typedef struct tiny_block {
    struct tiny_block *next;
} tiny_block;

static _Thread_local tiny_block *tiny_free = NULL;
static _Thread_local int tiny_free_count = 0;

/* A thread's free list goes back to malloc when the thread exits: the first block a thread
 * caches gives the key a non-NULL value, so the key's destructor runs at that thread's exit
 * (thread-local variables are still valid while key destructors run). After it, the count
 * stays at the maximum, so a block freed later in the exiting thread goes to free(). */
static pthread_key_t tiny_exit_key;
static pthread_once_t tiny_exit_once = PTHREAD_ONCE_INIT;
static bool tiny_exit_ready = false;
static _Thread_local bool tiny_exit_armed = false;

static void
tiny_free_all(void *unused)
{
    (void)unused;
    while (tiny_free) {
        tiny_block *b = tiny_free;
        tiny_free = b->next;
        free(b);
    }
    tiny_free_count = PL_TINY_FREE_MAX;
}

static void
tiny_exit_key_create(void)
{
    tiny_exit_ready = pthread_key_create(&tiny_exit_key, tiny_free_all) == 0;
}

/* Arms this thread's exit hook; false (cache nothing) if the key could not be made. */
static bool
tiny_exit_arm(void)
{
    pthread_once(&tiny_exit_once, tiny_exit_key_create);
    tiny_exit_armed = tiny_exit_ready &&
                      pthread_setspecific(tiny_exit_key, &tiny_exit_armed) == 0;
    return tiny_exit_armed;
}

static size_t
tiny_block_bytes(void)
{
    size_t head = (sizeof(pl_tensor) + sizeof(pl_storage) + 63) & ~(size_t)63;
    return head + PL_TINY_TENSOR_BYTES;
}

static void *
tiny_block_alloc(void)
{
    tiny_block *b = tiny_free;
    if (b) {
        tiny_free = b->next;
        tiny_free_count--;
        return b;
    }
    return malloc(tiny_block_bytes());
}

static void
tiny_block_free(void *block)
{
    if (tiny_free_count < PL_TINY_FREE_MAX && (tiny_exit_armed || tiny_exit_arm())) {
        tiny_block *b = block;
        b->next = tiny_free;
        tiny_free = b;
        tiny_free_count++;
    } else {
        free(block);
    }
}

static const char *const dtype_names[PL_NUM_DTYPES] = {
    "bool", "int64", "float32", "float64", "uint8", "int8", "int16", "int32", "float16", "bfloat16"};
static const char *const scalar_names[PL_NUM_DTYPES] = {
    "Bool", "Long", "Float", "Double", "Byte", "Char", "Short", "Int", "Half", "BFloat16"};

const char *
pl_dtype_name(pl_dtype dtype)
{
    return dtype_names[dtype];
}

const char *
pl_dtype_scalar_name(pl_dtype dtype)
{
    return scalar_names[dtype];
}

/* 0 bool, 1 integral, 2 floating; within a kind, the rank orders by width */
static int
dtype_kind(pl_dtype d)
{
    return d == PL_BOOL ? 0 : pl_dtype_is_floating(d) ? 2 : 1;
}

pl_dtype
pl_promote_types(pl_dtype a, pl_dtype b)
{
    if (a == b) return a;
    int ka = dtype_kind(a), kb = dtype_kind(b);
    if (ka != kb) return ka > kb ? a : b; /* bool < integral < floating */
    if (ka == 2) {
        /* float16 with bfloat16 meet in float32; otherwise the wider wins */
        if ((a == PL_FLOAT16 && b == PL_BFLOAT16) || (a == PL_BFLOAT16 && b == PL_FLOAT16)) {
            return PL_FLOAT32;
        }
        return pl_dtype_size(a) >= pl_dtype_size(b) ? a : b;
    }
    /* integral, a != b: uint8 is the only unsigned one */
    if (a == PL_UINT8 || b == PL_UINT8) {
        pl_dtype s = a == PL_UINT8 ? b : a;
        return s == PL_INT8 ? PL_INT16 : s;
    }
    return pl_dtype_size(a) >= pl_dtype_size(b) ? a : b;
}

/* ---- storage ---- */

pl_storage *
pl_storage_new(int64_t nbytes)
{
    /* One block holds the header and the bytes; data is 64-byte aligned past the header. */
    size_t header = (sizeof(pl_storage) + 63) & ~(size_t)63;
    size_t total = header + (size_t)(nbytes > 0 ? nbytes : 0);
    char *block = pl_block_alloc(&total);
    if (!block) {
        pl_error_nomem();
        return NULL;
    }
    pl_storage *s = (pl_storage *)block;
    s->refcount = 1;
    s->data = block + header;
    s->nbytes = nbytes;
    s->version = 0;
    s->inference = pl_inference_mode_enabled();
    s->deleter = NULL;
    s->deleter_ctx = NULL;
    s->block = block;
    s->block_bytes = total;
    s->tiny_block = false;
    return s;
}

pl_storage *
pl_storage_wrap(void *data, int64_t nbytes, void (*deleter)(void *, void *), void *deleter_ctx)
{
    pl_storage *s = malloc(sizeof(pl_storage));
    if (!s) {
        pl_error_nomem();
        return NULL;
    }
    s->refcount = 1;
    s->data = data;
    s->nbytes = nbytes;
    s->version = 0;
    s->inference = pl_inference_mode_enabled();
    s->deleter = deleter;
    s->deleter_ctx = deleter_ctx;
    s->block = s;
    s->block_bytes = 0;
    s->tiny_block = false;
    return s;
}

void
pl_storage_release(pl_storage *s)
{
    if (!s || --s->refcount > 0) {
        return;
    }
    if (s->deleter) {
        s->deleter(s->deleter_ctx, s->data);
    }
    /* the storage's own block: header and data (from pl_block_alloc), or one malloc holding
     * tensor, header and data, or just the header of wrapped memory */
    if (s->block_bytes) {
        pl_block_free(s->block, s->block_bytes);
    } else {
        if (s->tiny_block) {
            tiny_block_free(s->block);
        } else {
            free(s->block);
        }
    }
}

/* ---- tensors ---- */

bool
pl_shape_numel_checked(int ndim, const int64_t *shape, int64_t *out)
{
    int64_t n = 1;
    bool overflow = false;
    for (int i = 0; i < ndim; i++) { /* in order, like PyTorch: [2^62, 2^62, 0] overflows */
        overflow |= __builtin_mul_overflow(n, shape[i], &n);
    }
    *out = n;
    return !overflow;
}

int64_t
pl_shape_numel(int ndim, const int64_t *shape)
{
    int64_t n;
    pl_shape_numel_checked(ndim, shape, &n); /* callers pass checked shapes */
    return n;
}

bool
pl_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides)
{
    /* PyTorch's rule: stride[i] = stride[i + 1] * max(shape[i + 1], 1) */
    int64_t s = 1;
    bool overflow = false;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = s;
        if (i > 0) overflow |= __builtin_mul_overflow(s, shape[i] > 0 ? shape[i] : 1, &s);
    }
    return !overflow;
}

static pl_tensor *
tensor_alloc(void)
{
    pl_tensor *t = calloc(1, sizeof(pl_tensor));
    if (!t) {
        pl_error_nomem();
        return NULL;
    }
    t->refcount = 1;
    t->inference = pl_inference_mode_enabled();
    return t;
}

void
pl_format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)shape[i]);
    }
    if (used < size) {
        snprintf(buf + used, size - used, "]");
    }
}

/* Dimension count and sizes (no negative size), PyTorch's checks and messages. */
static pl_status
check_shape(int ndim, const int64_t *shape)
{
    if (ndim < 0 || ndim > PL_MAX_DIMS) {
        return pl_error_set(PL_ERR_RUNTIME, "tensors with %d dimensions are not supported (at most %d)",
                            ndim, PL_MAX_DIMS);
    }
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            char buf[256];
            pl_format_shape(buf, sizeof buf, ndim, shape);
            return pl_error_set(PL_ERR_RUNTIME,
                                "Trying to create tensor with negative dimension %lld: %s",
                                (long long)shape[i], buf);
        }
    }
    return PL_OK;
}

pl_tensor *
pl_tensor_empty(int ndim, const int64_t *shape, pl_dtype dtype)
{
    if (check_shape(ndim, shape) != PL_OK) {
        return NULL;
    }
    /* the byte count and every stride must fit in int64 (wrapped ones would under-allocate) */
    int64_t numel, nbytes, strides[PL_MAX_DIMS];
    if (!pl_shape_numel_checked(ndim, shape, &numel) ||
        __builtin_mul_overflow(numel, (int64_t)pl_dtype_size(dtype), &nbytes)) {
        char buf[256];
        pl_format_shape(buf, sizeof buf, ndim, shape);
        pl_error_set(PL_ERR_RUNTIME, "Storage size calculation overflowed with sizes=%s", buf);
        return NULL;
    }
    if (!pl_contiguous_strides(ndim, shape, strides)) {
        pl_error_set(PL_ERR_RUNTIME, "Stride calculation overflowed");
        return NULL;
    }
    if (numel > ((int64_t)1 << 40)) {
        pl_error_nomem();
        return NULL;
    }
    pl_tensor *t;
    if (nbytes <= PL_SMALL_TENSOR_BYTES) {
        /* one malloc: [tensor | storage | data], freed when the storage dies */
        size_t head = (sizeof(pl_tensor) + sizeof(pl_storage) + 63) & ~(size_t)63;
        bool tiny = nbytes <= PL_TINY_TENSOR_BYTES && !pl_alloc_caches_off();
        char *block = tiny ? tiny_block_alloc() : malloc(head + (size_t)nbytes);
        if (!block) {
            pl_error_nomem();
            return NULL;
        }
        t = (pl_tensor *)block;
        memset(t, 0, offsetof(pl_tensor, shape)); /* shape and strides are written below */
        t->refcount = 1;
        t->embedded = true;
        t->inference = pl_inference_mode_enabled();
        pl_storage *st = (pl_storage *)(block + sizeof(pl_tensor));
        st->refcount = 2; /* t->storage and t->home */
        st->data = block + head;
        st->nbytes = nbytes;
        st->version = 0;
        st->inference = t->inference;
        st->deleter = NULL;
        st->deleter_ctx = NULL;
        st->block = block;
        st->block_bytes = 0;
        st->tiny_block = tiny;
        t->storage = st;
        t->home = st;
    } else {
        t = tensor_alloc();
        if (!t) {
            return NULL;
        }
        t->storage = pl_storage_new(nbytes);
        if (!t->storage) {
            free(t);
            return NULL;
        }
    }
    t->ndim = ndim;
    t->dtype = dtype;
    t->numel = numel;
    if (ndim > 0) { /* shape may be NULL at 0 dims */
        memcpy(t->shape, shape, sizeof(int64_t) * ndim);
        memcpy(t->strides, strides, sizeof(int64_t) * ndim);
    }
    return t;
}

pl_tensor *
pl_tensor_zeros(int ndim, const int64_t *shape, pl_dtype dtype)
{
    pl_tensor *t = pl_tensor_empty(ndim, shape, dtype);
    if (t) {
        memset(t->storage->data, 0, (size_t)t->storage->nbytes);
    }
    return t;
}

void
pl_fill_contiguous(void *data, pl_dtype dtype, int64_t n, double value)
{
    switch (dtype) {
    case PL_FLOAT32: {
        float *p = data;
        float v = (float)value;
        for (int64_t i = 0; i < n; i++) p[i] = v;
        break;
    }
    case PL_FLOAT64: {
        double *p = data;
        for (int64_t i = 0; i < n; i++) p[i] = value;
        break;
    }
    case PL_INT64: {
        int64_t *p = data;
        int64_t v = pl_double_to_int64(value); /* callers check the range where PyTorch does */
        for (int64_t i = 0; i < n; i++) p[i] = v;
        break;
    }
    case PL_BOOL: {
        memset(data, value != 0, (size_t)n);
        break;
    }
    default: {
        /* the storage dtypes: one element converted as a cast converts it, then repeated */
        int64_t es = (int64_t)pl_dtype_size(dtype);
        if (n <= 0) break;
        pl_store_double(data, dtype, value);
        for (int64_t i = 1; i < n; i++) memcpy((char *)data + i * es, data, (size_t)es);
        break;
    }
    }
}

pl_status
pl_check_scalar_fits(double v, pl_dtype dtype)
{
    /* c10's overflows<T>(double): integers reject nan and values outside [min, max] (uint8
     * also accepts down to -255, c10's rule for unsigned types); float16/bfloat16 accept
     * inf and nan but no finite value beyond their largest */
    double lo, hi;
    const char *name;
    switch (dtype) {
    case PL_INT64:
        if (pl_double_fits_int64(v)) return PL_OK;
        name = "int64_t";
        goto fail;
    case PL_UINT8: lo = -255, hi = 255, name = "uint8_t"; break;
    case PL_INT8: lo = -128, hi = 127, name = "int8_t"; break;
    case PL_INT16: lo = -32768, hi = 32767, name = "int16_t"; break;
    case PL_INT32: lo = -2147483648.0, hi = 2147483647.0, name = "int"; break;
    case PL_FLOAT16:
        if (isinf(v) || isnan(v) || (v >= -65504.0 && v <= 65504.0)) return PL_OK;
        name = "c10::Half";
        goto fail;
    case PL_BFLOAT16:
        if (isinf(v) || isnan(v) || (v >= -3.3895313892515355e38 && v <= 3.3895313892515355e38)) {
            return PL_OK;
        }
        name = "c10::BFloat16";
        goto fail;
    default: return PL_OK;
    }
    if (v >= lo && v <= hi) return PL_OK;
fail:
    return pl_error_set(PL_ERR_RUNTIME, "value cannot be converted to type %s without overflow", name);
}

pl_tensor *
pl_tensor_full(int ndim, const int64_t *shape, pl_dtype dtype, double value)
{
    int64_t n = 0; /* stays 0 for a bad shape, which pl_tensor_empty refuses */
    if (!pl_shape_numel_checked(ndim, shape, &n)) n = 0;
    /* PyTorch's checked conversion, but for one floating element (its fill fast path, where
     * float16 takes an out-of-range value as inf) */
    if (!(pl_dtype_is_floating(dtype) && n == 1) && pl_check_scalar_fits(value, dtype) != PL_OK)
        return NULL;
    pl_tensor *t = pl_tensor_empty(ndim, shape, dtype);
    if (t) {
        pl_fill_contiguous(t->storage->data, dtype, t->numel, value);
    }
    return t;
}

pl_tensor *
pl_tensor_scalar(double value, pl_dtype dtype)
{
    return pl_tensor_full(0, NULL, dtype, value);
}

pl_tensor *
pl_tensor_view_of(pl_storage *storage, pl_dtype dtype, int ndim, const int64_t *shape,
                  const int64_t *strides, int64_t offset)
{
    if (check_shape(ndim, shape) != PL_OK) {
        return NULL;
    }
    int64_t numel;
    if (!pl_shape_numel_checked(ndim, shape, &numel)) {
        pl_error_set(PL_ERR_RUNTIME, "numel: integer multiplication overflow");
        return NULL;
    }
    if (numel > 0) {
        /* the lowest and highest element addressed, in int64 without wrapping */
        int64_t lo = offset, hi = offset, span, end;
        bool overflow = false;
        for (int i = 0; i < ndim; i++) {
            overflow |= __builtin_mul_overflow(shape[i] - 1, strides[i], &span);
            overflow |= span < 0 ? __builtin_add_overflow(lo, span, &lo)
                                 : __builtin_add_overflow(hi, span, &hi);
        }
        overflow |= __builtin_add_overflow(hi, 1, &end) ||
                    __builtin_mul_overflow(end, (int64_t)pl_dtype_size(dtype), &end);
        if (overflow || lo < 0 || end > storage->nbytes) {
            pl_error_set(PL_ERR_RUNTIME, "view is out of bounds for its storage of %lld bytes",
                         (long long)storage->nbytes);
            return NULL;
        }
    }
    pl_tensor *t = tensor_alloc();
    if (!t) {
        return NULL;
    }
    storage->refcount++;
    t->storage = storage;
    t->inference = storage->inference; /* a view is an inference tensor when its data is */
    t->offset = offset;
    t->ndim = ndim;
    t->dtype = dtype;
    t->numel = numel;
    if (ndim > 0) { /* shape and strides may be NULL for a 0-dim view */
        memcpy(t->shape, shape, sizeof(int64_t) * ndim);
        memcpy(t->strides, strides, sizeof(int64_t) * ndim);
    }
    return t;
}

pl_tensor *
pl_tensor_alias(const pl_tensor *t)
{
    return pl_tensor_view_of(t->storage, t->dtype, t->ndim, t->shape, t->strides, t->offset);
}

static void
release_shared_storage(void *ctx, void *data)
{
    (void)data;
    pl_storage_release((pl_storage *)ctx);
}

pl_tensor *
pl_tensor_alias_unversioned(const pl_tensor *t)
{
    /* a second storage header over the same bytes: it keeps the first alive and counts its
     * own in-place writes */
    t->storage->refcount++;
    pl_storage *s = pl_storage_wrap(t->storage->data, t->storage->nbytes, release_shared_storage,
                                    t->storage);
    if (!s) {
        pl_storage_release(t->storage);
        return NULL;
    }
    s->inference = t->storage->inference;
    pl_tensor *a = pl_tensor_view_of(s, t->dtype, t->ndim, t->shape, t->strides, t->offset);
    pl_storage_release(s); /* the view holds it now */
    return a;
}

void
pl_tensor_release(pl_tensor *t)
{
    if (!t || --t->refcount > 0) {
        return;
    }
    if (t->grad_accumulator) {
        pl_node_forget_leaf(t->grad_accumulator, t);
    }
    pl_tensor_release(t->grad);
    if (t->hooks) {
        pl_tensor_clear_hooks(t);
    }
    if (t->grad_fn) {
        pl_node_forget_retained(t->grad_fn, t);
    }
    pl_node_release(t->grad_fn);
    pl_tensor_release(t->base); /* the root of a chain of views: never a view itself */
    pl_storage_release(t->storage); /* may differ from home after .data = ... */
    if (t->embedded) {
        pl_storage_release(t->home); /* last: frees t itself when no view still uses the block */
    } else {
        free(t);
    }
}

bool
pl_tensor_is_contiguous(const pl_tensor *t)
{
    int64_t expected = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->strides[i] != expected) {
            return t->numel == 0;
        }
        expected *= t->shape[i];
    }
    return true;
}

bool
pl_same_shape(const pl_tensor *a, const pl_tensor *b)
{
    if (a->ndim != b->ndim) {
        return false;
    }
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] != b->shape[i]) {
            return false;
        }
    }
    return true;
}

pl_status
pl_wrap_dim(int64_t dim, int ndim, int *out)
{
    int64_t n = ndim > 0 ? ndim : 1; /* a 0-dim tensor accepts dim 0 and -1 */
    if (dim < -n || dim >= n) {
        return pl_error_set(PL_ERR_INDEX,
                            "Dimension out of range (expected to be in range of [%lld, %lld], but got %lld)",
                            (long long)-n, (long long)(n - 1), (long long)dim);
    }
    *out = (int)(dim < 0 ? dim + n : dim);
    return PL_OK;
}

/* The element offset of the row-major linear_index'th element of t (strides applied). */
static int64_t
element_offset(const pl_tensor *t, int64_t linear_index)
{
    int64_t off = 0;
    for (int i = t->ndim - 1; i >= 0; i--) {
        int64_t idx = linear_index % t->shape[i];
        linear_index /= t->shape[i];
        off += idx * t->strides[i];
    }
    return off;
}

double
pl_double_as_dtype(double v, pl_dtype dtype)
{
    union { uint8_t b[8]; double d; } one; /* one element of any dtype */
    pl_store_double(one.b, dtype, v);
    pl_tensor t = {0};
    pl_storage s = {0};
    s.data = one.b, s.nbytes = 8;
    t.storage = &s, t.dtype = dtype, t.numel = 1;
    return pl_tensor_get_double(&t, 0);
}

double
pl_tensor_get_double(const pl_tensor *t, int64_t linear_index)
{
    int64_t off = element_offset(t, linear_index);
    const char *p = pl_tensor_data(t);
    switch (t->dtype) {
    case PL_FLOAT32: return ((const float *)p)[off];
    case PL_FLOAT64: return ((const double *)p)[off];
    case PL_INT64: return (double)((const int64_t *)p)[off];
    case PL_BOOL: return ((const uint8_t *)p)[off] ? 1.0 : 0.0;
    case PL_UINT8: return ((const uint8_t *)p)[off];
    case PL_INT8: return ((const int8_t *)p)[off];
    case PL_INT16: return ((const int16_t *)p)[off];
    case PL_INT32: return ((const int32_t *)p)[off];
    case PL_FLOAT16: return pl_half_to_float(((const uint16_t *)p)[off]);
    case PL_BFLOAT16: return pl_bf16_to_float(((const uint16_t *)p)[off]);
    default: return 0.0;
    }
}

int64_t
pl_tensor_get_int64(const pl_tensor *t, int64_t linear_index)
{
    int64_t off = element_offset(t, linear_index);
    const char *p = pl_tensor_data(t);
    switch (t->dtype) {
    case PL_INT64: return ((const int64_t *)p)[off];
    case PL_BOOL: return ((const uint8_t *)p)[off] != 0;
    case PL_UINT8: return ((const uint8_t *)p)[off];
    case PL_INT8: return ((const int8_t *)p)[off];
    case PL_INT16: return ((const int16_t *)p)[off];
    case PL_INT32: return ((const int32_t *)p)[off];
    default: return pl_double_to_int64(pl_tensor_get_double(t, linear_index));
    }
}

void
pl_tensor_bump_version(pl_tensor *t)
{
    t->storage->version++;
}
