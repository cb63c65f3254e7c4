# A throwaway Samba AD DC for the LDAP suites (test/service/directory-*.test.ts, ldap-*.test.ts):
# provisioned in a temporary folder, on its own loopback address, stopped however CI ends.
# Exports RNRKIT_TEST_AD (the JSON line of `scripts/ad-dc up`).
if ! command -v samba >/dev/null || ! command -v samba-tool >/dev/null || ! command -v ldapsearch >/dev/null; then
  echo "== installing samba, ldap-utils (Active Directory DC for the LDAP suites)"
  apt_install samba ldap-utils winbind krb5-user openssl || true
fi
if command -v samba >/dev/null && command -v samba-tool >/dev/null && command -v ldapsearch >/dev/null; then
  ad_dc_dir=$(mktemp -d "${TMPDIR:-/tmp}/rnrkit-ad-dc.XXXXXX")
  on_exit "scripts/ad-dc down '$ad_dc_dir'; rm -rf '$ad_dc_dir'"
  if ad_dc_line=$(scripts/ad-dc up "$ad_dc_dir"); then
    export RNRKIT_TEST_AD="$ad_dc_line"
    echo "AD DC up: $(printf '%s' "$ad_dc_line" | sed 's/"password": "[^"]*"/"password": "…"/g')"
  else
    echo "!! the AD DC did not start: the LDAP suites are skipped"
  fi
else
  echo "!! samba/ldap-utils unavailable: the LDAP suites are skipped"
fi

# Two DCs of one domain in network namespaces, for the replication test (RNRKIT_TEST_AD_PAIR).
if command -v samba >/dev/null && command -v ip >/dev/null && [ "$(id -u)" = 0 ]; then
  ad_pair_dir=$(mktemp -d "${TMPDIR:-/tmp}/rnrkit-ad-pair.XXXXXX")
  on_exit "scripts/ad-dc-pair down '$ad_pair_dir'; rm -rf '$ad_pair_dir'"
  if ad_pair_line=$(scripts/ad-dc-pair up "$ad_pair_dir"); then
    export RNRKIT_TEST_AD_PAIR="$ad_pair_line"
    echo "AD DC pair up (replication test on)"
  else
    echo "!! the DC pair did not start (network namespaces unavailable?): the replication test is skipped"
  fi
else
  echo "!! the DC pair needs root, iproute2 and samba: the replication test is skipped"
fi
