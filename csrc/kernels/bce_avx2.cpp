// The avx2 build of the BCE inner loops and their exp/log1p (compiled with avx2 flags by CMakeLists.txt).
#include "kernels/bce_simd.h"
