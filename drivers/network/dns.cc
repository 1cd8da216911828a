#include "drivers/network/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace posdiag::drivers::network {
namespace {

constexpr int kTries = 2;
constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeAaaa = 28;
constexpr std::uint16_t kClassIn = 1;
// More records than this in one reply is not an answer for a payment host; stop reading.
constexpr std::size_t kMaxRecords = 256;

Error ParseError(std::string what) { return Error{ErrorKind::kParse, "DNS reply: " + what}; }

std::uint16_t Load16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// Skips a (possibly compressed) name starting at `at`; returns the offset after it.
Result<std::size_t> SkipName(std::span<const std::uint8_t> b, std::size_t at) {
  for (std::size_t labels = 0; labels < 128; ++labels) {
    if (at >= b.size()) return ParseError("name runs past the end");
    const std::uint8_t len = b[at];
    if (len == 0) return at + 1;
    if ((len & 0xC0) == 0xC0) {
      if (at + 2 > b.size()) return ParseError("truncated name pointer");
      return at + 2;  // a pointer ends the name where it stands
    }
    if ((len & 0xC0) != 0) return ParseError("reserved label type");
    at += 1 + len;
  }
  return ParseError("name with too many labels");
}

// The error of an ares_send callback status that carries no reply.
std::string StatusError(int status) {
  switch (status) {
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:  // cancelled by us when the deadline passed
    case ARES_EDESTRUCTION:
      return "timeout";
    case ARES_ECONNREFUSED:  // every try met a socket error: ICMP unreachable, no route
      return "unreachable";
    case ARES_EBADRESP:
    case ARES_EFORMERR:
      return "bad_response";
    case ARES_EBADNAME:
      return "bad_name";
    default:
      return "error";
  }
}

// One query's outcome: a decoded reply or why there is none.
struct Exchange {
  bool done = false;
  int status = ARES_SUCCESS;
  Result<DnsReply> reply = ParseError("no reply");
};

void OnReply(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* e = static_cast<Exchange*>(arg);
  e->done = true;
  e->status = status;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) {
    e->reply = DecodeDnsReply(std::span<const std::uint8_t>(abuf, static_cast<std::size_t>(alen)));
  }
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

// Drives the channel until `done` or the deadline, then cancels what is still asked.
void Pump(ares_channel ch, const bool& done, io::Deadline deadline) {
  while (!done) {
    if (deadline.Expired()) {
      ares_cancel(ch);  // calls the callback with ARES_ECANCELLED
      return;
    }
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
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
    const timeval* wait = ares_timeout(ch, &max_tv, &tv);
    const int wait_ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
    const int ready = ::poll(fds, n, wait_ms);
    if (ready < 0 && errno != EINTR) {
      ares_cancel(ch);
      return;
    }
    if (ready <= 0) {
      ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts and retries
      continue;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      const bool readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      const bool writable = (fds[i].revents & POLLOUT) != 0;
      ares_process_fd(ch, readable ? fds[i].fd : ARES_SOCKET_BAD,
                      writable ? fds[i].fd : ARES_SOCKET_BAD);
    }
  }
}

Exchange Ask(ares_channel ch, const std::string& name, std::uint16_t type, io::Deadline deadline) {
  Exchange e;
  unsigned char* query = nullptr;
  int query_len = 0;
  if (const int s = ares_create_query(name.c_str(), kClassIn, type, 0, 1, &query, &query_len, 0);
      s != ARES_SUCCESS) {
    e.done = true;
    e.status = s;
    return e;
  }
  ares_send(ch, query, query_len, OnReply, &e);
  ares_free_string(query);
  Pump(ch, e.done, deadline);
  if (!e.done) {  // ares_cancel did not reach the callback: treat as unanswered
    e.done = true;
    e.status = ARES_ETIMEOUT;
  }
  return e;
}

std::string ServerText(const ares_addr_port_node& s) {
  char buf[INET6_ADDRSTRLEN] = {};
  ares_inet_ntop(s.family, &s.addr, buf, sizeof buf);
  const int port = s.udp_port != 0 ? s.udp_port : 53;
  return s.family == AF_INET6 ? "[" + std::string(buf) + "]:" + std::to_string(port)
                              : std::string(buf) + ":" + std::to_string(port);
}

// The names to ask, in order, as resolv.conf(5) says: with fewer dots than ndots the search
// domains first, else the name as given first. A name ending in '.' is asked as is only.
std::vector<std::string> Candidates(const std::string& name, int ndots,
                                    const std::vector<std::string>& domains) {
  if (!name.empty() && name.back() == '.') return {name};
  std::vector<std::string> with_domains;
  for (const auto& d : domains) with_domains.push_back(name + "." + d);
  const auto dots = static_cast<int>(std::count(name.begin(), name.end(), '.'));
  std::vector<std::string> out;
  if (dots >= ndots) out.push_back(name);
  out.insert(out.end(), with_domains.begin(), with_domains.end());
  if (dots < ndots) out.push_back(name);
  return out;
}

// What one server said about the name: addresses, a definitive "no" (nxdomain, no_data) or a
// failure of the server (servfail, refused, timeout, ...), after which the next server is asked.
struct ServerAnswer {
  std::vector<IpAddress> addresses;
  std::string error;  // "" with addresses
  bool definitive = false;
};

ServerAnswer AskServer(ares_channel ch, const std::vector<std::string>& names,
                       io::Deadline deadline) {
  ServerAnswer answer;
  std::string first_no;  // nxdomain or no_data for the first name, the one reported
  for (const auto& candidate : names) {
    for (const std::uint16_t type : {kTypeA, kTypeAaaa}) {
      const Exchange e = Ask(ch, candidate, type, deadline);
      if (e.status != ARES_SUCCESS) return {{}, StatusError(e.status), false};
      if (!e.reply) return {{}, "bad_response", false};
      const int rcode = e.reply->rcode;
      if (rcode == 0 && !e.reply->addresses.empty()) return {e.reply->addresses, "", true};
      if (rcode == 0) {
        if (type == kTypeA) continue;  // no A record: ask for AAAA
        if (first_no.empty()) first_no = "no_data";
        break;
      }
      if (rcode == 3) {
        if (first_no.empty()) first_no = "nxdomain";
        break;  // no such name: no AAAA either
      }
      return {{}, RcodeError(rcode), false};  // the server's own failure
    }
  }
  answer.error = first_no.empty() ? "no_data" : first_no;
  answer.definitive = true;
  return answer;
}

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

Result<DnsReply> DecodeDnsReply(std::span<const std::uint8_t> b) {
  if (b.size() < kHeaderSize) return ParseError("shorter than a header");
  DnsReply reply;
  reply.id = Load16(b, 0);
  const std::uint16_t flags = Load16(b, 2);
  if ((flags & 0x8000) == 0) return ParseError("a query, not a reply");
  reply.truncated = (flags & 0x0200) != 0;
  reply.rcode = flags & 0x000F;
  const std::size_t questions = Load16(b, 4);
  const std::size_t answers = Load16(b, 6);
  if (questions + answers > kMaxRecords) return ParseError("too many records");
  std::size_t at = kHeaderSize;
  for (std::size_t i = 0; i < questions; ++i) {
    auto end = SkipName(b, at);
    if (!end) return end.error();
    at = *end + 4;
    if (at > b.size()) return ParseError("truncated question");
  }
  for (std::size_t i = 0; i < answers; ++i) {
    auto end = SkipName(b, at);
    if (!end) return end.error();
    at = *end;
    if (at + 10 > b.size()) {
      // A truncated reply may end mid-record; what came before still counts.
      if (reply.truncated) break;
      return ParseError("truncated record");
    }
    const std::uint16_t type = Load16(b, at);
    const std::uint16_t klass = Load16(b, at + 2);
    const std::size_t rdlen = Load16(b, at + 8);
    at += 10;
    if (at + rdlen > b.size()) {
      if (reply.truncated) break;
      return ParseError("record data runs past the end");
    }
    if (klass == kClassIn &&
        ((type == kTypeA && rdlen == 4) || (type == kTypeAaaa && rdlen == 16))) {
      IpAddress a;
      a.family = type == kTypeA ? AF_INET : AF_INET6;
      std::memcpy(a.bytes.data(), b.data() + at, rdlen);
      char buf[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(a.family, a.bytes.data(), buf, sizeof buf);
      a.text = buf;
      reply.addresses.push_back(std::move(a));
    }
    at += rdlen;
  }
  return reply;
}

std::string RcodeError(int rcode) {
  switch (rcode) {
    case 0:
      return "";
    case 1:
      return "formerr";
    case 2:
      return "servfail";
    case 3:
      return "nxdomain";
    case 4:
      return "notimp";
    case 5:
      return "refused";
    default:
      return "rcode_" + std::to_string(rcode);
  }
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
  // Replies are judged here, whatever their code: c-ares must hand over a SERVFAIL or REFUSED
  // rather than fold it into its own status.
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
  opts.flags = ARES_FLAG_NOCHECKRESP;
  opts.timeout = 1000;  // set per server below
  opts.tries = kTries;
  char lookups[] = "b";  // DNS only: the probe reads the terminal's /etc/hosts itself
  opts.lookups = lookups;
  std::string resolv_conf = config.resolv_conf.string();  // c-ares takes a non-const char*
  if (config.servers.empty()) {
    mask |= ARES_OPT_RESOLVCONF;
    opts.resolvconf_path = resolv_conf.data();
  }
  Channel setup;
  if (const int s = ares_init_options(setup.ptr(), &opts, mask); s != ARES_SUCCESS) {
    return finish("bad_config", std::string("resolver set-up: ") + ares_strerror(s));
  }
  if (!config.servers.empty()) {
    std::string csv;
    for (const auto& s : config.servers) csv += (csv.empty() ? "" : ",") + s;
    if (const int s = ares_set_servers_ports_csv(setup.get(), csv.c_str()); s != ARES_SUCCESS) {
      return finish("bad_config", "dns_servers \"" + csv + "\": " + ares_strerror(s));
    }
  }
  // The search domains and ndots resolv.conf gave the channel.
  int ndots = 1;
  std::vector<std::string> domains;
  {
    ares_options saved{};
    int saved_mask = 0;
    if (ares_save_options(setup.get(), &saved, &saved_mask) == ARES_SUCCESS) {
      ndots = saved.ndots;
      for (int i = 0; i < saved.ndomains; ++i) domains.emplace_back(saved.domains[i]);
      ares_destroy_options(&saved);
    }
  }
  std::vector<ares_addr_port_node> servers;
  {
    ares_addr_port_node* list = nullptr;
    if (ares_get_servers_ports(setup.get(), &list) == ARES_SUCCESS) {
      for (const ares_addr_port_node* s = list; s != nullptr; s = s->next) {
        servers.push_back(*s);
        servers.back().next = nullptr;
      }
      ares_free_data(list);
    }
  }
  if (servers.empty()) return finish("bad_config", "no nameserver to ask");

  const auto names = Candidates(name, ndots, domains);
  std::string detail;
  std::string first_error;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const std::string server = ServerText(servers[i]);
    if (deadline.Expired()) {
      detail += (detail.empty() ? "" : "; ") + server + ": not asked, no time left";
      continue;
    }
    // Each server left gets an equal share of the time left; c-ares retries within it.
    const auto share = deadline.Remaining() / static_cast<long>(servers.size() - i);
    const io::Deadline server_deadline(std::chrono::steady_clock::now() + share);
    opts.timeout = std::max(50, static_cast<int>(share.count()) / kTries);
    Channel ch;
    if (const int s = ares_init_options(ch.ptr(), &opts, mask & ~ARES_OPT_RESOLVCONF);
        s != ARES_SUCCESS) {
      return finish("bad_config", std::string("resolver set-up: ") + ares_strerror(s));
    }
    if (const int s = ares_set_servers_ports(ch.get(), &servers[i]); s != ARES_SUCCESS) {
      return finish("bad_config", server + ": " + ares_strerror(s));
    }
    const ServerAnswer a = AskServer(ch.get(), names, server_deadline);
    if (a.error.empty()) {
      r.server = server;
      r.addresses = a.addresses;
      return finish({}, {});
    }
    detail += (detail.empty() ? "" : "; ") + server + ": " + a.error;
    if (a.definitive) {
      r.server = server;
      return finish(a.error, detail);
    }
    if (first_error.empty()) {
      first_error = a.error;
      if (a.error != "timeout" && a.error != "unreachable") r.server = server;  // it answered
    }
  }
  return finish(first_error.empty() ? "timeout" : first_error, detail);
}

}  // namespace posdiag::drivers::network
