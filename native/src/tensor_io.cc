// Tensors to and from JavaScript typed arrays, factories, metadata, and disposal.
#include "common.h"
#include <cstring>

namespace sl {

static at::ScalarType typedArrayDtype(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_int32_array: return at::kInt;
    case napi_bigint64_array: return at::kLong;
    case napi_uint8_array: return at::kByte;
    default: throw std::invalid_argument("unsupported typed array (use Float32Array, Float64Array, Int32Array, BigInt64Array, Uint8Array)");
  }
}

// Copies out go through the CPU: a tensor on another device is copied to host memory first.
static Napi::Value toTypedArray(Napi::Env env, const at::Tensor& src) {
  at::Tensor t = src.detach();
  if (!t.is_cpu()) t = t.to(at::kCPU);
  t = t.contiguous();
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  size_t n = static_cast<size_t>(t.numel());
  size_t bytes = n * t.element_size();
  auto buf = Napi::ArrayBuffer::New(env, bytes);
  if (bytes) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  switch (t.scalar_type()) {
    case at::kFloat: return Napi::Float32Array::New(env, n, buf, 0);
    case at::kDouble: return Napi::Float64Array::New(env, n, buf, 0);
    case at::kInt: return Napi::Int32Array::New(env, n, buf, 0);
    case at::kLong: return Napi::TypedArrayOf<int64_t>::New(env, n, buf, 0, napi_bigint64_array);
    case at::kByte:
    case at::kBool: return Napi::Uint8Array::New(env, n, buf, 0);
    default: throw std::invalid_argument("toArray: unsupported dtype " + dtypeName(t.scalar_type()));
  }
}

static Napi::Value shapeOf(Napi::Env env, const at::Tensor& t) {
  auto arr = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); i++) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
  return arr;
}

// dtype at position i, device at i + 1 (both optional): every factory takes them in that order, last.
static at::TensorOptions opts(Args& a, size_t i, at::ScalarType dflt = at::kFloat) {
  return at::TensorOptions().dtype(a.has(i) ? parseDtype(a.str(i)) : dflt).device(a.device(i + 1));
}

std::vector<OpEntry> tensorIoOps() {
  return {
      {"fromArray", [](Args& a) {
         // (typedArray, shape, dtype?, device?) -> copy into a new CPU tensor; dtype converts after the copy,
         // then the tensor moves to the device (copies in go through the CPU).
         if (!a.info[0].IsTypedArray()) a.fail("argument 0 must be a typed array");
         auto ta = a.info[0].As<Napi::TypedArray>();
         at::ScalarType st = typedArrayDtype(ta.TypedArrayType());
         auto shape = a.ints(1);
         int64_t n = 1;
         for (auto s : shape) n *= s;
         if (n != static_cast<int64_t>(ta.ElementLength()))
           a.fail("shape holds " + std::to_string(n) + " elements but the array has " + std::to_string(ta.ElementLength()));
         c10::Device dev = a.device(3);
         at::ScalarType want = a.has(2) ? parseDtype(a.str(2)) : st;
         // Bound for a GPU: stage in pinned memory and copy without waiting (a copy from pageable memory would
         // wait for every kernel queued before it: one stall per batch). The caching host allocator keeps the
         // staging buffer alive until the copy has run; the dtype changes on the device, after the copy.
         at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st).pinned_memory(!dev.is_cpu()));
         if (ta.ByteLength())
           std::memcpy(t.data_ptr(), static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength());
         if (!dev.is_cpu()) t = t.to(dev, st, /*non_blocking=*/true, /*copy=*/false).to(want);
         else if (want != st) t = t.to(want);
         return wrap(a.info.Env(), t);
       }},
      {"toArray", [](Args& a) { return toTypedArray(a.info.Env(), a.t(0)); }},
      {"item", [](Args& a) {
         auto& t = a.t(0);
         if (t.numel() != 1) a.fail("tensor has " + std::to_string(t.numel()) + " elements, expected 1");
         return Napi::Number::New(a.info.Env(), t.item<double>());
       }},
      {"shape", [](Args& a) { return shapeOf(a.info.Env(), a.t(0)); }},
      {"dtype", [](Args& a) { return Napi::String::New(a.info.Env(), dtypeName(a.t(0).scalar_type())); }},
      {"numel", [](Args& a) { return Napi::Number::New(a.info.Env(), static_cast<double>(a.t(0).numel())); }},
      {"zeros", [](Args& a) { return wrap(a.info.Env(), at::zeros(a.ints(0), opts(a, 1))); }},
      {"ones", [](Args& a) { return wrap(a.info.Env(), at::ones(a.ints(0), opts(a, 1))); }},
      {"full", [](Args& a) { return wrap(a.info.Env(), at::full(a.ints(0), a.f64(1), opts(a, 2))); }},
      {"empty", [](Args& a) { return wrap(a.info.Env(), at::empty(a.ints(0), opts(a, 1))); }},
      {"arange", [](Args& a) { return wrap(a.info.Env(), at::arange(a.f64(0), a.f64(1), a.f64or(2, 1.0), opts(a, 3, at::kLong))); }},
      {"randn", [](Args& a) { return wrap(a.info.Env(), at::randn(a.ints(0), opts(a, 1))); }},
      {"rand", [](Args& a) { return wrap(a.info.Env(), at::rand(a.ints(0), opts(a, 1))); }},
      {"randint", [](Args& a) { return wrap(a.info.Env(), at::randint(a.i64(0), a.i64(1), a.ints(2), opts(a, 3, at::kLong))); }},
      {"randperm", [](Args& a) { return wrap(a.info.Env(), at::randperm(a.i64(0), at::TensorOptions().dtype(at::kLong).device(a.device(1)))); }},
      {"to", [](Args& a) { return wrap(a.info.Env(), a.t(0).to(parseDtype(a.str(1)))); }},
      // (t, device) -> the tensor on that device (the same tensor when it is there already); autograd records the copy.
      {"toDevice", [](Args& a) { return wrap(a.info.Env(), a.t(0).to(a.device(1))); }},
      {"device", [](Args& a) { return Napi::String::New(a.info.Env(), deviceName(a.t(0).device())); }},
      {"clone", [](Args& a) { return wrap(a.info.Env(), a.t(0).clone()); }},
      {"copy_", [](Args& a) {
         // In-place copy (no autograd record): loading weights into parameters.
         c10::NoGradGuard ng;
         a.t(0).copy_(a.t(1));
         return a.info.Env().Undefined();
       }},
      {"fill_", [](Args& a) {
         c10::NoGradGuard ng;
         a.t(0).fill_(a.f64(1));
         return a.info.Env().Undefined();
       }},
      {"dispose", [](Args& a) {
         if (isTensor(a.info[0])) a.info[0].As<Napi::External<TensorBox>>().Data()->reset(a.info.Env());
         return a.info.Env().Undefined();
       }},
      {"isDisposed", [](Args& a) {
         if (!isTensor(a.info[0])) a.fail("argument 0 is not a tensor");
         return Napi::Boolean::New(a.info.Env(), !a.info[0].As<Napi::External<TensorBox>>().Data()->t.defined());
       }},
      {"liveCount", [](Args& a) { return Napi::Number::New(a.info.Env(), static_cast<double>(g_live.load())); }},
      {"liveBytes", [](Args& a) { return Napi::Number::New(a.info.Env(), static_cast<double>(g_liveBytes.load())); }},
      {"liveCudaBytes", [](Args& a) { return Napi::Number::New(a.info.Env(), static_cast<double>(g_liveCudaBytes.load())); }},
  };
}

}  // namespace sl
