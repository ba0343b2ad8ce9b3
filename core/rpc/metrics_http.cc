#include "core/rpc/metrics_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/metrics/prometheus.h"

namespace dim::rpc {
namespace {

using Clock = std::chrono::steady_clock;

// HOST:PORT or [HOST]:PORT.
bool SplitAddress(const std::string& address, std::string* host,
                  std::string* port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return std::all_of(port->begin(), port->end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

int BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return 0;
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

// The first of the host's addresses that takes a listening socket.
int Listen(const std::string& host, const std::string& port,
           std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(),
                       &hints, &found);
  if (rc != 0) {
    *error = gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 64) != 0) {
      *error = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

std::string Reply(const std::string& status, const std::string& body,
                  bool head_only,
                  const char* type = "text/plain; charset=utf-8") {
  std::string out = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                    "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n";
  if (status.rfind("405", 0) == 0) out += "Allow: GET, HEAD\r\n";
  out += "\r\n";
  if (!head_only) out += body;
  return out;
}

// Where the request line and headers end, or npos.
size_t HeadEnd(const std::string& in) {
  size_t crlf = in.find("\r\n\r\n");
  size_t lf = in.find("\n\n");
  return std::min(crlf == std::string::npos ? crlf : crlf + 4,
                  lf == std::string::npos ? lf : lf + 2);
}

// Whether `in` can still become a request line: a method of capital
// letters, then a space. Lets garbage (a TLS handshake, a stray binary
// protocol) be refused at once instead of at the timeout.
bool PlausibleStart(const std::string& in) {
  for (size_t i = 0; i < in.size() && i <= 16; ++i) {
    if (in[i] == ' ') return i > 0;
    if (in[i] < 'A' || in[i] > 'Z') return false;
  }
  return in.size() <= 16;
}

// Sends what the socket takes; false once the answer is all out (or the
// client is gone) and the connection is to be closed.
bool WriteAnswer(int fd, const std::string& out, size_t* sent) {
  // MSG_NOSIGNAL: a client gone away must not raise SIGPIPE.
  ssize_t n = send(fd, out.data() + *sent, out.size() - *sent, MSG_NOSIGNAL);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
  *sent += static_cast<size_t>(n);
  if (*sent < out.size()) return true;
  // Whatever else the client sent is read and dropped, so that closing
  // does not reset the connection before it has read the answer.
  char sink[1024];
  while (recv(fd, sink, sizeof sink, 0) > 0) {
  }
  shutdown(fd, SHUT_WR);
  return false;
}

}  // namespace

struct MetricsHttpServer::Connection {
  int fd = -1;
  Clock::time_point deadline;
  std::string in;
  std::string out;  // the answer, once there is one
  size_t sent = 0;
};

MetricsHttpServer::MetricsHttpServer(metrics::Registry* registry,
                                     HttpOptions options)
    : registry_(registry), options_(options) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

Result<std::string> MetricsHttpServer::Start(const std::string& address) {
  if (listen_fd_ >= 0) {
    return FailedPrecondition("metrics endpoint already listening");
  }
  std::string host, port, error;
  if (!SplitAddress(address, &host, &port)) {
    return InvalidArgument("metrics address '" + address +
                           "' is not HOST:PORT");
  }
  int fd = Listen(host, port, &error);
  if (fd < 0) {
    return Unavailable("cannot listen for metrics on " + address + ": " +
                       error);
  }
  if (pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) {
    close(fd);
    return Internal(std::string("metrics endpoint: pipe: ") +
                    std::strerror(errno));
  }
  listen_fd_ = fd;
  thread_ = std::thread([this] { Loop(); });
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(BoundPort(fd));
}

void MetricsHttpServer::Stop() {
  if (listen_fd_ < 0) return;
  char byte = 1;
  while (write(wake_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
  listen_fd_ = -1;
  wake_[0] = wake_[1] = -1;
}

void MetricsHttpServer::Loop() {
  std::vector<Connection> conns;
  std::vector<pollfd> fds;
  while (true) {
    fds.assign({{wake_[0], POLLIN, 0}});
    if (conns.size() < options_.max_connections) {
      fds.push_back({listen_fd_, POLLIN, 0});
    }
    auto next = Clock::now() + options_.io_timeout;
    for (const Connection& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN
                                                            : POLLOUT), 0});
      next = std::min(next, c.deadline);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        next - Clock::now());
    int ready = poll(fds.data(), fds.size(),
                     static_cast<int>(std::max<int64_t>(0, wait.count()) + 1));
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents) break;

    // Serve before accepting: fds lists the connections in conns' order.
    size_t first = fds.size() - conns.size();
    auto now = Clock::now();
    std::vector<Connection> open;
    for (size_t i = 0; i < conns.size(); ++i) {
      Connection& c = conns[i];
      short revents = ready > 0 ? fds[first + i].revents : 0;
      if (now < c.deadline && Serve(&c, revents)) {
        open.push_back(std::move(c));
      } else {
        close(c.fd);
      }
    }
    conns.swap(open);
    if (first == 2 && fds[1].revents) AcceptAll(&conns);
  }
  for (Connection& c : conns) close(c.fd);
}

void MetricsHttpServer::AcceptAll(std::vector<Connection>* conns) {
  while (conns->size() < options_.max_connections) {
    int fd = accept4(listen_fd_, nullptr, nullptr,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that died meanwhile
    Connection c;
    c.fd = fd;
    c.deadline = Clock::now() + options_.io_timeout;
    conns->push_back(std::move(c));
  }
}

bool MetricsHttpServer::Serve(Connection* c, short revents) {
  if (revents & (POLLERR | POLLNVAL)) return false;
  if (c->out.empty() && (revents & (POLLIN | POLLHUP)) && !Read(c)) {
    return false;
  }
  return c->out.empty() || WriteAnswer(c->fd, c->out, &c->sent);
}

bool MetricsHttpServer::Read(Connection* c) {
  char buf[4096];
  ssize_t n;
  while ((n = recv(c->fd, buf, sizeof buf, 0)) > 0) {
    c->in.append(buf, static_cast<size_t>(n));
    if (c->in.size() > options_.max_request_bytes) break;
  }
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
  size_t head_end = HeadEnd(c->in);
  if (c->in.size() > options_.max_request_bytes) {
    c->out = Reply("431 Request Header Fields Too Large",
                   "request too large\n", false);
  } else if (!PlausibleStart(c->in)) {
    c->out = Reply("400 Bad Request", "not an HTTP request\n", false);
  } else if (head_end != std::string::npos) {
    c->out = Respond(c->in.substr(0, head_end));
  }
  // A client that stopped sending short of a whole request gets nothing.
  return n != 0 || !c->out.empty();
}

std::string MetricsHttpServer::Respond(const std::string& head) const {
  std::string line = head.substr(0, head.find_first_of("\r\n"));
  auto sp1 = line.find(' ');
  auto sp2 = line.find(' ', sp1 == std::string::npos ? sp1 : sp1 + 1);
  std::string version =
      sp2 == std::string::npos ? "" : line.substr(sp2 + 1);
  if (sp1 == 0 || (version != "HTTP/1.0" && version != "HTTP/1.1")) {
    return Reply("400 Bad Request", "not an HTTP/1.x request\n", false);
  }
  std::string method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string path = target.substr(0, target.find('?'));
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    return Reply("405 Method Not Allowed", "use GET\n", false);
  }
  if (path != "/metrics") {
    return Reply("404 Not Found", "metrics are at /metrics\n", head_only);
  }
  std::string body = metrics::RenderPrometheus(registry_->Collect());
  return Reply("200 OK", body, head_only, metrics::kPrometheusContentType);
}

}  // namespace dim::rpc
