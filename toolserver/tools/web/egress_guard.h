// The egress guard: decides whether a web fetch may connect to an IP
// address. It refuses every address that is not plainly public:
//
//   loopback        127.0.0.0/8, ::1
//   unspecified     0.0.0.0/8, ::
//   private         10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7,
//                   fec0::/10 (site-local), 64:ff9b:1::/48 (local NAT64)
//   link-local      169.254.0.0/16, fe80::/10
//   CGNAT           100.64.0.0/10
//   cloud metadata  169.254.169.254, 100.100.100.200, fd00:ec2::254
//   multicast       224.0.0.0/4, ff00::/8
//   broadcast       255.255.255.255
//   reserved        240.0.0.0/4, 192.0.0.0/24, documentation ranges
//                   (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
//                   2001:db8::/32), benchmarking (198.18.0.0/15),
//                   discard-only 100::/64
//
// IPv6 forms that carry an IPv4 address are judged by that address:
// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
// (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/48). Anything that is not an IP
// address at all is refused too.
//
// An allow-list entry ("127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8") lets
// exactly its own addresses through; IPv4 and IPv4-mapped IPv6 spell the
// same address.
//
// Ownership: a plain value. Thread safety: Check is const and safe from many
// threads at once. Errors: Create gives invalid_argument naming a bad entry;
// Check gives permission_denied naming the address and its category.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::toolserver::web {

class EgressGuard {
 public:
  // `allow` holds single addresses or CIDR blocks, IPv4 or IPv6.
  [[nodiscard]] static Result<EgressGuard> Create(const std::vector<std::string>& allow = {});

  // OK when a connection to `ip` (IPv4 or IPv6 text, an IPv6 zone id
  // ignored) is allowed.
  [[nodiscard]] Status Check(std::string_view ip) const;

 private:
  // IPv4 addresses are held IPv4-mapped (::ffff:a.b.c.d); prefix in 0..128.
  struct Block {
    std::array<std::uint8_t, 16> address{};
    int prefix = 0;
  };

  std::vector<Block> allow_;
};

}  // namespace sextant::toolserver::web
