#!/bin/sh
# Generates the Python modules medius_client.py imports, with Debian's protoc
# and grpc_python_plugin (apt-get install protobuf-compiler
# protobuf-compiler-grpc), into OUT_DIR (default: ./gen beside this script):
#
#   OUT_DIR/medius/v1/*_pb2.py, assessment_service_pb2_grpc.py   (medius.v1)
#   OUT_DIR/google/rpc/status_pb2.py, error_details_pb2.py       (google.rpc)
#   OUT_DIR/grpc_health/v1/health_pb2.py, health_pb2_grpc.py     (grpc.health.v1)
#
# The health protocol is generated from a copy at grpc_health/v1/health.proto,
# not from grpc/health/v1/health.proto: generated code is placed by the
# .proto's path, and a package named `grpc` would collide with grpcio's own
# `grpc` module (README.md). The copy keeps the proto package
# grpc.health.v1, so the wire names (/grpc.health.v1.Health/Check) are the
# standard ones.
#
# Usage: generate.sh [OUT_DIR]
# Env: MEDIUS_PROTO_DIR (default: the repository's proto/),
#      GRPC_PYTHON_PLUGIN (default: grpc_python_plugin on PATH).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
proto=${MEDIUS_PROTO_DIR:-$here/../../../proto}
out=${1:-$here/gen}
plugin=${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || echo /usr/bin/grpc_python_plugin)}
mkdir -p "$out"

# medius.v1: the API. Import root proto/.
protoc -I "$proto" --python_out="$out" "$proto"/medius/v1/*.proto
protoc -I "$proto" --plugin=protoc-gen-grpc_python="$plugin" \
  --grpc_python_out="$out" "$proto/medius/v1/assessment_service.proto"

# google.rpc: the error details. Import root proto/vendor/. (Debian's `google`
# is a namespace package, so google.rpc sits beside google.protobuf.)
protoc -I "$proto/vendor" --python_out="$out" \
  "$proto/vendor/google/rpc/status.proto" "$proto/vendor/google/rpc/error_details.proto"

# grpc.health.v1: from a copy under grpc_health/ (the layout the
# grpcio-health-checking package uses too).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/grpc_health/v1"
cp "$proto/vendor/grpc/health/v1/health.proto" "$stage/grpc_health/v1/health.proto"
protoc -I "$stage" --python_out="$out" --plugin=protoc-gen-grpc_python="$plugin" \
  --grpc_python_out="$out" "$stage/grpc_health/v1/health.proto"
