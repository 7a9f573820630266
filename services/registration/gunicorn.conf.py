"""gunicorn settings for the registration api. Clients are made after fork (preload_app stays off)."""
import os

bind = os.environ.get("REGISTRATION_BIND", f"127.0.0.1:{os.environ.get('REGISTRATION_PORT', '8001')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Door screens wait in a long poll (web/door_push.py), each holding a thread: at most half of them.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
preload_app = False
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
