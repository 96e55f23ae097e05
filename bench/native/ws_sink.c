/*
 * A native load generator for the fan-out benchmark's WebSocket runs: the
 * same job and the same stdin/stdout conversation as bench/load_worker.ts,
 * for the protocols `ws` (Pulseboard), `raw-ws` (the Deno floor) and
 * `socketio` (Engine.IO v4 over WebSocket), but one epoll loop in C.
 *
 * Why: on a two-core machine the generators get one core, and a JavaScript
 * WebSocket client (Deno's or Node's) spends about 25 us of CPU per message
 * received, so at 5,000 clients x 10 updates/s the generators, not the
 * servers, set the latency. This one reads each socket with one recv per
 * readiness and looks at a message's first bytes only.
 *
 * Usage (started by bench/fanout.ts):
 *   ws_sink HOST PORT PATH CLIENTS PROTOCOL
 * Commands on stdin, one per line: `window T0 T1` (epoch ms), `drain MS`,
 * `stop`. Answers on stdout, one JSON line each (see load_worker.ts).
 *
 * Built with: cc -O2 -o ws_sink ws_sink.c
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
  unsigned char *buf;
  long long seq;
  long long received;
  long long gaps;
  long long snapshots;
  double past_end_at; /* 0 until a delta published at or after T1 arrived */
} Client;

static Client *clients;
static int count;
static int protocol; /* 0 ws, 1 raw-ws, 2 socketio */
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
  if (protocol == 2) {
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
      fprintf(stderr, "ws_sink: upgrade refused: %.40s\n", c->buf);
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

static int connect_one(const char *host, int port, const char *path,
                       Client *c) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET /%s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: "
                   "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, host, port);
  if (send(fd, req, n, MSG_NOSIGNAL) != n) {
    close(fd);
    return -1;
  }
  c->fd = fd;
  c->buf = malloc(BUF);
  /* Wait for the upgrade, so a refused client fails here, not later. */
  while (!c->upgraded) {
    ssize_t r = recv(fd, c->buf + c->len, BUF - c->len, 0);
    if (r <= 0) return -1;
    c->len += r;
    parse(c);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return 0;
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
    fprintf(stderr, "usage: ws_sink HOST PORT PATH CLIENTS ws|raw-ws|socketio\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  const char *path = argv[3];
  count = atoi(argv[4]);
  protocol = strcmp(argv[5], "raw-ws") == 0     ? 1
             : strcmp(argv[5], "socketio") == 0 ? 2
                                                : 0;
  clients = calloc(count, sizeof(Client));
  histogram = calloc(MAX_MS + 1, sizeof(long long));
  int ep = epoll_create1(0);
  for (int i = 0; i < count; i++) {
    if (connect_one(host, port, path, &clients[i]) < 0) {
      fprintf(stderr, "ws_sink: cannot connect client %d to %s:%d/%s: %s\n", i,
              host, port, path, strerror(errno));
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
      ssize_t r = recv(c->fd, c->buf + c->len, BUF - c->len, 0);
      if (r > 0) {
        c->len += r;
        parse(c);
        if (c->len == BUF) c->len = 0; /* a frame larger than the buffer */
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
