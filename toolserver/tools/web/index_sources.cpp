#include "toolserver/tools/web/index_sources.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <utility>

#include "toolserver/tools/web/extract.h"

namespace sextant::toolserver::web {
namespace {

namespace fs = std::filesystem;

enum class FileKind { kNone, kHtml, kText };

FileKind KindOf(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".html" || ext == ".htm") return FileKind::kHtml;
  if (ext == ".txt") return FileKind::kText;
  return FileKind::kNone;
}

std::string PercentEncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

Status ValidateOptions(const IndexSourceOptions& options) {
  if (options.batch_docs < 1) return InvalidArgumentError("index: batch_docs must be at least 1");
  if (options.fetch_timeout_ms < 1) {
    return InvalidArgumentError("index: fetch_timeout_ms must be at least 1");
  }
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return NotFoundError("cannot read " + path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return ResourceExhaustedError(path.string() + " is " + std::to_string(size) +
                                  " bytes, over the limit of " + std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return UnavailableError("error reading " + path.string());
  return text.str();
}

// An HTML page or plain text as a document at `url`; `base_url` resolves
// the page's links, `fallback_title` names a page without a title.
Result<IndexDocument> MakeDocument(std::string url, std::string_view body, bool html,
                                   const std::string& base_url, std::string fallback_title,
                                   const ExtractOptions& extract) {
  IndexDocument doc;
  doc.url = std::move(url);
  if (html) {
    ExtractOptions options = extract;
    options.base_url = base_url;
    SEXTANT_ASSIGN_OR_RETURN(ExtractedPage page, ExtractPage(body, options));
    doc.title = std::move(page.title);
    doc.text = std::move(page.text);
  } else {
    doc.text.assign(body);
  }
  if (doc.title.empty()) doc.title = std::move(fallback_title);
  return doc;
}

// Collects documents and writes them in batches, counting the outcomes.
class BatchWriter {
 public:
  BatchWriter(SearchIndex& index, std::size_t batch_docs, IndexReport& report)
      : index_(index), batch_docs_(batch_docs), report_(report) {}

  Status Push(IndexDocument doc) {
    batch_.push_back(std::move(doc));
    return batch_.size() >= batch_docs_ ? Flush() : Status::Ok();
  }

  Status Flush() {
    if (batch_.empty()) return Status::Ok();
    SEXTANT_ASSIGN_OR_RETURN(const std::vector<Result<AddOutcome>> outcomes, index_.AddAll(batch_));
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i].ok()) {
        report_.failed.push_back({batch_[i].url, outcomes[i].status().ToString()});
        continue;
      }
      switch (*outcomes[i]) {
        case AddOutcome::kAdded:
          ++report_.added;
          break;
        case AddOutcome::kUpdated:
          ++report_.updated;
          break;
        case AddOutcome::kUnchanged:
          ++report_.unchanged;
          break;
      }
    }
    batch_.clear();
    return Status::Ok();
  }

 private:
  SearchIndex& index_;
  std::size_t batch_docs_;
  IndexReport& report_;
  std::vector<IndexDocument> batch_;
};

Result<std::vector<fs::path>> ListFiles(const fs::path& dir, std::size_t max_files) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFoundError("no directory " + dir.string());
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (KindOf(it->path()) == FileKind::kNone || !it->is_regular_file(ec)) continue;
    if (files.size() == max_files) {
      return ResourceExhaustedError(dir.string() + " holds more than " + std::to_string(max_files) +
                                    " pages");
    }
    files.push_back(it->path());
  }
  if (ec) return UnavailableError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double IndexReport::PagesPerSecond() const {
  return seconds > 0 ? static_cast<double>(pages()) / seconds : 0;
}

std::string PageUrl(const std::string& base_url, const fs::path& dir, const fs::path& relative) {
  if (base_url.empty()) {
    std::error_code ec;
    fs::path absolute = fs::absolute(dir / relative, ec);
    if (ec) absolute = dir / relative;
    return "file://" + PercentEncodePath(absolute.lexically_normal().generic_string());
  }
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/" + PercentEncodePath(relative.generic_string());
}

Result<IndexReport> IndexDirectory(SearchIndex& index, const fs::path& dir,
                                   const std::string& base_url, const IndexSourceOptions& options) {
  SEXTANT_RETURN_IF_ERROR(ValidateOptions(options));
  const auto start = std::chrono::steady_clock::now();
  SEXTANT_ASSIGN_OR_RETURN(const std::vector<fs::path> files, ListFiles(dir, options.max_files));
  IndexReport report;
  BatchWriter writer(index, options.batch_docs, report);
  for (const fs::path& file : files) {
    const fs::path relative = file.lexically_relative(dir);
    Result<std::string> body = ReadSmallFile(file, options.max_file_bytes);
    if (!body.ok()) {
      report.failed.push_back({file.string(), body.status().ToString()});
      continue;
    }
    std::string url = PageUrl(base_url, dir, relative);
    const std::string link_base = url;
    Result<IndexDocument> doc = MakeDocument(std::move(url), *body, KindOf(file) == FileKind::kHtml,
                                             link_base, file.filename().string(), options.extract);
    if (!doc.ok()) {
      report.failed.push_back({file.string(), doc.status().ToString()});
      continue;
    }
    SEXTANT_RETURN_IF_ERROR(writer.Push(std::move(*doc)));
  }
  SEXTANT_RETURN_IF_ERROR(writer.Flush());
  report.seconds = SecondsSince(start);
  return report;
}

Result<std::vector<std::string>> ReadUrlList(const fs::path& path,
                                             const IndexSourceOptions& options) {
  SEXTANT_ASSIGN_OR_RETURN(const std::string text, ReadSmallFile(path, options.max_file_bytes));
  std::vector<std::string> urls;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view url = Trim(line);
    if (url.empty() || url.front() == '#') continue;
    if (urls.size() == options.max_files) {
      return ResourceExhaustedError(path.string() + " lists more than " +
                                    std::to_string(options.max_files) + " URLs");
    }
    urls.emplace_back(url);
  }
  return urls;
}

Result<IndexReport> IndexUrlList(SearchIndex& index, Fetcher& fetcher,
                                 const std::vector<std::string>& urls,
                                 const IndexSourceOptions& options) {
  SEXTANT_RETURN_IF_ERROR(ValidateOptions(options));
  if (urls.size() > options.max_files) {
    return ResourceExhaustedError("the list has " + std::to_string(urls.size()) +
                                  " URLs, over the limit of " + std::to_string(options.max_files));
  }
  const auto start = std::chrono::steady_clock::now();
  IndexReport report;
  BatchWriter writer(index, options.batch_docs, report);
  for (const std::string& url : urls) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.fetch_timeout_ms);
    Result<FetchedPage> page = fetcher.Fetch(url, deadline);
    if (!page.ok()) {
      report.failed.push_back({url, page.status().ToString()});
      continue;
    }
    Result<IndexDocument> doc =
        MakeDocument(url, page->body, page->is_html(),
                     page->final_url.empty() ? url : page->final_url, url, options.extract);
    if (!doc.ok()) {
      report.failed.push_back({url, doc.status().ToString()});
      continue;
    }
    SEXTANT_RETURN_IF_ERROR(writer.Push(std::move(*doc)));
  }
  SEXTANT_RETURN_IF_ERROR(writer.Flush());
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace sextant::toolserver::web
