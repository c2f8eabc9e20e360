"""The duplicate-order prompts: every rule about them, and the API other modules use.

Public functions: :func:`run_check` (the check at order time), :func:`respond`,
:func:`get_check`, :func:`statistics`, :func:`load_rules` and the rule CRUD functions.
"""

from healthnet.modules.alerts.service.checks import (
    get_check,
    message,
    present_check,
    present_prompt,
    respond,
    run_check,
)
from healthnet.modules.alerts.service.rules import (
    LoadReport,
    active_drug_rules,
    active_item_rules,
    atc_class_name,
    create_drug_rule,
    create_item_rule,
    delete_drug_rule,
    delete_item_rule,
    get_drug_rule,
    get_item_rule,
    list_drug_rules,
    list_item_rules,
    load_rules,
    read_rules_file,
    update_drug_rule,
    update_item_rule,
)
from healthnet.modules.alerts.service.stats import statistics

__all__ = [
    "LoadReport",
    "active_drug_rules",
    "active_item_rules",
    "atc_class_name",
    "create_drug_rule",
    "create_item_rule",
    "delete_drug_rule",
    "delete_item_rule",
    "get_check",
    "get_drug_rule",
    "get_item_rule",
    "list_drug_rules",
    "list_item_rules",
    "load_rules",
    "message",
    "present_check",
    "present_prompt",
    "read_rules_file",
    "respond",
    "run_check",
    "statistics",
    "update_drug_rule",
    "update_item_rule",
]
