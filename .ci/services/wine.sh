# Windows suite (test/windows): x64 and x86 Windows Node under Wine.
# Sourced by .ci/run. Needs wine64 and wine32 (the i386 architecture) and
# mingw-w64 (.ci/run installs it); the Windows Node packages are fetched by
# the suite itself from the npm registry into .cache/.
wine_ready=1
if ! command -v wine >/dev/null; then
  apt_install wine64 || wine_ready=0
fi
if [ "$wine_ready" = 1 ] && ! dpkg -s wine32:i386 >/dev/null 2>&1; then
  echo "== installing wine32 (x86 Windows processes)"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd dpkg --add-architecture i386 || true
  apt_updated=0 # the new architecture needs a fresh package list
  apt_install wine32:i386 || echo "!! wine32 could not be installed: the x86 Windows suite will say it cannot run"
fi
if [ "$wine_ready" = 1 ] && command -v wine >/dev/null; then
  export RNRKIT_WINDOWS_SUITE=1
  echo "Windows suite on: $(wine --version)"
else
  echo "!! wine could not be installed: the Windows suite (test/windows) is skipped"
fi
