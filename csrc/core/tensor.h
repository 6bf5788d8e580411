/* tensor.h — storage, strided views, dtypes: the core's data model.
 *
 * A pl_storage is a refcounted block of bytes. A pl_tensor is a refcounted view on a
 * storage: dtype, shape, strides (in elements) and an offset (in elements). Views share
 * the storage and its version counter. Autograd fields live on the tensor (see autograd.h).
 *
 * Ownership: every function returning pl_tensor * or pl_storage * returns a NEW reference
 * (release it with pl_tensor_release / pl_storage_release) or NULL with an error recorded
 * (error.h). Arguments are borrowed unless the parameter name ends in _steal.
 */
#ifndef PL_TENSOR_H
#define PL_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "half.h"

#define PL_MAX_DIMS 16

/* The first four are the compute dtypes: every kernel exists for them. The others are storage
 * dtypes: ops read them into their compute dtype (pl_dtype_compute), run the compute kernel and
 * cast the result back, as PyTorch's CPU kernels compute float16/bfloat16 in float32.
 * Promotion follows PyTorch's table (pl_promote_types), not this order. */
typedef enum pl_dtype {
    PL_BOOL = 0,
    PL_INT64 = 1,
    PL_FLOAT32 = 2,
    PL_FLOAT64 = 3,
    PL_UINT8 = 4,
    PL_INT8 = 5,
    PL_INT16 = 6,
    PL_INT32 = 7,
    PL_FLOAT16 = 8,
    PL_BFLOAT16 = 9,
    PL_NUM_DTYPES
} pl_dtype;

static inline size_t
pl_dtype_size(pl_dtype dtype)
{
    static const unsigned char sizes[PL_NUM_DTYPES] = {1, 8, 4, 8, 1, 1, 2, 4, 2, 2};
    return (unsigned)dtype < PL_NUM_DTYPES ? sizes[dtype] : 1;
}
const char *pl_dtype_name(pl_dtype dtype);        /* "float32", ... */
const char *pl_dtype_scalar_name(pl_dtype dtype); /* PyTorch's ScalarType name: "Float", "Byte" */
static inline bool
pl_dtype_is_floating(pl_dtype dtype)
{
    return dtype == PL_FLOAT32 || dtype == PL_FLOAT64 || dtype == PL_FLOAT16 || dtype == PL_BFLOAT16;
}
/* Integer dtypes (bool is not one, as in PyTorch's isIntegralType(t, includeBool=false)). */
static inline bool
pl_dtype_is_integral(pl_dtype dtype)
{
    return dtype == PL_INT64 || dtype == PL_UINT8 || dtype == PL_INT8 || dtype == PL_INT16 ||
           dtype == PL_INT32;
}
/* Whether the kernels exist for dtype itself (bool, int64, float32, float64). */
static inline bool
pl_dtype_is_compute(pl_dtype dtype)
{
    return dtype <= PL_FLOAT64;
}
/* The compute dtype an op on dtype runs in: int64 for integers, float32 for float16/bfloat16. */
static inline pl_dtype
pl_dtype_compute(pl_dtype dtype)
{
    if (pl_dtype_is_compute(dtype)) return dtype;
    return pl_dtype_is_floating(dtype) ? PL_FLOAT32 : PL_INT64;
}
/* PyTorch's torch.promote_types. */
pl_dtype pl_promote_types(pl_dtype a, pl_dtype b);
/* PyTorch's torch.can_cast (same-kind casting: no floating -> integral, no non-bool -> bool). */
static inline bool
pl_can_cast(pl_dtype from, pl_dtype to)
{
    if (pl_dtype_is_floating(from) && !pl_dtype_is_floating(to)) return false;
    return !(from != PL_BOOL && to == PL_BOOL);
}

typedef struct pl_storage {
    int64_t refcount;
    void *data;
    int64_t nbytes;
    uint32_t version; /* bumped by every in-place write through any view */
    bool inference;   /* allocated under inference mode: its tensors are inference tensors */
    /* When set, called once with (ctx, data) as the storage dies; used for memory the core
     * does not own (a NumPy array's buffer). NULL: data was allocated by the core. */
    void (*deleter)(void *ctx, void *data);
    void *deleter_ctx;
    void *block; /* what is freed when the storage dies (it may hold a tensor too) */
    size_t block_bytes; /* capacity of a pl_block_alloc block, 0 for a plain malloc */
    bool tiny_block;    /* the block is a small tensor's, recycled on a free list */
} pl_storage;

struct pl_node; /* autograd.h */
struct pl_hook; /* autograd.h */

typedef struct pl_tensor {
    int64_t refcount;
    pl_storage *storage; /* owned reference */
    int64_t offset;      /* in elements */
    int64_t numel;
    int ndim;
    pl_dtype dtype;

    /* autograd (autograd.h) */
    bool requires_grad;         /* leaf flag, or set on outputs of recorded ops */
    bool retains_grad;          /* non-leaf keeps .grad */
    struct pl_tensor *grad;     /* owned reference or NULL */
    struct pl_node *grad_fn;    /* owned reference; NULL for leaves */
    int output_nr;              /* which output of grad_fn this tensor is */
    struct pl_node *grad_accumulator; /* borrowed: the leaf's AccumulateGrad node, if alive */
    bool is_view;               /* shares its storage with the tensor it was viewed from */
    /* Views made by view ops: the tensor at the root of the chain of views (owned; NULL for
     * a tensor that is not such a view). A write through the view records CopySlices on the
     * base; view_version is the storage version the view's grad_fn was made at, so a view
     * whose base changed in place regenerates its grad_fn (inplace_view.c). */
    struct pl_tensor *base;
    uint32_t view_version;
    bool embedded;              /* lives in the block of storage `home` (small tensors: one malloc) */
    pl_storage *home;           /* owned reference while embedded: keeps the tensor's own memory */
    struct pl_hook *hooks;      /* owned: a leaf's gradient hooks (autograd.h), or NULL */
    bool inference;             /* made under inference mode (or views storage that was):
                                 * autograd may not save it */

    void *pyobj; /* borrowed back-pointer to the binding's wrapper object, or NULL */

    /* Last, so that making a tensor clears the fields above and writes only its ndim entries
     * here (entries past ndim are undefined). */
    int64_t shape[PL_MAX_DIMS];
    int64_t strides[PL_MAX_DIMS]; /* in elements */
} pl_tensor;

/* ---- storage ---- */
pl_storage *pl_storage_new(int64_t nbytes); /* uninitialised bytes */
pl_storage *pl_storage_wrap(void *data, int64_t nbytes, void (*deleter)(void *, void *),
                            void *deleter_ctx);
void pl_storage_release(pl_storage *s);

/* ---- construction ---- */
/* Contiguous, uninitialised. Fails with PL_ERR_RUNTIME (PyTorch's messages) on a negative size or
 * when the byte count or a stride does not fit in int64; PL_ERR_NOMEM when it cannot be had. */
pl_tensor *pl_tensor_empty(int ndim, const int64_t *shape, pl_dtype dtype);
pl_tensor *pl_tensor_zeros(int ndim, const int64_t *shape, pl_dtype dtype);
pl_tensor *pl_tensor_full(int ndim, const int64_t *shape, pl_dtype dtype, double value);
pl_tensor *pl_tensor_scalar(double value, pl_dtype dtype); /* 0-dim */
/* A view on `storage` (retained). Bounds are checked against storage->nbytes. */
pl_tensor *pl_tensor_view_of(pl_storage *storage, pl_dtype dtype, int ndim,
                             const int64_t *shape, const int64_t *strides, int64_t offset);
/* A new tensor object viewing the same data with the same shape; no autograd history. It
 * shares t's version counter (PyTorch's detach()). */
pl_tensor *pl_tensor_alias(const pl_tensor *t);
/* The same, with a version counter of its own (PyTorch's .data): in-place writes through it
 * are not seen by autograd's checks on t. */
pl_tensor *pl_tensor_alias_unversioned(const pl_tensor *t);

static inline pl_tensor *
pl_tensor_retain(pl_tensor *t)
{
    t->refcount++;
    return t;
}
void pl_tensor_release(pl_tensor *t); /* NULL is allowed */

/* ---- queries ---- */
static inline char *
pl_tensor_data(const pl_tensor *t) /* address of element 0 of the view */
{
    return (char *)t->storage->data + t->offset * (int64_t)pl_dtype_size(t->dtype);
}
bool pl_tensor_is_contiguous(const pl_tensor *t);
/* Row-major strides for shape (sizes of 0 count as 1, PyTorch's rule); false when a stride
 * overflows int64 (the values are then wrapped and unusable). */
bool pl_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);
/* The element count of a shape (non-negative sizes). The checked form returns false when the
 * running product overflows int64 (in order, as PyTorch checks: [2^62, 2^62, 0] overflows,
 * [0, 2^62, 2^62] does not); the other is for shapes of tensors that exist (already checked). */
bool pl_shape_numel_checked(int ndim, const int64_t *shape, int64_t *out);
int64_t pl_shape_numel(int ndim, const int64_t *shape);
bool pl_same_shape(const pl_tensor *a, const pl_tensor *b);
/* Wraps a possibly negative dim into [0, ndim); PL_ERR_INDEX with PyTorch's message if out of range. */
pl_status pl_wrap_dim(int64_t dim, int ndim, int *out);
/* Element i of the view in row-major (logical) order, read as double / int64 (int64 elements
 * exactly; floating ones converted with pl_double_to_int64). */
double pl_tensor_get_double(const pl_tensor *t, int64_t linear_index);
int64_t pl_tensor_get_int64(const pl_tensor *t, int64_t linear_index);

/* ---- conversions without undefined behaviour ----
 * Converting a double outside int64's range (or nan) to int64 is undefined in C. PyTorch's casts
 * (`.long()`, `.to(torch.int64)`) do it anyway, and on x86 the instruction gives INT64_MIN for
 * every such value; these helpers give that same value by an explicit check. */
static inline int64_t
pl_double_to_int64(double x)
{
    if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) { /* [-2^63, 2^63) */
        return (int64_t)x;
    }
    return INT64_MIN; /* nan, +-inf, and finite values out of range */
}
/* Whether PyTorch's checked scalar conversion (c10::overflows<int64_t, double>, used by full(),
 * fill_(), masked_fill(), tensor(data)) accepts v for int64: it rejects nan and values outside
 * [-2^63, 2^63] ("value cannot be converted to type int64_t without overflow"); 2^63 itself
 * passes (its max() compares as 2^63 in double) and then converts to INT64_MIN. */
static inline bool
pl_double_fits_int64(double v)
{
    return v >= -9223372036854775808.0 && v <= 9223372036854775808.0;
}
void pl_tensor_bump_version(pl_tensor *t);
/* Whether no other tensor shares t's storage. */
static inline bool
pl_tensor_storage_unshared(const pl_tensor *t)
{
    return t->storage->refcount == (t->embedded && t->home == t->storage ? 2 : 1);
}
/* Writes "[2, 3]" into buf (truncated to size). */
void pl_format_shape(char *buf, size_t size, int ndim, const int64_t *shape);
/* Writes value (cast to dtype) into n contiguous elements at data. */
void pl_fill_contiguous(void *data, pl_dtype dtype, int64_t n, double value);
/* Writes value into the one element at dst, converted as a float64 -> dtype cast converts it
 * (ops/copy.c). */
void pl_store_double(void *dst, pl_dtype dtype, double value);
/* value converted to dtype (as pl_store_double) and read back as a double. */
double pl_double_as_dtype(double value, pl_dtype dtype);
/* PyTorch's checked conversion of a number to dtype (c10::overflows, used by full(), fill_()):
 * PL_ERR_RUNTIME "value cannot be converted to type int8_t without overflow" when v does not fit. */
pl_status pl_check_scalar_fits(double v, pl_dtype dtype);

#endif
