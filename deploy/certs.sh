#!/usr/bin/env bash
# The cluster's certificates, made with openssl: one cluster CA, and per member (node or gateway) a PKCS#12 file with
# its certificate and key plus a file holding that PKCS#12's password. Members accept only certificates issued by this
# CA (mutual TLS on akka.tcp). Every secret file is created 0600; the CA certificate (ca.crt) is public.
#
#   bash deploy/certs.sh init DIR                     create the CA in DIR (ca.key, ca.crt) unless it exists
#   bash deploy/certs.sh issue DIR NAME [SAN...]      DIR/NAME.p12 + DIR/NAME.password, unless they exist
#                                                     (SAN: extra DNS names or IP addresses, e.g. node-1.example 10.0.0.5)
#   bash deploy/certs.sh renew DIR NAME|all [SAN...]  a new key and certificate for NAME (or every member), same files
#   bash deploy/certs.sh show DIR                     subject, issuer and validity of every certificate in DIR
#
# Settings: ANTINEX_CERT_DAYS (member validity, 365), ANTINEX_CA_DAYS (3650).
# Members read the files at start: after a renewal, restart them one at a time (deploy/cluster.sh stop K; restart K).
set -euo pipefail
umask 077

MEMBER_DAYS="${ANTINEX_CERT_DAYS:-365}"
CA_DAYS="${ANTINEX_CA_DAYS:-3650}"

fail() { printf 'certs.sh: %s\n' "$*" >&2; exit 1; }
command -v openssl >/dev/null || fail "openssl is not installed (sudo apt-get install openssl)"

init_ca() {
  local dir=$1
  mkdir -p "$dir"
  # The certificate alone is enough: its key may have been moved off this machine, as it should be. A new CA here would
  # lock every member out (their certificates name the old one).
  [ -f "$dir/ca.crt" ] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" -days "$CA_DAYS" -subj "/O=AntiNex/CN=AntiNex cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 "$dir/ca.key"; chmod 644 "$dir/ca.crt"
  echo "certs     cluster CA created: $dir/ca.crt (keep $dir/ca.key secret: whoever holds it can mint members)"
}

# issue_member DIR NAME [SAN...]: a P-256 key, a certificate for server and client use signed by the CA, packed
# into NAME.p12 under a random password stored in NAME.password.
issue_member() {
  local dir=$1 name=$2; shift 2
  [ -f "$dir/ca.key" ] || fail "no CA in $dir: run 'certs.sh init $dir' first"
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || fail "member name '$name': letters, digits, '.', '_' and '-' only"
  local san="DNS:$name,DNS:localhost,IP:127.0.0.1" extra tmp
  for extra in "$@"; do
    if [[ "$extra" =~ ^[0-9.]+$|: ]]; then san="$san,IP:$extra"; else san="$san,DNS:$extra"; fi
  done
  tmp=$(mktemp -d)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout "$tmp/key.pem" -out "$tmp/req.csr" -subj "/O=AntiNex/CN=$name" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyAgreement" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" >"$tmp/ext.cnf"
  openssl x509 -req -in "$tmp/req.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 12)" \
    -days "$MEMBER_DAYS" -sha256 -extfile "$tmp/ext.cnf" -out "$tmp/cert.pem" 2>/dev/null
  openssl rand -hex 24 >"$tmp/password"
  openssl pkcs12 -export -inkey "$tmp/key.pem" -in "$tmp/cert.pem" -name "$name" \
    -passout "file:$tmp/password" -out "$tmp/member.p12"
  # Replace both files together: a member never reads a new .p12 with an old password.
  mv -f "$tmp/password" "$dir/$name.password"; mv -f "$tmp/member.p12" "$dir/$name.p12"
  chmod 600 "$dir/$name.p12" "$dir/$name.password"
  rm -rf "$tmp"
  echo "certs     $name: $dir/$name.p12 (valid $MEMBER_DAYS days; password in $dir/$name.password)"
}

show() {
  local dir=$1 f
  [ -f "$dir/ca.crt" ] || fail "no CA in $dir: run 'certs.sh init $dir' first"
  for f in "$dir"/ca.crt; do openssl x509 -in "$f" -noout -subject -enddate | sed "s#^#$(basename "$f"): #"; done
  for f in "$dir"/*.p12; do
    [ -e "$f" ] || continue
    openssl pkcs12 -in "$f" -passin "file:${f%.p12}.password" -nokeys -clcerts 2>/dev/null |
      openssl x509 -noout -subject -issuer -enddate | sed "s#^#$(basename "$f"): #"
  done
}

main() {
  local cmd=${1:-}; shift || true
  case "$cmd" in
    init) [ $# -ge 1 ] || fail "usage: certs.sh init DIR"; init_ca "$1" ;;
    issue)
      [ $# -ge 2 ] || fail "usage: certs.sh issue DIR NAME [SAN...]"
      local dir=$1 name=$2; shift 2
      if [ -f "$dir/$name.p12" ] && [ -f "$dir/$name.password" ]; then return 0; fi
      issue_member "$dir" "$name" "$@" ;;
    renew)
      [ $# -ge 2 ] || fail "usage: certs.sh renew DIR NAME|all [SAN...]"
      local dir=$1 name=$2 f; shift 2
      if [ "$name" = all ]; then
        for f in "$dir"/*.p12; do [ -e "$f" ] && issue_member "$dir" "$(basename "$f" .p12)" "$@"; done
      else issue_member "$dir" "$name" "$@"; fi ;;
    show) [ $# -ge 1 ] || fail "usage: certs.sh show DIR"; show "$1" ;;
    -h|--help|help|"") sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) fail "unknown command '$cmd' (init, issue, renew, show)" ;;
  esac
}

main "$@"
