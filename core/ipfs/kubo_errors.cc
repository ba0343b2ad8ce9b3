#include "core/ipfs/kubo_errors.h"

#include <algorithm>
#include <cctype>

namespace dim::ipfs {
namespace {

constexpr size_t kMaxShownError = 1000;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

bool Contains(const std::string& text, const char* const* needles) {
  for (; *needles; ++needles) {
    if (text.find(*needles) != std::string::npos) return true;
  }
  return false;
}

// Kubo's wording (0.43); matched lower-cased. The daemon being down comes
// first because its messages can contain "not found" too.
Code CodeFor(const std::string& stderr_text) {
  static const char* const kUnavailable[] = {
      "cannot connect to the api", "is the daemon running",
      "connection refused", "must be run in online mode",
      "unexpected eof", "connection reset", "no route to host",
      "api not running", nullptr};
  static const char* const kDeadline[] = {"context deadline exceeded",
                                          nullptr};
  static const char* const kNotFound[] = {
      "could not resolve name", "not found", "no key named",
      "no key by the given name", "no link named", "does not exist",
      nullptr};
  static const char* const kExists[] = {"already exists", nullptr};
  static const char* const kInvalid[] = {
      "invalid", "failed to parse", "unknown option", "unknown command",
      "argument", "malformed", "cannot be empty", nullptr};
  std::string text = Lower(stderr_text);
  if (Contains(text, kUnavailable)) return Code::kUnavailable;
  if (Contains(text, kDeadline)) return Code::kDeadlineExceeded;
  if (Contains(text, kNotFound)) return Code::kNotFound;
  if (Contains(text, kExists)) return Code::kAlreadyExists;
  if (Contains(text, kInvalid)) return Code::kInvalidArgument;
  return Code::kInternal;
}

// Stderr as one readable line: control bytes become spaces, and a very
// long text is cut so a log line stays a line.
std::string OneLine(const std::string& text) {
  std::string line;
  for (char c : Trim(text)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (line.size() >= kMaxShownError) return line + "...";
    line.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return line;
}

}  // namespace

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

Status CommandFailure(const std::string& label,
                      const CommandOutput& output) {
  std::string said = OneLine(output.err);
  // Kubo's advice about the api file does not apply to a client that
  // names the daemon's address.
  size_t advice = said.find(" To run as a standalone CLI command");
  if (advice != std::string::npos) said.resize(advice);
  if (!said.empty()) return Status(CodeFor(said), label + ": " + said);
  std::string how =
      output.exit_code < 0
          ? "killed by signal " + std::to_string(-output.exit_code)
          : "exited with status " + std::to_string(output.exit_code);
  return Internal(label + ": " + how);
}

}  // namespace dim::ipfs
