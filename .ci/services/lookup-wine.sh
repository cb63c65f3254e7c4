# The lookup buffer walker (test/service/lookup-wine.test.ts): a mingw-w64
# program run under Wine reads WSALookupServiceNext results at their real
# addresses, x64 and x86. .ci/run installs mingw-w64 and Wine; wine.sh adds
# wine32 for the x86 walker. Without them the suite skips with one line.
if command -v wine >/dev/null && command -v x86_64-w64-mingw32-gcc >/dev/null && command -v i686-w64-mingw32-gcc >/dev/null; then
  export RNRKIT_TEST_WINE=1
else
  echo "!! wine or mingw-w64 missing: the lookup Wine walker is skipped"
fi
