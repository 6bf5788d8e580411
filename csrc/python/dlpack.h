/* dlpack.h — the DLPack exchange structures (DLPack 1.x ABI), written from the public
 * specification (github.com/dmlc/dlpack, include/dlpack/dlpack.h). Only the parts the binding
 * uses: CPU device, the data-type codes, DLTensor, the legacy DLManagedTensor and the
 * versioned DLManagedTensorVersioned with its flags.
 *
 * Layout matters (these structs cross library boundaries): field order and types follow the
 * specification exactly.
 */
#ifndef PLPY_DLPACK_H
#define PLPY_DLPACK_H

#include <stdint.h>

#define PL_DLPACK_MAJOR 1
#define PL_DLPACK_MINOR 0

typedef struct {
    uint32_t major;
    uint32_t minor;
} pl_dl_version;

enum { PL_DL_CPU = 1 }; /* kDLCPU; other device types are refused */

/* type codes (DLDataTypeCode) */
enum {
    PL_DL_INT = 0,
    PL_DL_UINT = 1,
    PL_DL_FLOAT = 2,
    PL_DL_OPAQUE = 3,
    PL_DL_BFLOAT = 4,
    PL_DL_COMPLEX = 5,
    PL_DL_BOOL = 6,
};

typedef struct {
    int32_t device_type; /* an enum in the specification: int32 in every ABI */
    int32_t device_id;
} pl_dl_device;

typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} pl_dl_dtype;

typedef struct {
    void *data;
    pl_dl_device device;
    int32_t ndim;
    pl_dl_dtype dtype;
    int64_t *shape;   /* (ndim,) */
    int64_t *strides; /* (ndim,) in elements; NULL means compact row-major */
    uint64_t byte_offset;
} pl_dl_tensor;

/* capsule "dltensor" */
typedef struct pl_dl_managed {
    pl_dl_tensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct pl_dl_managed *self); /* may be NULL */
} pl_dl_managed;

#define PL_DL_FLAG_READ_ONLY (UINT64_C(1) << 0)
#define PL_DL_FLAG_IS_COPIED (UINT64_C(1) << 1)

/* capsule "dltensor_versioned" */
typedef struct pl_dl_managed_versioned {
    pl_dl_version version;
    void *manager_ctx;
    void (*deleter)(struct pl_dl_managed_versioned *self); /* may be NULL */
    uint64_t flags;
    pl_dl_tensor dl_tensor;
} pl_dl_managed_versioned;

#endif
