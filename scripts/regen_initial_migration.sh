#!/usr/bin/env bash
# Until the first release the history is one initial revision, regenerated from the models.
# After the first release, add revisions with: .venv/bin/alembic revision --autogenerate -m "..."
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
# Keep the old revision aside so a failed generation leaves the history as it was.
mv migrations/versions/0001_initial.py "$tmp/0001_initial.py.bak" 2>/dev/null || true
if ! PYTHONPATH=. HEALTHNET_DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic revision \
    --autogenerate --rev-id 0001 -m "initial" >/dev/null; then
  mv "$tmp/0001_initial.py.bak" migrations/versions/0001_initial.py 2>/dev/null || true
  echo "migration generation failed; previous revision restored" >&2
  exit 1
fi
.venv/bin/ruff format -q migrations/versions/ || true
rm -rf "$tmp"
echo "migrations/versions/0001_initial.py regenerated"
