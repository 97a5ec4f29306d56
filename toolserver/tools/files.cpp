#include "toolserver/tools/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "toolserver/tools/function_tool.h"
#include "toolserver/tools/workspace_path.h"

namespace sextant::toolserver::tools {
namespace {

constexpr mode_t kFileMode = 0644;

Status WriteAll(int fd, std::string_view data, std::string_view shown) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write " + std::string(shown));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Result<UniqueFd> OpenRegularForRead(const WorkspacePath& resolved, struct stat& st) {
  const std::string shown = ShownPath(resolved);
  SEXTANT_ASSIGN_OR_RETURN(UniqueFd fd, OpenResolved(resolved, O_RDONLY | O_NONBLOCK, 0, shown));
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat " + shown);
  if (S_ISDIR(st.st_mode)) return InvalidArgumentError(shown + " is a directory");
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(shown + " is not a regular file");
  return fd;
}

Result<std::string> ReadRange(int fd, std::int64_t offset, std::size_t limit,
                              std::string_view shown) {
  std::string out(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = ::pread(fd, out.data() + got, limit - got, offset + static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read " + std::string(shown));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

std::string PathArg(const Json& args) { return args.value("path", std::string()); }

Result<ToolOutput> FileRead(const FileLimits& limits, const ToolContext& ctx, const Json& args) {
  const std::int64_t offset = args.value("offset", std::int64_t{0});
  const std::int64_t limit = args.value("limit", static_cast<std::int64_t>(limits.max_read_bytes));
  if (offset < 0 || limit < 0) return InvalidArgumentError("offset and limit must be >= 0");
  if (static_cast<std::size_t>(limit) > limits.max_read_bytes) {
    return ResourceExhaustedError("limit " + std::to_string(limit) + " is over the maximum of " +
                                  std::to_string(limits.max_read_bytes) +
                                  " bytes; read the file in parts with offset");
  }
  SEXTANT_ASSIGN_OR_RETURN(FileChunk chunk, ReadWorkspaceFile(ctx.workspace, PathArg(args), offset,
                                                              static_cast<std::size_t>(limit)));
  ToolOutput out;
  out.data = {{"size", chunk.size},
              {"offset", offset},
              {"bytes_read", chunk.bytes.size()},
              {"eof", chunk.eof}};
  out.content = std::move(chunk.bytes);
  return out;
}

Result<WriteMode> ParseMode(const std::string& mode) {
  if (mode == "overwrite") return WriteMode::kOverwrite;
  if (mode == "append") return WriteMode::kAppend;
  if (mode == "create") return WriteMode::kCreate;
  return InvalidArgumentError("mode must be overwrite, append or create, got '" + mode + "'");
}

Result<ToolOutput> FileWrite(const FileLimits& limits, const ToolContext& ctx, const Json& args) {
  const std::string path = PathArg(args);
  const std::string content = args.value("content", std::string());
  SEXTANT_ASSIGN_OR_RETURN(WriteMode mode, ParseMode(args.value("mode", std::string("overwrite"))));
  if (content.size() > limits.max_write_bytes) {
    return ResourceExhaustedError("content of " + std::to_string(content.size()) +
                                  " bytes is over the maximum of " +
                                  std::to_string(limits.max_write_bytes));
  }
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t size,
                           WriteWorkspaceFile(ctx.workspace, path, content, mode));
  ToolOutput out;
  out.content = "wrote " + std::to_string(content.size()) + " bytes to " + path;
  out.data = {{"bytes_written", content.size()}, {"size", size}};
  return out;
}

struct ListState {
  const FileLimits& limits;
  Json entries = Json::array();
  std::string text;
  bool truncated = false;
};

Status ListDir(int dir_fd, const std::string& prefix, int depth, ListState& state) {
  const int fd = ::dup(dir_fd);
  if (fd < 0) return ErrnoStatus(errno, "dup");
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return ErrnoStatus(errno, "list " + (prefix.empty() ? std::string(".") : prefix));
  }
  ::rewinddir(dir);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (state.entries.size() >= state.limits.max_list_entries) {
      state.truncated = true;
      return Status::Ok();
    }
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const std::string path = prefix.empty() ? name : prefix + "/" + name;
    std::string type = "other";
    if (S_ISREG(st.st_mode)) type = "file";
    if (S_ISDIR(st.st_mode)) type = "dir";
    if (S_ISLNK(st.st_mode)) type = "symlink";
    Json entry = {{"path", path}, {"type", type}};
    if (type == "file") entry["size"] = static_cast<std::int64_t>(st.st_size);
    state.entries.push_back(std::move(entry));
    state.text += path + (type == "dir" ? "/" : "") +
                  (type == "file" ? "  " + std::to_string(st.st_size) + " bytes" : "") +
                  (type == "symlink" ? "  (symlink)" : "") + "\n";
    if (type == "dir" && depth > 1) {
      const int sub =
          ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) continue;
      UniqueFd sub_fd(sub);
      SEXTANT_RETURN_IF_ERROR(ListDir(sub_fd.get(), path, depth - 1, state));
      if (state.truncated) return Status::Ok();
    }
  }
  return Status::Ok();
}

Result<ToolOutput> FileList(const FileLimits& limits, const ToolContext& ctx, const Json& args) {
  const std::string path = args.value("path", std::string("."));
  const std::int64_t depth = args.value("depth", std::int64_t{1});
  if (depth < 1) return InvalidArgumentError("depth must be at least 1");
  SEXTANT_ASSIGN_OR_RETURN(WorkspacePath resolved, ResolveWorkspacePath(ctx.workspace, path));
  const std::string shown = ShownPath(resolved);
  SEXTANT_ASSIGN_OR_RETURN(UniqueFd dir, OpenResolved(resolved, O_RDONLY | O_DIRECTORY, 0, shown));
  ListState state{limits, Json::array(), "", false};
  const int capped = static_cast<int>(std::min<std::int64_t>(depth, limits.max_list_depth));
  SEXTANT_RETURN_IF_ERROR(ListDir(dir.get(), resolved.relative, capped, state));
  ToolOutput out;
  out.content = state.entries.empty() ? shown + " is empty\n" : std::move(state.text);
  if (state.truncated) {
    out.content +=
        "[listing truncated at " + std::to_string(limits.max_list_entries) + " entries]\n";
  }
  out.data = {{"entries", std::move(state.entries)}, {"truncated", state.truncated}};
  return out;
}

Result<ToolOutput> FileEdit(const FileLimits& limits, const ToolContext& ctx, const Json& args) {
  const std::string path = PathArg(args);
  const std::string old_text = args.value("old", std::string());
  const std::string new_text = args.value("new", std::string());
  if (old_text.empty()) return InvalidArgumentError("old must not be empty");
  SEXTANT_ASSIGN_OR_RETURN(WorkspacePath resolved, ResolveWorkspacePath(ctx.workspace, path));
  const std::string shown = ShownPath(resolved);
  struct stat st {};
  SEXTANT_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForRead(resolved, st));
  if (static_cast<std::size_t>(st.st_size) > limits.max_edit_bytes) {
    return ResourceExhaustedError(shown + " has " + std::to_string(st.st_size) +
                                  " bytes, over file_edit's maximum of " +
                                  std::to_string(limits.max_edit_bytes));
  }
  SEXTANT_ASSIGN_OR_RETURN(std::string text,
                           ReadRange(fd.get(), 0, static_cast<std::size_t>(st.st_size), shown));
  std::size_t count = 0;
  std::size_t first = std::string::npos;
  for (std::size_t pos = text.find(old_text); pos != std::string::npos;
       pos = text.find(old_text, pos + old_text.size())) {
    if (count++ == 0) first = pos;
  }
  if (count == 0) return NotFoundError("old text was not found in " + shown);
  if (count > 1) {
    return InvalidArgumentError("old text occurs " + std::to_string(count) + " times in " + shown +
                                "; it must occur exactly once (include more context)");
  }
  text.replace(first, old_text.size(), new_text);
  SEXTANT_ASSIGN_OR_RETURN(UniqueFd out_fd,
                           OpenResolved(resolved, O_WRONLY | O_TRUNC | O_NONBLOCK, 0, shown));
  SEXTANT_RETURN_IF_ERROR(WriteAll(out_fd.get(), text, shown));
  ToolOutput out;
  out.content = "replaced 1 occurrence in " + shown;
  out.data = {{"size", text.size()}};
  return out;
}

Json Schema(Json properties, std::vector<std::string> required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

}  // namespace

Result<FileChunk> ReadWorkspaceFile(const std::filesystem::path& workspace, std::string_view path,
                                    std::int64_t offset, std::size_t limit) {
  SEXTANT_ASSIGN_OR_RETURN(WorkspacePath resolved, ResolveWorkspacePath(workspace, path));
  struct stat st {};
  SEXTANT_ASSIGN_OR_RETURN(UniqueFd fd, OpenRegularForRead(resolved, st));
  FileChunk chunk;
  chunk.size = st.st_size;
  if (offset < st.st_size) {
    SEXTANT_ASSIGN_OR_RETURN(chunk.bytes, ReadRange(fd.get(), offset, limit, ShownPath(resolved)));
  }
  chunk.eof = offset + static_cast<std::int64_t>(chunk.bytes.size()) >= st.st_size;
  return chunk;
}

Result<std::int64_t> WriteWorkspaceFile(const std::filesystem::path& workspace,
                                        std::string_view path, std::string_view content,
                                        WriteMode mode) {
  SEXTANT_ASSIGN_OR_RETURN(WorkspacePath resolved,
                           ResolveWorkspacePath(workspace, path, MissingParents::kCreate));
  const std::string shown = ShownPath(resolved);
  if (resolved.name == ".") return InvalidArgumentError(shown + " is a directory");
  int flags = O_WRONLY | O_CREAT | O_NONBLOCK;  // a FIFO fails instead of blocking
  if (mode == WriteMode::kOverwrite) flags |= O_TRUNC;
  if (mode == WriteMode::kAppend) flags |= O_APPEND;
  if (mode == WriteMode::kCreate) flags |= O_EXCL;
  SEXTANT_ASSIGN_OR_RETURN(UniqueFd fd, OpenResolved(resolved, flags, kFileMode, shown));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat " + shown);
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(shown + " is not a regular file");
  SEXTANT_RETURN_IF_ERROR(WriteAll(fd.get(), content, shown));
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat " + shown);
  return static_cast<std::int64_t>(st.st_size);
}

std::vector<std::unique_ptr<Tool>> MakeFileTools(const FileLimits& limits) {
  const Json path_prop = {{"type", "string"},
                          {"minLength", 1},
                          {"description", "Path relative to the workspace (or under /workspace)"}};
  std::vector<std::unique_ptr<Tool>> tools;
  tools.push_back(MakeFunctionTool(
      {"file_read", "Read a text file of the workspace, optionally a byte range.",
       Schema({{"path", path_prop},
               {"offset", {{"type", "integer"}, {"minimum", 0}, {"description", "First byte"}}},
               {"limit",
                {{"type", "integer"},
                 {"minimum", 0},
                 {"maximum", limits.max_read_bytes},
                 {"description", "Most bytes to read"}}}},
              {"path"})},
      [limits](const ToolContext& c, const Json& a) { return FileRead(limits, c, a); }));
  tools.push_back(MakeFunctionTool(
      {"file_write", "Write a file of the workspace, creating missing directories.",
       Schema({{"path", path_prop},
               {"content", {{"type", "string"}}},
               {"mode",
                {{"type", "string"},
                 {"enum", {"overwrite", "append", "create"}},
                 {"description", "overwrite (default), append, or create (fails if it exists)"}}}},
              {"path", "content"})},
      [limits](const ToolContext& c, const Json& a) { return FileWrite(limits, c, a); }));
  tools.push_back(MakeFunctionTool(
      {"file_list", "List a directory of the workspace, recursing to a depth.",
       Schema({{"path", path_prop},
               {"depth",
                {{"type", "integer"},
                 {"minimum", 1},
                 {"maximum", limits.max_list_depth},
                 {"description", "1 lists the directory itself (default)"}}}},
              {})},
      [limits](const ToolContext& c, const Json& a) { return FileList(limits, c, a); }));
  tools.push_back(MakeFunctionTool(
      {"file_edit", "Replace exactly one occurrence of `old` with `new` in a workspace file.",
       Schema({{"path", path_prop},
               {"old", {{"type", "string"}, {"minLength", 1}}},
               {"new", {{"type", "string"}}}},
              {"path", "old", "new"})},
      [limits](const ToolContext& c, const Json& a) { return FileEdit(limits, c, a); }));
  return tools;
}

}  // namespace sextant::toolserver::tools
