#!/usr/bin/env python3
"""Writes docs/grafana-dashboard.json: python3 docs/grafana-dashboard.py > docs/grafana-dashboard.json

Edit the panels here rather than the JSON; e2e/metrics_test.go checks that every
metric the dashboard queries is exposed after a scripted scenario."""
import json
ds = {"type": "prometheus", "uid": "${datasource}"}
panels = []
def panel(title, exprs, unit, desc, w=12):
    pid = len(panels) + 1
    x = 0 if (pid % 2) else 12
    if w == 24: x = 0
    panels.append({
        "id": pid, "type": "timeseries", "title": title, "description": desc, "datasource": ds,
        "gridPos": {"h": 8, "w": w, "x": x, "y": 8 * ((pid - 1) // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "multi"}},
        "targets": [{"refId": chr(65 + i), "datasource": ds, "expr": e, "legendFormat": l} for i, (e, l) in enumerate(exprs)],
    })
panel("Requests by route and status", [('sum by (route, code) (rate(ferry_http_request_duration_seconds_count[5m]))', "{{code}} {{route}}")], "reqps",
      "Every API, hosting and console request, by the route pattern that matched and the status code.")
panel("Server errors (5xx) by route", [('sum by (route) (rate(ferry_http_request_duration_seconds_count{code=~"5.."}[5m]))', "{{route}}")], "reqps",
      "What failed on Ferry's side; the access log's correlationId finds each one.")
panel("Request latency p95 by route", [('histogram_quantile(0.95, sum by (le, route) (rate(ferry_http_request_duration_seconds_bucket[5m])))', "{{route}}")], "s",
      "95th percentile of request duration.")
panel("Imports in flight", [('sum(ferry_imports_in_flight)', "all instances"), ('ferry_imports_in_flight', "{{instance}}")], "short",
      "Imports fetching or storing right now, against --import-workers.")
panel("Queue depth", [('max by (status) (ferry_tasks{status=~"PENDING|PROCESSING"})', "{{status}}")], "short",
      "Tasks waiting (PENDING) and running or waiting to retry (PROCESSING), read from the database (every instance reports the same count).")
panel("Tasks finished by outcome", [('sum by (kind, status, category) (rate(ferry_tasks_finished_total[5m]))', "{{kind}} {{status}} {{category}}")], "short",
      "Tasks that ended: COMPLETE, or CANCELED with the error category.")
panel("Task duration by outcome (p50, p95)", [
    ('histogram_quantile(0.5, sum by (le, kind, status) (rate(ferry_task_duration_seconds_bucket[5m])))', "p50 {{kind}} {{status}}"),
    ('histogram_quantile(0.95, sum by (le, kind, status) (rate(ferry_task_duration_seconds_bucket[5m])))', "p95 {{kind}} {{status}}")], "s",
      "From request to end, queueing and retries included.")
panel("Bytes fetched, stored and served", [
    ('sum(rate(ferry_import_bytes_fetched_total[5m]))', "fetched from origins"),
    ('sum(rate(ferry_blob_bytes_stored_total[5m]))', "stored in blobs"),
    ('sum(rate(ferry_http_response_bytes_total{route=~"GET /hubfs/.*|.*/files/\\\\{fileId\\\\}/\\\\{sub\\\\.\\\\.\\\\.\\\\}"}[5m]))', "served (hosting, download)")], "Bps",
      "Import traffic in, blob writes, and file bytes out.")
panel("Fetch failures by error code", [('sum by (code) (rate(ferry_import_fetch_failures_total[5m]))', "{{code}}")], "short",
      "Failed import attempts, retried ones included; docs/fetch-errors.md explains each code.")
panel("Database and blob errors", [
    ('sum(rate(ferry_database_errors_total[5m]))', "database"),
    ('sum by (op) (rate(ferry_blob_errors_total[5m]))', "blob {{op}}")], "short",
      "Failed statements and blob operations; the server's error log says which.")
panel("Webhook deliveries", [
    ('sum by (outcome) (rate(ferry_webhook_delivery_attempts_total[5m]))', "{{outcome}}"),
    ('histogram_quantile(0.95, sum by (le) (rate(ferry_webhook_delivery_lag_seconds_bucket[5m])))', "p95 lag (s)")], "short",
      "Delivery attempts by outcome, and how long after its event the 95th percentile attempt was made (docs/webhooks.md).")
panel("Memory and goroutines", [
    ('process_resident_memory_bytes', "RSS {{instance}}"),
    ('go_goroutines', "goroutines {{instance}}")], "short", "The process itself.")
dash = {
    "title": "Ferry", "uid": "ferry-overview", "schemaVersion": 39, "version": 1, "editable": True,
    "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "tags": ["ferry"],
    "description": "What Ferry is doing and what failed: requests, imports, the task queue, bytes, errors. Metrics: docs/metrics.md.",
    "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"}]},
    "panels": panels,
}
print(json.dumps(dash, indent=2))
