import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** Every setting a process reads, from the environment, with the defaults a local run needs. */
const schema = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres:postgres@127.0.0.1:5433/usher'),
  APP_DATABASE_URL: z.string().url().optional(),
  APP_DATABASE_PASSWORD: z.string().min(8).default('usher_app_local'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('usher'),
  API_PORT: port.default(3000),
  API_WORKERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .meta({ description: 'API processes sharing API_PORT (node:cluster)' }),
  REALTIME_PORT: port.default(3001),
  REALTIME_ALLOW_JS_FALLBACK: z.stringbool().default(false).meta({
    description:
      "Let the realtime server run on uWebSockets.js's slow JavaScript fallback when no native build loads (else it refuses to start)",
  }),
  PUBLIC_API_URL: z.string().url().optional(),
  REALTIME_PUBLIC_URL: z.string().url().optional().meta({
    description:
      'The realtime server as browsers reach it (ws:// or wss://), for the stream viewer page; default ws://<the page host>:REALTIME_PORT',
  }),
  TOKEN_SECRET: z.string().min(32).default('usher-local-development-token-secret-change-me'),
  CUSTOMER_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86400).default(900),
  PAYMENT_PROVIDER: z.enum(['offline', 'stripe']).default('offline'),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_API_URL: z.string().url().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  PAYMENT_TIMEOUT_S: z.coerce.number().int().min(1).default(1800),
  OUTBOX_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(16)
    .meta({ description: 'Outbox rows each worker dispatches at once' }),
  SMTP_URL: z
    .string()
    .url()
    .optional()
    .meta({ description: 'smtp://user:pass@host:port; unset logs e-mails instead of sending' }),
  MAIL_FROM: z.string().default('Usher <no-reply@usher.local>'),
  // Wallet passes. PEM values are a file path or the PEM text itself; unset means the wallet endpoints answer 503.
  APPLE_PASS_TYPE_ID: z.string().optional().meta({ description: 'pass.com.example.tickets' }),
  APPLE_TEAM_ID: z.string().optional(),
  APPLE_SIGNER_CERT: z.string().optional(),
  APPLE_SIGNER_KEY: z.string().optional(),
  APPLE_SIGNER_KEY_PASSPHRASE: z.string().optional(),
  APPLE_WWDR_CERT: z.string().optional(),
  APNS_KEY: z.string().optional().meta({ description: 'The .p8 token signing key (path or PEM)' }),
  APNS_KEY_ID: z.string().optional(),
  APNS_TEAM_ID: z.string().optional().meta({ description: 'Defaults to APPLE_TEAM_ID' }),
  APNS_URL: z.string().url().default('https://api.push.apple.com'),
  APNS_CA_CERT: z.string().optional().meta({ description: 'Extra CA to trust for APNS_URL (a local stand-in)' }),
  APNS_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  WALLET_PUSH_BATCH_SIZE: z.coerce.number().int().min(1).max(10000).default(1000),
  WALLET_PUSH_PARALLEL_BATCHES: z.coerce.number().int().min(1).max(50).default(4),
  WALLET_PUSH_RETRY_ROUNDS: z.coerce.number().int().min(0).max(10).default(3),
  WALLET_PUSH_RETRY_DELAY_S: z.coerce.number().min(0).max(3600).default(30),
  GOOGLE_WALLET_ISSUER_ID: z.string().optional(),
  GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: z.string().optional(),
  GOOGLE_WALLET_PRIVATE_KEY: z
    .string()
    .optional()
    .meta({ description: 'The service account key (path or PKCS#8 PEM)' }),
  GOOGLE_WALLET_API_URL: z.string().url().default('https://walletobjects.googleapis.com/walletobjects/v1'),
  GOOGLE_OAUTH_TOKEN_URL: z.string().url().default('https://oauth2.googleapis.com/token'),
  WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(10_000),
  WEBHOOK_RETRY_MAX_INTERVAL_MS: z.coerce.number().int().min(10).default(3_600_000),
  WEBHOOK_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(25 * 3_600_000),
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(20),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_ALLOW_PRIVATE_URLS: z.stringbool().default(false).meta({
    description: 'Let webhook URLs reach private, loopback and link-local addresses (local development only)',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STREAMING_MEDIA_DIR: z.string().default('.data/media').meta({
    description: 'Where the native media server writes HLS (live and replay); the API serves it token-gated',
  }),
  STREAMING_RTMP_PORT: port.default(1935),
  STREAMING_RTMP_URL: z.string().default('rtmp://127.0.0.1:1935/live').meta({
    description: 'The RTMP ingest URL organisers publish to (native streams)',
  }),
  FFMPEG_PATH: z.string().default('/usr/bin/ffmpeg'),
  MUX_TOKEN_ID: z.string().optional().meta({ description: 'Mux API access token (the mux streaming provider)' }),
  MUX_TOKEN_SECRET: z.string().optional(),
  MUX_API_URL: z.string().url().default('https://api.mux.com'),
  MUX_SIGNING_KEY_ID: z
    .string()
    .optional()
    .meta({ description: 'Mux signing key id: the kid of signed playback tokens' }),
  MUX_SIGNING_KEY: z.string().optional().meta({ description: 'Its RSA private key, PEM or base64 of the PEM' }),
  MUX_WEBHOOK_SECRET: z.string().optional(),
});

export type Config = z.infer<typeof schema> & { appDatabaseUrl: string; publicApiUrl: string };

export const APP_DB_ROLE = 'usher_app';

/** The application's own role: neither superuser nor table owner, so row-level security binds it. */
export function appDatabaseUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_DB_ROLE;
  url.password = password;
  return url.toString();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    ...c,
    appDatabaseUrl: c.APP_DATABASE_URL ?? appDatabaseUrl(c.DATABASE_URL, c.APP_DATABASE_PASSWORD),
    publicApiUrl: c.PUBLIC_API_URL ?? `http://127.0.0.1:${c.API_PORT}`,
  };
}
