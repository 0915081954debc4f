// Unity build, part B (see part_a.cc): the kernels, the allocator and the distributed / CUDA ops.
#include "../src/blas.cc"
#include "../src/attention.cc"
#include "../src/linear.cc"
#include "../src/dist_ops.cc"
#include "../src/cpu_allocator.cc"
#include "../src/bytes_ops.cc"
#include "../src/cuda_ops.cc"
