#!/bin/sh
# gen-certs.sh DIR: a throw-away test CA and server certificates (openssl), made fresh by
# each test run and never committed:
#   ca.crt            the test CA (the sandbox adds it to the system bundle); a ca.crt and
#                     ca.key already in DIR are kept (the qemu guest has its CA baked in)
#   s3.crt/s3.key     for the S3 names (s3.amazonaws.com, *.s3.amazonaws.com,
#                     s3.us-east-1.amazonaws.com, *.s3.us-east-1.amazonaws.com) and 127.0.0.1
#   rogue-ca.crt, rogue.crt/rogue.key   the same names, signed by a CA nobody trusts
set -eu
d=$1
mkdir -p "$d"
cd "$d"
names="DNS:s3.amazonaws.com,DNS:*.s3.amazonaws.com,DNS:s3.us-east-1.amazonaws.com,DNS:*.s3.us-east-1.amazonaws.com,DNS:localhost,IP:127.0.0.1"
mk() { # CA-NAME LEAF-NAME
	[ -f "$1.crt" ] && [ -f "$1.key" ] ||
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ecs-bootstrap $1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$1.key" -out "$1.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=s3.us-east-1.amazonaws.com" -keyout "$2.key" -out "$2.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$names" > "$2.ext"
	openssl x509 -req -in "$2.csr" -CA "$1.crt" -CAkey "$1.key" -CAcreateserial -days 2 -extfile "$2.ext" \
		-out "$2.crt" 2>/dev/null
}
mk ca s3
mk rogue-ca rogue
