// The HTML "prescan a byte stream to determine its encoding" steps, read
// tolerantly: finds the charset labels that <meta charset> and <meta
// http-equiv=content-type content="...; charset=..."> declare, skipping
// comments and the attributes of other tags. Part of
// toolserver/tools/web/charset.h.
//
// Thread safety: free functions without shared state.
#pragma once

#include <functional>
#include <string_view>

namespace sextant::toolserver::web::internal {

// Receives a declared label as written; returns true to stop the scan.
using MetaLabelCallback = std::function<bool(std::string_view label)>;

// Calls `on_label` with the label of each complete <meta> declaration in
// `html`, in order, until it returns true. A tag cut off by the end of
// `html` declares nothing.
void ScanMetaCharsets(std::string_view html, const MetaLabelCallback& on_label);

}  // namespace sextant::toolserver::web::internal
