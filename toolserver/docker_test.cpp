// The Dockerfile's build stage installs exactly what scripts/setup.sh
// installs.
#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"

namespace sextant::toolserver {
namespace {

using sextant::testing::ReadFile;
using sextant::testing::SourceRoot;

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The first word of each line of the `packages=( ... )` array.
std::multiset<std::string> SetupShPackages(const std::string& text) {
  std::multiset<std::string> out;
  std::istringstream in(text);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    const std::string t = Trim(line);
    if (!inside) {
      inside = t == "packages=(";
      continue;
    }
    if (t == ")") break;
    if (t.empty() || t[0] == '#') continue;
    out.insert(t.substr(0, t.find_first_of(" \t#")));
  }
  return out;
}

// The packages of the first `apt-get install` after `FROM ... AS build`, up to
// the end of that command (a line without a trailing backslash, or `&&`).
std::multiset<std::string> DockerBuildPackages(const std::string& text) {
  std::multiset<std::string> out;
  std::istringstream in(text);
  bool in_build = false;
  bool in_install = false;
  for (std::string line; std::getline(in, line);) {
    const std::string t = Trim(line);
    if (t.rfind("FROM ", 0) == 0) {
      if (in_build) break;
      in_build = t.find(" AS build") != std::string::npos;
      continue;
    }
    if (!in_build) continue;
    std::istringstream words(t);
    bool done = false;
    for (std::string w; words >> w;) {
      if (!in_install) {
        in_install = w == "install";
        continue;
      }
      if (w == "&&") {
        done = true;
        break;
      }
      if (w == "\\" || w[0] == '-') continue;
      out.insert(w);
    }
    if (done || (in_install && (t.empty() || t.back() != '\\'))) {
      if (in_install) break;
    }
  }
  return out;
}

TEST(DockerTest, ParsersReadTheirFormats) {
  EXPECT_EQ(SetupShPackages("x\npackages=(\n  a  # why\n  # c\n  b\n)\nc\n"),
            (std::multiset<std::string>{"a", "b"}));
  EXPECT_EQ(DockerBuildPackages("FROM d AS build\nRUN apt-get install -y \\\n  a \\\n  b \\\n  && "
                                "rm x\nRUN apt-get install z\nFROM d\nRUN apt-get install c\n"),
            (std::multiset<std::string>{"a", "b"}));
  EXPECT_TRUE(DockerBuildPackages("FROM d\nRUN apt-get install c\n").empty());
  EXPECT_TRUE(SetupShPackages("no array here").empty());
}

TEST(DockerTest, BuildStageInstallsSetupShPackages) {
  const auto setup = SetupShPackages(ReadFile(SourceRoot() / "scripts" / "setup.sh"));
  const auto docker =
      DockerBuildPackages(ReadFile(SourceRoot() / "docker" / "Dockerfile.toolserver"));
  ASSERT_FALSE(setup.empty());
  EXPECT_EQ(docker, setup);
}

}  // namespace
}  // namespace sextant::toolserver
