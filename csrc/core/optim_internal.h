/* optim_internal.h — what the update-rule files (optim.c, optim_group.c, optim_extra.c)
 * share: strided gather/scatter of one tensor, the group validation checks, and the choice
 * between the plain reference kernels and the AVX2+FMA build. Not part of the public API (pl.h
 * does not include it).
 */
#ifndef PL_OPTIM_INTERNAL_H
#define PL_OPTIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PL_OPTIM_HAVE_FMA_BUILD 1
#define PL_FMA_TARGET __attribute__((target("avx2,fma"), optimize("O3")))
#endif

/* torch.maximum: NaN if either is NaN. */
#define PL_NAN_MAX(a, b) (((a) != (a) || (b) != (b)) ? (a) + (b) : ((a) > (b) ? (a) : (b)))

/* Where a rule reads and writes one tensor: its own memory when contiguous, otherwise a
 * temporary copy that is written back (scatter) after the update. */
typedef struct pl_flat_view {
    pl_tensor *t;   /* borrowed */
    char *data;     /* (numel,) elements of t's dtype, logical order */
    bool owned;     /* data is a temporary (malloc) */
} pl_flat_view;

/* Opens v on t (gathering a strided t into a temporary). PL_ERR_NOMEM when that fails. */
pl_status pl_flat_view_open(pl_flat_view *v, pl_tensor *t);
/* Writes a temporary back to its tensor (when write_back) and frees it. */
void pl_flat_view_close(pl_flat_view *v, bool write_back);

/* The parameter is a float32/float64 tensor (RuntimeError otherwise). */
pl_status pl_optim_check_param(const pl_tensor *p, int64_t i);
/* t exists and has p's dtype and shape; `what` names it in the message. */
pl_status pl_optim_check_like(const pl_tensor *p, const pl_tensor *t, const char *what,
                              int64_t i);

/* Whether the FMA build runs (the CPU has AVX2+FMA and pl_optim_force_reference is off). */
bool pl_optim_use_fma_build(void);

#endif
