// The avx512 build of the add / sum_to inner loops (compiled with avx512 flags by CMakeLists.txt).
#include "kernels/elementwise_simd.h"
