/* optim_extra.h — fused update rules of RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam,
 * ASGD and Rprop over a whole parameter group in one call.
 *
 * The contract is optim.h's: float32 or float64 parameters, each gradient and state tensor
 * with its parameter's dtype and shape; parameters, gradients and state tensors are BORROWED
 * and updated in place (strided ones through a contiguous temporary); the whole group is
 * validated before the first write, so an error leaves every tensor untouched (except when
 * memory runs out mid-update); every tensor written has its version bumped once per in-place
 * operation torch performs on it.
 *
 * Each rule performs, per element, exactly the operations and roundings of torch 2.13's
 * single-tensor CPU path (torch/optim/<name>.py, `_single_tensor_<name>`): one fused
 * multiply-add where torch's add(alpha=)/addcmul/lerp kernels fuse, every other operation
 * rounded on its own, a Python number converted once to the tensor's dtype. Below, `g` is the
 * gradient, negated first when `maximize`, and `g += wd * p` is the L2 weight decay
 * (applied when weight_decay != 0). Scalars torch computes in Python (bias corrections, step
 * sizes, ...) are computed by the caller in double arithmetic and passed per parameter.
 */
#ifndef PL_OPTIM_EXTRA_H
#define PL_OPTIM_EXTRA_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor.h"

/* RMSprop:
 *     square_avg = square_avg * alpha + (1 - alpha) * g * g
 *     centered:  grad_avg = lerp(grad_avg, g, 1 - alpha)
 *                avg = sqrt(square_avg - grad_avg * grad_avg) + eps
 *     else:      avg = sqrt(square_avg) + eps
 *     momentum > 0: buf = buf * momentum + g / avg; p = p - lr * buf
 *     else:         p = p + (-lr * g) / avg
 * grad_avgs is read only when centered, momentum_bufs only when momentum > 0 (else NULL). */
typedef struct pl_rmsprop_config {
    double lr, alpha, eps, weight_decay, momentum;
    bool centered, maximize;
} pl_rmsprop_config;
pl_status pl_rmsprop_step(pl_tensor *const *params, pl_tensor *const *grads,
                          pl_tensor *const *square_avgs, pl_tensor *const *grad_avgs,
                          pl_tensor *const *momentum_bufs, int64_t n,
                          const pl_rmsprop_config *cfg);

/* Adagrad: sum = sum + g * g; p = p + (-clr * g) / (sqrt(sum) + eps), with
 * clrs[i] = lr / (1 + (step - 1) * lr_decay) for parameter i's step after this update. */
typedef struct pl_adagrad_config {
    double eps, weight_decay;
    bool maximize;
} pl_adagrad_config;
pl_status pl_adagrad_step(pl_tensor *const *params, pl_tensor *const *grads,
                          pl_tensor *const *sums, const double *clrs, int64_t n,
                          const pl_adagrad_config *cfg);

/* Adadelta:
 *     square_avg = square_avg * rho + (1 - rho) * g * g
 *     delta = (sqrt(acc_delta + eps) / sqrt(square_avg + eps)) * g
 *     acc_delta = acc_delta * rho + (1 - rho) * delta * delta
 *     p = p - lr * delta */
typedef struct pl_adadelta_config {
    double lr, rho, eps, weight_decay;
    bool maximize;
} pl_adadelta_config;
pl_status pl_adadelta_step(pl_tensor *const *params, pl_tensor *const *grads,
                           pl_tensor *const *square_avgs, pl_tensor *const *acc_deltas,
                           int64_t n, const pl_adadelta_config *cfg);

/* Adamax:
 *     exp_avg = lerp(exp_avg, g, 1 - beta1)
 *     exp_inf = maximum(exp_inf * beta2, |g| + eps)            (NaN propagates)
 *     p = p + (-clr * exp_avg) / exp_inf,   clrs[i] = lr / (1 - beta1 ** step) */
typedef struct pl_adamax_config {
    double beta1, beta2, eps, weight_decay;
    bool maximize;
} pl_adamax_config;
pl_status pl_adamax_step(pl_tensor *const *params, pl_tensor *const *grads,
                         pl_tensor *const *exp_avgs, pl_tensor *const *exp_infs,
                         const double *clrs, int64_t n, const pl_adamax_config *cfg);

/* NAdam: per parameter the caller passes bias_correction2s[i] = 1 - beta2 ** step and the
 * momentum caches mus[i] = mu_t, mu_nexts[i] = mu_{t+1} (torch's Python expressions).
 * mu_products[i] is a 0-dim float32/float64 tensor: mu_product = mu_product * mu in its dtype,
 * then, in double as torch's Python does, with P = mu_product:
 *     v1 = -lr * (1 - mu) / (1 - P),  v2 = (-lr * mu_next) / (1 - P * mu_next)
 *     decoupled: p = p * (1 - lr * weight_decay)    (instead of g += wd * p)
 *     exp_avg = lerp(exp_avg, g, 1 - beta1)
 *     exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g
 *     denom = sqrt(exp_avg_sq / bias_correction2) + eps
 *     p = p + (v1 * g) / denom;  p = p + (v2 * exp_avg) / denom */
typedef struct pl_nadam_config {
    double lr, beta1, beta2, eps, weight_decay;
    bool decoupled_weight_decay, maximize;
} pl_nadam_config;
pl_status pl_nadam_step(pl_tensor *const *params, pl_tensor *const *grads,
                        pl_tensor *const *exp_avgs, pl_tensor *const *exp_avg_sqs,
                        pl_tensor *const *mu_products, const double *bias_correction2s,
                        const double *mus, const double *mu_nexts, int64_t n,
                        const pl_nadam_config *cfg);

/* RAdam: per parameter the caller passes bias_correction1s[i] = 1 - beta1 ** step,
 * bc2_sqrts[i] = (1 - beta2 ** step) ** 0.5 and rects[i], the rectification term when
 * rho_t > 5, or 0 for the unrectified step.
 *     decoupled: p = p * (1 - lr * weight_decay)    (instead of g += wd * p)
 *     exp_avg = lerp(exp_avg, g, 1 - beta1)
 *     exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g
 *     c = exp_avg / bias_correction1
 *     rects[i] != 0: update = ((c * lr) * ((1 / (sqrt(exp_avg_sq) + eps)) * bc2_sqrt)) * rect
 *     else:          update = c * lr
 *     p = p - update */
typedef struct pl_radam_config {
    double lr, beta1, beta2, eps, weight_decay;
    bool decoupled_weight_decay, maximize;
} pl_radam_config;
pl_status pl_radam_step(pl_tensor *const *params, pl_tensor *const *grads,
                        pl_tensor *const *exp_avgs, pl_tensor *const *exp_avg_sqs,
                        const double *bias_correction1s, const double *bc2_sqrts,
                        const double *rects, int64_t n, const pl_radam_config *cfg);

/* ASGD: etas[i] and mus[i] are 0-dim float32/float64 tensors; with eta and mu their values
 * (read before this step):
 *     p = p * (1 - lambd * eta);  p = p - eta * g
 *     ax = mu != 1 ? ax + (p - ax) * mu : p
 * then eta = new_etas[i] and mu = new_mus[i] (the caller's lr / (1 + lambd * lr * step) **
 * alpha and 1 / max(1, step - t0)), rounded to the tensors' dtype. */
typedef struct pl_asgd_config {
    double lambd, weight_decay;
    bool maximize;
} pl_asgd_config;
pl_status pl_asgd_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *axs,
                       pl_tensor *const *etas, pl_tensor *const *mus, const double *new_etas,
                       const double *new_mus, int64_t n, const pl_asgd_config *cfg);

/* Rprop (sign(x) is 0 for 0 and NaN, as torch.sign):
 *     s = sign(g * prev); f = s > 0 ? etaplus : s < 0 ? etaminus : 1
 *     step_size = clamp(step_size * f, step_size_min, step_size_max)   (NaN propagates)
 *     g = f == etaminus ? 0 : g
 *     p = p - sign(g) * step_size;  prev = g */
typedef struct pl_rprop_config {
    double etaminus, etaplus, step_size_min, step_size_max;
    bool maximize;
} pl_rprop_config;
pl_status pl_rprop_step(pl_tensor *const *params, pl_tensor *const *grads,
                        pl_tensor *const *prevs, pl_tensor *const *step_sizes, int64_t n,
                        const pl_rprop_config *cfg);

#endif
