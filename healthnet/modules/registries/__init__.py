"""Public-health registries (R1–R7, R10–R12) as data: the ten program files of
``metadata/programs/*.yaml`` run by the program engine (``healthnet.core.programs``,
decision 0015). This module holds no capture code of its own — the engine's API
(``/api/v1/programs``) serves every registry; the module contributes the program files, the
loader ``healthnet setup`` and the demo call, and the console's registry menu entries.
"""

from healthnet.core.manifest import Manifest, MenuEntry
from healthnet.modules.registries import messages as _messages  # noqa: F401  (menu titles)

MANIFEST = Manifest(
    key="registries",
    depends=(),
    menu=(
        MenuEntry("menu.registries.worklist", "/registries/worklist", "programs:enrolment:read"),
        MenuEntry("menu.registries.programs", "/registries/programs", "programs:enrolment:read"),
        MenuEntry("menu.registries.transfers", "/registries/transfers", "programs:enrolment:read"),
        MenuEntry(
            "menu.registries.indicators", "/registries/indicators", "programs:indicator:read"
        ),
    ),
)
