"""gunicorn settings for the matching api. Clients are made after fork (preload_app stays off)."""
import os

bind = f"{os.environ.get('MATCHING_HOST', '127.0.0.1')}:{os.environ.get('MATCHING_PORT', '8002')}"
workers = int(os.environ.get("MATCHING_WEB_CONCURRENCY", os.environ.get("WEB_CONCURRENCY", "2")))
threads = int(os.environ.get("MATCHING_WEB_THREADS", "4"))
worker_class = "gthread"
preload_app = False
timeout = 30
graceful_timeout = 20
accesslog = None
errorlog = "-"
