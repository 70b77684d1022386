#!/bin/sh
# HELK's ElastAlert entrypoint: `helk-sigma ...` runs HELK's Sigma converter (helk rules); anything
# else goes to upstream's run.sh (create the writeback index, then ElastAlert) as before.
if [ "${1:-}" = helk-sigma ]; then
  shift
  exec helk-sigma "$@"
fi
exec /opt/elastalert/run.sh "$@"
