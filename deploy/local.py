"""The app and nginx on this machine, without Docker: one definition for the browser tests (tests/conftest.py),
the load benchmark (benchmarks/load.py) and the two-replica proof (deploy/prove_replicas.py)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def start_app(port: int, env: dict, log) -> subprocess.Popen:
    """`streamlit run Home.py` on 127.0.0.1:`port` with `env`, its output to the file `log` (a file, not a pipe:
    a full pipe would stall the server)."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--global.developmentMode", "false"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, *, timeout: float = 90, proc: subprocess.Popen | None = None) -> None:
    """Return once `url` answers Streamlit's health check; TimeoutError after `timeout` seconds or as soon as
    `proc` (the server) has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline and (proc is None or proc.poll() is None):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} 未能启动")


def nginx_config(workdir: Path, ports: list[int], balancer: int) -> Path:
    """deploy/'s balancer configuration (sticky route cookie, WebSocket upgrade) for replicas on `ports`,
    listening on `balancer`, with its files in `workdir`; the access log names each request's replica."""
    for name in ("replicas-common.conf", "proxy.conf"):
        shutil.copy(ROOT / "deploy" / name, workdir / name)
    servers = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
    config = workdir / "nginx.conf"
    config.write_text(f"""
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
worker_processes 1;
events {{}}
http {{
    include replicas-common.conf;
    log_format routed '$cookie_voucher_route $upstream_addr $request_method $uri';
    access_log {workdir}/access.log routed;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    upstream voucher_app {{
        hash $voucher_route consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{balancer};
        client_max_body_size 6m;
        location / {{
            include proxy.conf;
            add_header X-Replica $upstream_addr always;  # only here: which replica answered
        }}
    }}
}}
""")
    return config


def start_nginx(workdir: Path, ports: list[int], balancer: int) -> subprocess.Popen:
    """Debian's nginx in front of the replicas on `ports`; returns once it answers on `balancer`."""
    nginx = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(nginx_config(workdir, ports, balancer)),
                              "-g", "daemon off;"])
    wait_healthy(f"http://127.0.0.1:{balancer}", timeout=30, proc=nginx)
    return nginx


def stop(*procs: subprocess.Popen | None) -> None:
    """Terminate the processes and wait for them (killing any that do not stop within 20 s)."""
    running = [p for p in procs if p is not None]
    for proc in running:
        proc.terminate()
    for proc in running:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
