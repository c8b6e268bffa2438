"""The offline checks of compose.yaml, deploy/k8s and the Containerfile (run by scripts/check-deploy)."""

import copy
import json
import os
import re
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.30.0"
INTERNAL_SERVICES = ["verification", "fraud", "suggestions", "queue"]


def port(address):
    return int(address.rsplit(":", 1)[1])


def host(address):
    return address.rsplit(":", 1)[0]


def nodes(config):
    """(node id, advertised address, serve command) of every node of a cluster config."""
    result = [(config[role]["id"], config[role]["address"], ["serve", role])
              for role in ["orchestrator"] + INTERNAL_SERVICES]
    for replica in config["executors"]["replicas"]:
        result.append((f"executor-{replica['id']}", replica["address"],
                       ["serve", "executor", "--id", str(replica["id"])]))
    return result


# ---- compose ----------------------------------------------------------------------------------------------------

def compose_problems(compose, config, schema):
    problems = [f"schema: {e.message} at {'/'.join(map(str, e.absolute_path))}"
                for e in jsonschema.Draft7Validator(schema).iter_errors(compose)]
    services = compose.get("services", {})
    for node, address, command in nodes(config):
        service = services.get(node)
        if service is None:
            problems.append(f"no compose service {node}")
            continue
        if host(address) != node:
            problems.append(f"{node}: the config's address {address} is not the service name")
        if service.get("command") != command:
            problems.append(f"{node}: command {service.get('command')} is not {command}")
        environment = service.get("environment", {})
        if str(environment.get("HEALTH_PORT")) != str(port(address)):
            problems.append(f"{node}: HEALTH_PORT {environment.get('HEALTH_PORT')} is not its port {port(address)}")
        for variable in ["BOOKSTORE_RUN_ID", "BOOKSTORE_SECRET_FILE", "BOOKSTORE_TRACES_DIR"]:
            if variable not in environment:
                problems.append(f"{node}: {variable} is not set")
        mounts = [m.split(":")[1] for m in service.get("volumes", []) if isinstance(m, str)]
        if "/var/lib/bookstore/traces" not in mounts:
            problems.append(f"{node}: the traces volume is not mounted")
    queue = services.get("queue", {})
    if f"queue-data:{config['queueStore']['dataDir']}" not in queue.get("volumes", []):
        problems.append("queue: the queue-data volume is not mounted at the config's queueStore.dataDir")
    orchestrator = services.get("orchestrator", {})
    if "8081:8081" not in orchestrator.get("ports", []):
        problems.append("orchestrator: the page is not published on 8081")
    for volume in ["traces", "queue-data"]:
        if volume not in compose.get("volumes", {}):
            problems.append(f"no volume {volume}")
    prometheus = services.get("prometheus")
    if prometheus is None or "monitoring" not in prometheus.get("profiles", []):
        problems.append("prometheus must exist behind the monitoring profile")
    return problems


# ---- kubernetes -------------------------------------------------------------------------------------------------

def load_manifests(folder):
    manifests = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        manifests[path.name] = [d for d in yaml.safe_load_all(path.read_text()) if d]
    return manifests


def workloads(manifests):
    return {d["metadata"]["name"]: d for docs in manifests.values() for d in docs
            if d["kind"] in ("Deployment", "StatefulSet")}


def kubernetes_problems(manifests, kustomization, config, configmap_json):
    problems = []
    for name, docs in manifests.items():
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{name}: {doc.get('kind')} {error.message} at "
                                f"{'/'.join(map(str, error.path))}")
    listed = set(kustomization.get("resources", []))
    if listed != set(manifests):
        problems.append(f"kustomization resources {sorted(listed)} differ from the files {sorted(manifests)}")
    found = workloads(manifests)
    services = {d["metadata"]["name"]: d for docs in manifests.values() for d in docs if d["kind"] == "Service"}
    if configmap_json != config:
        problems.append("configmap.yaml's cluster.json differs from deploy/k8s/cluster.json")
    kinds = {"orchestrator": "Deployment", "verification": "Deployment", "fraud": "Deployment",
             "suggestions": "Deployment", "queue": "StatefulSet", "executor": "StatefulSet"}
    for name, kind in kinds.items():
        workload = found.get(name)
        if workload is None or workload["kind"] != kind:
            problems.append(f"{name} must be a {kind}")
            continue
        problems += pod_problems(name, workload)
        if kind == "StatefulSet":
            service = services.get(workload["spec"]["serviceName"], {})
            if service.get("spec", {}).get("clusterIP") != "None":
                problems.append(f"{name}: its Service must be headless")
    problems += address_problems(config, found, services)
    problems += network_policy_problems(manifests, config)
    return problems


def pod_problems(name, workload):
    problems = []
    template = workload["spec"]["template"]
    annotations = template["metadata"].get("annotations", {})
    container = template["spec"]["containers"][0]
    if annotations.get("prometheus.io/scrape") != "true":
        problems.append(f"{name}: no Prometheus scrape annotation")
    if str(annotations.get("prometheus.io/port")) != str(container["ports"][0]["containerPort"]):
        problems.append(f"{name}: the scrape port is not the container port")
    for probe in ["readinessProbe", "livenessProbe"]:
        if container.get(probe, {}).get("httpGet", {}).get("path") != "/healthz":
            problems.append(f"{name}: {probe} is not on /healthz")
    requests = container.get("resources", {}).get("requests", {})
    if "cpu" not in requests or "memory" not in requests:
        problems.append(f"{name}: no cpu and memory requests")
    if not template["spec"].get("securityContext", {}).get("runAsNonRoot"):
        problems.append(f"{name}: must run as non-root")
    mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
    if "/var/lib/bookstore/traces" not in mounts:
        problems.append(f"{name}: no traces volume")
    return problems


def address_problems(config, found, services):
    problems = []
    for role in ["orchestrator"] + INTERNAL_SERVICES:
        address = config[role]["address"]
        name = host(address).split(".")[-1] if role == "queue" else host(address)
        service = services.get(name)
        if service is None or service["spec"]["ports"][0]["port"] != port(address):
            problems.append(f"{role}: no Service {name} on port {port(address)}")
        container = found.get(role, {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])[0]
        if container.get("ports", [{}])[0].get("containerPort") != port(address):
            problems.append(f"{role}: the container port is not {port(address)}")
    executor = found.get("executor", {})
    replicas = config["executors"]["replicas"]
    if executor.get("spec", {}).get("replicas") != len(replicas):
        problems.append(f"executor: {executor.get('spec', {}).get('replicas')} pods for {len(replicas)} replicas")
    for replica in replicas:
        expected = f"executor-{replica['id'] - 1}.executor"
        if host(replica["address"]) != expected:
            problems.append(f"executor {replica['id']}: address {replica['address']} is not pod {expected}")
    queue = found.get("queue", {}).get("spec", {})
    claims = {c["metadata"]["name"] for c in queue.get("volumeClaimTemplates", [])}
    mounts = {m["name"]: m["mountPath"] for m in queue.get("template", {}).get("spec", {}).get(
        "containers", [{}])[0].get("volumeMounts", [])}
    if "queue-data" not in claims or mounts.get("queue-data") != config["queueStore"]["dataDir"]:
        problems.append("queue: no PersistentVolumeClaim mounted at the config's queueStore.dataDir")
    return problems


def network_policy_problems(manifests, config):
    policies = [d for docs in manifests.values() for d in docs if d["kind"] == "NetworkPolicy"]
    internal = {port(config[r]["address"]) for r in INTERNAL_SERVICES}
    internal |= {port(r["address"]) for r in config["executors"]["replicas"]}
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports & internal and not rule.get("from"):
                return [f"{policy['metadata']['name']}: internal ports open to everyone"]
    admitted = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            members = any(f.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/part-of")
                          == "bookstore" for f in rule.get("from", []))
            if members:
                admitted |= {p["port"] for p in rule.get("ports", [])}
    missing = internal - admitted
    return [f"NetworkPolicy: cluster members are not admitted to ports {sorted(missing)}"] if missing else []


# ---- Containerfile ----------------------------------------------------------------------------------------------

def containerfile_problems(text):
    problems = []
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    if len(stages) < 2 or "bookworm-slim" not in stages[-1]:
        problems.append("Containerfile: the runtime stage must be Debian slim after a builder stage")
    runtime = text.split("\nFROM ")[-1]
    if not re.search(r"^USER\s+(?!0\b|root\b)\S+", runtime, re.M):
        problems.append("Containerfile: the runtime stage must switch to a non-root USER")
    if not re.search(r"^HEALTHCHECK .*\n?.*/healthz", runtime, re.M):
        problems.append("Containerfile: no HEALTHCHECK on /healthz")
    if "runtime-packages.txt" not in runtime:
        problems.append("Containerfile: the runtime packages must come from deploy/runtime-packages.txt")
    if "-dev" in runtime:
        problems.append("Containerfile: -dev packages in the runtime stage")
    return problems


# ---- trace collection ---------------------------------------------------------------------------------------------

def collect_traces_problems(root):
    """scripts/collect-traces merge: joins one run's host folders; refuses mixed run ids and a node held twice."""
    import gzip
    import subprocess
    import tempfile

    problems = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for host, run, node in [("a", "r1", "queue"), ("b", "r1", "executor-1"), ("c", "r2", "fraud"),
                                ("d", "r1", "queue")]:
            (base / host / run).mkdir(parents=True)
            with gzip.open(base / host / run / f"{node}.jsonl.gz", "wt") as file:
                file.write("{}\n")

        def merge(*hosts):
            return subprocess.run([str(root / "scripts/collect-traces"), "merge", str(base / "out"),
                                   *[str(base / h) for h in hosts]], capture_output=True, text=True)

        joined = merge("a/r1", "b/r1")
        names = sorted(p.name for p in (base / "out/run/r1").glob("*.jsonl.gz"))
        if joined.returncode != 0 or names != ["executor-1.jsonl.gz", "queue.jsonl.gz"]:
            problems.append(f"collect-traces: two hosts of run r1 did not join: {joined.stderr.strip()} {names}")
        if merge("a/r1", "c/r2").returncode != 2:
            problems.append("collect-traces: folders of two run ids were joined")
        if merge("a/r1", "d/r1").returncode != 2:
            problems.append("collect-traces: two hosts holding one node's file were joined")
        if sorted(p.name for p in (base / "out/run/r1").glob("*")) != names:
            problems.append("collect-traces: a refused join changed the run folder")
    return problems


# ---- planted mistakes -------------------------------------------------------------------------------------------

def self_test(compose, config, schema, manifests, kustomization, k8s_config, containerfile):
    def compose_case(change):
        planted = copy.deepcopy(compose)
        change(planted)
        return compose_problems(planted, config, schema)

    def k8s_case(change):
        planted = copy.deepcopy(manifests)
        change(planted)
        return kubernetes_problems(planted, kustomization, k8s_config, k8s_config)

    def workload(planted, name):
        return workloads(planted)[name]

    def first_container(planted, name):
        return workload(planted, name)["spec"]["template"]["spec"]["containers"][0]

    cases = {
        "compose: executor-3 missing": compose_case(lambda c: c["services"].pop("executor-3")),
        "compose: unknown key": compose_case(lambda c: c["services"]["queue"].update(restarts="always")),
        "compose: wrong health port": compose_case(
            lambda c: c["services"]["fraud"]["environment"].update(HEALTH_PORT="9101")),
        "compose: queue without its data volume": compose_case(
            lambda c: c["services"]["queue"].update(volumes=["traces:/var/lib/bookstore/traces"])),
        "k8s: probe path typo": k8s_case(
            lambda m: first_container(m, "fraud")["livenessProbe"]["httpGet"].update(path="/health")),
        "k8s: misspelt field": k8s_case(
            lambda m: first_container(m, "queue").update(readinessProbes={})),
        "k8s: two executors": k8s_case(lambda m: workload(m, "executor")["spec"].update(replicas=2)),
        "k8s: no requests": k8s_case(lambda m: first_container(m, "verification").update(resources={})),
        "k8s: internal port open": k8s_case(
            lambda m: [r.pop("from") for d in m["networkpolicy.yaml"] for r in d["spec"]["ingress"] if "from" in r]),
        "Containerfile: root": containerfile_problems(containerfile.replace("USER 10001:10001", "USER root")),
    }
    if os.environ.get("CHECK_DEPLOY_VERBOSE"):
        for name, problems in cases.items():
            print(f"  planted {name}: {problems[:1]}")
    return [name for name, problems in cases.items() if not problems]


def main():
    root = Path(sys.argv[1])
    config = json.loads((root / "deploy/cluster.json").read_text())
    compose = yaml.safe_load((root / "compose.yaml").read_text())
    schema = json.loads((root / ".venv-deploy/compose_spec.json").read_text())
    k8s = root / "deploy/k8s"
    manifests = load_manifests(k8s)
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    k8s_config = json.loads((k8s / "cluster.json").read_text())
    configmap = next(d for d in manifests["configmap.yaml"] if d["kind"] == "ConfigMap")
    containerfile = (root / "Containerfile").read_text()

    problems = compose_problems(compose, config, schema)
    problems += kubernetes_problems(manifests, kustomization, k8s_config, json.loads(configmap["data"]["cluster.json"]))
    problems += containerfile_problems(containerfile)
    problems += collect_traces_problems(root)
    for problem in problems:
        print(f"check-deploy: {problem}", file=sys.stderr)
    uncaught = self_test(compose, config, schema, manifests, kustomization, k8s_config, containerfile)
    for name in uncaught:
        print(f"check-deploy: a planted mistake was not caught: {name}", file=sys.stderr)
    count = sum(len(docs) for docs in manifests.values())
    if problems or uncaught:
        sys.exit(1)
    print(f"check-deploy: ok (compose.yaml: {len(compose['services'])} services against the Compose schema; "
          f"deploy/k8s: {count} objects against Kubernetes {KUBERNETES_VERSION}, strict; Containerfile; "
          f"collect-traces merge; "
          f"10 planted mistakes caught)")


if __name__ == "__main__":
    main()
