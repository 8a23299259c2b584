import client from 'prom-client';

/** The API process's Prometheus metrics, served on /metrics. */
export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry });
export const httpDuration = new client.Histogram({
  name: 'usher_http_request_duration_seconds',
  help: 'API request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
