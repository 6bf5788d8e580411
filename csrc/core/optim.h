/* optim.h — fused optimizer update rules over many parameters in one call.
 *
 * Each rule updates every parameter of one parameter group in a single call, in place, with
 * exactly the operations (and roundings) of PyTorch's single-tensor CPU path, so float32 and
 * float64 results are bitwise equal to torch.optim's.
 *
 * Ownership: parameters, gradients and existing state tensors are BORROWED. A rule that has
 * to create a state tensor (the first momentum buffer of SGD, say) stores a NEW reference in
 * the caller's slot; the caller releases it. On error no slot has been filled, and for any
 * error but running out of memory mid-update nothing has been written either: the whole
 * group is validated before the first update.
 *
 * Tensors may be strided: contiguous tensors are updated in place directly, others are
 * gathered into a temporary contiguous buffer and scattered back (same values, same order).
 *
 * SGD and Adam/AdamW are here; RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD and
 * Rprop, under the same contract, in optim_extra.h.
 */
#ifndef PL_OPTIM_H
#define PL_OPTIM_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor.h"

/* Hyper-parameters of torch.optim.SGD, as the Python floats they were given as. */
typedef struct pl_sgd_config {
    double lr;
    double momentum;
    double dampening;
    double weight_decay;
    bool nesterov;
    bool maximize;
} pl_sgd_config;

/* One SGD step over n parameters (float32 or float64; each grad has its parameter's dtype
 * and shape). Per parameter, in torch's order:
 *     g = maximize ? -grad : grad
 *     if weight_decay != 0: g = g + weight_decay * p          (one fused multiply-add)
 *     if momentum != 0:
 *         buf = first step ? clone(g) : buf * momentum + (1 - dampening) * g
 *         g = nesterov ? g + momentum * buf : buf
 *     p = p + (-lr) * g                                         (one fused multiply-add)
 * bufs: n slots, read only when momentum != 0 (may then be NULL only if n == 0). Slot i holds
 * the existing momentum buffer (borrowed, updated in place) or NULL; a NULL slot receives a
 * NEW reference to a fresh buffer. Bumps the version of every tensor written. */
pl_status pl_sgd_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor **bufs,
                      int64_t n, const pl_sgd_config *cfg);

/* Hyper-parameters of torch.optim.Adam / AdamW for one step. */
typedef struct pl_adam_config {
    double lr;
    double beta1;
    double beta2;
    double eps;
    double weight_decay;
    bool amsgrad;
    bool maximize;
    bool decoupled_weight_decay; /* AdamW */
} pl_adam_config;

/* One Adam/AdamW step over n parameters (float32 or float64). exp_avgs, exp_avg_sqs (and
 * max_exp_avg_sqs when amsgrad; otherwise it may be NULL) are the caller's existing state
 * tensors (borrowed, same dtype and shape as the parameter), updated in place. steps[i] is
 * the step number AFTER this update (1 on the first step), as a double, used for the bias
 * corrections the way torch computes them in Python. Per parameter, in torch's order:
 *     g = maximize ? -grad : grad
 *     if weight_decay != 0: AdamW: p = p * (1 - lr * weight_decay)
 *                           Adam:  g = g + weight_decay * p
 *     exp_avg = lerp(exp_avg, g, 1 - beta1)
 *     exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g
 *     bc1 = 1 - beta1 ** step; bc2 = 1 - beta2 ** step; step_size = lr / bc1
 *     v = amsgrad ? (max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)) : exp_avg_sq
 *     denom = sqrt(v) / sqrt(bc2) + eps
 *     p = p + (-step_size) * exp_avg / denom
 * Bumps the version of every tensor written. */
pl_status pl_adam_step(pl_tensor *const *params, pl_tensor *const *grads,
                       pl_tensor *const *exp_avgs, pl_tensor *const *exp_avg_sqs,
                       pl_tensor *const *max_exp_avg_sqs, const double *steps, int64_t n,
                       const pl_adam_config *cfg);

/* Tests only: when on, the plain reference kernels run even where the FMA build exists. */
void pl_optim_force_reference(bool on);

#endif
