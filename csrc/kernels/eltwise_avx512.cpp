// The avx512 build of the elementwise rows (compiled with avx512 flags by CMakeLists.txt).
#include "kernels/eltwise_rows.h"
