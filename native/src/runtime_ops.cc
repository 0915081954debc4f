// Process-wide settings: random generator seed and state, threads, and build information.
#include "common.h"
#include "blas.h"
#include "cpu_allocator.h"
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <torch/version.h>
#include <cstdlib>
#include <cstring>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sl {

std::vector<OpEntry> runtimeOps() {
  return {
      {"manualSeed", [](Args& a) {
         // Seeds the CPU generator and, on a CUDA build with GPUs, every CUDA device's generator.
         at::manual_seed(static_cast<uint64_t>(a.i64(0)));
         return a.info.Env().Undefined();
       }},
      {"getRngState", [](Args& a) {
         // (device?) -> that device's generator state (each device has its own generator)
         auto gen = at::globalContext().defaultGenerator(a.device(0));
         at::Tensor st;
         {
           std::lock_guard<std::mutex> lock(gen.mutex());
           st = gen.get_state();
         }
         st = st.to(at::kCPU).contiguous();
         auto out = Napi::Uint8Array::New(a.info.Env(), st.numel());
         std::memcpy(out.Data(), st.data_ptr(), st.numel());
         return out;
       }},
      {"setRngState", [](Args& a) {
         // (state, device?)
         if (!a.info[0].IsTypedArray()) a.fail("argument 0 must be a Uint8Array");
         auto arr = a.info[0].As<Napi::Uint8Array>();
         at::Tensor st = at::empty({static_cast<int64_t>(arr.ElementLength())}, at::TensorOptions().dtype(at::kByte));
         std::memcpy(st.data_ptr(), arr.Data(), arr.ElementLength());
         auto gen = at::globalContext().defaultGenerator(a.device(1));
         std::lock_guard<std::mutex> lock(gen.mutex());
         gen.set_state(st);
         return a.info.Env().Undefined();
       }},
      {"setNumThreads", [](Args& a) {
         at::set_num_threads(static_cast<int>(a.i64(0)));
         return a.info.Env().Undefined();
       }},
      {"memoryStats", [](Args& a) {
         // Live handles, the tensor allocator's own counts, and glibc's heap (what is left in malloc).
         Napi::Env env = a.info.Env();
         auto num = [&](int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
         auto o = Napi::Object::New(env);
         o.Set("liveTensors", num(g_live.load()));
         o.Set("liveTensorBytes", num(g_liveBytes.load()));
         o.Set("liveCudaTensorBytes", num(g_liveCudaBytes.load()));
         o.Set("collectedTensors", num(g_collected.load()));
         CpuAllocatorStats s = cpuAllocatorStats();
         auto al = Napi::Object::New(env);
         al.Set("installed", s.installed);
         al.Set("inUseBytes", num(s.inUseBytes));
         al.Set("peakInUseBytes", num(s.peakInUseBytes));
         al.Set("cachedBytes", num(s.cachedBytes));
         al.Set("mappedBytes", num(s.mappedBytes));
         al.Set("cacheLimitBytes", num(s.cacheLimitBytes));
         al.Set("allocations", num(s.allocations));
         al.Set("cacheHits", num(s.cacheHits));
         al.Set("osMaps", num(s.osMaps));
         al.Set("osUnmaps", num(s.osUnmaps));
         o.Set("allocator", al);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
         struct mallinfo2 mi = mallinfo2();
         auto m = Napi::Object::New(env);
         m.Set("heapBytes", num(static_cast<int64_t>(mi.arena)));       // sbrk heap of the main arena
         m.Set("mmapBytes", num(static_cast<int64_t>(mi.hblkhd)));      // malloc's own large mappings
         m.Set("inUseBytes", num(static_cast<int64_t>(mi.uordblks)));   // allocated chunks (all arenas)
         m.Set("freeBytes", num(static_cast<int64_t>(mi.fordblks)));    // free chunks kept in the heaps
         o.Set("malloc", m);
#endif
         return o;
       }},
      {"emptyCache", [](Args& a) { return Napi::Number::New(a.info.Env(), static_cast<double>(emptyCpuCache())); }},
      {"resetPeakMemory", [](Args& a) {
         resetPeakCpuBytes();
         return a.info.Env().Undefined();
       }},
      {"getNumThreads", [](Args& a) { return Napi::Number::New(a.info.Env(), at::get_num_threads()); }},
      {"buildInfo", [](Args& a) {
         auto o = Napi::Object::New(a.info.Env());
         o.Set("torchVersion", TORCH_VERSION);
         o.Set("parallel", at::get_parallel_info());
         o.Set("config", at::show_config());
         o.Set("cuda", at::hasCUDA());
         o.Set("builtWithCuda", builtWithCuda());
         o.Set("allocator", cpuAllocatorStats().installed ? "caching" : "libtorch");
         o.Set("gemm", gemmPath());
         return o;
       }},
  };
}

}  // namespace sl
