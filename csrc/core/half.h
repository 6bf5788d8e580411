/* half.h — float16 and bfloat16 bit patterns to and from float32, rounding to nearest even.
 *
 * float32 -> float16 handles subnormals, overflow to inf (65520 and above round to inf) and
 * gives the canonical quiet nan 0x7e00 (with the sign) as PyTorch's conversion does;
 * float32 -> bfloat16 gives 0x7fc0 for every nan, as PyTorch's does. Doubles and integers are
 * converted to float32 first, as PyTorch converts them (c10::Half and c10::BFloat16 take floats).
 */
#ifndef PL_HALF_H
#define PL_HALF_H

#include <stdint.h>
#include <string.h>

static inline uint32_t
pl_float_bits(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
}

static inline float
pl_bits_float(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

static inline uint16_t
pl_float_to_half(float f)
{
    uint32_t x = pl_float_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00u;  /* nan */
    if (ax >= 0x477ff000u) return sign | 0x7c00u; /* inf, and finite values >= 65520 */
    if (ax < 0x38800000u) {
        /* below 2^-14: a subnormal half, m * 2^-24. Adding 0.5 puts |f| in the binade whose
         * float32 ulp is 2^-24, so the addition itself rounds to nearest even; m = 1024 is
         * 2^-14, the smallest normal half, which the same bits encode. */
        float r = pl_bits_float(ax) + 0.5f;
        return sign | (uint16_t)(pl_float_bits(r) - 0x3f000000u);
    }
    /* normal: rebias the exponent (127 -> 15) and round the 13 dropped bits to even */
    uint32_t odd = (ax >> 13) & 1u;
    ax += 0xc8000fffu + odd;
    return sign | (uint16_t)(ax >> 13);
}

static inline float
pl_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1f) return pl_bits_float(sign | 0x7f800000u | (m << 13));
    if (e == 0) {
        float v = (float)m * 5.9604644775390625e-8f; /* m * 2^-24, exact */
        return sign ? -v : v;
    }
    return pl_bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

static inline uint16_t
pl_float_to_bf16(float f)
{
    uint32_t x = pl_float_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

static inline float
pl_bf16_to_float(uint16_t b)
{
    return pl_bits_float((uint32_t)b << 16);
}

#endif
