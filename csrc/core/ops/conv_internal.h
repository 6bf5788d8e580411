/* conv_internal.h — what conv.c shares with its fast kernels (conv_igemm.c); internal to the
 * ops, not part of the core API. */
#ifndef PL_CONV_INTERNAL_H
#define PL_CONV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../error.h"

/* Geometry of one convolution, all on the 4-D views. */
typedef struct conv_geom {
    int64_t N, C, H, W;      /* input */
    int64_t O, kh, kw;       /* weight (O, C / G, kh, kw) */
    int64_t OH, OW;          /* output */
    int64_t sh, sw, ph, pw, dh, dw, G;
} conv_geom;

/* Whether the tests forced the reference kernels (pl_conv_force_reference): conv.c's direct
 * loops, and the plain pooling loops of pool.c. */
bool pl_conv_reference_forced(void);

/* The forward as an implicit GEMM on the current GEMM path's micro-kernel: the weights are
 * packed once per call, the input is packed straight into the kernel's column slivers (no
 * im2col buffer), and the work is split over the thread pool by image, channel group,
 * column block and (for few columns) row block.
 *   y (N, O, OH, OW) = conv(x (N, C, H, W), w (O, C / G, kh, kw)) + b (O) or no bias (NULL)
 * float32 when dbl is false, else float64; all contiguous. Sets *done to false (and writes
 * nothing) when it does not apply: the "ref" GEMM path, or an empty reduction (C / G == 0). */
pl_status pl_conv_igemm_forward(const conv_geom *g, bool dbl, const void *x, const void *w,
                                const void *b, void *y, bool *done);

/* dx (N, C, H, W) (written) of a stride-1 convolution from dy (N, O, OH, OW) and w, as the
 * implicit-GEMM forward of the flipped weights; *done false (nothing written) when it does
 * not apply: a stride above 1, padding past the kernel's reach, or no micro-kernel. */
pl_status pl_conv_igemm_input_grad(const conv_geom *g, bool dbl, const void *dy, const void *w,
                                   void *dx, bool *done);

/* Max pooling's fast row (conv_maxpool_x86.c), float32: outputs [xa, xb) of one output row
 * whose windows lie inside the input's width, from plane x (H, W): the window's rows
 * yy0 + r * ystep (r < nrows, all inside the plane), its kw taps at columns
 * ox * sx + off0 + j * dx. Writes y[xa, xb) and their flat argmax idx[xa, xb), as pool.c's
 * plain loop, bit for bit. Usable when pl_max_pool_row_simd_ok() and H * W < 2^31. */
bool pl_max_pool_row_simd_ok(void);
void pl_max_pool_row_f32(const float *x, int64_t W, int64_t yy0, int64_t ystep, int64_t nrows,
                         int64_t kw, int64_t sx, int64_t dx, int64_t off0, int64_t xa, int64_t xb,
                         float *y, int64_t *idx);

#endif
