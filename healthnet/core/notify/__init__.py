"""Notification inbox and channels (站内消息).

Slices and modules tell staff about things that need them (a chronic patient seen in a city
hospital, an alert to review) with :func:`healthnet.core.notify.service.send` or
:func:`~healthnet.core.notify.service.send_to_role`. Every message lands in the recipient's
inbox; other channels (SMS) are delivered through the job outbox, so a failing gateway is
retried. Each signed-in user reads only their own inbox: no permission is involved.
"""

from healthnet.core.manifest import Manifest
from healthnet.core.notify import messages as _messages  # noqa: F401  (registers the catalogue)

MANIFEST = Manifest(
    key="notify",
    router="healthnet.core.notify.api:router",
    prefix="/notify",
    todos="healthnet.core.notify.todos:todos",
)
