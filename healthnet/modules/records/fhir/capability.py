"""The CapabilityStatement at ``/fhir/R4/metadata``: exactly what this endpoint supports."""

from __future__ import annotations

from typing import Any

from healthnet import __version__
from healthnet.modules.records.fhir import search
from healthnet.modules.records.fhir.reads import SUPPORTED

_PARAM_TYPES = {
    "patient": "reference",
    "subject": "reference",
    "encounter": "reference",
    "date": "date",
    "code": "token",
    "type": "token",
    "vaccine-code": "token",
    "class": "token",
    "identifier": "token",
}


def capability_statement(base: str) -> dict[str, Any]:
    resources = []
    for rtype in SUPPORTED:
        params = [{"name": "_id", "type": "token"}]
        params += [{"name": p, "type": _PARAM_TYPES[p]} for p in search.PARAMS[rtype]]
        entry: dict[str, Any] = {
            "type": rtype,
            # Writes only through transaction/batch Bundles (rest.interaction below).
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "versioning": "no-version",
            "searchParam": params,
        }
        if rtype == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-26",
        "publisher": "HealthNet 城市健康信息网",
        "kind": "instance",
        "software": {"name": "HealthNet", "version": __version__},
        "implementation": {"description": "HealthNet 共享健康档案 FHIR R4 接口", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "写入只通过 transaction 或 batch Bundle（POST 到根地址），"
                    "按业务标识（identifier，否则 id）幂等；"
                    "检索参数另有 _count（0–200，0 只返回总数）、_sort=date|-date、"
                    "_offset（分页链接携带）。临床资源检索须指定 patient 或 _id。"
                ),
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": (
                        "OAuth 2.0 client credentials；读取需 fhir.read，上传需 fhir.write。"
                    ),
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "searchParam": [
                    {"name": "_count", "type": "number"},
                    {"name": "_sort", "type": "string"},
                    {"name": "_offset", "type": "number"},
                ],
            }
        ],
    }
