/*
 * A native load generator for the fan-out benchmark: the same job and the
 * same stdin/stdout conversation as bench/load_worker.ts, for the
 * protocols `ws` (Pulseboard), `raw-ws` (the Deno floor), `socketio`
 * (Engine.IO v4 over WebSocket), `poll` (Pulseboard's long-poll) and
 * `socketio-poll` (Engine.IO v4 long-polling), in one epoll loop in C.
 *
 * Why: on a two-core machine the generators get one core, and a JavaScript
 * client (Deno's or Node's) spends about 25 us of CPU per message
 * received (more for a long-poll: a fetch, its response and a JSON parse),
 * so at 1,000-5,000 clients x 10 updates/s the generators, not the
 * servers, set the latency. This one reads each socket with one recv per
 * readiness and looks at a message's first bytes only. Long-polls go over
 * keep-alive HTTP/1.1, one request in flight per client, each asking from
 * the cursor the last answer gave, as the browser client does.
 *
 * Usage (started by bench/fanout.ts):
 *   load_sink HOST PORT PATH CLIENTS PROTOCOL
 * Commands on stdin, one per line: `window T0 T1` (epoch ms), `drain MS`,
 * `stop`. Answers on stdout, one JSON line each (see load_worker.ts).
 *
 * Built with: cc -O2 -o load_sink load_sink.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536
#define MAX_MS 60000

typedef struct {
  int fd;
  int upgraded;
  size_t len;
  size_t cap;
  unsigned char *buf;
  int post_fd;      /* socketio-poll: a second connection for POSTs */
  char cursor[96];  /* poll: "&since=N&epoch=E"; socketio-poll: the sid */
  long long seq;
  long long received;
  long long gaps;
  long long snapshots;
  double past_end_at; /* 0 until a delta published at or after T1 arrived */
} Client;

static Client *clients;
static int count;
enum { WS, RAW_WS, SOCKETIO, POLL, SOCKETIO_POLL };
static int protocol;
static const char *host_name;
static int port_number;
static const char *base_path;
static double from_ms = 1e300, to_ms = 1e300;
static long long composed;
static long long bytes;
static long long *histogram; /* MAX_MS + 1 buckets */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, UTC). */
static long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
  return v;
}

/* "2026-11-28T20:48:40.400Z" -> epoch ms; every client gets the same ts,
 * so the last one parsed is remembered. */
static double parse_ts(const char *p, size_t n) {
  static char last[32];
  static double last_ms;
  if (n < 20 || n > 30) return 0;
  if (memcmp(last, p, n) == 0 && last[n] == 0) return last_ms;
  long long days =
    days_from_civil(digits(p, 4), digits(p + 5, 2), digits(p + 8, 2));
  double ms = (double)days * 86400000.0 + digits(p + 11, 2) * 3600000.0 +
              digits(p + 14, 2) * 60000.0 + digits(p + 17, 2) * 1000.0;
  if (n >= 23 && p[19] == '.') ms += digits(p + 20, 3);
  memcpy(last, p, n);
  last[n] = 0;
  last_ms = ms;
  return ms;
}

static const char *find(const char *hay, size_t n, const char *needle) {
  return memmem(hay, n, needle, strlen(needle));
}

/* A header name in a response head, whatever its case. */
static const char *find_header(const char *head, size_t n, const char *name) {
  size_t k = strlen(name);
  for (size_t i = 0; i + k <= n; i++) {
    if (strncasecmp(head + i, name, k) == 0) return head + i + k;
  }
  return NULL;
}

static long long number_after(const char *hay, size_t n, const char *key,
                              int *found) {
  const char *p = find(hay, n, key);
  *found = 0;
  if (!p) return 0;
  p += strlen(key);
  long long v = 0;
  const char *end = hay + n;
  while (p < end && *p >= '0' && *p <= '9') {
    v = v * 10 + (*p - '0');
    p++;
    *found = 1;
  }
  return v;
}

/* Sends one masked client frame (the mask is zero: allowed, and cheap). */
static void send_frame(Client *c, int opcode, const char *data, size_t n) {
  unsigned char head[8] = {(unsigned char)(0x80 | opcode),
                           (unsigned char)(0x80 | n), 0, 0, 0, 0};
  if (n > 125) return;
  unsigned char out[140];
  memcpy(out, head, 6);
  memcpy(out + 6, data, n);
  if (send(c->fd, out, 6 + n, MSG_NOSIGNAL) < 0) { /* gone: ignored */
  }
}

/* One envelope's head: follows the chain, counts the window's deltas. */
static int on_envelope(Client *c, const char *text, size_t n) {
  size_t h = n < 240 ? n : 240;
  if (find(text, h, "\"type\":\"snapshot\"")) {
    int f;
    c->snapshots++;
    c->seq = number_after(text, h, "\"seq\":", &f);
    return 0;
  }
  if (!find(text, h, "\"type\":\"delta\"")) return 0;
  int has_seq, has_base;
  long long seq = number_after(text, h, "\"seq\":", &has_seq);
  long long base = number_after(text, h, "\"base\":", &has_base);
  if (c->seq != 0 && (!has_base || base != c->seq)) c->gaps++;
  long long covers = c->seq != 0 && has_base && base == c->seq ? seq - base : 1;
  c->seq = seq;
  const char *ts = find(text, h, "\"ts\":\"");
  if (!ts) return 0;
  ts += 6;
  const char *q = memchr(ts, '"', text + h - ts);
  if (!q) return 0;
  double at = parse_ts(ts, q - ts);
  double now = now_ms();
  if (at >= to_ms && c->past_end_at == 0) c->past_end_at = now;
  if (!(at >= from_ms && at < to_ms)) return 0;
  c->received += covers;
  if (covers > 1) composed++;
  double ms = now - at;
  if (ms < 0) ms = 0;
  if (ms > MAX_MS) ms = MAX_MS;
  histogram[(int)ms]++;
  return 1;
}

static void on_text(Client *c, const char *text, size_t n) {
  if (protocol == SOCKETIO) {
    if (n == 1 && text[0] == '2') {
      send_frame(c, 1, "3", 1);
      return;
    }
    if (n > 0 && text[0] == '0') {
      send_frame(c, 1, "40", 2);
      return;
    }
    if (n < 2 || text[0] != '4' || text[1] != '2') return;
  }
  if (on_envelope(c, text, n)) bytes += n;
}

/* Parses every whole frame in the client's buffer; keeps the rest. */
static void parse(Client *c) {
  size_t at = 0;
  if (!c->upgraded) {
    const char *end = find((char *)c->buf, c->len, "\r\n\r\n");
    if (!end) return;
    if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0) {
      fprintf(stderr, "load_sink: upgrade refused: %.40s\n", c->buf);
      exit(1);
    }
    c->upgraded = 1;
    at = (unsigned char *)end + 4 - c->buf;
  }
  for (;;) {
    if (c->len - at < 2) break;
    unsigned char *f = c->buf + at;
    int opcode = f[0] & 0x0f;
    size_t n = f[1] & 0x7f;
    size_t head = 2;
    if (n == 126) {
      if (c->len - at < 4) break;
      n = ((size_t)f[2] << 8) | f[3];
      head = 4;
    } else if (n == 127) {
      if (c->len - at < 10) break;
      n = 0;
      for (int i = 2; i < 10; i++) n = (n << 8) | f[i];
      head = 10;
    }
    if (c->len - at < head + n) break;
    const char *payload = (const char *)f + head;
    if (opcode == 1) on_text(c, payload, n);
    else if (opcode == 9) send_frame(c, 10, payload, n); /* ping -> pong */
    at += head + n;
  }
  memmove(c->buf, c->buf + at, c->len - at);
  c->len -= at;
}

/* A blocking TCP connection to the server, or -1. */
static int dial(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons(port_number)};
  inet_pton(AF_INET, host_name, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static int send_all(int fd, const char *data, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (w <= 0) return -1;
    data += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Room for `more` bytes after the buffered ones (an answer may be large). */
static void reserve(Client *c, size_t more) {
  if (c->len + more <= c->cap) return;
  while (c->len + more > c->cap) c->cap *= 2;
  c->buf = realloc(c->buf, c->cap);
}

/*
 * One whole HTTP/1.1 response at the start of the buffer: its body (a
 * Content-Length or a chunked one, decoded in place) and how many bytes it
 * used; 0 while incomplete.
 */
static size_t http_response(Client *c, char **body, size_t *body_len) {
  char *head = (char *)c->buf;
  const char *end = find(head, c->len, "\r\n\r\n");
  if (!end) return 0;
  size_t head_len = (size_t)(end - head) + 4;
  if (c->len < 12 || memcmp(head + 9, "200", 3) != 0) {
    fprintf(stderr, "load_sink: the server answered %.60s\n", head);
    exit(1);
  }
  char *start = head + head_len;
  const char *cl = find_header(head, head_len, "\r\ncontent-length:");
  if (cl) {
    size_t n = strtoul(cl, NULL, 10);
    if (c->len < head_len + n) return 0;
    *body = start;
    *body_len = n;
    return head_len + n;
  }
  /* Chunked: every chunk must be here before the body is decoded. */
  size_t at = head_len, out = 0;
  for (;;) {
    char *line_end = memmem(head + at, c->len - at, "\r\n", 2);
    if (!line_end) return 0;
    size_t n = strtoul(head + at, NULL, 16);
    size_t data = (size_t)(line_end - head) + 2;
    if (c->len < data + n + 2) return 0;
    if (n == 0) {
      *body = start;
      *body_len = out;
      return data + 2;
    }
    memmove(start + out, head + data, n);
    out += n;
    at = data + n + 2;
  }
}

static void poll_request(Client *c) {
  char req[512];
  int n;
  if (protocol == POLL) {
    n = snprintf(req, sizeof req,
                 "GET /%s%s&timeout=25 HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
                 base_path, c->cursor, host_name, port_number);
  } else {
    n = snprintf(req, sizeof req,
                 "GET /%s&sid=%s HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
                 base_path, c->cursor, host_name, port_number);
  }
  if (send_all(c->fd, req, (size_t)n) < 0) { /* gone: reported short */
  }
}

/* An Engine.IO POST on the client's second connection, answered "ok". */
static int socketio_post_once(Client *c, const char *packet) {
  char req[512];
  int n = snprintf(req, sizeof req,
                   "POST /%s&sid=%s HTTP/1.1\r\nHost: %s:%d\r\n"
                   "Content-Type: text/plain;charset=UTF-8\r\n"
                   "Content-Length: %zu\r\n\r\n%s",
                   base_path, c->cursor, host_name, port_number,
                   strlen(packet), packet);
  if (send_all(c->post_fd, req, (size_t)n) < 0) return -1;
  char answer[1024];
  size_t got = 0;
  for (;;) {
    ssize_t r = recv(c->post_fd, answer + got, sizeof answer - 1 - got, 0);
    if (r <= 0) return -1;
    got += (size_t)r;
    answer[got] = 0;
    const char *end = strstr(answer, "\r\n\r\n");
    const char *cl = strcasestr(answer, "content-length:");
    if (end && cl && got >= (size_t)(end + 4 - answer) +
                                 strtoul(cl + 15, NULL, 10)) {
      return 0;
    }
  }
}

/* Node closes an idle keep-alive connection after 5 s: dial again once. */
static int socketio_post(Client *c, const char *packet) {
  if (c->post_fd >= 0 && socketio_post_once(c, packet) == 0) return 0;
  if (c->post_fd >= 0) close(c->post_fd);
  c->post_fd = dial();
  return c->post_fd < 0 ? -1 : socketio_post_once(c, packet);
}

/* A long-poll answer: each envelope in it, then the cursor it ends at. */
static void on_poll_body(Client *c, char *body, size_t n) {
  if (protocol == POLL) {
    bytes += n;
    const char *at = find(body, n, "{\"type\":\"");
    while (at) {
      const char *rest = at + 9;
      const char *next = find(rest, body + n - rest, "{\"type\":\"");
      size_t len = (size_t)((next ? next : body + n) - at);
      on_envelope(c, at, len);
      at = next;
    }
    int f;
    const char *cur = find(body, n, "\"cursor\":");
    if (!cur) return;
    size_t left = (size_t)(body + n - cur);
    long long seq = number_after(cur, left, "\"seq\":", &f);
    const char *ep = find(cur, left, "\"epoch\":\"");
    if (!ep) return;
    ep += 9;
    const char *q = memchr(ep, '"', (size_t)(body + n - ep));
    if (!q || q - ep > 40) return;
    snprintf(c->cursor, sizeof c->cursor, "&since=%lld&epoch=%.*s", seq,
             (int)(q - ep), ep);
    return;
  }
  /* Engine.IO: packets separated by 0x1e; "2" is a ping. */
  size_t at = 0;
  while (at <= n) {
    char *sep = memchr(body + at, 0x1e, n - at);
    size_t len = (size_t)((sep ? sep : body + n) - (body + at));
    char *p = body + at;
    if (len == 1 && p[0] == '2') socketio_post(c, "3");
    else if (len >= 2 && p[0] == '4' && p[1] == '2') {
      if (on_envelope(c, p, len)) bytes += len;
    }
    if (!sep) break;
    at += len + 1;
  }
}

/* Every whole answer in the buffer; each asks for the next at once. */
static void parse_http(Client *c) {
  for (;;) {
    char *body;
    size_t body_len;
    size_t used = http_response(c, &body, &body_len);
    if (!used) return;
    on_poll_body(c, body, body_len);
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
    poll_request(c);
  }
}

/* Reads until one whole answer is in (connecting, before the loop). */
static int read_answer(Client *c, char **body, size_t *body_len) {
  for (;;) {
    size_t used = http_response(c, body, body_len);
    if (used) return (int)used;
    reserve(c, 4096);
    ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (r <= 0) return -1;
    c->len += (size_t)r;
  }
}

static int connect_poll(Client *c) {
  c->fd = dial();
  if (c->fd < 0) return -1;
  char *body;
  size_t body_len;
  if (protocol == POLL) {
    /* The first answer is the snapshot, and the cursor to go on from. */
    char req[512];
    int n = snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
                     base_path, host_name, port_number);
    if (send_all(c->fd, req, (size_t)n) < 0) return -1;
    int used = read_answer(c, &body, &body_len);
    if (used < 0) return -1;
    on_poll_body(c, body, body_len);
    c->len -= (size_t)used;
    memmove(c->buf, c->buf + used, c->len);
  } else {
    /* Engine.IO open: "0{"sid":...}", then "40" posted to connect. */
    char req[512];
    int n = snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
                     base_path, host_name, port_number);
    if (send_all(c->fd, req, (size_t)n) < 0) return -1;
    int used = read_answer(c, &body, &body_len);
    if (used < 0) return -1;
    const char *sid = find(body, body_len, "\"sid\":\"");
    if (!sid) return -1;
    sid += 7;
    const char *q = memchr(sid, '"', (size_t)(body + body_len - sid));
    if (!q || q - sid > 60) return -1;
    snprintf(c->cursor, sizeof c->cursor, "%.*s", (int)(q - sid), sid);
    c->len -= (size_t)used;
    memmove(c->buf, c->buf + used, c->len);
    if (socketio_post(c, "40") < 0) return -1;
  }
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  poll_request(c);
  return 0;
}

static int connect_ws(Client *c) {
  int fd = dial();
  if (fd < 0) return -1;
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET /%s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: "
                   "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   base_path, host_name, port_number);
  if (send_all(fd, req, (size_t)n) < 0) {
    close(fd);
    return -1;
  }
  c->fd = fd;
  /* Wait for the upgrade, so a refused client fails here, not later. */
  while (!c->upgraded) {
    ssize_t r = recv(fd, c->buf + c->len, c->cap - c->len, 0);
    if (r <= 0) return -1;
    c->len += (size_t)r;
    parse(c);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return 0;
}

static int connect_one(Client *c) {
  c->cap = BUF;
  c->buf = malloc(c->cap);
  c->post_fd = -1;
  return protocol == POLL || protocol == SOCKETIO_POLL ? connect_poll(c)
                                                       : connect_ws(c);
}

static void report(void) {
  int reached = 0;
  double last = 0;
  long long gaps = 0, snapshots = 0;
  for (int i = 0; i < count; i++) {
    if (clients[i].past_end_at > 0) {
      reached++;
      if (clients[i].past_end_at > last) last = clients[i].past_end_at;
    }
    gaps += clients[i].gaps;
    snapshots += clients[i].snapshots;
  }
  printf("{\"clients\":%d,\"received\":[", count);
  for (int i = 0; i < count; i++) {
    printf(i ? ",%lld" : "%lld", clients[i].received);
  }
  printf("],\"reached\":%d,\"lastReachedAt\":%.0f,\"gaps\":%lld,"
         "\"snapshots\":%lld,\"composed\":%lld,\"bytes\":%lld,\"histogram\":[",
         reached, last, gaps, snapshots, composed, bytes);
  int first = 1;
  for (int ms = 0; ms <= MAX_MS; ms++) {
    if (!histogram[ms]) continue;
    printf(first ? "[%d,%lld]" : ",[%d,%lld]", ms, histogram[ms]);
    first = 0;
  }
  printf("]}\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: load_sink HOST PORT PATH CLIENTS "
                    "ws|raw-ws|socketio|poll|socketio-poll\n");
    return 2;
  }
  host_name = argv[1];
  port_number = atoi(argv[2]);
  base_path = argv[3];
  count = atoi(argv[4]);
  protocol = strcmp(argv[5], "raw-ws") == 0          ? RAW_WS
             : strcmp(argv[5], "socketio") == 0      ? SOCKETIO
             : strcmp(argv[5], "poll") == 0          ? POLL
             : strcmp(argv[5], "socketio-poll") == 0 ? SOCKETIO_POLL
                                                     : WS;
  clients = calloc(count, sizeof(Client));
  histogram = calloc(MAX_MS + 1, sizeof(long long));
  int ep = epoll_create1(0);
  for (int i = 0; i < count; i++) {
    if (connect_one(&clients[i]) < 0) {
      fprintf(stderr, "load_sink: cannot connect client %d to %s:%d/%s: %s\n",
              i, host_name, port_number, base_path, strerror(errno));
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd, &ev);
  }
  printf("{\"connected\":%d}\n", count);
  fflush(stdout);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  char line[256];
  size_t line_len = 0;
  double drain_until = 0;
  struct epoll_event events[512];
  for (;;) {
    int timeout = drain_until > 0 ? 20 : -1;
    int n = epoll_wait(ep, events, 512, timeout);
    for (int e = 0; e < n; e++) {
      uint32_t id = events[e].data.u32;
      if (id == UINT32_MAX) {
        ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
        if (r <= 0) return 0;
        line_len += r;
        char *nl;
        while ((nl = memchr(line, '\n', line_len))) {
          *nl = 0;
          double a = 0, b = 0;
          if (sscanf(line, "window %lf %lf", &a, &b) == 2) {
            for (int i = 0; i < count; i++) {
              clients[i].received = 0;
              clients[i].past_end_at = 0;
            }
            memset(histogram, 0, (MAX_MS + 1) * sizeof(long long));
            bytes = 0;
            composed = 0;
            from_ms = a;
            to_ms = b;
            printf("{\"window\":[%.0f,%.0f]}\n", a, b);
            fflush(stdout);
          } else if (sscanf(line, "drain %lf", &a) == 1) {
            drain_until = now_ms() + a;
          } else if (strncmp(line, "stop", 4) == 0) {
            return 0;
          }
          size_t used = nl + 1 - line;
          memmove(line, nl + 1, line_len - used);
          line_len -= used;
        }
        continue;
      }
      Client *c = &clients[id];
      /* One recv per readiness: epoll says again if more is waiting. */
      int http = protocol == POLL || protocol == SOCKETIO_POLL;
      if (http) reserve(c, 4096);
      ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
      if (r > 0) {
        c->len += (size_t)r;
        if (http) parse_http(c);
        else {
          parse(c);
          if (c->len == c->cap) c->len = 0; /* a frame larger than the buffer */
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* Closed or reset: this client receives nothing more (and is
         * reported short if the window was not over). */
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
      }
    }
    if (drain_until > 0) {
      int all = 1;
      for (int i = 0; i < count && all; i++) all = clients[i].past_end_at > 0;
      if (all || now_ms() >= drain_until) {
        drain_until = 0;
        report();
      }
    }
  }
}
