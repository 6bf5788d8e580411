/* conv_nd.h — the geometry and kernels shared by ops/conv3d.c (the three bilinear maps of a
 * convolution over up to three spatial dims) and ops/conv_transpose.c (the ops built on them).
 * Internal to csrc/core/ops; the public entry is pl_convolution_nd in conv.h.
 *
 * Every geometry is that of the direct convolution, whatever op uses it: `in` the sizes of its
 * input, `k` of its kernel, `out` of its output, each (D, H, W), with unit sizes (stride 1,
 * padding 0, dilation 1) in front for fewer spatial dims. A transposed convolution is the map
 * BX of the direct convolution whose output has the transposed input's sizes.
 */
#ifndef PL_OPS_CONV_ND_H
#define PL_OPS_CONV_ND_H

#include <stdbool.h>
#include <stdint.h>

#include "../tensor.h"

typedef struct pl_convnd_geom {
    int64_t N, C, O, G;         /* batch, input channels, output channels, groups */
    int64_t in[3], k[3], out[3];
    int64_t s[3], p[3], d[3];   /* stride, padding, dilation */
} pl_convnd_geom;

/* The three maps, each linear in both operands (x (N, C, in), w (O, C / G, k),
 * y (N, O, out)):
 *   PL_CONVND_FWD  y  = conv(x, w)       a = x,  b = w
 *   PL_CONVND_BX   dx = dconv/dx(dy, w)  a = dy, b = w   (the transposed convolution)
 *   PL_CONVND_BW   dw = dconv/dw(x, dy)  a = x,  b = dy */
enum { PL_CONVND_FWD = 0, PL_CONVND_BX = 1, PL_CONVND_BW = 2 };

/* Runs map `which` on contiguous buffers of one dtype (PL_FLOAT32 or PL_FLOAT64); `out` is
 * overwritten (y, dx or dw in the shapes above). im2col + GEMM, or the direct loops when the
 * reference is forced. Returns PL_OK or PL_ERR_NOMEM (recorded). */
pl_status pl_convnd_kernel(const pl_convnd_geom *g, int which, pl_dtype dtype, const void *a,
                           const void *b, void *out);

#endif
