// The avx512 build of the BCE inner loops and their exp/log1p (compiled with avx512 flags by CMakeLists.txt).
#include "kernels/bce_simd.h"
