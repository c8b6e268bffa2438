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

/// Starts an epoll daemon with an internal thread pool, listening on host:port (IPv4; port 0 = ephemeral).
/// Returns NULL on failure (errno tells why when the bind failed).
bs_server *bs_server_start(const char *host, uint16_t port, unsigned int threads, size_t max_body,
                                unsigned int connection_timeout_seconds, bs_request_handler handler, void *cls);

/// The port the daemon actually listens on (useful after binding port 0).
uint16_t bs_server_port(bs_server *server);

/// Stops the daemon (waits for its threads) and frees everything.
void bs_server_stop(bs_server *server);

typedef size_t (*bs_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

CURLcode bs_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode bs_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode bs_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode bs_curl_setopt_write_function(CURL *handle, bs_curl_data_callback callback);
CURLcode bs_curl_setopt_header_function(CURL *handle, bs_curl_data_callback callback);
CURLcode bs_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode bs_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

#endif
