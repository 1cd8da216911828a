#include "drivers/network/dns.h"

#include <ares.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <mutex>

namespace posdiag::drivers::network {
namespace {

constexpr int kTries = 2;

std::string StatusName(int status) {
  switch (status) {
    case ARES_ENOTFOUND:
      return "nxdomain";
    case ARES_ENODATA:
      return "no_data";
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:  // cancelled by us when the deadline passed
      return "timeout";
    case ARES_ECONNREFUSED:
    case ARES_EREFUSED:
      return "refused";
    case ARES_ESERVFAIL:
      return "servfail";
    case ARES_EFORMERR:
    case ARES_EBADRESP:
      return "bad_response";
    case ARES_EBADNAME:
      return "bad_name";
    default:
      return "error";
  }
}

struct Query {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<IpAddress> addresses;
};

void OnAnswer(void* arg, int status, int /*timeouts*/, ares_addrinfo* res) {
  auto* q = static_cast<Query*>(arg);
  q->done = true;
  q->status = status;
  if (res == nullptr) return;
  for (const ares_addrinfo_node* n = res->nodes; n != nullptr; n = n->ai_next) {
    IpAddress a;
    if (n->ai_family == AF_INET && n->ai_addrlen >= sizeof(sockaddr_in)) {
      a.family = AF_INET;
      std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(n->ai_addr)->sin_addr, 4);
    } else if (n->ai_family == AF_INET6 && n->ai_addrlen >= sizeof(sockaddr_in6)) {
      a.family = AF_INET6;
      std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(n->ai_addr)->sin6_addr,
                  16);
    } else {
      continue;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    ares_inet_ntop(a.family, a.bytes.data(), buf, sizeof buf);
    a.text = buf;
    q->addresses.push_back(std::move(a));
  }
  ares_freeaddrinfo(res);
}

class Channel {
 public:
  Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ~Channel() {
    if (ch_ != nullptr) ares_destroy(ch_);
  }
  ares_channel* ptr() { return &ch_; }
  ares_channel get() const { return ch_; }

 private:
  ares_channel ch_ = nullptr;
};

}  // namespace

bool ResolvConfHasNameserver(std::string_view text) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.starts_with("nameserver") && line.size() > 10 &&
        (line[10] == ' ' || line[10] == '\t')) {
      line.remove_prefix(10);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
      if (!line.empty() && line.front() != '#' && line.front() != ';') return true;
    }
  }
  return false;
}

DnsResult Resolve(const std::string& name, const DnsConfig& config, io::Deadline deadline) {
  static std::once_flag init_once;
  static int init_status = ARES_SUCCESS;
  std::call_once(init_once, [] { init_status = ares_library_init(ARES_LIB_INIT_ALL); });

  DnsResult r;
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](std::string error, std::string detail) {
    r.ok = error.empty();
    r.error = std::move(error);
    r.detail = std::move(detail);
    r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    return std::move(r);
  };
  if (init_status != ARES_SUCCESS) return finish("error", ares_strerror(init_status));

  ares_options opts{};
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
  // Each try gets its share of the time left; the hard stop below still holds the deadline.
  opts.timeout = std::max(100, static_cast<int>(deadline.Remaining().count()) / kTries);
  opts.tries = kTries;
  char lookups[] = "b";  // DNS only: the host's /etc/hosts is not the terminal's
  opts.lookups = lookups;
  const std::string resolv_conf = config.resolv_conf.string();
  std::string resolv_conf_copy = resolv_conf;  // c-ares takes a non-const char*
  if (config.servers.empty()) {
    mask |= ARES_OPT_RESOLVCONF;
    opts.resolvconf_path = resolv_conf_copy.data();
  }
  Channel ch;
  if (const int s = ares_init_options(ch.ptr(), &opts, mask); s != ARES_SUCCESS) {
    return finish("bad_config", std::string("resolver set-up: ") + ares_strerror(s));
  }
  if (!config.servers.empty()) {
    std::string csv;
    for (const auto& s : config.servers) csv += (csv.empty() ? "" : ",") + s;
    if (const int s = ares_set_servers_ports_csv(ch.get(), csv.c_str()); s != ARES_SUCCESS) {
      return finish("bad_config", "dns_servers \"" + csv + "\": " + ares_strerror(s));
    }
  }

  Query q;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  ares_getaddrinfo(ch.get(), name.c_str(), nullptr, &hints, OnAnswer, &q);
  while (!q.done) {
    if (deadline.Expired()) {
      ares_cancel(ch.get());  // calls OnAnswer with ARES_ECANCELLED
      break;
    }
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(ch.get(), socks, ARES_GETSOCK_MAXNUM);
    pollfd fds[ARES_GETSOCK_MAXNUM];
    nfds_t n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      const short events = static_cast<short>((ARES_GETSOCK_READABLE(bits, i) ? POLLIN : 0) |
                                              (ARES_GETSOCK_WRITABLE(bits, i) ? POLLOUT : 0));
      if (events == 0) continue;
      fds[n++] = pollfd{socks[i], events, 0};
    }
    const auto left = deadline.Remaining();
    timeval max_tv{static_cast<time_t>(left.count() / 1000),
                   static_cast<suseconds_t>((left.count() % 1000) * 1000)};
    timeval tv{};
    const timeval* wait = ares_timeout(ch.get(), &max_tv, &tv);
    const int wait_ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
    const int ready = ::poll(fds, n, wait_ms);
    if (ready < 0 && errno != EINTR) {
      ares_cancel(ch.get());
      break;
    }
    if (ready <= 0) {
      ares_process_fd(ch.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts and retries
      continue;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      const bool readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      const bool writable = (fds[i].revents & POLLOUT) != 0;
      ares_process_fd(ch.get(), readable ? fds[i].fd : ARES_SOCKET_BAD,
                      writable ? fds[i].fd : ARES_SOCKET_BAD);
    }
  }
  if (!q.done) return finish("timeout", "no answer before the deadline");
  if (q.status != ARES_SUCCESS) return finish(StatusName(q.status), ares_strerror(q.status));
  if (q.addresses.empty()) return finish("no_data", "the answer holds no address");
  r.addresses = std::move(q.addresses);
  return finish({}, {});
}

}  // namespace posdiag::drivers::network
