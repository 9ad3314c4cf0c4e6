"""The deployment files: nginx config, the replica script and the Kubernetes manifest have what a
classroom deployment needs, and parse."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

DEPLOY = ROOT / "deploy"


def _nginx_text() -> str:
    return (DEPLOY / "nginx" / "cnnviz-site.conf").read_text() + (DEPLOY / "nginx" / "cnnviz-proxy.conf").read_text()


def _code(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_nginx_routes_each_browser_by_cookie_not_by_address():
    conf = _code(_nginx_text())
    assert re.search(r"hash \$cnnviz_route consistent;", conf)
    assert "ip_hash" not in conf
    # A browser without the cookie gets one, so its next requests hash the same way.
    assert re.search(r'map \$cookie_cnnviz_route \$cnnviz_route \{\s*""\s+\$request_id;', conf)
    assert re.search(r"add_header Set-Cookie \$cnnviz_route_cookie always;", conf)


def test_nginx_websocket_location_has_what_streamlit_needs():
    proxy = _code((DEPLOY / "nginx" / "cnnviz-proxy.conf").read_text())
    ws = re.search(r"location = /_stcore/stream \{(.*?)\n\}", proxy, re.S).group(1)
    for needed in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                   "proxy_set_header Connection $connection_upgrade;", "proxy_set_header Host $http_host;",
                   "proxy_buffering off;"):
        assert needed in ws, needed
    timeout = int(re.search(r"proxy_read_timeout (\d+)s;", ws).group(1))
    assert timeout >= 3600  # an idle student stays connected through a lecture
    assert "location = /_stcore/health" in proxy
    # Locations carry no add_header of their own, or nginx would drop the sticky cookie there.
    assert "add_header" not in proxy


def test_nginx_passes_the_rooms_events_unbuffered():
    from cnnviz.classroom.push import EVENTS_PATH

    proxy = _code((DEPLOY / "nginx" / "cnnviz-proxy.conf").read_text())
    prefix = EVENTS_PATH.split("{", 1)[0]
    sse = re.search(r"location " + re.escape(prefix) + r" \{(.*?)\n\}", proxy, re.S).group(1)
    assert "proxy_buffering off;" in sse and "proxy_http_version 1.1;" in sse
    assert int(re.search(r"proxy_read_timeout (\d+)s;", sse).group(1)) >= 3600


def test_nginx_upload_limit_fits_the_apps_upload_limit():
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    body = int(re.search(r"client_max_body_size (\d+)m;", _nginx_text()).group(1))
    assert body > cfg["server"]["maxUploadSize"]


def test_replica_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(DEPLOY / "run_replicas.sh")], check=True)


def test_nginx_accepts_the_generated_config(tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (apt-get install -y nginx); CI does not install it")
    out = subprocess.run(["bash", str(DEPLOY / "run_replicas.sh"), "check", "2"], capture_output=True, text=True,
                         env=dict(os.environ, CNNVIZ_RUN_DIR=str(tmp_path)))
    assert out.returncode == 0, out.stderr
    assert "test is successful" in out.stderr
    site = (tmp_path / "site.conf").read_text()
    assert site.count("server 127.0.0.1:") == 2


def _manifest(name: str = "cnnviz"):
    docs = [d for d in yaml.safe_load_all((DEPLOY / "k8s.yaml").read_text()) if d]
    return {d["kind"]: d for d in docs if d["metadata"]["name"] == name}


def test_k8s_manifest_has_deployment_service_ingress():
    m = _manifest()
    assert set(m) == {"Deployment", "Service", "Ingress"}
    for d in m.values():
        assert d["apiVersion"] and d["metadata"]["name"] == "cnnviz"
    dep = m["Deployment"]
    assert dep["apiVersion"] == "apps/v1"
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert m["Service"]["spec"]["selector"].items() <= labels.items()


def test_k8s_replicas_share_a_redis_without_persistence():
    redis = _manifest("cnnviz-redis")
    assert set(redis) == {"Deployment", "Service"}
    c = _manifest()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in c["env"]}
    service = redis["Service"]["metadata"]["name"]
    port = redis["Service"]["spec"]["ports"][0]["port"]
    assert env["CNNVIZ_REDIS_URL"] == f"redis://{service}:{port}/0"
    args = redis["Deployment"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--save") + 1] == "" and args[args.index("--appendonly") + 1] == "no"
    assert redis["Service"]["spec"]["selector"].items() <= redis["Deployment"]["spec"]["template"]["metadata"][
        "labels"].items()


def test_replica_script_starts_a_loopback_redis_for_the_rooms():
    script = _code((DEPLOY / "run_replicas.sh").read_text())
    assert re.search(r"redis-server --port \"\$REDIS_PORT\" --bind 127\.0\.0\.1 --save '' --appendonly no", script)
    assert 'export CNNVIZ_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"' in script
    assert "redis.pid" in script.split("stop_all()", 1)[1].split("}", 1)[0]  # stopped with the rest


def test_k8s_probes_ask_streamlits_health_endpoint():
    c = _manifest()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    port_names = {p["name"]: p["containerPort"] for p in c["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        get = c[probe]["httpGet"]
        assert get["path"] == "/_stcore/health"
        assert get["port"] in port_names or get["port"] in port_names.values()
    assert str(port_names["http"]) in c["args"]
    # One Streamlit process uses about one core: give each replica one.
    assert c["resources"]["requests"]["cpu"] == "1"


def test_k8s_affinity_by_service_and_by_ingress_cookie():
    m = _manifest()
    assert m["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    ann = m["Ingress"]["metadata"]["annotations"]
    assert ann["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(ann["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    backend = m["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == m["Service"]["metadata"]["name"]


def test_server_config_is_hardened_for_a_public_classroom():
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = cfg["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True  # protection on: only the app's own origin
    assert server["enableStaticServing"] is False
    assert 10 <= server["maxUploadSize"] <= 50  # a phone photo fits; a class cannot fill the memory
    assert server["maxMessageSize"] <= 50 and server["maxWidgetStateSize"] <= 5
    assert server["fileWatcherType"] == "none"  # no per-session file watching on a deployed server
    assert cfg["runner"]["postScriptGC"] is False  # no full collection after every click
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["browser"]["gatherUsageStats"] is False


@pytest.mark.browser
@pytest.mark.slow  # two replicas and nginx of its own
def test_a_student_on_a_stopped_replica_gets_a_working_page_after_reload(two_replicas, browser):
    """In Chromium through nginx: stop the replica serving the page; a reload lands on the other one
    (same cookie) and shows the page, with no traceback."""
    import signal

    from browser_support import TIMEOUT_MS, wait_for_app

    url, pids = two_replicas
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    served = []
    # nginx names the replica that answered (after any it tried first: "a, b").
    page.on("response", lambda r: served.append((r.headers.get("x-cnnviz-replica") or "").split(", ")[-1])
            if r.request.resource_type == "document" else None)
    try:
        page.goto(url + "/convolution")
        wait_for_app(page)
        assert page.locator("h1").first.inner_text() == "Convolution"
        first = served[-1]
        assert first in pids
        assert any(c["name"] == "cnnviz_route" for c in context.cookies())  # the sticky cookie
        os.kill(pids[first], signal.SIGKILL)
        page.reload()
        wait_for_app(page)
        assert served[-1] in pids and served[-1] != first
        assert page.locator("h1").first.inner_text() == "Convolution"
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()
