#!/usr/bin/env bash
# Generates throw-away certificates for TLS tests into DIR (never committed):
#   ca.crt/ca.key          test CA
#   server.crt/server.key  server certificate for localhost / 127.0.0.1
#   client.crt/client.key  client certificate signed by the CA (CN emr-test)
#   rogue.crt/rogue.key    self-signed client certificate the CA never signed
# Usage: make_certs.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj "/CN=Medius Test CA" 2>/dev/null

sign() {  # name cn extensions
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out "$1.crt" -days 2 -extfile "$1.ext" 2>/dev/null
}
sign server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
sign client emr-test "extendedKeyUsage=clientAuth"

key rogue.key
openssl req -x509 -new -key rogue.key -out rogue.crt -days 2 -subj "/CN=rogue" 2>/dev/null
rm -f ./*.csr ./*.ext ./*.srl
