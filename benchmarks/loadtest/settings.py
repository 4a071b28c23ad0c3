"""Production settings, unchanged, with the collected static files kept out of the checkout.

The load test serves the app with `config.settings.production` exactly as deployed (DEBUG off,
HTTPS redirect, HSTS, secure `__Host-` cookies, WhiteNoise's manifest storage). The deployment
puts a TLS-terminating proxy in front of gunicorn; on loopback the load test plays that proxy's
part by sending `X-Forwarded-Proto: https` (which `SECURE_PROXY_SSL_HEADER` trusts), so nothing
here turns any hardening off. The one change: `collectstatic` writes to LOADTEST_STATIC_ROOT
(under the git-ignored benchmarks/results/) rather than the checkout's `staticfiles/`.
"""

from pathlib import Path

from config.settings.production import *  # noqa: F403
from config.settings.production import BASE_DIR, env

STATIC_ROOT = Path(
    env(
        "LOADTEST_STATIC_ROOT",
        default=str(BASE_DIR / "benchmarks" / "results" / "loadtest" / "static"),
    )
)
