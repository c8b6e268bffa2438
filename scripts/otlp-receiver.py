#!/usr/bin/env python3
"""An OTLP/HTTP trace receiver for tests: decodes every request with the official OpenTelemetry protobuf
definitions (opentelemetry-proto) and appends one JSON summary line per request to a file.

  otlp-receiver.py serve --summary FILE      listen on 127.0.0.1 (a free port, printed as "port N" on stdout);
                                             POST /v1/traces with application/json or application/x-protobuf
  otlp-receiver.py check FILE.otlp.jsonl     decode every line of a file export; print the summary (one JSON)

OTLP/JSON differs from the proto3 JSON mapping in one point: trace and span ids are hex, not base64; they are
converted (and their lengths checked) before `json_format.Parse`, which rejects unknown fields and bad types.
A request that does not decode is answered 400 and summarised with its error.
"""
import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

ID_LENGTHS = {"traceId": 32, "spanId": 16, "parentSpanId": 16}
MAX_BODY = 64 << 20
KEPT_BOOKSTORE_KEYS = ("bookstore.vector_clock", "bookstore.order")


def hex_ids_to_base64(node):
    """OTLP/JSON ids are hex; protobuf's JSON parser wants base64 for bytes fields."""
    if isinstance(node, list):
        for item in node:
            hex_ids_to_base64(item)
    elif isinstance(node, dict):
        for key, value in list(node.items()):
            if key in ID_LENGTHS and isinstance(value, str):
                if value == "" and key == "parentSpanId":
                    continue
                if len(value) != ID_LENGTHS[key] or any(c not in "0123456789abcdef" for c in value):
                    raise ValueError(f"{key} is not {ID_LENGTHS[key]} lowercase hex digits: {value!r}")
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                hex_ids_to_base64(value)


def decode(body, content_type):
    request = ExportTraceServiceRequest()
    if content_type.startswith("application/x-protobuf"):
        request.ParseFromString(body)
    else:
        document = json.loads(body)
        hex_ids_to_base64(document)
        json_format.Parse(json.dumps(document), request, ignore_unknown_fields=False)
    return request


def summarise(request):
    spans = []
    problems = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: json_format.MessageToDict(kv.value) for kv in resource_spans.resource.attributes}
        service = resource.get("service.name", {}).get("stringValue")
        instance = resource.get("service.instance.id", {}).get("stringValue")
        if not service or not instance:
            problems.append("a resource without service.name or service.instance.id")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if len(span.trace_id) != 16 or len(span.span_id) != 8:
                    problems.append(f"bad id length in span {span.name}")
                if span.parent_span_id and len(span.parent_span_id) != 8:
                    problems.append(f"bad parent id length in span {span.name}")
                if span.end_time_unix_nano < span.start_time_unix_nano:
                    problems.append(f"span {span.name} ends before it starts")
                attributes = {kv.key: json_format.MessageToDict(kv.value) for kv in span.attributes}
                spans.append({
                    "trace": span.trace_id.hex(), "span": span.span_id.hex(),
                    "parent": span.parent_span_id.hex() or None, "name": span.name, "kind": int(span.kind),
                    "service": service, "instance": instance,
                    "links": [{"trace": l.trace_id.hex(), "span": l.span_id.hex()} for l in span.links],
                    "attributes": {k: next(iter(v.values()), None) for k, v in attributes.items()
                                   if not k.startswith("bookstore.") or k in KEPT_BOOKSTORE_KEYS},
                    "status": int(span.status.code),
                })
    return {"spans": spans, "problems": problems}


class Handler(BaseHTTPRequestHandler):
    summary_path = None
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if self.path != "/v1/traces" or length < 0 or length > MAX_BODY:
            self.send_response(404 if self.path != "/v1/traces" else 413)
            self.end_headers()
            return
        body = self.rfile.read(length)
        try:
            record = summarise(decode(body, self.headers.get("Content-Type", "")))
            status = 200
        except Exception as error:  # noqa: BLE001 - any decoding failure is the test's finding
            record = {"error": f"{type(error).__name__}: {error}", "bytes": len(body)}
            status = 400
        with Handler.lock, open(Handler.summary_path, "a") as out:
            out.write(json.dumps(record) + "\n")
        reply = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def serve(summary_path):
    Handler.summary_path = summary_path
    open(summary_path, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def check(path):
    total = {"lines": 0, "spans": [], "problems": []}
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            total["lines"] += 1
            try:
                record = summarise(decode(line.encode(), "application/json"))
            except Exception as error:  # noqa: BLE001
                total["problems"].append(f"line {number}: {type(error).__name__}: {error}")
                continue
            total["spans"] += record["spans"]
            total["problems"] += [f"line {number}: {p}" for p in record["problems"]]
    print(json.dumps(total))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve" and sys.argv[2] == "--summary":
        serve(sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        sys.exit(__doc__)
