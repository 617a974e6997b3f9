#!/usr/bin/env bash
# Makes a SoftHSM2 test token in a private directory, as a Vietnamese CA would issue it:
#   - keys generated ON the token (RSA-2048 id 01, ECDSA P-256 id 02), never exported; one ECDSA
#     P-384 key (id 05) imported, because Debian 12's pkcs11-tool cannot read back a P-384 public key;
#   - certificates from a throw-away test CA with the Vietnamese subject profile
#     (UID=MST:/CCCD:, CN, O, ST, C=VN, diacritics), stored under the key's CKA_ID;
#   - unusable certificates for negative tests: id 03 expired, id 04 without signing key usage.
# Needs: softhsm2, opensc (pkcs11-tool), openssl, faketime (to issue the already-expired one).
# Usage: make-token.sh OUT_DIR   (prints nothing on success; OUT_DIR/token.env describes the token)
set -euo pipefail
out=${1:?usage: make-token.sh OUT_DIR}
module=${KYSO_SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
label=${KYSO_TOKEN_LABEL:-kyso-test}
pin=${KYSO_TOKEN_PIN:-123456}
so_pin=12345678
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$out" && mkdir -p "$out/tokens" "$out/work"
out=$(cd "$out" && pwd)
w=$out/work
cat >"$out/softhsm2.conf" <<CONF
directories.tokendir = $out/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF=$out/softhsm2.conf
p11() { pkcs11-tool --module "$module" --token-label "$label" "$@" >/dev/null 2>"$w/p11.err" || { cat "$w/p11.err" >&2; return 1; }; }

softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$pin" >/dev/null

# Test CA (software key: it stands for the CA's HSM, which is not the user's token).
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$out/ca.key" -out "$out/ca.pem" -days 3650 \
  -utf8 -subj "/C=VN/O=kyso thử nghiệm/CN=kyso Test Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue_imported ID CURVE SUBJECT EXTFILE DAYS: a key made by openssl, imported with its certificate.
issue_imported() {
  local id=$1 curve=$2 subject=$3 ext=$4 days=$5
  openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" -out "$w/$id.key" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$w/$id.key" -outform DER -out "$w/$id.p8.der"
  openssl req -new -key "$w/$id.key" -out "$w/$id.csr" -utf8 -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$w/$id.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -days "$days" \
    -set_serial "0x$(openssl rand -hex 8)" -extfile "$here/$ext" -out "$out/cert-$id.pem" 2>/dev/null
  openssl x509 -in "$out/cert-$id.pem" -outform DER -out "$out/cert-$id.der"
  p11 --login --pin "$pin" --write-object "$w/$id.p8.der" --type privkey --id "$id" --label "key-$id"
  p11 --login --pin "$pin" --write-object "$out/cert-$id.der" --type cert --id "$id" --label "cert-$id"
}

# issue ID KEYSPEC SUBJECT EXTFILE START_OFFSET DAYS  (the certificate starts START_OFFSET from now)
issue() {
  local id=$1 keyspec=$2 subject=$3 ext=$4 start=$5 days=$6
  p11 --login --pin "$pin" --keypairgen --key-type "$keyspec" --id "$id" --label "key-$id"
  p11 --read-object --type pubkey --id "$id" -o "$w/$id.pub.der"
  openssl pkey -pubin -inform DER -in "$w/$id.pub.der" -out "$w/$id.pub.pem" 2>/dev/null
  # A CSR needs a private key; the token's key never leaves it, so sign a placeholder CSR and
  # let the CA force the token's public key into the certificate.
  openssl req -new -newkey rsa:2048 -nodes -keyout "$w/dummy.key" -out "$w/$id.csr" -utf8 -subj "$subject" 2>/dev/null
  faketime -f "$start" openssl x509 -req -in "$w/$id.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -force_pubkey "$w/$id.pub.pem" -days "$days" -set_serial "0x$(openssl rand -hex 8)" \
    -extfile "$here/$ext" -out "$out/cert-$id.pem" 2>/dev/null
  openssl x509 -in "$out/cert-$id.pem" -outform DER -out "$out/cert-$id.der"
  p11 --login --pin "$pin" --write-object "$out/cert-$id.der" --type cert --id "$id" --label "cert-$id"
}

issue 01 rsa:2048 "/C=VN/ST=Hà Nội/L=Quận Ba Đình/CN=Nguyễn Văn Ân/UID=CCCD:001099012345" signing.ext -1h 730
issue 02 EC:prime256v1 "/C=VN/ST=Thành phố Hồ Chí Minh/O=Công ty TNHH Ký Số Việt/CN=Công ty TNHH Ký Số Việt/UID=MST:0312345678" signing.ext -1h 365
issue 03 EC:prime256v1 "/C=VN/ST=Đà Nẵng/CN=Trần Thị Hết Hạn/UID=CCCD:048199000111" signing.ext -400d 370
issue_imported 05 P-384 "/C=VN/ST=Cần Thơ/O=Sở Tư pháp/title=Chuyên viên/CN=Đặng Minh Khôi/UID=CCCD:092199000555" signing.ext 365
issue 04 EC:prime256v1 "/C=VN/ST=Huế/CN=Lê Văn Mã Hoá/UID=CCCD:046199000222" encipherment.ext -1h 365

cat >"$out/token.env" <<ENV
SOFTHSM2_CONF=$out/softhsm2.conf
KYSO_PKCS11_MODULE=$module
KYSO_TOKEN_LABEL=$label
KYSO_TOKEN_PIN=$pin
ENV
rm -rf "$w"
