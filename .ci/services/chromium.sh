# The inspector's browser suite (test/browser): Debian's Chromium, headless,
# driven by playwright-core. Exports RNRKIT_CHROMIUM (the browser binary).
chromium_bin=$(command -v chromium || true)
if [ -z "$chromium_bin" ]; then
  echo "== installing chromium (the inspector's browser suite)"
  apt_install chromium || true
  chromium_bin=$(command -v chromium || true)
fi
if [ -n "$chromium_bin" ]; then
  export RNRKIT_CHROMIUM="$chromium_bin"
  echo "browser suite on: $("$chromium_bin" --version 2>/dev/null || echo "$chromium_bin")"
else
  echo "!! chromium could not be installed: the browser suite (test/browser) is skipped"
fi
