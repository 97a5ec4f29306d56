#include "toolserver/tools/web/egress_guard.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <utility>

namespace sextant::toolserver::web {
namespace {

using Address = std::array<std::uint8_t, 16>;

constexpr int kIpv4Bits = 32;
constexpr int kIpv6Bits = 128;
constexpr int kMappedPrefixBits = kIpv6Bits - kIpv4Bits;  // ::ffff:0:0/96
constexpr std::size_t kMappedOffset = 12;                 // the IPv4 bytes of a mapped address
constexpr std::size_t k6to4Offset = 2;                    // 2002:AABB:CCDD::
constexpr std::size_t kIpv4Bytes = 4;
constexpr std::uint8_t kMappedMarker = 0xff;  // bytes 10 and 11 of ::ffff:a.b.c.d

struct Rule {
  const char* cidr;
  const char* category;
};

// In order: the first match names the category, so the narrow ranges come
// before the blocks that hold them.
constexpr Rule kRules[] = {
    {"169.254.169.254/32", "cloud metadata"},
    {"100.100.100.200/32", "cloud metadata"},
    {"fd00:ec2::254/128", "cloud metadata"},
    {"0.0.0.0/8", "unspecified"},
    {"::/128", "unspecified"},
    {"127.0.0.0/8", "loopback"},
    {"::1/128", "loopback"},
    {"10.0.0.0/8", "private"},
    {"172.16.0.0/12", "private"},
    {"192.168.0.0/16", "private"},
    {"fc00::/7", "private"},
    {"fec0::/10", "private (site-local)"},
    {"64:ff9b:1::/48", "private (local-use NAT64)"},
    {"169.254.0.0/16", "link-local"},
    {"fe80::/10", "link-local"},
    {"100.64.0.0/10", "CGNAT"},
    {"224.0.0.0/4", "multicast"},
    {"ff00::/8", "multicast"},
    {"255.255.255.255/32", "broadcast"},
    {"240.0.0.0/4", "reserved"},
    {"192.0.0.0/24", "reserved"},
    {"192.0.2.0/24", "reserved (documentation)"},
    {"198.51.100.0/24", "reserved (documentation)"},
    {"203.0.113.0/24", "reserved (documentation)"},
    {"2001:db8::/32", "reserved (documentation)"},
    {"198.18.0.0/15", "reserved (benchmarking)"},
    {"100::/64", "reserved (discard-only)"},
};

Address MapIpv4(const std::uint8_t* v4) {
  Address a{};
  a[kMappedOffset - 2] = kMappedMarker;
  a[kMappedOffset - 1] = kMappedMarker;
  std::memcpy(a.data() + kMappedOffset, v4, kIpv4Bytes);
  return a;
}

// Parses IPv4 or IPv6 text (a "%zone" suffix dropped). Sets `is_v4`.
std::optional<Address> ParseAddress(std::string_view text, bool& is_v4) {
  if (const std::size_t zone = text.find('%'); zone != std::string_view::npos) {
    text = text.substr(0, zone);
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  is_v4 = s.find(':') == std::string::npos;
  if (is_v4) {
    std::uint8_t v4[kIpv4Bytes];
    if (inet_pton(AF_INET, s.c_str(), v4) != 1) return std::nullopt;
    return MapIpv4(v4);
  }
  Address a{};
  if (inet_pton(AF_INET6, s.c_str(), a.data()) != 1) return std::nullopt;
  return a;
}

bool InBlock(const Address& address, const Address& block, int prefix) {
  const auto whole = static_cast<std::size_t>(prefix / 8);
  if (std::memcmp(address.data(), block.data(), whole) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == (block[whole] & mask);
}

// Parses "addr" or "addr/prefix"; IPv4 prefixes are shifted into the mapped
// range.
std::optional<std::pair<Address, int>> ParseBlock(std::string_view text) {
  std::string_view addr = text;
  std::optional<int> prefix;
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    const std::string_view digits = text.substr(slash + 1);
    int value = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      return std::nullopt;
    }
    prefix = value;
  }
  if (addr.find('%') != std::string_view::npos) return std::nullopt;
  bool is_v4 = false;
  const std::optional<Address> parsed = ParseAddress(addr, is_v4);
  if (!parsed) return std::nullopt;
  const int max_bits = is_v4 ? kIpv4Bits : kIpv6Bits;
  const int bits = prefix.value_or(max_bits);
  if (bits < 0 || bits > max_bits) return std::nullopt;
  return std::make_pair(*parsed, is_v4 ? bits + kMappedPrefixBits : bits);
}

struct ParsedRule {
  Address address;
  int prefix;
  const char* category;
};

const std::vector<ParsedRule>& Rules() {
  static const std::vector<ParsedRule> rules = [] {
    std::vector<ParsedRule> out;
    for (const Rule& rule : kRules) {
      const auto block = ParseBlock(rule.cidr);
      if (block) out.push_back({block->first, block->second, rule.category});
    }
    return out;
  }();
  return rules;
}

std::string Ipv4Text(const std::uint8_t* v4) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, v4, text, sizeof(text));
  return text;
}

std::optional<std::string> MatchRules(const Address& address) {
  for (const ParsedRule& rule : Rules()) {
    if (InBlock(address, rule.address, rule.prefix)) return std::string(rule.category);
  }
  return std::nullopt;
}

// The IPv4 address an IPv6 address carries (IPv4-compatible, NAT64 or
// 6to4), with the form's name; nullopt for other addresses.
std::optional<std::pair<Address, const char*>> EmbeddedIpv4(const Address& a) {
  static const Address kNat64 = ParseBlock("64:ff9b::/96")->first;
  static const Address k6to4 = ParseBlock("2002::/16")->first;
  static const Address kZero{};
  constexpr int k6to4Prefix = 16;
  if (InBlock(a, kZero, kMappedPrefixBits)) {
    return std::make_pair(MapIpv4(a.data() + kMappedOffset), "IPv4-compatible");
  }
  if (InBlock(a, kNat64, kMappedPrefixBits)) {
    return std::make_pair(MapIpv4(a.data() + kMappedOffset), "NAT64");
  }
  if (InBlock(a, k6to4, k6to4Prefix)) {
    return std::make_pair(MapIpv4(a.data() + k6to4Offset), "6to4");
  }
  return std::nullopt;
}

// Why `address` is refused, or nullopt when it is public.
std::optional<std::string> Judge(const Address& address) {
  if (auto category = MatchRules(address)) return category;
  const auto embedded = EmbeddedIpv4(address);
  if (!embedded) return std::nullopt;
  const auto inner = MatchRules(embedded->first);
  if (!inner) return std::nullopt;
  return *inner + " (" + embedded->second + " embedding " +
         Ipv4Text(embedded->first.data() + kMappedOffset) + ")";
}

}  // namespace

Result<EgressGuard> EgressGuard::Create(const std::vector<std::string>& allow) {
  EgressGuard guard;
  for (const std::string& entry : allow) {
    const auto block = ParseBlock(entry);
    if (!block) {
      return InvalidArgumentError("allowed address '" + entry +
                                  "' is not an IP address or CIDR block (such as 127.0.0.1, ::1 "
                                  "or 10.0.0.0/8)");
    }
    guard.allow_.push_back({block->first, block->second});
  }
  return guard;
}

Status EgressGuard::Check(std::string_view ip) const {
  bool is_v4 = false;
  const std::optional<Address> address = ParseAddress(ip, is_v4);
  if (!address) {
    return PermissionDeniedError("address '" + std::string(ip) + "' refused: not an IP address");
  }
  for (const Block& block : allow_) {
    if (InBlock(*address, block.address, block.prefix)) return Status::Ok();
  }
  if (const auto why = Judge(*address)) {
    return PermissionDeniedError("address " + std::string(ip) + " refused: " + *why);
  }
  return Status::Ok();
}

}  // namespace sextant::toolserver::web
