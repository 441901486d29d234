// The avx2 build of the add / sum_to inner loops (compiled with avx2 flags by CMakeLists.txt).
#include "kernels/elementwise_simd.h"
