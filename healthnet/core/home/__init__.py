"""The console's home page: the signed-in user's to-do items, gathered from every slice that
declares a ``todos`` provider in its MANIFEST."""

from healthnet.core.manifest import Manifest

MANIFEST = Manifest(key="home", router="healthnet.core.home.api:router", prefix="/home")
