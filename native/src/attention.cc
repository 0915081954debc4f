// Fused causal self-attention straight from the c_attn output: qkv [B, T, 3D] -> y [B, T, D], with a
// hand-written backward. Each (batch, head) is one task of a parallel loop: S = scale Q K^T, masked
// softmax in place, Y = P V, all on strided views of qkv (no permute/contiguous copies), so the small
// per-head matrices stay in cache and both cores work (libtorch's bmm loops over the batch on one
// thread for matrices this small). Saves qkv and the probabilities P for the backward:
//   dV = P^T dY,  dP = dY V^T,  dS = P * (dP - rowsum(dP * P)) * scale,  dQ = dS K,  dK = dS^T Q.
#include "common.h"
#include "attention_rows.h"
#include "blas.h"
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <algorithm>
#include <cmath>
#include <vector>

namespace sl {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Dims {
  int64_t B, T, H, hd, D;
  double scale;
};

// Heads per task: small problems run inline (an OpenMP region costs more than they do).
int64_t grain(const Dims& d) {
  const int64_t perHead = d.T * d.T * d.hd;
  return std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, perHead));
}

template <typename T>
void forwardKernel(const Dims& d, const T* qkv, const T* mask, bool causal, T* P, T* y) {
  const int64_t ld = 3 * d.D, BH = d.B * d.H, TT = d.T * d.T;
  at::parallel_for(0, BH, grain(d), [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; bh++) {
      const int64_t b = bh / d.H, h = bh % d.H;
      const T* q = qkv + b * d.T * ld + h * d.hd;
      T* s = P + bh * TT;
      gemmRowMajor(false, true, d.T, d.T, d.hd, d.scale, q, ld, q + d.D, ld, 0.0, s, d.T);
      const T* m = mask ? mask + b * d.T : nullptr;
      rows::softmaxRows(s, d.T, d.T, causal, m);
      gemmRowMajor(false, false, d.T, d.hd, d.T, 1.0, s, d.T, q + 2 * d.D, ld, 0.0, y + b * d.T * d.D + h * d.hd, d.D);
    }
  });
}

template <typename T>
void backwardKernel(const Dims& d, const T* qkv, const T* P, const T* gy, bool causal, T* gqkv) {
  const int64_t ld = 3 * d.D, BH = d.B * d.H, TT = d.T * d.T;
  at::parallel_for(0, BH, grain(d), [&](int64_t begin, int64_t end) {
    std::vector<T> buf(TT);
    T* ds = buf.data();
    for (int64_t bh = begin; bh < end; bh++) {
      const int64_t b = bh / d.H, h = bh % d.H;
      const T* q = qkv + b * d.T * ld + h * d.hd;
      const T* p = P + bh * TT;
      const T* dy = gy + b * d.T * d.D + h * d.hd;
      T* dq = gqkv + b * d.T * ld + h * d.hd;
      gemmRowMajor(true, false, d.T, d.hd, d.T, 1.0, p, d.T, dy, d.D, 0.0, dq + 2 * d.D, ld);   // dV = P^T dY
      gemmRowMajor(false, true, d.T, d.T, d.hd, 1.0, dy, d.D, q + 2 * d.D, ld, 0.0, ds, d.T);   // dP = dY V^T
      rows::softmaxBackwardRows(p, ds, d.T, d.T, causal, static_cast<T>(d.scale));
      gemmRowMajor(false, false, d.T, d.hd, d.T, 1.0, ds, d.T, q + d.D, ld, 0.0, dq, ld);       // dQ = dS K
      gemmRowMajor(true, false, d.T, d.hd, d.T, 1.0, ds, d.T, q, ld, 0.0, dq + d.D, ld);        // dK = dS^T Q
    }
  });
}

// The hand-written kernel's types; bf16 / fp16 (autocast on CUDA, a half-precision model) take the composite path.
bool fusedDtype(const at::Tensor& t) { return t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble; }

Dims dimsOf(const at::Tensor& qkv, int64_t H, bool cpuOnly = true) {
  TORCH_CHECK(qkv.dim() == 3, "qkv must be [B, T, 3*D], got ", qkv.sizes());
  TORCH_CHECK(qkv.size(2) % 3 == 0, "last dim ", qkv.size(2), " is not 3*D");
  const int64_t D = qkv.size(2) / 3;
  TORCH_CHECK(H > 0 && D % H == 0, "D=", D, " is not divisible by nHeads=", H);
  TORCH_CHECK(at::isFloatingType(qkv.scalar_type()), "qkv must be a floating-point tensor, got ", qkv.scalar_type());
  TORCH_CHECK(!cpuOnly || (qkv.device().is_cpu() && fusedDtype(qkv)), "the fused kernel takes CPU float32/float64 only");
  return {qkv.size(0), qkv.size(1), H, D / H, D, 1.0 / std::sqrt(static_cast<double>(D / H))};
}

struct FusedAttention : public torch::autograd::Function<FusedAttention> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& qkvIn, int64_t H, bool causal,
                            c10::optional<at::Tensor> keyMask) {
    at::Tensor qkv = qkvIn.contiguous();
    Dims d = dimsOf(qkv, H);
    at::Tensor mask;
    if (keyMask && keyMask->defined()) {
      TORCH_CHECK(keyMask->numel() == d.B * d.T, "keyMask must hold B*T = ", d.B * d.T,
                  " additive values ([B, T] or [B, 1, 1, T]), got ", keyMask->sizes());
      mask = keyMask->detach().reshape({d.B, d.T}).to(qkv.scalar_type()).contiguous();
    }
    at::Tensor P = at::empty({d.B, d.H, d.T, d.T}, qkv.options());
    at::Tensor y = at::empty({d.B, d.T, d.D}, qkv.options());
    AT_DISPATCH_FLOATING_TYPES(qkv.scalar_type(), "attentionQkv", [&] {
      forwardKernel<scalar_t>(d, qkv.data_ptr<scalar_t>(), mask.defined() ? mask.data_ptr<scalar_t>() : nullptr, causal,
                              P.data_ptr<scalar_t>(), y.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({qkv, P});
    ctx->saved_data["H"] = H;
    ctx->saved_data["causal"] = causal;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& qkv = saved[0];
    const at::Tensor& P = saved[1];
    Dims d = dimsOf(qkv, ctx->saved_data["H"].toInt());
    bool causal = ctx->saved_data["causal"].toBool();
    at::Tensor gy = grads[0].contiguous();
    at::Tensor gqkv = at::empty_like(qkv);
    AT_DISPATCH_FLOATING_TYPES(qkv.scalar_type(), "attentionQkvBackward", [&] {
      backwardKernel<scalar_t>(d, qkv.data_ptr<scalar_t>(), P.data_ptr<scalar_t>(), gy.data_ptr<scalar_t>(), causal,
                               gqkv.data_ptr<scalar_t>());
    });
    return {gqkv, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// The same function from libtorch ops, for tensors off the CPU (scaled_dot_product_attention there, see
// causalAttention), half-precision tensors, or when no direct GEMM was found (per-head calls into libtorch's mm
// would be slower than its batched products).
at::Tensor composite(const at::Tensor& qkv, int64_t H, bool causal, const c10::optional<at::Tensor>& keyMask) {
  Dims d = dimsOf(qkv, H, /*cpuOnly=*/false);
  at::Tensor s = qkv.view({d.B, d.T, 3, d.H, d.hd}).permute({2, 0, 3, 1, 4});
  c10::optional<at::Tensor> mask;
  if (keyMask && keyMask->defined()) mask = keyMask->reshape({d.B, 1, 1, d.T}).to(qkv.scalar_type());
  return causalAttention(s.select(0, 0), s.select(0, 1), s.select(0, 2), mask, causal).transpose(1, 2).reshape({d.B, d.T, d.D});
}

}  // namespace

std::vector<OpEntry> attentionOps() {
  return {
      {"attentionQkv", [](Args& a) {
         // (qkv [B, T, 3D], nHeads, keyMask? additive [B, 1, 1, T] or [B, T], causal = true) -> [B, T, D]
         c10::optional<at::Tensor> mask = a.optT(2);
         const at::Tensor& qkv = a.t(0);
         if (!qkv.device().is_cpu() || !fastGemm() || !fusedDtype(qkv)) return wrap(a.info.Env(), composite(qkv, a.i64(1), a.bor(3, true), mask));
         return wrap(a.info.Env(), FusedAttention::apply(qkv, a.i64(1), a.bor(3, true), mask));
       }},
      {"gemmPath", [](Args& a) { return Napi::String::New(a.info.Env(), gemmPath()); }},
  };
}

}  // namespace sl
