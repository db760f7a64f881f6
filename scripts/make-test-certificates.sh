#!/usr/bin/env bash
# Makes a throw-away certificate authority and a server certificate signed by it, for TLS runs on
# loopback (the fan-out benchmark, the soak's TLS variant, the mDNS check). Never commit the output.
#
#   scripts/make-test-certificates.sh FOLDER
#
# Writes FOLDER/ca.pem (the CA to trust), FOLDER/server.pem (the server certificate, then the CA's:
# a chain) and FOLDER/server.key (unencrypted). EC P-256 keys, valid 2 days, the server's names
# 127.0.0.1 and localhost. Needs the openssl command.
set -euo pipefail
folder=${1:?usage: $0 FOLDER}
mkdir -p "$folder"
cd "$folder"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=Broker Run-Time CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.leaf.pem 2>/dev/null
cat server.leaf.pem ca.pem >server.pem
rm -f server.csr server.ext server.leaf.pem ca.srl
