"""Business modules, one folder per domain, all shaped alike (see docs/dev/adding-a-module.md)."""
