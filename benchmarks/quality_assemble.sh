#!/usr/bin/env bash
# benchmarks/QUALITY.md from its generated parts: the bundled datasets
# (quality.sh), the real tables and every algorithm on them (real_tables.sh),
# then the notes.
set -euo pipefail
cd "$(dirname "$0")"
{
    cat QUALITY.bundled.md
    [ -f QUALITY.real.md ] && { echo; cat QUALITY.real.md; }
    [ -f QUALITY.every.md ] && { echo; cat QUALITY.every.md; }
    [ -f QUALITY.notes.md ] && { echo; cat QUALITY.notes.md; }
} > QUALITY.md
echo "wrote benchmarks/QUALITY.md"
