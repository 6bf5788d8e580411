/* frexp.c — frexp: each element split into a mantissa in [0.5, 1) (in magnitude, x's dtype)
 * and an int32 exponent with x == mantissa * 2^exponent, as C's frexp (zeros, infinities and
 * nan keep themselves as the mantissa with exponent 0). Not recorded: the Python layer gives
 * the mantissa PyTorch's FrexpBackward0.
 *
 * float16 and bfloat16 split their float32 value (exact: every half value is a float). The
 * mantissa is rounded back to the storage dtype, exact as well (it has the value's bits).
 *
 * Ownership: the input is borrowed; *mantissa and *exponent are NEW references on success.
 */
#include <math.h>

#include "../ops.h"
#include "internal.h"

pl_status
pl_frexp(pl_tensor *a, pl_tensor **mantissa, pl_tensor **exponent)
{
    *mantissa = *exponent = NULL;
    if (!pl_dtype_is_floating(a->dtype)) {
        return pl_error_set(PL_ERR_RUNTIME, "torch.frexp() only supports floating-point dtypes");
    }
    pl_dtype cdt = pl_dtype_compute(a->dtype);
    pl_tensor *x = pl_to_dtype(a, cdt); /* contiguous below */
    pl_tensor *xc = x ? pl_contiguous(x) : NULL;
    pl_tensor *m = xc ? pl_tensor_empty(a->ndim, a->shape, cdt) : NULL;
    pl_tensor *e = m ? pl_tensor_empty(a->ndim, a->shape, PL_INT32) : NULL;
    pl_tensor_release(x);
    if (!e) {
        pl_tensor_release(xc);
        pl_tensor_release(m);
        return pl_error_status();
    }
    int32_t *ep = e->storage->data; /* (numel) */
    if (cdt == PL_FLOAT32) {
        const float *xp = (const float *)pl_tensor_data(xc); /* (numel) */
        float *mp = m->storage->data;          /* (numel) */
        for (int64_t i = 0; i < a->numel; i++) {
            int k = 0;
            mp[i] = frexpf(xp[i], &k);
            ep[i] = isfinite(xp[i]) ? k : 0;
        }
    } else {
        const double *xp = (const double *)pl_tensor_data(xc); /* (numel) */
        double *mp = m->storage->data;          /* (numel) */
        for (int64_t i = 0; i < a->numel; i++) {
            int k = 0;
            mp[i] = frexp(xp[i], &k);
            ep[i] = isfinite(xp[i]) ? k : 0;
        }
    }
    pl_tensor_release(xc);
    if (cdt != a->dtype) {
        pl_tensor *mh = pl_to_dtype(m, a->dtype);
        pl_tensor_release(m);
        if (!mh) {
            pl_tensor_release(e);
            return pl_error_status();
        }
        m = mh;
    }
    *mantissa = m;
    *exponent = e;
    return PL_OK;
}
