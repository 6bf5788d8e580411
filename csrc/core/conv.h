/* conv.h — convolution and pooling over 1-D and 2-D spatial dims (ops/conv.c, ops/pool.c), and
 * 3-D and transposed convolution (ops/conv3d.c, ops/conv_transpose.c).
 *
 * Layouts are PyTorch's: input (N, C, [H,] W), weight (O, C / groups, [kH,] kW), bias (O) or
 * NULL. `nsp` is the number of spatial dims (1 or 2); the per-dim arrays (stride, padding,
 * dilation, kernel) hold nsp entries. A 1-D op runs as the 2-D one with a unit height.
 * Convolution inputs are batched (the binding adds and removes the batch dim of unbatched
 * input, as PyTorch, whose unbatched grad_fn is then SqueezeBackward1).
 *
 * Ownership: results are NEW references, or NULL with an error recorded (error.h); arguments
 * are borrowed. Recorded ops attach PyTorch's grad_fn: ConvolutionBackward0,
 * MaxPool2DWithIndicesBackward0, AvgPool2DBackward0, AdaptiveAvgPool2DBackward0.
 */
#ifndef PL_CONV_H
#define PL_CONV_H

#include <stdbool.h>

#include "tensor.h"

pl_tensor *pl_convolution(pl_tensor *x, pl_tensor *w, pl_tensor *bias, int nsp,
                          const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                          int64_t groups);
/* Tests: run the direct-loop reference kernels instead of the implicit GEMM / im2col + GEMM
 * convolution, and the plain loops instead of the fast pooling and batch-norm kernels. */
void pl_conv_force_reference(bool on);
/* Tests: the implicit GEMM forward gives every image a product of its own instead of folding
 * small images into one, and packs a stride-2 input from x itself instead of its phase planes
 * (the results are the same bit for bit either way). */
void pl_conv_igemm_force_no_fold(bool on);

/* Convolution over nsp = 1, 2 or 3 spatial dims, direct or transposed (ops/conv3d.c kernels,
 * ops/conv_transpose.c op): input (N, C, *in) batched, weight (O, C / groups, *k) direct or
 * (C, O / groups, *k) transposed, bias (O) or NULL. Per-dim arrays hold nsp entries;
 * output_padding is read only when transposed (it may be NULL otherwise). The grad_fn is
 * ConvolutionBackward0, differentiable again (double backward), as pl_convolution's. A
 * 1-D or 2-D transposed convolution takes a bias of any dtype (cast), as PyTorch.
 * Integer dtypes raise NotImplementedError (PyTorch computes them; pytorchlite does not). */
pl_tensor *pl_convolution_nd(pl_tensor *x, pl_tensor *w, pl_tensor *bias, int nsp,
                             bool transposed, const int64_t *stride, const int64_t *padding,
                             const int64_t *dilation, const int64_t *output_padding,
                             int64_t groups);
/* Tests: pl_convolution_nd's kernels run their direct-loop reference. */
void pl_conv_nd_force_reference(bool on);

/* Pooling over (N, C, H, W) or (C, H, W) input; two entries per array (1-D pooling is a
 * view of it).
 * Max pooling; *indices_out (when not NULL) receives a NEW int64 tensor of flat indices into
 * each (H * W) input plane, as PyTorch's return_indices. */
pl_tensor *pl_max_pool2d(pl_tensor *x, const int64_t *kernel, const int64_t *stride,
                       const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                       pl_tensor **indices_out);
/* divisor_override <= 0 means none. */
pl_tensor *pl_avg_pool2d(pl_tensor *x, const int64_t *kernel, const int64_t *stride,
                       const int64_t *padding, bool ceil_mode, bool count_include_pad,
                       int64_t divisor_override);
pl_tensor *pl_adaptive_avg_pool2d(pl_tensor *x, const int64_t *output_size);

#endif
