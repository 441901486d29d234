// The avx512 build of the softmax rows (compiled with avx512 flags by CMakeLists.txt).
#include "kernels/softmax_simd.h"
