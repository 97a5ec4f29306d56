// The register-resident FMA loop behind MeasureFmaPeakGflops.
#pragma once

#include <cstdint>

namespace sextant::bench::internal {

// Runs `iterations` rounds of independent multiply-adds held in registers
// (AVX2 FMA when the CPU has it) and returns the flops performed.
double RunFmaLoop(int64_t iterations);

}  // namespace sextant::bench::internal
