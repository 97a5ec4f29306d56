// The egress guard against every refused range, the IPv6 forms that embed
// IPv4, allow lists and malformed input.
#include "toolserver/tools/web/egress_guard.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sextant::toolserver::web {
namespace {

EgressGuard Guard(const std::vector<std::string>& allow = {}) {
  auto guard = EgressGuard::Create(allow);
  EXPECT_TRUE(guard.ok()) << guard.status().ToString();
  return guard.ok() ? *guard : *EgressGuard::Create();
}

// Expects `ip` refused with a message naming the address and `category`.
void ExpectRefused(const EgressGuard& guard, const std::string& ip, const std::string& category) {
  const Status st = guard.Check(ip);
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << ip << ": " << st.ToString();
  EXPECT_NE(st.message().find(ip), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(category), std::string::npos) << ip << ": " << st.message();
}

TEST(EgressGuardTest, RefusesEveryNonPublicIpv4Range) {
  const EgressGuard guard = Guard();
  ExpectRefused(guard, "127.0.0.1", "loopback");
  ExpectRefused(guard, "127.255.255.254", "loopback");
  ExpectRefused(guard, "0.0.0.0", "unspecified");
  ExpectRefused(guard, "0.1.2.3", "unspecified");
  ExpectRefused(guard, "10.0.0.1", "private");
  ExpectRefused(guard, "10.255.255.255", "private");
  ExpectRefused(guard, "172.16.0.1", "private");
  ExpectRefused(guard, "172.31.255.255", "private");
  ExpectRefused(guard, "192.168.1.1", "private");
  ExpectRefused(guard, "169.254.1.1", "link-local");
  ExpectRefused(guard, "100.64.0.1", "CGNAT");
  ExpectRefused(guard, "100.127.255.255", "CGNAT");
  ExpectRefused(guard, "169.254.169.254", "cloud metadata");
  ExpectRefused(guard, "100.100.100.200", "cloud metadata");
  ExpectRefused(guard, "224.0.0.1", "multicast");
  ExpectRefused(guard, "239.255.255.250", "multicast");
  ExpectRefused(guard, "255.255.255.255", "broadcast");
  ExpectRefused(guard, "240.0.0.1", "reserved");
  ExpectRefused(guard, "192.0.2.10", "documentation");
  ExpectRefused(guard, "198.51.100.7", "documentation");
  ExpectRefused(guard, "203.0.113.99", "documentation");
  ExpectRefused(guard, "198.18.0.1", "benchmarking");
}

TEST(EgressGuardTest, AllowsPublicIpv4AndRangeEdges) {
  const EgressGuard guard = Guard();
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.0",
                         "100.63.255.255", "100.128.0.0", "169.253.255.255", "11.0.0.0",
                         "9.255.255.255", "223.255.255.255", "192.167.255.255", "198.20.0.0"}) {
    EXPECT_TRUE(guard.Check(ip).ok()) << ip << ": " << guard.Check(ip).ToString();
  }
}

TEST(EgressGuardTest, RefusesNonPublicIpv6) {
  const EgressGuard guard = Guard();
  ExpectRefused(guard, "::1", "loopback");
  ExpectRefused(guard, "::", "unspecified");
  ExpectRefused(guard, "fc00::1", "private");
  ExpectRefused(guard, "fdff:ffff::1", "private");
  ExpectRefused(guard, "fec0::1", "site-local");
  ExpectRefused(guard, "fe80::1", "link-local");
  ExpectRefused(guard, "fe80::1%eth0", "link-local");
  ExpectRefused(guard, "febf::1", "link-local");
  ExpectRefused(guard, "fd00:ec2::254", "cloud metadata");
  ExpectRefused(guard, "ff02::1", "multicast");
  ExpectRefused(guard, "2001:db8::1", "documentation");
  ExpectRefused(guard, "100::1", "discard-only");
  ExpectRefused(guard, "64:ff9b:1::1", "local-use NAT64");
}

TEST(EgressGuardTest, AllowsPublicIpv6) {
  const EgressGuard guard = Guard();
  for (const char* ip : {"2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450::1", "fbff::1",
                         "fe7f::1", "2001:db9::1", "ff::1"}) {
    EXPECT_TRUE(guard.Check(ip).ok()) << ip << ": " << guard.Check(ip).ToString();
  }
}

TEST(EgressGuardTest, JudgesIpv6FormsByTheirEmbeddedIpv4) {
  const EgressGuard guard = Guard();
  ExpectRefused(guard, "::ffff:127.0.0.1", "loopback");
  ExpectRefused(guard, "::ffff:7f00:1", "loopback");
  ExpectRefused(guard, "::ffff:169.254.169.254", "cloud metadata");
  ExpectRefused(guard, "::ffff:10.1.2.3", "private");
  ExpectRefused(guard, "::127.0.0.1", "loopback");
  ExpectRefused(guard, "::192.168.0.1", "IPv4-compatible embedding 192.168.0.1");
  ExpectRefused(guard, "64:ff9b::10.0.0.1", "NAT64 embedding 10.0.0.1");
  ExpectRefused(guard, "64:ff9b::a9fe:a9fe", "cloud metadata");
  ExpectRefused(guard, "2002:7f00:1::1", "6to4 embedding 127.0.0.1");
  ExpectRefused(guard, "2002:c0a8:101::", "6to4 embedding 192.168.1.1");
  ExpectRefused(guard, "2002:a9fe:a9fe::1", "cloud metadata");
  EXPECT_TRUE(guard.Check("::ffff:8.8.8.8").ok());
  EXPECT_TRUE(guard.Check("64:ff9b::8.8.8.8").ok());
  EXPECT_TRUE(guard.Check("2002:808:808::1").ok());
}

TEST(EgressGuardTest, AllowListLetsExactlyItsAddressesThrough) {
  const EgressGuard guard = Guard({"127.0.0.1", "::1", "10.0.0.0/8", "fd12:3456::/32"});
  EXPECT_TRUE(guard.Check("127.0.0.1").ok());
  EXPECT_TRUE(guard.Check("::ffff:127.0.0.1").ok());  // the same address
  EXPECT_TRUE(guard.Check("::1").ok());
  EXPECT_TRUE(guard.Check("10.200.3.4").ok());
  EXPECT_TRUE(guard.Check("fd12:3456:ffff::9").ok());
  ExpectRefused(guard, "127.0.0.2", "loopback");
  ExpectRefused(guard, "172.16.0.1", "private");
  ExpectRefused(guard, "fd12:3457::1", "private");
}

TEST(EgressGuardTest, AllowListEdgesOfABlock) {
  const EgressGuard guard = Guard({"192.168.4.0/22", "fe80::/16"});
  EXPECT_TRUE(guard.Check("192.168.4.0").ok());
  EXPECT_TRUE(guard.Check("192.168.7.255").ok());
  ExpectRefused(guard, "192.168.3.255", "private");
  ExpectRefused(guard, "192.168.8.0", "private");
  EXPECT_TRUE(guard.Check("fe80::1").ok());
  ExpectRefused(guard, "fe81::1", "link-local");
  ExpectRefused(guard, "169.254.169.254", "cloud metadata");
}

TEST(EgressGuardTest, AllowingEverythingWithZeroPrefixes) {
  const EgressGuard guard = Guard({"0.0.0.0/0", "::/0"});
  EXPECT_TRUE(guard.Check("127.0.0.1").ok());
  EXPECT_TRUE(guard.Check("169.254.169.254").ok());
  EXPECT_TRUE(guard.Check("::1").ok());
}

TEST(EgressGuardTest, RejectsMalformedAllowEntries) {
  for (const char* bad : {"", "localhost", "127.0.0.1/33", "::1/129", "127.0.0.1/", "/8",
                          "10.0.0.0/-1", "10.0.0.0/8x", "1.2.3", "1.2.3.4.5", "256.0.0.1", "::1::2",
                          "fe80::1%eth0", "10.0.0.0/ 8", " 127.0.0.1"}) {
    auto guard = EgressGuard::Create({"127.0.0.1", bad});
    ASSERT_FALSE(guard.ok()) << "'" << bad << "'";
    EXPECT_EQ(guard.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(guard.status().message().find("'" + std::string(bad) + "'"), std::string::npos)
        << guard.status().message();
  }
}

TEST(EgressGuardTest, RefusesTextThatIsNotAnAddress) {
  const EgressGuard guard = Guard({"0.0.0.0/0", "::/0"});
  for (const char* bad : {"", "example.com", "127.1", "1.2.3.4.5", "::g", "[::1]", "1.2.3.4 "}) {
    const Status st = guard.Check(bad);
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << "'" << bad << "'";
    EXPECT_NE(st.message().find("not an IP address"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace sextant::toolserver::web
