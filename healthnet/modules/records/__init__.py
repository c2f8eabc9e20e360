"""Shared health record (共享健康档案, requirements R8/R9/B3/B5): the clinical data hospitals send
over FHIR R4 or bulk files — encounters, diagnoses, medication orders, lab results, exam reports,
documents, immunizations — keyed to the master patient index.

Public functions for other modules: :mod:`healthnet.modules.records.service`
(``medications_since``, ``tests_since``). FHIR R4 endpoint: ``/fhir/R4`` (see ``fhir/``).
"""

from healthnet.core.manifest import Manifest, MenuEntry

MANIFEST = Manifest(
    key="records",
    router="healthnet.modules.records.api:router",
    prefix="/records",
    depends=(),
    permissions={
        "records:import:write": ("批量导入诊疗数据", "Bulk import clinical records"),
        # Retrieval (调阅) and break-the-glass review: records/access.py, records/api_retrieval.py.
        "records:record:read": ("调阅居民健康档案", "Read residents' shared health records"),
        "records:breakglass:review": ("审核紧急调阅", "Review emergency (break-the-glass) access"),
    },
    menu=(
        MenuEntry("menu.records.search", "/records/search", "records:record:read"),
        MenuEntry("menu.records.break_glass", "/records/break-glass", "records:breakglass:review"),
    ),
    # Home page: emergency accesses waiting for review (H2, retrieval).
    todos="healthnet.modules.records.retrieval.todos:todos",
)
