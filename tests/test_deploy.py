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


def _manifest():
    docs = [d for d in yaml.safe_load_all((DEPLOY / "k8s.yaml").read_text()) if d]
    return {d["kind"]: d for d in docs}


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
