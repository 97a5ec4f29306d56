// Kernel launches with programmatic dependent launch (PDL, sm_90): a kernel
// launched this way may start while the kernel before it on the stream is
// still running, once every block of that kernel has called
// LaunchDependents. Each kernel launched through Launch must therefore call
// WaitForPrerequisites in every block before it reads or writes memory that
// earlier kernels touch; only reads of memory no kernel writes (weights) may
// come first. Since every kernel waits for the one before it to finish, and
// that one waited in turn, what a kernel reads after its wait includes every
// earlier kernel's writes. Kernels launched otherwise (cuBLAS) keep the
// stream's full ordering.
#pragma once

#include <cuda_runtime.h>

#include <utility>

namespace sextant::kernels::cuda::internal {

// Whether launches from this thread ask for PDL (DependentLaunchScope).
bool DependentLaunchOn();

// kernel<<<grid, block, smem, stream>>>(args...), with PDL when on.
template <typename... Params, typename... Args>
cudaError_t Launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem,
                   cudaStream_t stream, Args&&... args) {
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr.val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = stream;
  config.attrs = &attr;
  config.numAttrs = DependentLaunchOn() ? 1 : 0;
  return cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

// Blocks until the kernels before this one on the stream have finished and
// their writes are visible; returns at once for a kernel launched without PDL.
__device__ __forceinline__ void WaitForPrerequisites() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Lets the next kernel on the stream start its blocks (they wait in
// WaitForPrerequisites until this kernel has finished).
__device__ __forceinline__ void LaunchDependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// The usual start of a kernel: wait for the kernel before, then let the next
// one start its blocks.
__device__ __forceinline__ void EnterKernel() {
  WaitForPrerequisites();
  LaunchDependents();
}

}  // namespace sextant::kernels::cuda::internal
