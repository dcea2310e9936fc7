#!/usr/bin/env bash
# Submits COUNT render jobs to the part.io API with curl and polls each one
# until it is done, PARALLELISM jobs at a time. partio-bench compares
# `terraform apply` of the same jobs with this script.
#
# Usage: curl_batch.sh COUNT PARALLELISM POLL_INTERVAL_SECONDS MAX_POLLS
#
# PARTIO_ENDPOINT and PARTIO_TOKEN must be set. Job number i renders the
# same description as partio_render_job.city["city-<i>"] of partio-bench:
# one Maps node whose position and output name are city-<i>. After
# submitting, each job waits POLL_INTERVAL_SECONDS (a decimal number)
# before every status request, and gives up after MAX_POLLS requests. The
# script prints the id of every done job and exits non-zero if any job
# fails.
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 COUNT PARALLELISM POLL_INTERVAL_SECONDS MAX_POLLS" >&2
  exit 2
fi
count=$1
parallelism=$2
export poll_interval=$3 max_polls=$4
: "${PARTIO_ENDPOINT:?set PARTIO_ENDPOINT to the API address}"
: "${PARTIO_TOKEN:?set PARTIO_TOKEN to the API token}"

# The token goes to curl in a header file, so that it never shows up in the
# process list.
header_file=$(mktemp)
trap 'rm -f "$header_file"' EXIT
printf 'Authorization: Bearer %s\n' "$PARTIO_TOKEN" >"$header_file"
export header_file

# render_one submits job number $1 and polls it until it is done.
render_one() {
  local key body response id poll
  key=$(printf 'city-%03d' "$1")
  body=$(printf '{"nodes":[{"id":"map","type":"Maps","inputs":{},"params":{"duration":"00:00:30","position":"%s"}}],"output":{"type":"mp4","test":true,"fps":25,"width":640,"height":360,"duration":"00:00:30","name":"%s","node":"map"}}' "$key" "$key")
  response=$(curl -sS --fail -H @"$header_file" -H 'Content-Type: application/json' \
    --data-binary "$body" "$PARTIO_ENDPOINT/job")
  id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$response")
  if [[ -z $id ]]; then
    echo "$key: no job id in the response: $response" >&2
    return 1
  fi

  for ((poll = 1; poll <= max_polls; poll++)); do
    sleep "$poll_interval"
    response=$(curl -sS --fail -H @"$header_file" "$PARTIO_ENDPOINT/job?id=$id")
    case $response in
      *'"status":"done"'*)
        echo "$id"
        return 0
        ;;
      *'"status":"queued"'*) ;;
      *)
        echo "job $id: unexpected status response: $response" >&2
        return 1
        ;;
    esac
  done
  echo "job $id: not done after $max_polls status requests" >&2
  return 1
}
export -f render_one

seq 0 $((count - 1)) | xargs -P "$parallelism" -I '{}' bash -c 'render_one "$1"' _ '{}'
