/* optim_group.c — the group driver of the update rules in optim_extra.c (optim_group.h). */
#include "optim_group.h"
#include "parallel.h"
#include "vml.h"

#include <stdlib.h>

#define PARALLEL_MIN_ELEMENTS (1 << 17)

typedef struct chunk_ctx {
    pl_optim_kernel kernel;
    char *const *d;
    int64_t es;
    const void *s;
    int phase;
} chunk_ctx;

static void
chunk_range(void *vctx, int64_t begin, int64_t end)
{
    const chunk_ctx *k = vctx;
    char *d[PL_OPTIM_SLOTS];
    for (int j = 0; j < PL_OPTIM_SLOTS; j++) {
        d[j] = k->d[j] ? k->d[j] + begin * k->es : NULL;
    }
    k->kernel(d, end - begin, k->s, k->phase);
}

/* One pass of the kernel over n elements, split over the pool when large. */
static void
run_pass(pl_optim_kernel k, char *const *d, int64_t n, size_t es, const void *s, int phase)
{
    if (n < PARALLEL_MIN_ELEMENTS) {
        k(d, n, s, phase);
    } else {
        chunk_ctx c = {k, d, (int64_t)es, s, phase};
        pl_parallel_for(n, chunk_range, &c, PARALLEL_MIN_ELEMENTS / 2);
    }
}


static pl_status
check_group(const pl_optim_group *job)
{
    if (job->n < 0) {
        return pl_error_set(PL_ERR_RUNTIME, "optimizer: negative parameter count");
    }
    for (int64_t i = 0; i < job->n; i++) {
        pl_status st = pl_optim_check_param(job->params[i], i);
        if (st == PL_OK) {
            st = pl_optim_check_like(job->params[i], job->grads[i], "gradient", i);
        }
        for (int j = 0; j < PL_OPTIM_MAX_STATE && st == PL_OK; j++) {
            if (job->state[j] != NULL) {
                st = pl_optim_check_like(job->params[i], job->state[j][i], job->state_name[j], i);
            }
        }
        if (st != PL_OK) {
            return st;
        }
    }
    return PL_OK;
}

/* Runs the kernel over one parameter's tensors t (param, grad, state slots or NULL). */
static pl_status
update_one(const pl_optim_group *job, pl_tensor *const *t, const pl_optim_scalars *s, bool fast)
{
    pl_tensor *p = t[0];
    pl_flat_view v[2 + PL_OPTIM_MAX_STATE];
    char *d[PL_OPTIM_SLOTS] = {0};
    pl_status st = PL_OK;
    int opened = 0;
    for (; opened < 2 + PL_OPTIM_MAX_STATE; opened++) {
        if (t[opened] == NULL) {
            continue;
        }
        if ((st = pl_flat_view_open(&v[opened], t[opened])) != PL_OK) {
            break;
        }
        d[opened] = v[opened].data;
    }
    if (st == PL_OK) {
        pl_optim_kernel k = job->kernels[(p->dtype == PL_FLOAT64) + 2 * fast];
        bool f64 = p->dtype == PL_FLOAT64;
        size_t es = pl_dtype_size(p->dtype);
        char *roots = job->roots > 0 && pl_vml_enabled()
                          ? malloc((size_t)p->numel * es * (size_t)job->roots) : NULL;
        if (!roots) { /* (no VML, or no memory for the roots: the C library's sqrt) */
            run_pass(k, d, p->numel, es, s, PL_PHASE_ALL);
        } else {
            for (int r = 0; r < job->roots; r++) {
                d[2 + PL_OPTIM_MAX_STATE + r] = roots + (size_t)r * (size_t)p->numel * es;
            }
            run_pass(k, d, p->numel, es, s, PL_PHASE_ARGS);
            for (int r = 0; r < job->roots; r++) {
                char *x = d[2 + PL_OPTIM_MAX_STATE + r];
                pl_vml_run(PL_VML_SQRT, f64, x, x, p->numel);
            }
            run_pass(k, d, p->numel, es, s, PL_PHASE_FINISH);
            free(roots);
        }
    }
    for (int j = 0; j < opened; j++) {
        if (t[j] != NULL) {
            pl_flat_view_close(&v[j], st == PL_OK && j != 1);
        }
    }
    return st;
}

/* Validates the group, then updates parameter after parameter. */
pl_status
pl_optim_run_group(const pl_optim_group *job)
{
    pl_status st = check_group(job);
    if (st != PL_OK) {
        return st;
    }
    bool fast = pl_optim_use_fma_build();
    for (int64_t i = 0; i < job->n; i++) {
        pl_tensor *p = job->params[i];
        pl_optim_scalars s;
        job->prepare(job->ctx, i, p->dtype, &s);
        pl_tensor *t[2 + PL_OPTIM_MAX_STATE] = {p, job->grads[i]};
        for (int j = 0; j < PL_OPTIM_MAX_STATE; j++) {
            t[2 + j] = job->state[j] ? job->state[j][i] : NULL;
        }
        if (p->numel > 0 && (st = update_one(job, t, &s, fast)) != PL_OK) {
            return st; /* out of memory for a temporary: parameters before i are updated */
        }
        for (int b = 0; b < job->param_bumps; b++) {
            pl_tensor_bump_version(p);
        }
        for (int j = 0; j < PL_OPTIM_MAX_STATE; j++) {
            for (int b = 0; t[2 + j] != NULL && b < job->state_bumps[j]; b++) {
                pl_tensor_bump_version(t[2 + j]);
            }
        }
    }
    return PL_OK;
}

pl_status
pl_optim_check_scalar_state(const pl_tensor *t, const char *what, int64_t i)
{
    if (t == NULL || t->numel != 1 || (t->dtype != PL_FLOAT32 && t->dtype != PL_FLOAT64)) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "optimizer: %s of parameter %lld must be a float32 or float64 "
                            "tensor of one element",
                            what, (long long)i);
    }
    return PL_OK;
}

double
pl_optim_scalar_get(const pl_tensor *t)
{
    const char *x = pl_tensor_data(t);
    return t->dtype == PL_FLOAT32 ? (double)*(const float *)x : *(const double *)x;
}

void
pl_optim_scalar_set(pl_tensor *t, double value)
{
    char *x = pl_tensor_data(t);
    if (t->dtype == PL_FLOAT32) {
        *(float *)x = (float)value;
    } else {
        *(double *)x = value;
    }
    pl_tensor_bump_version(t);
}
