"""The built web console (``web/dist``): static files, the SPA history fallback, the H5 pages.

:func:`install` makes it the app's last resort: it answers only requests no route matched, so
it can never shadow /api, /fhir, /oidc, /.well-known or the health checks.
"""

from healthnet.core.webui.files import install

__all__ = ["install"]
