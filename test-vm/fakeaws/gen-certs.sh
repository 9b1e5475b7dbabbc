#!/bin/sh
# gen-certs.sh DIR [ecs|partitions|registry]: a throw-away test CA and server certificates (openssl), made fresh by
# each test run and never committed:
#   ca.crt            the test CA (the sandbox adds it to the system bundle); a ca.crt and
#                     ca.key already in DIR are kept (the qemu guest has its CA baked in)
#   s3.crt/s3.key     for the S3 names (s3.amazonaws.com, *.s3.amazonaws.com,
#                     s3.us-east-1.amazonaws.com, *.s3.us-east-1.amazonaws.com) and 127.0.0.1
#   rogue-ca.crt, rogue.crt/rogue.key   the same names, signed by a CA nobody trusts
#   ecs.crt/ecs.key   only with "ecs" (which makes only this, signed by the ca.crt in DIR):
#                     for the ECS names (ecs.us-east-1.amazonaws.com and the hosts the fake's
#                     DiscoverPollEndpoint names: ecs-a-1 (ACS), ecs-t-1 (telemetry) and
#                     ecs-sc-1 (Service Connect) .us-east-1.amazonaws.com) and 127.0.0.2
#   part.crt/part.key only with "partitions" (likewise): S3 in the other partitions' names,
#                     s3.cn-north-1.amazonaws.com.cn and s3.us-gov-west-1.amazonaws.com with
#                     their buckets' wildcards, and 127.0.0.3
#   registry-ca.crt, registry.crt/registry.key   only with "registry": a registry named
#                     public.ecr.aws (and 127.0.0.4), signed by a CA of its own that only
#                     Docker's certs.d trusts (not in the system bundle)
set -eu
d=$1
mkdir -p "$d"
cd "$d"
s3names="DNS:s3.amazonaws.com,DNS:*.s3.amazonaws.com,DNS:s3.us-east-1.amazonaws.com,DNS:*.s3.us-east-1.amazonaws.com,DNS:localhost,IP:127.0.0.1"
partnames="DNS:s3.cn-north-1.amazonaws.com.cn,DNS:*.s3.cn-north-1.amazonaws.com.cn,DNS:s3.us-gov-west-1.amazonaws.com,DNS:*.s3.us-gov-west-1.amazonaws.com,IP:127.0.0.3"
ecsnames="DNS:ecs.us-east-1.amazonaws.com,DNS:ecs-a-1.us-east-1.amazonaws.com,DNS:ecs-t-1.us-east-1.amazonaws.com,DNS:ecs-sc-1.us-east-1.amazonaws.com,IP:127.0.0.2"
mk() { # CA-NAME LEAF-NAME [CN NAMES]
	[ -f "$1.crt" ] && [ -f "$1.key" ] ||
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ecs-bootstrap $1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$1.key" -out "$1.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=${3:-s3.us-east-1.amazonaws.com}" -keyout "$2.key" -out "$2.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "${4:-$s3names}" > "$2.ext"
	openssl x509 -req -in "$2.csr" -CA "$1.crt" -CAkey "$1.key" -CAcreateserial -days 2 -extfile "$2.ext" \
		-out "$2.crt" 2>/dev/null
}
if [ "${2:-}" = ecs ]; then
	mk ca ecs ecs.us-east-1.amazonaws.com "$ecsnames"
elif [ "${2:-}" = registry ]; then
	mk registry-ca registry public.ecr.aws "DNS:public.ecr.aws,IP:127.0.0.4"
elif [ "${2:-}" = partitions ]; then
	mk ca part s3.cn-north-1.amazonaws.com.cn "$partnames"
else
	mk ca s3
	mk rogue-ca rogue
fi
