#!/usr/bin/env bash
# npm run fixtures: regenerate every committed fixture from its C source with
# the real toolchain. Each generator is deterministic, so CI can run this in
# a clean checkout and fail on any difference (git diff).
# A generator that needs wine64 skips itself with a message where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx scripts/abi-fixtures.ts
npx tsx scripts/fixtures-codec.ts
npx tsx scripts/fixtures-dumps.ts
