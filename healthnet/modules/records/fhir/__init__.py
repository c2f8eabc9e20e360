"""FHIR R4 exchange of the shared health record: Bundles in, read/search/$everything out.

See ``docs/decisions/0011-fhir.md`` for the choices (R4B models, systems, mapping, paging).
"""
