// Raw bytes into tensors of any dtype: model files store 16-bit weights, which JavaScript has no typed array
// for. fromBytes makes a tensor straight from little-endian bytes; writeBytes fills a tensor piece by piece,
// so a loader can stream a large tensor through one small buffer instead of holding it twice.
#include "common.h"
#include <cstring>

namespace sl {

static Napi::Uint8Array bytesArg(Args& a, size_t i) {
  if (!a.has(i) || !a.info[i].IsTypedArray() || a.info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    a.fail("argument " + std::to_string(i) + " must be a Uint8Array");
  return a.info[i].As<Napi::Uint8Array>();
}

static const uint8_t* bytesData(const Napi::Uint8Array& u) {
  return static_cast<const uint8_t*>(u.ArrayBuffer().Data()) + u.ByteOffset();
}

std::vector<OpEntry> bytesOps() {
  return {
      {"fromBytes", [](Args& a) {
         // (bytes, shape, dtype) -> a new tensor whose memory is exactly those bytes (host byte order).
         auto u = bytesArg(a, 0);
         auto shape = a.ints(1);
         at::ScalarType st = parseDtype(a.str(2));
         at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
         size_t want = static_cast<size_t>(t.nbytes());
         if (u.ByteLength() != want)
           a.fail("shape x " + dtypeName(st) + " needs " + std::to_string(want) + " bytes but the array has " + std::to_string(u.ByteLength()));
         if (want) std::memcpy(t.data_ptr(), bytesData(u), want);
         return wrap(a.info.Env(), t);
       }},
      {"writeBytes", [](Args& a) {
         // (tensor, byteOffset, bytes): copy bytes into a contiguous CPU tensor's memory at byteOffset (no autograd).
         auto& t = a.t(0);
         if (!t.is_cpu() || !t.is_contiguous()) a.fail("the tensor must be a contiguous CPU tensor");
         int64_t off = a.i64(1);
         auto u = bytesArg(a, 2);
         int64_t n = static_cast<int64_t>(u.ByteLength());
         if (off < 0 || off + n > static_cast<int64_t>(t.nbytes()))
           a.fail("bytes [" + std::to_string(off) + ", " + std::to_string(off + n) + ") fall outside the tensor's " + std::to_string(t.nbytes()) + " bytes");
         if (n) std::memcpy(static_cast<uint8_t*>(t.data_ptr()) + off, bytesData(u), static_cast<size_t>(n));
         return a.info.Env().Undefined();
       }},
  };
}

}  // namespace sl
