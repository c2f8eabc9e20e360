#!/usr/bin/env bash
# Until the first release the history is one initial revision, regenerated from the models.
# After the first release, add revisions with: .venv/bin/alembic revision --autogenerate -m "..."
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial.py
HEALTHNET_DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic revision --autogenerate \
  --rev-id 0001 -m "initial" >/dev/null
mv migrations/versions/0001_initial.py migrations/versions/0001_initial.py 2>/dev/null || true
.venv/bin/ruff format -q migrations/versions/ || true
rm -rf "$tmp"
echo "migrations/versions/0001_initial.py regenerated"
