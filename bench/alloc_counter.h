// Heap-allocation counting for benchmarks: linking alloc_counter.cc into a
// binary replaces the global operator new/delete with versions that count
// the calling thread's allocations, so a benchmark can report allocations
// per operation next to its time. Never link it into the product.
//
// Thread-safety: the count is per thread; reading it is lock-free.
#ifndef MEDIUS_BENCH_ALLOC_COUNTER_H_
#define MEDIUS_BENCH_ALLOC_COUNTER_H_

#include <cstdint>

namespace medius::bench {

// Allocations (operator new calls, any form) made by this thread so far.
uint64_t ThreadAllocations();

}  // namespace medius::bench

#endif  // MEDIUS_BENCH_ALLOC_COUNTER_H_
