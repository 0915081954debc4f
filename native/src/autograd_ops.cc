// Autograd: gradient tracking, backward, gradient access and the no-grad switch.
#include "common.h"
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace sl {

std::vector<OpEntry> autogradOps() {
  return {
      {"setRequiresGrad", [](Args& a) {
         a.t(0).set_requires_grad(a.b(1));
         return a.info.Env().Undefined();
       }},
      {"requiresGrad", [](Args& a) { return Napi::Boolean::New(a.info.Env(), a.t(0).requires_grad()); }},
      {"backward", [](Args& a) {
         auto g = a.optT(1);
         if (g) a.t(0).backward(*g);
         else a.t(0).backward();
         return a.info.Env().Undefined();
       }},
      {"grad", [](Args& a) {
         const at::Tensor& g = a.t(0).grad();
         if (!g.defined()) return a.info.Env().Null();
         return wrap(a.info.Env(), g);
       }},
      {"zeroGrad", [](Args& a) {
         // Reset to undefined rather than zero-filling: saves a pass over every gradient (docs/bench.md).
         for (auto& t : a.tensors(0)) t.mutable_grad() = at::Tensor();
         return a.info.Env().Undefined();
       }},
      {"detach", [](Args& a) { return wrap(a.info.Env(), a.t(0).detach()); }},
      {"setGradEnabled", [](Args& a) {
         bool prev = at::GradMode::is_enabled();
         at::GradMode::set_enabled(a.b(0));
         return Napi::Boolean::New(a.info.Env(), prev);
       }},
      {"isGradEnabled", [](Args& a) { return Napi::Boolean::New(a.info.Env(), at::GradMode::is_enabled()); }},
  };
}

}  // namespace sl
