// The class/id patterns and node tests readability uses, as substring lists
// over lowercased "class id" strings (no regex engine, linear in the string).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "toolserver/tools/web/internal/dom.h"

namespace sextant::toolserver::web::internal {

// Class weight bounds: a positive or negative class or id adds or takes this.
inline constexpr int kClassWeightStep = 25;

// Readability's _textSimilarity: one minus the share (by joined length) of
// b's lowercase words that do not occur in a; 0 when either has no words.
double TextSimilarity(std::string_view a, std::string_view b);

// "class id", lowercased.
std::string MatchString(const Node* node);

// Class and id look like comments, ads, sidebars, footers and the like.
bool IsUnlikelyCandidate(std::string_view match);
// ... but also like an article body, which overrides IsUnlikelyCandidate.
bool MaybeCandidate(std::string_view match);
bool IsPositive(std::string_view match);
bool IsNegative(std::string_view match);
bool IsBylineMatch(std::string_view match);
bool IsShareMatch(std::string_view match);
// role="navigation", "complementary", "dialog" and other non-content roles.
bool IsUnlikelyRole(std::string_view role);

// +-25 for the class and again for the id, as readability's getClassWeight.
int ClassWeight(const Node* node);

// Not hidden by the hidden attribute, aria-hidden="true" or an inline
// display:none / visibility:hidden style.
bool IsProbablyVisible(const Node* node);

// Whether an ancestor of `node` within max_depth levels (0: any) is `tag`.
bool HasAncestorTag(const Node* node, std::string_view tag, int max_depth = 3);

// Elements that make a div a block (readability's DIV_TO_P_ELEMS).
bool IsDivToPBlock(std::string_view tag);
// Whether `node` is phrasing content (text or an inline element).
bool IsPhrasing(const Node* node);
// Whether the text of `node` is only whitespace (or a <br> for elements).
bool IsWhitespace(const Node* node);

}  // namespace sextant::toolserver::web::internal
