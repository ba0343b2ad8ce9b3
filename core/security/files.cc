#include "core/security/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace dim::security {
namespace {

// Far more than any PEM key or certificate; stops `show /dev/zero`.
constexpr size_t kMaxSmallFile = 1 << 20;

Status Errno(const std::string& what, int err) {
  Code code = err == ENOENT    ? Code::kNotFound
              : err == EEXIST  ? Code::kAlreadyExists
              : err == EACCES  ? Code::kPermissionDenied
                               : Code::kInternal;
  return Status(code, what + ": " + std::strerror(err));
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status WriteAll(int fd, const std::string& content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write " + path, errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// mkstemp creates the file with O_EXCL and mode 0600, so a key is never
// readable by others, not even for a moment.
Status WriteTemp(const std::string& path, const std::string& content,
                 mode_t mode, std::string* temp) {
  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0) return Errno("cannot create a file next to " + path, errno);
  *temp = buf.data();
  Status st = WriteAll(fd, content, *temp);
  if (st.ok() && fchmod(fd, mode) != 0) st = Errno("chmod " + *temp, errno);
  if (st.ok() && fsync(fd) != 0) st = Errno("cannot sync " + *temp, errno);
  if (close(fd) != 0 && st.ok()) st = Errno("cannot close " + *temp, errno);
  if (!st.ok()) unlink(temp->c_str());
  return st;
}

// Makes the new directory entry durable too.
void SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

Status WriteFileAtomic(const std::string& path, const std::string& content,
                       mode_t mode, Overwrite overwrite) {
  std::string temp;
  DIM_RETURN_IF_ERROR(WriteTemp(path, content, mode, &temp));
  Status st;
  if (overwrite == Overwrite::kYes) {
    if (rename(temp.c_str(), path.c_str()) != 0) {
      st = Errno("cannot replace " + path, errno);
    }
  } else if (link(temp.c_str(), path.c_str()) != 0) {
    st = errno == EEXIST
             ? Status(Code::kAlreadyExists, path + " already exists")
             : Errno("cannot create " + path, errno);
  }
  unlink(temp.c_str());
  if (st.ok()) SyncDir(DirOf(path));
  return st;
}

Status CheckAbsent(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    return Status(Code::kAlreadyExists, path + " already exists");
  }
  if (errno != ENOENT) return Errno("cannot check " + path, errno);
  return Status::Ok();
}

Status MakeDirs(const std::string& dir, mode_t mode) {
  if (dir.empty()) return InvalidArgument("empty directory name");
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    std::string prefix = dir.substr(0, i);
    if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return Errno("cannot create directory " + prefix, errno);
    }
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return Errno("cannot open " + dir, errno);
  if (!S_ISDIR(st.st_mode)) {
    return FailedPrecondition(dir + " exists and is not a directory");
  }
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open " + path, errno);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return Errno("cannot read " + path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxSmallFile) {
      close(fd);
      return InvalidArgument(path + " is too large for a key or certificate");
    }
  }
  close(fd);
  return out;
}

}  // namespace dim::security
