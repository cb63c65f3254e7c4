# The lookup buffer walker (test/service/lookup-wine.test.ts): a mingw-w64
# program run under Wine reads WSALookupServiceNext results at their real
# addresses. .ci/run installs mingw-w64 and wine64; 32-bit Wine runs the x86
# walker. Without either, the suite skips with one line saying why.
if command -v wine >/dev/null && command -v x86_64-w64-mingw32-gcc >/dev/null && command -v i686-w64-mingw32-gcc >/dev/null; then
  if ! dpkg -s wine32 >/dev/null 2>&1 && [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ]; then
    { dpkg --add-architecture i386 && apt_updated=0 && apt_install wine32:i386; } || echo "!! wine32 could not be installed: the x86 lookup walker will fail to start"
  fi
  export RNRKIT_TEST_WINE=1
else
  echo "!! wine or mingw-w64 missing: the lookup Wine walker is skipped"
fi
