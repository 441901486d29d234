// The avx512 build of the vector math rows (compiled with avx512 flags by CMakeLists.txt).
#include "kernels/vmath_rows.h"
