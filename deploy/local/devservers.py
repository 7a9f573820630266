"""The development SMTP server and SMS gateway (deploy/devservers/) as runner components."""

from __future__ import annotations

import os
import socket
import urllib.parse
import urllib.request

from . import paths
from .component import Component

HOST = "127.0.0.1"
SMTP_PORT = 2525
MAIL_API_PORT = 8025
SMS_PORT = 8026
SOURCE = paths.REPO / "deploy" / "devservers"


def smtp_component(external: tuple[str, int] | None) -> Component:
    """Our dev SMTP server, or the (host, port) of the caller's own mail server."""
    if external:
        host, port = external
        return Component(name="smtp", group="infra", address=f"smtp://{host}:{port}", command=list,
                         ready=lambda: _smtp_greets(host, port), external=f"smtp://{host}:{port}",
                         ready_timeout=30)
    return Component(
        name="smtp", group="infra",
        address=f"smtp://{HOST}:{SMTP_PORT} api http://{HOST}:{MAIL_API_PORT}",
        command=lambda: [paths.venv_python(), str(SOURCE / "smtp_server.py"), "--host", HOST,
                         "--smtp-port", str(SMTP_PORT), "--http-port", str(MAIL_API_PORT),
                         "--data-dir", str(paths.DATA / "mail")],
        ready=lambda: _smtp_greets(HOST, SMTP_PORT) and _http_ok(f"http://{HOST}:{MAIL_API_PORT}/api/messages"),
        ports=[(HOST, SMTP_PORT), (HOST, MAIL_API_PORT)],
        env=lambda: dict(os.environ, PYTHONUNBUFFERED="1"), ready_timeout=30,
    )


def sms_component(url_from_env: str | None) -> Component:
    """Our dev SMS gateway, or the caller's gateway at url_from_env (only its port is probed:
    a real gateway has no read API)."""
    if url_from_env:
        u = urllib.parse.urlsplit(url_from_env)
        port = u.port or (443 if u.scheme == "https" else 80)
        return Component(name="sms", group="infra", address=url_from_env, command=list,
                         ready=lambda: _port_open(u.hostname, port), external=url_from_env,
                         ready_timeout=30)
    return Component(
        name="sms", group="infra", address=f"http://{HOST}:{SMS_PORT}",
        command=lambda: [paths.venv_python(), str(SOURCE / "sms_gateway.py"), "--host", HOST,
                         "--port", str(SMS_PORT), "--data-dir", str(paths.DATA / "sms")],
        ready=lambda: _http_ok(f"http://{HOST}:{SMS_PORT}/api/messages"),
        ports=[(HOST, SMS_PORT)],
        env=lambda: dict(os.environ, PYTHONUNBUFFERED="1"), ready_timeout=30,
    )


def _smtp_greets(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.settimeout(2)
            greeting = s.recv(512)
            s.sendall(b"QUIT\r\n")
            return greeting.startswith(b"220")
    except OSError:
        return False


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False
