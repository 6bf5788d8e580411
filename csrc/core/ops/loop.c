/* loop.c — strided, broadcasting element loops, broadcasting of shapes, and type promotion. */
#include <string.h>

#include "../ops.h"
#include "../parallel.h"
#include "internal.h"

pl_dtype pl_default_float = PL_FLOAT32;

void
pl_loop_init(pl_loop *loop, int ndim, const int64_t *shape)
{
    loop->nops = 0;
    loop->ndim = ndim;
    if (ndim > 0) memcpy(loop->shape, shape, sizeof(int64_t) * ndim); /* NULL allowed at 0 */
}

void
pl_loop_add(pl_loop *loop, const pl_tensor *t)
{
    int k = loop->nops++;
    int64_t esize = (int64_t)pl_dtype_size(t->dtype);
    int lead = loop->ndim - t->ndim;
    loop->data[k] = pl_tensor_data(t);
    for (int i = 0; i < loop->ndim; i++) {
        int j = i - lead;
        if (j < 0 || t->shape[j] == 1) {
            loop->byte_strides[k][i] = 0;
        } else {
            loop->byte_strides[k][i] = t->strides[j] * esize;
        }
    }
}

void
pl_loop_run(pl_loop *loop, pl_inner_fn fn, void *ctx)
{
    int nops = loop->nops;
    /* Coalesce: walk from the innermost dim outwards, merging dim i into the run below it
     * when every operand's stride continues the run. Size-1 dims are dropped. */
    int64_t shape[PL_MAX_DIMS];
    int64_t st[4][PL_MAX_DIMS]; /* innermost first */
    int nd = 0;
    for (int i = loop->ndim - 1; i >= 0; i--) {
        int64_t n = loop->shape[i];
        if (n == 0) {
            return;
        }
        if (n == 1) {
            continue;
        }
        if (nd > 0) {
            bool merge = true;
            for (int k = 0; k < nops; k++) {
                if (loop->byte_strides[k][i] != st[k][nd - 1] * shape[nd - 1]) {
                    merge = false;
                    break;
                }
            }
            if (merge) {
                shape[nd - 1] *= n;
                continue;
            }
        }
        shape[nd] = n;
        for (int k = 0; k < nops; k++) {
            st[k][nd] = loop->byte_strides[k][i];
        }
        nd++;
    }
    char *ptrs[4];
    int64_t inner_strides[4];
    for (int k = 0; k < nops; k++) {
        ptrs[k] = loop->data[k];
        inner_strides[k] = nd > 0 ? st[k][0] : 0;
    }
    if (nd <= 1) {
        fn(ptrs, inner_strides, nd ? shape[0] : 1, ctx);
        return;
    }
    /* odometer over the outer dims 1..nd-1 */
    int64_t idx[PL_MAX_DIMS] = {0};
    for (;;) {
        fn(ptrs, inner_strides, shape[0], ctx);
        int d = 1;
        for (; d < nd; d++) {
            idx[d]++;
            for (int k = 0; k < nops; k++) {
                ptrs[k] += st[k][d];
            }
            if (idx[d] < shape[d]) {
                break;
            }
            for (int k = 0; k < nops; k++) {
                ptrs[k] -= st[k][d] * shape[d];
            }
            idx[d] = 0;
        }
        if (d == nd) {
            return;
        }
    }
}

pl_status
pl_broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout, int64_t *out)
{
    int n = na > nb ? na : nb;
    for (int i = n - 1; i >= 0; i--) { /* trailing dims first: PyTorch reports the last mismatch */
        int ia = i - (n - na), ib = i - (n - nb);
        int64_t da = ia >= 0 ? a[ia] : 1;
        int64_t db = ib >= 0 ? b[ib] : 1;
        if (da == db || db == 1) {
            out[i] = da;
        } else if (da == 1) {
            out[i] = db;
        } else {
            return pl_error_set(PL_ERR_RUNTIME,
                                "The size of tensor a (%lld) must match the size of tensor b (%lld) "
                                "at non-singleton dimension %d",
                                (long long)da, (long long)db, i);
        }
    }
    *nout = n;
    return PL_OK;
}

/* ---- type promotion, following PyTorch's categories ---- */

#define PL_UNDEFINED ((pl_dtype)-1)

static pl_dtype
promote(pl_dtype a, pl_dtype b)
{
    if ((int)a < 0) return b;
    if ((int)b < 0) return a;
    return pl_promote_types(a, b);
}

static pl_dtype
combine_categories(pl_dtype higher, pl_dtype lower)
{
    if ((int)higher >= 0 && pl_dtype_is_floating(higher)) {
        return higher;
    }
    if (higher == PL_BOOL || ((int)lower >= 0 && pl_dtype_is_floating(lower))) {
        return promote(higher, lower);
    }
    if ((int)higher >= 0) {
        return higher;
    }
    return lower;
}

pl_dtype
pl_result_type(const pl_tensor *a, bool a_wrapped, const pl_tensor *b, bool b_wrapped)
{
    pl_dtype dim_r = PL_UNDEFINED, zero_r = PL_UNDEFINED, wrapped_r = PL_UNDEFINED;
    const pl_tensor *ops[2] = {a, b};
    bool wrapped[2] = {a_wrapped, b_wrapped};
    for (int i = 0; i < 2; i++) {
        pl_dtype d = ops[i]->dtype;
        if (wrapped[i]) {
            wrapped_r = promote(wrapped_r, pl_dtype_is_floating(d) ? pl_default_float : d);
        } else if (ops[i]->ndim == 0) {
            zero_r = promote(zero_r, d);
        } else {
            dim_r = promote(dim_r, d);
        }
    }
    return combine_categories(dim_r, combine_categories(zero_r, wrapped_r));
}

/* ---- contiguous runs, split across the thread pool when large ---- */

typedef struct {
    pl_inner_fn fn;
    int nops;
    char **ptrs;
    const int64_t *strides;
    void *ctx;
} run_chunk;

static void
run_chunk_range(void *vctx, int64_t begin, int64_t end)
{
    const run_chunk *c = vctx;
    char *p[4];
    for (int k = 0; k < c->nops; k++) p[k] = c->ptrs[k] + begin * c->strides[k];
    c->fn(p, c->strides, end - begin, c->ctx);
}

void
pl_run_contiguous(pl_inner_fn fn, int nops, char **ptrs, const int64_t *strides, int64_t n,
                  void *ctx)
{
    if (n < PL_PARALLEL_MIN_ELEMENTS) {
        fn(ptrs, strides, n, ctx);
        return;
    }
    run_chunk c = {fn, nops, ptrs, strides, ctx};
    pl_parallel_for(n, run_chunk_range, &c, PL_PARALLEL_MIN_ELEMENTS / 2);
}
