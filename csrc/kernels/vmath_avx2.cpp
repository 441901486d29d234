// The avx2 build of the vector math rows (compiled with avx2 flags by CMakeLists.txt).
#include "kernels/vmath_rows.h"
