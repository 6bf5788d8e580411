/* optim.h — fused optimizer update rules over many parameters in one call.
 * (Filled in by the optimizer work.) */
#ifndef PL_OPTIM_H
#define PL_OPTIM_H
#include "tensor.h"
#endif
