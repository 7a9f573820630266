"""gunicorn settings for the notifications api. Clients are made after fork (preload_app stays off)."""
import os

bind = os.environ.get("NOTIFICATIONS_BIND", f"127.0.0.1:{os.environ.get('NOTIFICATIONS_PORT', '8003')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
preload_app = False
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
