// cuBLAS is loaded on demand (cublas_api.h). Loading needs no GPU, so this
// runs with the unit tests; the GEMM through it runs in kernels_cuda_test.
#include "kernels/cuda/internal/cublas_api.h"

#include <gtest/gtest.h>

#include <string>

namespace sextant::kernels::cuda::internal {
namespace {

TEST(CublasApiTest, LoadsTheLibraryAndEveryEntryPointOnce) {
  auto api = LoadCublas();
  ASSERT_TRUE(api.ok()) << api.status().ToString();
  const CublasApi& a = **api;
  EXPECT_NE(a.create, nullptr);
  EXPECT_NE(a.destroy, nullptr);
  EXPECT_NE(a.set_stream, nullptr);
  EXPECT_NE(a.gemm_ex, nullptr);
  ASSERT_NE(a.status_name, nullptr);
  EXPECT_EQ(std::string(a.status_name(CUBLAS_STATUS_NOT_INITIALIZED)),
            "CUBLAS_STATUS_NOT_INITIALIZED");
  auto again = LoadCublas();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *api);
}

}  // namespace
}  // namespace sextant::kernels::cuda::internal
