// Neural-network ops: normalisation, activations, embedding, losses, attention, dropout.
#include "common.h"
#include <torch/version.h>
#include <limits>

namespace sl {

// Causal scaled-dot-product attention on [B, H, Tq, D] x [B, H, Tk, D]; queries are the last Tq
// positions of the Tk keys (Tq < Tk when decoding with a KV cache). Optional additive mask [B, 1, 1, Tk]
// hides padding. One call instead of five keeps per-op overhead off the hot path.
// On CUDA with libtorch 2.x this is at::scaled_dot_product_attention (flash / memory-efficient kernels; under
// bf16 autocast it runs in bf16). Its is_causal aligns the mask top-left, ours bottom-right, so it is used only
// for square causal attention without a key mask; other shapes pass an explicit additive mask.
at::Tensor causalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const c10::optional<at::Tensor>& keyMask, bool causal) {
  int64_t tq = q.size(2), tk = k.size(2);
  const bool hasMask = keyMask && keyMask->defined();
#if TORCH_VERSION_MAJOR >= 2
  if (!q.device().is_cpu()) {
    if (!hasMask && (!causal || tq == 1 || tq == tk))
      return at::scaled_dot_product_attention(q, k, v, {}, 0.0, causal && tq > 1);
    at::Tensor bias = at::zeros({tq, tk}, q.options().dtype(at::kFloat));
    if (causal && tq > 1)
      bias.masked_fill_(at::ones({tq, tk}, bias.options().dtype(at::kBool)).triu_(tk - tq + 1),
                        -std::numeric_limits<float>::infinity());
    if (hasMask) bias = bias + keyMask->to(at::kFloat).reshape({-1, 1, 1, tk});  // [B, 1, Tq, Tk]
    // In q's dtype (bf16 under autocast, where q comes out of a bf16 product): the kernels want them to match.
    return at::scaled_dot_product_attention(q, k, v, bias.to(q.scalar_type()), 0.0, false);
  }
#endif
  double scale = 1.0 / std::sqrt(static_cast<double>(q.size(3)));
  at::Tensor att = at::matmul(q, k.transpose(-2, -1)).mul_(scale);
  if (causal && tq > 1) {
    at::Tensor mask = at::ones({tq, tk}, att.options().dtype(at::kBool)).triu_(tk - tq + 1);
    att = att.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  if (hasMask) att = att + *keyMask;
  att = at::softmax(att, -1);
  return at::matmul(att, v);
}

std::vector<OpEntry> nnOps() {
  return {
      {"softmax", [](Args& a) { return wrap(a.info.Env(), at::softmax(a.t(0), a.i64(1))); }},
      {"logSoftmax", [](Args& a) { return wrap(a.info.Env(), at::log_softmax(a.t(0), a.i64(1))); }},
      {"layerNorm", [](Args& a) {
         // (x, normalizedShape, weight?, bias?, eps)
         return wrap(a.info.Env(), at::layer_norm(a.t(0), a.ints(1), a.optT(2), a.optT(3), a.f64or(4, 1e-5)));
       }},
      {"gelu", [](Args& a) {
         return wrap(a.info.Env(), at::gelu(a.t(0), a.has(1) && a.str(1) == "tanh" ? "tanh" : "none"));
       }},
      {"embedding", [](Args& a) { return wrap(a.info.Env(), at::embedding(a.t(0), a.t(1))); }},
      {"maskedFill", [](Args& a) { return wrap(a.info.Env(), at::masked_fill(a.t(0), a.t(1), a.f64(2))); }},
      {"dropout", [](Args& a) { return wrap(a.info.Env(), at::dropout(a.t(0), a.f64(1), a.b(2))); }},
      {"crossEntropy", [](Args& a) {
         // (logits [N, V], targets [N] int64, ignoreIndex, weights [N]?, reduction "mean"|"sum"|"none")
         const at::Tensor& logits = a.t(0);
         const at::Tensor& targets = a.t(1);
         int64_t ignore = a.i64or(2, -100);
         auto weights = a.optT(3);
         std::string red = a.has(4) ? a.str(4) : "mean";
         if (logits.dim() != 2) a.fail("logits must be 2-D [N, V]");
         if (targets.dim() != 1 || targets.size(0) != logits.size(0)) a.fail("targets must be 1-D with N entries");
         if (!weights && red == "mean")
           return wrap(a.info.Env(), at::cross_entropy_loss(logits, targets, {}, at::Reduction::Mean, ignore));
         at::Tensor per = at::cross_entropy_loss(logits, targets, {}, at::Reduction::None, ignore);
         at::Tensor valid = targets.ne(ignore).to(per.scalar_type());
         at::Tensor w = weights ? weights->to(per.scalar_type()) * valid : valid;
         if (red == "none") return wrap(a.info.Env(), per * w);
         if (red == "sum") return wrap(a.info.Env(), (per * w).sum());
         if (red != "mean") a.fail("reduction must be mean, sum or none");
         return wrap(a.info.Env(), (per * w).sum() / w.sum().clamp_min(1e-12));
       }},
      {"attention", [](Args& a) {
         return wrap(a.info.Env(), causalAttention(a.t(0), a.t(1), a.t(2), a.optT(3), a.bor(4, true)));
       }},
  };
}

}  // namespace sl
