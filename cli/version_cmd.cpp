// `sextant version [--verbose]`: the version, and with --verbose the
// components built, CUDA availability and library versions.
#include <dlfcn.h>

#include <cstdio>
#include <memory>
#include <string>

#include <curl/curl.h>
#include <sqlite3.h>
#include <CLI/CLI.hpp>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

#include "cli/build_info.h"
#include "cli/commands.h"

namespace sextant::cli {
namespace {

// Asks the CUDA driver, if one is installed, how many GPUs it sees. Loaded
// with dlopen so the binary runs on machines without a driver.
std::string CudaDriverSummary() {
  void* lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!lib) return "no CUDA driver";
  using InitFn = int (*)(unsigned);
  using CountFn = int (*)(int*);
  using VersionFn = int (*)(int*);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "cuDeviceGetCount"));
  auto version = reinterpret_cast<VersionFn>(dlsym(lib, "cuDriverGetVersion"));
  std::string out = "CUDA driver present";
  int n = 0;
  int v = 0;
  if (version && version(&v) == 0) {
    out = "CUDA driver " + std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
  }
  if (init && count && init(0) == 0 && count(&n) == 0) {
    out += ", " + std::to_string(n) + " GPU(s)";
  } else {
    out += ", no usable GPU";
  }
  dlclose(lib);
  return out;
}

void PrintVerbose() {
  std::printf("sextant %s (%s, %s)\n", SEXTANT_VERSION, SEXTANT_GIT_DESCRIBE, SEXTANT_BUILD_TYPE);
  std::printf("compiler:    %s\n", SEXTANT_COMPILER);
  std::printf("components:  %s\n", SEXTANT_COMPONENTS);
  std::string toolkit = SEXTANT_CUDA_TOOLKIT;
  if (toolkit.empty()) {
    std::printf("CUDA:        not built (no CUDA toolkit at build time); %s\n",
                CudaDriverSummary().c_str());
  } else {
    std::printf("CUDA:        toolkit %s, sm_%s; %s\n", toolkit.c_str(), SEXTANT_CUDA_ARCHS,
                CudaDriverSummary().c_str());
  }
  if (!std::string(SEXTANT_SANITIZERS).empty())
    std::printf("sanitizers:  %s\n", SEXTANT_SANITIZERS);
  std::printf("libraries:\n");
  std::string boost = std::to_string(BOOST_VERSION / 100000) + "." +
                      std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                      std::to_string(BOOST_VERSION % 100);
  std::printf("  Boost (Asio, Beast)  %s\n", boost.c_str());
  std::printf("  nlohmann_json        %d.%d.%d\n", NLOHMANN_JSON_VERSION_MAJOR,
              NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH);
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  std::printf("  libcurl              %s (%s)\n", curl->version,
              curl->ssl_version ? curl->ssl_version : "no TLS");
  std::printf("  SQLite               %s\n", sqlite3_libversion());
  std::printf("  CLI11                %s\n", CLI11_VERSION);
}

}  // namespace

void AddVersionCommand(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("version", "Print the version (--verbose: build and libraries)");
  auto verbose = std::make_shared<bool>(false);
  cmd->add_flag("-v,--verbose", *verbose, "Also print components, CUDA and library versions");
  cmd->callback([verbose, &ctx] {
    if (*verbose) {
      PrintVerbose();
    } else {
      std::printf("sextant %s\n", SEXTANT_VERSION);
    }
    ctx.exit_code = 0;
  });
}

}  // namespace sextant::cli
