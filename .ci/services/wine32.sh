# 32-bit Wine for the x86 minidump fixtures (scripts/fixtures-dumps.ts runs a
# 32-bit target and dumper in a default prefix, which runs both widths).
# Nothing here exports a variable: npm test reads the committed dumps; only
# the fixture drift step needs 32-bit Wine, and it says so when it is missing.
if command -v dpkg >/dev/null && ! dpkg -s wine32:i386 >/dev/null 2>&1; then
  echo "== installing wine32:i386 (the x86 minidump fixtures)"
  _sudo=""; [ "$(id -u)" = 0 ] || _sudo="sudo"
  if $_sudo dpkg --add-architecture i386 && $_sudo apt-get update -qq && apt_install wine32:i386; then
    echo "wine32 installed"
  else
    echo "!! wine32:i386 could not be installed: npm run fixtures cannot regenerate the x86 minidumps"
  fi
  unset _sudo
fi
