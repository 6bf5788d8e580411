/* pl.h — the public API of the core: the only core header the binding layer includes. */
#ifndef PL_H
#define PL_H
#include "error.h"
#include "tensor.h"
#include "alloc.h"
#include "rng.h"
#include "optim.h"
#include "optim_extra.h"
#include "autograd.h"
#include "ops.h"
#include "gemm.h"
#include "parallel.h"
#include "rnn.h"
#include "autocast.h"
#include "vml.h"
#endif
