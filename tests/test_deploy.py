"""deploy/: the nginx configuration of docker-compose is valid, and two replicas behind Debian's nginx on one
PostgreSQL share logins, uploads, writes and refreshed statistics (deploy/prove_replicas.py, in a browser)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.browser import CHROMIUM, ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(not os.path.exists(NGINX), reason="需要 nginx（.ci/run 会安装 nginx-light）")


@needs_nginx
def test_the_compose_nginx_configuration_is_accepted_by_nginx(tmp_path):
    for name in ("nginx.conf", "replicas-common.conf", "proxy.conf"):
        text = (ROOT / "deploy" / name).read_text()
        # the compose service name resolves only inside compose; the rest is checked as written
        (tmp_path / name).write_text(text.replace("server app:8501;", "server 127.0.0.1:8501;")
                                     .replace("listen 80;", "listen 127.0.0.1:18080;"))
    (tmp_path / "logs").mkdir()
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-g", f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@needs_nginx
@pytest.mark.browser
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL 未设置：多实例需要 PostgreSQL")
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="需要 Debian chromium（.ci/run 会安装）")
def test_two_replicas_behind_nginx_share_logins_uploads_writes_and_statistics():
    server = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0]
    result = subprocess.run([sys.executable, "deploy/prove_replicas.py"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PROOF_PG_URL": f"{server}/postgres"}, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "刷新实例" in result.stdout and "两个实例经 nginx 协同工作：通过" in result.stdout
