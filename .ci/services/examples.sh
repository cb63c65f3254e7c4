# The examples of README.md and docs/ (test/docs/examples.test.ts): some
# console sessions prepare their input with jq; without it they are skipped.
if ! command -v jq >/dev/null 2>&1; then
  echo "== installing jq (the docs' console sessions)"
  apt_install jq || echo "!! jq could not be installed: the docs sessions that use it are skipped"
fi
