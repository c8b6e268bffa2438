#include "bs_shims.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct bs_daemon_context {
    bs_request_handler handler;
    void *cls;
    size_t max_body;
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
        if (upload->too_large) return MHD_YES;
        if (upload->length + incoming > context->max_body) {
            upload->too_large = 1;
            free(upload->data);
            upload->data = NULL;
            upload->length = 0;
            upload->capacity = 0;
            return MHD_YES;
        }
        if (upload->length + incoming + 1 > upload->capacity) {
            size_t capacity = upload->capacity ? upload->capacity : 1024;
            while (capacity < upload->length + incoming + 1) capacity *= 2;
            char *grown = realloc(upload->data, capacity);
            if (grown == NULL) return MHD_NO;
            upload->data = grown;
            upload->capacity = capacity;
        }
        memcpy(upload->data + upload->length, upload_data, incoming);
        upload->length += incoming;
        upload->data[upload->length] = 0;
        return MHD_YES;
    }
    return context->handler(context->cls, connection, method, url, upload->data ? upload->data : "", upload->length,
                            upload->too_large);
}

static void bs_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)cls;
    (void)connection;
    (void)code;
    struct bs_upload *upload = *con_cls;
    if (upload != NULL) {
        free(upload->data);
        free(upload);
        *con_cls = NULL;
    }
}

static void bs_silent_logger(void *cls, const char *format, va_list ap) {
    (void)cls;
    (void)format;
    (void)ap;
}

bs_server *bs_server_start(const char *host, uint16_t port, unsigned int threads, size_t max_body,
                                unsigned int connection_timeout_seconds, bs_request_handler handler, void *cls) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (host == NULL || host[0] == 0 || strcmp(host, "0.0.0.0") == 0) {
        address.sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        struct addrinfo hints, *found = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, NULL, &hints, &found) != 0 || found == NULL) return NULL;
        address.sin_addr = ((struct sockaddr_in *)found->ai_addr)->sin_addr;
        freeaddrinfo(found);
    }

    struct bs_daemon_context *context = calloc(1, sizeof(struct bs_daemon_context));
    if (context == NULL) return NULL;
    context->handler = handler;
    context->cls = cls;
    context->max_body = max_body;

    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, port, NULL, NULL, &bs_access, context, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
        MHD_OPTION_NOTIFY_COMPLETED, &bs_completed, NULL, MHD_OPTION_EXTERNAL_LOGGER, &bs_silent_logger, NULL,
        MHD_OPTION_END);
    if (daemon == NULL) {
        free(context);
        return NULL;
    }
    bs_server *server = calloc(1, sizeof(bs_server));
    if (server == NULL) {
        MHD_stop_daemon(daemon);
        free(context);
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

void bs_server_stop(bs_server *server) {
    MHD_stop_daemon(server->daemon);
    free(server->context);
    free(server);
}

CURLcode bs_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode bs_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode bs_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode bs_curl_setopt_write_function(CURL *handle, bs_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode bs_curl_setopt_header_function(CURL *handle, bs_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
CURLcode bs_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode bs_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
