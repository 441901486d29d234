// The avx2 build of the elementwise rows (compiled with avx2 flags by CMakeLists.txt).
#include "kernels/eltwise_rows.h"
