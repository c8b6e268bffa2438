// The libmicrohttpd daemon behind RPCServer: body collection, connection limits, a whole-request read
// deadline (a watchdog thread that sleeps until the earliest deadline, or until one is set when there is none,
// so that an idle server never wakes), a soft overload threshold answered with 503, and optional TLS.
#include "bs_shims.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/// One open connection, known to the watchdog. Lives from NOTIFY_STARTED to NOTIFY_CLOSED, which libmicrohttpd
/// calls before it closes the socket: while an entry is in the list, its fd is the connection's.
struct bs_tracked {
    struct bs_tracked *prev, *next;
    int fd;
    /// Monotonic milliseconds by which the current request must have arrived; 0 while none is being read.
    _Atomic int64_t deadline_ms;
};

struct bs_daemon_context {
    bs_request_handler handler;
    void *cls;
    size_t max_body;
    unsigned int soft_limit;
    int64_t timeout_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;  // on CLOCK_MONOTONIC
    int stopping;
    /// Set by the watchdog before it looks for the earliest deadline: whoever sets a deadline afterwards signals
    /// `wake` (the watchdog may be about to sleep without a timeout). Cleared when it sleeps until a deadline.
    _Atomic int watchdog_parked;
    int watchdog_running;
    pthread_t watchdog;
    struct bs_tracked head;  // sentinel of a circular list
    _Atomic uint64_t active, overloads, timeouts;
};

struct bs_server {
    struct MHD_Daemon *daemon;
    struct bs_daemon_context *context;
};

struct bs_upload {
    char *data;
    size_t length;
    size_t capacity;
    int too_large;
};

static int64_t bs_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// Arms `tracked`'s read deadline `timeout_ms` from now and wakes the watchdog if it may be sleeping without a
/// deadline. Deadlines only move later (each is now + the one timeout), so a watchdog sleeping until an earlier
/// one needs no wake-up. Sequentially consistent: either the watchdog's scan sees this store, or this load sees
/// `watchdog_parked` set, and the signal (under the lock) cannot come before its wait.
static void bs_arm_deadline(struct bs_daemon_context *context, struct bs_tracked *tracked) {
    atomic_store(&tracked->deadline_ms, bs_now_ms() + context->timeout_ms);
    if (atomic_load(&context->watchdog_parked)) {
        pthread_mutex_lock(&context->lock);
        pthread_cond_signal(&context->wake);
        pthread_mutex_unlock(&context->lock);
    }
}

static struct bs_tracked *bs_tracked_of(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? (struct bs_tracked *)info->socket_context : NULL;
}

static void bs_notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                                 enum MHD_ConnectionNotificationCode code) {
    struct bs_daemon_context *context = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct bs_tracked *tracked = calloc(1, sizeof(struct bs_tracked));
        *socket_context = tracked;
        atomic_fetch_add(&context->active, 1);
        if (tracked == NULL) return;
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        tracked->fd = info ? info->connect_fd : -1;
        pthread_mutex_lock(&context->lock);
        tracked->next = context->head.next;
        tracked->prev = &context->head;
        context->head.next->prev = tracked;
        context->head.next = tracked;
        pthread_mutex_unlock(&context->lock);
        if (context->timeout_ms > 0) bs_arm_deadline(context, tracked);
    } else {
        struct bs_tracked *tracked = *socket_context;
        atomic_fetch_sub(&context->active, 1);
        if (tracked == NULL) return;
        pthread_mutex_lock(&context->lock);
        tracked->prev->next = tracked->next;
        tracked->next->prev = tracked->prev;
        pthread_mutex_unlock(&context->lock);
        free(tracked);
        *socket_context = NULL;
    }
}

/// How late after the earliest deadline the watchdog wakes, so that deadlines close together are cut in one pass.
#define BS_WATCHDOG_SLACK_MS 50

/// With the lock held: cuts the connections past their deadline and returns the earliest deadline still ahead
/// (0: none).
static int64_t bs_watchdog_pass(struct bs_daemon_context *context) {
    int64_t now = bs_now_ms();
    int64_t earliest = 0;
    for (struct bs_tracked *entry = context->head.next; entry != &context->head; entry = entry->next) {
        int64_t deadline = atomic_load(&entry->deadline_ms);
        if (deadline == 0 || entry->fd < 0) continue;
        if (now > deadline) {
            atomic_store(&entry->deadline_ms, 0);
            atomic_fetch_add(&context->timeouts, 1);  // counted before the peer can see the cut
            shutdown(entry->fd, SHUT_RDWR);
        } else if (earliest == 0 || deadline < earliest) {
            earliest = deadline;
        }
    }
    return earliest;
}

/// Cuts connections whose request did not arrive in time. `shutdown` (not `close`) lets libmicrohttpd see the
/// end of the stream and close the connection itself. Sleeps until just after the earliest deadline, and without a
/// timeout while there is none (see `bs_arm_deadline`): no periodic wake-up.
static void *bs_watchdog_main(void *argument) {
    struct bs_daemon_context *context = argument;
    pthread_mutex_lock(&context->lock);
    while (!context->stopping) {
        atomic_store(&context->watchdog_parked, 1);  // before the pass: a deadline set after it signals
        int64_t earliest = bs_watchdog_pass(context);
        if (earliest == 0) {
            pthread_cond_wait(&context->wake, &context->lock);
            continue;
        }
        atomic_store(&context->watchdog_parked, 0);
        int64_t wake_ms = earliest + BS_WATCHDOG_SLACK_MS;
        struct timespec until = {.tv_sec = wake_ms / 1000, .tv_nsec = (long)(wake_ms % 1000) * 1000000L};
        pthread_cond_timedwait(&context->wake, &context->lock, &until);
    }
    pthread_mutex_unlock(&context->lock);
    return NULL;
}

static enum MHD_Result bs_answer_overloaded(struct MHD_Connection *connection, const char *url) {
    static const char rpc_body[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32005,\"message\":"
                                   "\"the server is at its connection limit; retry later\"}}";
    static const char route_body[] =
        "{\"error\":{\"code\":\"overloaded\",\"message\":\"the server is at its connection limit; retry later\"}}";
    int rpc = strcmp(url, "/rpc") == 0 || strncmp(url, "/rpc/", 5) == 0;
    const char *body = rpc ? rpc_body : route_body;
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (response == NULL) return MHD_NO;
    MHD_add_response_header(response, "Content-Type", "application/json");
    MHD_add_response_header(response, "Retry-After", "1");
    MHD_add_response_header(response, "Connection", "close");
    enum MHD_Result result = MHD_queue_response(connection, MHD_HTTP_SERVICE_UNAVAILABLE, response);
    MHD_destroy_response(response);
    return result;
}

static int bs_append(struct bs_upload *upload, const char *data, size_t incoming, size_t max_body) {
    if (upload->too_large) return 1;
    if (incoming > max_body || upload->length > max_body - incoming) {
        upload->too_large = 1;
        free(upload->data);
        upload->data = NULL;
        upload->length = 0;
        upload->capacity = 0;
        return 1;
    }
    if (upload->length + incoming + 1 > upload->capacity) {
        size_t capacity = upload->capacity ? upload->capacity : 1024;
        while (capacity < upload->length + incoming + 1) capacity *= 2;
        char *grown = realloc(upload->data, capacity);
        if (grown == NULL) return 0;
        upload->data = grown;
        upload->capacity = capacity;
    }
    memcpy(upload->data + upload->length, data, incoming);
    upload->length += incoming;
    upload->data[upload->length] = 0;
    return 1;
}

static enum MHD_Result bs_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **con_cls) {
    (void)version;
    struct bs_daemon_context *context = cls;
    struct bs_upload *upload = *con_cls;
    if (upload == NULL) {
        upload = calloc(1, sizeof(struct bs_upload));
        if (upload == NULL) return MHD_NO;
        *con_cls = upload;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t incoming = *upload_data_size;
        *upload_data_size = 0;
        return bs_append(upload, upload_data, incoming, context->max_body) ? MHD_YES : MHD_NO;
    }
    struct bs_tracked *tracked = bs_tracked_of(connection);
    if (tracked != NULL) atomic_store(&tracked->deadline_ms, 0);  // the request is in: no more read deadline
    if (context->soft_limit > 0 && atomic_load(&context->active) > context->soft_limit) {
        atomic_fetch_add(&context->overloads, 1);
        return bs_answer_overloaded(connection, url);
    }
    return context->handler(context->cls, connection, method, url, upload->data ? upload->data : "", upload->length,
                            upload->too_large);
}

static void bs_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    struct bs_daemon_context *context = cls;
    (void)code;
    struct bs_upload *upload = *con_cls;
    if (upload != NULL) {
        free(upload->data);
        free(upload);
        *con_cls = NULL;
    }
    // A kept-alive connection must bring its next request within the timeout too.
    struct bs_tracked *tracked = bs_tracked_of(connection);
    if (tracked != NULL && context->timeout_ms > 0) bs_arm_deadline(context, tracked);
}

static void bs_silent_logger(void *cls, const char *format, va_list ap) {
    (void)cls;
    (void)format;
    (void)ap;
}

static int bs_resolve(const char *host, uint16_t port, struct sockaddr_in *address) {
    memset(address, 0, sizeof(*address));
    address->sin_family = AF_INET;
    address->sin_port = htons(port);
    if (host == NULL || host[0] == 0 || strcmp(host, "0.0.0.0") == 0) {
        address->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, host, &address->sin_addr) != 1) {
        struct addrinfo hints, *found = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, NULL, &hints, &found) != 0 || found == NULL) return 0;
        address->sin_addr = ((struct sockaddr_in *)found->ai_addr)->sin_addr;
        freeaddrinfo(found);
    }
    return 1;
}

static void bs_context_free(struct bs_daemon_context *context) {
    if (context->watchdog_running) {
        pthread_mutex_lock(&context->lock);
        context->stopping = 1;
        pthread_cond_signal(&context->wake);
        pthread_mutex_unlock(&context->lock);
        pthread_join(context->watchdog, NULL);
    }
    pthread_cond_destroy(&context->wake);
    pthread_mutex_destroy(&context->lock);
    free(context);
}

static struct bs_daemon_context *bs_context_new(const bs_server_options *options, bs_request_handler handler,
                                                void *cls) {
    struct bs_daemon_context *context = calloc(1, sizeof(struct bs_daemon_context));
    if (context == NULL) return NULL;
    context->handler = handler;
    context->cls = cls;
    context->max_body = options->max_body;
    context->soft_limit = options->soft_limit;
    context->timeout_ms = (int64_t)options->request_timeout_seconds * 1000;
    context->head.next = context->head.prev = &context->head;
    pthread_mutex_init(&context->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);  // the deadlines are monotonic milliseconds
    pthread_cond_init(&context->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (context->timeout_ms > 0) {
        if (pthread_create(&context->watchdog, NULL, bs_watchdog_main, context) != 0) {
            bs_context_free(context);
            return NULL;
        }
        context->watchdog_running = 1;
    }
    return context;
}

bs_server *bs_server_start_with(const bs_server_options *options, bs_request_handler handler, void *cls) {
    struct sockaddr_in address;
    if (!bs_resolve(options->host, options->port, &address)) return NULL;
    int tls = options->tls_cert_pem != NULL && options->tls_key_pem != NULL;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        errno = ENOTSUP;
        return NULL;
    }
    struct bs_daemon_context *context = bs_context_new(options, handler, cls);
    if (context == NULL) return NULL;

    struct MHD_OptionItem extra[8];
    size_t count = 0;
    // libmicrohttpd warns on stderr about a pool of one thread: one thread is the default without the option.
    if (options->threads > 1 && !options->thread_per_connection)
        extra[count++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, options->threads, NULL};
    if (options->connection_limit > 0)
        extra[count++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, options->connection_limit, NULL};
    if (options->per_ip_limit > 0)
        extra[count++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, options->per_ip_limit, NULL};
    if (options->connection_memory_limit > 0)
        extra[count++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                                 (intptr_t)options->connection_memory_limit, NULL};
    if (tls) {
        extra[count++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)options->tls_key_pem};
        extra[count++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)options->tls_cert_pem};
    }
    extra[count] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0) |
                         (options->thread_per_connection ? MHD_USE_THREAD_PER_CONNECTION : 0);
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, options->port, NULL, NULL, &bs_access, context, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_CONNECTION_TIMEOUT, options->request_timeout_seconds,
        MHD_OPTION_NOTIFY_COMPLETED, &bs_completed, context, MHD_OPTION_NOTIFY_CONNECTION, &bs_notify_connection,
        context, MHD_OPTION_EXTERNAL_LOGGER, &bs_silent_logger, NULL, MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (daemon == NULL) {
        int saved = errno;
        bs_context_free(context);
        errno = saved;
        return NULL;
    }
    bs_server *server = calloc(1, sizeof(bs_server));
    if (server == NULL) {
        MHD_stop_daemon(daemon);
        bs_context_free(context);
        return NULL;
    }
    server->daemon = daemon;
    server->context = context;
    return server;
}

uint16_t bs_server_port(bs_server *server) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

bs_server_stats bs_server_statistics(bs_server *server) {
    bs_server_stats stats;
    stats.active_connections = atomic_load(&server->context->active);
    stats.overload_replies = atomic_load(&server->context->overloads);
    stats.request_timeouts = atomic_load(&server->context->timeouts);
    return stats;
}

void bs_server_stop(bs_server *server) {
    MHD_stop_daemon(server->daemon);
    bs_context_free(server->context);
    free(server);
}

int bs_server_tls_supported(void) { return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES; }
