#!/usr/bin/python3
# Healthcheck for the monitoring containers: exit 0 when URL answers 2xx within 3 s.
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
        sys.exit(0 if 200 <= r.status < 300 else 1)
except Exception as e:  # noqa: BLE001 - any failure is "unhealthy"
    print(e, file=sys.stderr)
    sys.exit(1)
