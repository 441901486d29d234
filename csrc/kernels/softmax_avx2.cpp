// The avx2 build of the softmax rows (compiled with avx2 flags by CMakeLists.txt).
#include "kernels/softmax_simd.h"
