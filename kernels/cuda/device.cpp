// Device queries, stream synchronization and DeviceBuffer.
#include <cuda_runtime.h>

#include <cstdio>
#include <string>
#include <utility>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

thread_local bool dependent_launch = false;

}  // namespace

namespace internal {

bool DependentLaunchOn() { return dependent_launch; }

}  // namespace internal

DependentLaunchScope::DependentLaunchScope(bool on) : previous_(dependent_launch) {
  dependent_launch = on;
}

DependentLaunchScope::~DependentLaunchScope() { dependent_launch = previous_; }

int DeviceCount() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return n;
}

Result<std::string> DeviceDescription() {
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  char text[1024];
  std::snprintf(text, sizeof(text), "%s, %d SMs, %.1f GiB, L2 %d MiB, sm_%d%d", prop.name,
                prop.multiProcessorCount, static_cast<double>(prop.totalGlobalMem) / kGiB,
                prop.l2CacheSize >> 20, prop.major, prop.minor);
  return std::string(text);
}

Result<DeviceMemoryInfo> DeviceMemory() {
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return DeviceMemoryInfo{static_cast<int64_t>(free_bytes), static_cast<int64_t>(total_bytes)};
}

Status CopyToDeviceAsync(void* device, const void* host, int64_t bytes, Stream stream) {
  if (bytes == 0) return Status::Ok();
  CUDA_CHECK(cudaMemcpyAsync(device, host, static_cast<size_t>(bytes), cudaMemcpyHostToDevice,
                             internal::ToCuda(stream)));
  return Status::Ok();
}

Status CopyToHostAsync(void* host, const void* device, int64_t bytes, Stream stream) {
  if (bytes == 0) return Status::Ok();
  CUDA_CHECK(cudaMemcpyAsync(host, device, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost,
                             internal::ToCuda(stream)));
  return Status::Ok();
}

Result<Stream> CreateStream() {
  cudaStream_t stream = nullptr;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return reinterpret_cast<Stream>(stream);
}

void DestroyStream(Stream stream) {
  if (stream != nullptr) cudaStreamDestroy(internal::ToCuda(stream));
}

Graph::~Graph() {
  if (exec_ != nullptr) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
}

Graph::Graph(Graph&& other) noexcept : exec_(std::exchange(other.exec_, nullptr)) {}

Graph& Graph::operator=(Graph&& other) noexcept {
  if (this != &other) {
    if (exec_ != nullptr) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
    exec_ = std::exchange(other.exec_, nullptr);
  }
  return *this;
}

Status Graph::BeginCapture(Stream stream) {
  CUDA_CHECK(cudaStreamBeginCapture(internal::ToCuda(stream), cudaStreamCaptureModeThreadLocal));
  return Status::Ok();
}

Result<Graph> Graph::EndCapture(Stream stream) {
  cudaGraph_t graph = nullptr;
  CUDA_CHECK(cudaStreamEndCapture(internal::ToCuda(stream), &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t err = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  CUDA_CHECK(err);
  Graph out;
  out.exec_ = exec;
  return out;
}

Status Graph::Launch(Stream stream) const {
  if (exec_ == nullptr) return FailedPreconditionError("Graph::Launch: empty graph");
  CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_), internal::ToCuda(stream)));
  return Status::Ok();
}

Status Synchronize(Stream stream) {
  CUDA_CHECK(cudaStreamSynchronize(internal::ToCuda(stream)));
  return Status::Ok();
}

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr) cudaFree(data_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

Result<DeviceBuffer> DeviceBuffer::Allocate(int64_t bytes) {
  if (bytes <= 0) return InvalidArgumentError("DeviceBuffer: size must be positive");
  DeviceBuffer buffer;
  const cudaError_t err = cudaMalloc(&buffer.data_, static_cast<size_t>(bytes));
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    return ResourceExhaustedError("DeviceBuffer: cannot allocate " + std::to_string(bytes) +
                                  " bytes of device memory");
  }
  CUDA_CHECK(err);
  buffer.bytes_ = bytes;
  return buffer;
}

Status DeviceBuffer::CopyFromHost(const void* host, int64_t bytes) {
  if (bytes < 0 || bytes > bytes_) return OutOfRangeError("DeviceBuffer: copy past the end");
  CUDA_CHECK(cudaMemcpy(data_, host, static_cast<size_t>(bytes), cudaMemcpyHostToDevice));
  return Status::Ok();
}

Status DeviceBuffer::CopyToHost(void* host, int64_t bytes) const {
  if (bytes < 0 || bytes > bytes_) return OutOfRangeError("DeviceBuffer: copy past the end");
  CUDA_CHECK(cudaMemcpy(host, data_, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost));
  return Status::Ok();
}

Status DeviceBuffer::Fill(uint8_t value) {
  CUDA_CHECK(cudaMemset(data_, value, static_cast<size_t>(bytes_)));
  return Status::Ok();
}

}  // namespace sextant::kernels::cuda
