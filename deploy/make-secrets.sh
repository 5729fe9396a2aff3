#!/usr/bin/env bash
# The secrets of a containerised cluster (Docker Compose, Kubernetes), made once on the operator's machine:
#   DIR/ca.crt                         cluster CA certificate (public)
#   DIR/ca.key                         cluster CA key: keep it off the cluster (needed only to issue and renew)
#   DIR/node.p12, DIR/node.password    the nodes' certificate (identity = issued by the CA; one for every node)
#   DIR/gateway.p12, gateway.password  the gateway's certificate
#   DIR/redis.password, redis-users.acl  the Redis password of user "antinex" and the ACL file (hash only)
#   DIR/model.key                      the key every node signs and verifies stored models with
#
#   bash deploy/make-secrets.sh deploy/secrets        # for deploy/docker-compose.yml
#   bash deploy/make-secrets.sh deploy/k8s/secrets    # for kubectl apply -k deploy/k8s (secretGenerator)
#   bash deploy/make-secrets.sh DIR renew             # new node and gateway certificates, same CA and Redis password
#
# DIR is 0700. Its files are 0644 because container runtimes mount them with the host file's mode and the containers
# run as a non-root user; the directory's mode keeps other users of the host out.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/deploy/lib/redis-acl.sh"
dir=${1:?usage: make-secrets.sh DIR [renew]}
mkdir -p "$dir"; chmod 700 "$dir"

bash "$REPO/deploy/certs.sh" init "$dir"
if [ "${2:-}" = renew ]; then
  bash "$REPO/deploy/certs.sh" renew "$dir" node; bash "$REPO/deploy/certs.sh" renew "$dir" gateway
else
  # SANs are informational (members check the issuer, not host names); pods and containers are reached by IP.
  bash "$REPO/deploy/certs.sh" issue "$dir" node seed
  bash "$REPO/deploy/certs.sh" issue "$dir" gateway
fi
if [ ! -s "$dir/redis.password" ]; then (umask 077; openssl rand -hex 32 >"$dir/redis.password"); fi
if [ ! -s "$dir/model.key" ]; then (umask 077; openssl rand -base64 48 >"$dir/model.key"); fi
redis_acl_file antinex "$(tr -d '\n' <"$dir/redis.password" | sha256sum | cut -d' ' -f1)" >"$dir/redis-users.acl"
chmod 644 "$dir"/*.p12 "$dir"/*.password "$dir/redis-users.acl" "$dir/ca.crt" "$dir/model.key"
chmod 600 "$dir/ca.key"
echo "secrets in $dir (CA key $dir/ca.key: move it off the machine that runs the cluster if you can)"
