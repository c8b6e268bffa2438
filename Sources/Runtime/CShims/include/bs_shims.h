// Typed wrappers over the variadic and macro-only parts of libmicrohttpd and libcurl.
// Swift cannot call C variadic functions; everything else is used directly from Swift.
#ifndef BS_SHIMS_H
#define BS_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include <curl/curl.h>

/// Called once per complete request, on a libmicrohttpd worker thread.
/// `body_too_large` is 1 when the upload exceeded the daemon's body limit (the body is then empty).
typedef enum MHD_Result (*bs_request_handler)(void *cls, struct MHD_Connection *connection, const char *method,
                                              const char *url, const char *body, size_t body_len,
                                              int body_too_large);

/// A running libmicrohttpd daemon together with the context its callbacks use.
typedef struct bs_server bs_server;

/// Everything a server is started with. Zero limits mean "libmicrohttpd's default".
typedef struct bs_server_options {
    const char *host;            ///< IPv4 address or host name; NULL or "0.0.0.0" = every interface.
    uint16_t port;               ///< 0 = an ephemeral port.
    unsigned int threads;        ///< Worker threads (epoll each).
    size_t max_body;             ///< Larger uploads are discarded and flagged `body_too_large`.
    /// A request's headers and body must arrive within this many seconds of its first byte (or of the previous
    /// reply on a kept-alive connection); libmicrohttpd's own inactivity timeout is set to it as well.
    unsigned int request_timeout_seconds;
    unsigned int connection_limit;  ///< Connections held at most (beyond: closed right after accept).
    unsigned int per_ip_limit;      ///< Connections one source address may hold (beyond: closed after accept).
    /// Past this many open connections, requests are answered 503 `overloaded` with `Retry-After` (0 = never).
    unsigned int soft_limit;
    size_t connection_memory_limit;  ///< Per-connection buffer for headers (a request over it gets 431).
    const char *tls_cert_pem;        ///< PEM certificate chain; NULL = plain HTTP.
    const char *tls_key_pem;         ///< PEM private key (with `tls_cert_pem`).
    /// Nonzero: one thread per connection instead of the pool (`threads` is ignored), so a handler that blocks (a
    /// held long poll) holds up only its own connection.
    int thread_per_connection;
} bs_server_options;

/// Counters of one server.
typedef struct bs_server_stats {
    uint64_t active_connections;  ///< Open now.
    uint64_t overload_replies;    ///< Requests answered 503 because `soft_limit` was passed.
    uint64_t request_timeouts;    ///< Connections cut because a request did not arrive within the timeout.
} bs_server_stats;

/// Starts an epoll daemon with an internal thread pool. Returns NULL on failure (errno tells why when the bind
/// failed).
bs_server *bs_server_start_with(const bs_server_options *options, bs_request_handler handler, void *cls);

/// The port the daemon actually listens on (useful after binding port 0).
uint16_t bs_server_port(bs_server *server);

/// The server's counters.
bs_server_stats bs_server_statistics(bs_server *server);

/// Stops the daemon (waits for its threads) and frees everything.
void bs_server_stop(bs_server *server);

/// 1 when the linked libmicrohttpd was built with TLS support.
int bs_server_tls_supported(void);

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit in effect afterwards.
uint64_t bs_raise_open_file_limit(void);

typedef size_t (*bs_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

CURLcode bs_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode bs_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode bs_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode bs_curl_setopt_write_function(CURL *handle, bs_curl_data_callback callback);
CURLcode bs_curl_setopt_header_function(CURL *handle, bs_curl_data_callback callback);
CURLcode bs_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode bs_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

#endif
