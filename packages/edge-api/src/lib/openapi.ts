import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app";
import { ApiError, ERROR_DESCRIPTIONS, ERROR_STATUS, type ErrorCode, errorBodySchema } from "./errors";
import { type Page, pageSchema } from "./pagination";
import { parseWith, readBody, readQuery } from "./validate";

/**
 * One place per route: its method, path, request and response schemas, error codes, auth and examples. The
 * handler gets its input parsed with exactly the schemas the document shows (by our own `readBody` /
 * `readQuery`, so text/plain bodies, size limits and the error shape stay ours), and in tests every JSON
 * answer is checked against the declared response and every error code against the declared codes, so the
 * document at `/v1/openapi.json` cannot drift from the handlers.
 */

/** Who may call: a secret key (server), a publishable key from an allowed origin (browser), or anyone. */
export type Auth = "secret" | "publishable" | "session" | "none";

type Schema = z.ZodType;
type ResponseConfig = Exclude<RouteConfig["responses"][string], { $ref: string }>;
type ZodContentObject = NonNullable<ResponseConfig["content"]>;
type ObjectSchema = z.ZodObject | z.ZodPipe;

export interface ResponseSpec {
  description: string;
  /** A JSON body; `content` instead for other media types (the CSV export, a redirect has none). */
  schema?: Schema;
  example?: unknown;
  content?: ZodContentObject;
  headers?: Record<string, { description: string; schema: { type: "string" | "integer" } }>;
}

export interface RouteSpec<
  B extends Schema | undefined,
  Q extends ObjectSchema | undefined,
  P extends ObjectSchema | undefined,
> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Relative to the router's mount point, in OpenAPI form: `/{id}/approve`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  auth: Auth;
  body?: B;
  /** An example request body (every server route with a body has one: the README points here for copy-paste). */
  bodyExample?: z.input<NonNullable<B>>;
  /** The body cap when it is not the API's usual 16 KiB (limitBody in index.ts applies the same figure). */
  bodyLimit?: number;
  query?: Q;
  params?: P;
  /** Takes `Idempotency-Key`: a replay returns the first answer with `Idempotent-Replayed: true`. */
  idempotent?: boolean;
  responses: Record<number, ResponseSpec>;
  /** The codes this route itself may answer; auth, body and query codes are added from the route's shape. */
  errors: readonly ErrorCode[];
}

/** A JSON success answer: its description, schema, and an example the compiler checks against the schema. */
export function jsonResponse<S extends Schema>(description: string, schema: S, example: z.input<S>): ResponseSpec {
  return { description, schema, example };
}

export interface RouteInput<B, Q, P> {
  body: B extends Schema ? z.output<B> : undefined;
  query: Q extends Schema ? z.output<Q> : undefined;
  params: P extends Schema ? z.output<P> : undefined;
}

export const TAGS = {
  tracking: "Browser calls from the tracker and the widget: visits, shares and leads.",
  members: "Members: the customers who refer. Enrolment by signed identity (browser) or by your server.",
  programs: "Your program's settings and its identity secret.",
  keys: "API keys: publishable (browser) and secret (server), created and revoked for rotation.",
  referrals: "Referrals and their status history; conversions from your billing.",
  rewards: "Reward rules, the rewards ledger, payouts, the raffle and the leaderboard.",
  analytics: "Program health for a date range.",
  experiments:
    "A/B experiments: variants of the share message and of the offer, assigned per member, with results per variant.",
  reviews: "The fraud engine's review queue.",
  payouts:
    "Payout runs that pay approved rewards through PayPal, Tremendous or Wise (or account credit), the program's payout settings, and each member's payout method.",
  webhooks:
    "Webhook endpoints, the delivery log and replays. Events are signed per Standard Webhooks; their bodies are in this document's `webhooks` section.",
  integrations: "Billing systems that report conversions for you: Stripe.",
  admins:
    "The dashboard's sign-in and sessions (a session cookie stands in for the secret key on every /v1 route) and the workspace's admins.",
} as const;
export type Tag = keyof typeof TAGS;

const AUTH_ERRORS: Record<Auth, readonly ErrorCode[]> = {
  secret: [
    "unauthorized",
    "invalid_key",
    "key_type_not_allowed",
    "rate_limited",
    "session_expired",
    "csrf_failed",
    "forbidden_role",
    "program_required",
  ],
  publishable: ["unauthorized", "invalid_key", "key_type_not_allowed", "origin_not_allowed", "rate_limited"],
  session: ["unauthorized", "session_expired", "csrf_failed", "forbidden_role", "rate_limited"],
  none: [],
};
const BODY_ERRORS: readonly ErrorCode[] = [
  "invalid_json",
  "validation_failed",
  "payload_too_large",
  "unsupported_media_type",
];
const IDEMPOTENCY_ERRORS: readonly ErrorCode[] = ["bad_request", "idempotency_key_reused", "conflict"];

export const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  secret: [{ secretKey: [] }, { adminSession: [] }],
  publishable: [{ publishableKey: [] }, { publishableKeyQuery: [] }],
  session: [{ adminSession: [] }],
  none: [],
};

/** Every code a route can answer: its own, its auth's, and those of reading its body, query and idempotency key. */
export function routeErrors(spec: RouteSpec<Schema | undefined, ObjectSchema | undefined, ObjectSchema | undefined>) {
  const codes = new Set<ErrorCode>([...AUTH_ERRORS[spec.auth], ...spec.errors, "internal_error"]);
  if (spec.body) for (const code of BODY_ERRORS) codes.add(code);
  if (spec.query) codes.add("validation_failed");
  if (spec.idempotent) for (const code of IDEMPOTENCY_ERRORS) codes.add(code);
  return [...codes];
}

/** The error responses of a list of codes, grouped by the status ERROR_STATUS gives each, one example per code. */
export function errorResponses(codes: readonly ErrorCode[]): RouteConfig["responses"] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: RouteConfig["responses"] = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_DESCRIPTIONS[code]}`).join("\n\n"),
      ...(status === 429 ? { headers: RETRY_AFTER } : {}),
      content: {
        "application/json": {
          schema: errorBodySchema,
          examples: Object.fromEntries(
            list.map((code) => [
              code,
              { summary: code, value: { error: { code, message: ERROR_DESCRIPTIONS[code] } } },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

const RETRY_AFTER = {
  "Retry-After": { description: "Seconds until the limit lets a request through.", schema: { type: "integer" } },
} as const;

const idempotencyHeaders = z.object({
  "Idempotency-Key": z.string().max(255).optional().meta({
    description:
      "Any 1–255 printable ASCII characters, unique per operation (a UUID). A retry with the same key and body returns the first answer (with `Idempotent-Replayed: true`) and does nothing twice; the same key with another body is `idempotency_key_reused`.",
    example: "2f1c7d6e-9a43-4c53-8f0e-0c5c1d6a7b21",
  }),
});

/** The route's OpenAPI operation, as the registry (and so `/v1/openapi.json`) shows it. */
export function toRouteConfig(
  spec: RouteSpec<Schema | undefined, ObjectSchema | undefined, ObjectSchema | undefined>,
): RouteConfig {
  const request: NonNullable<RouteConfig["request"]> = {};
  if (spec.params) request.params = spec.params;
  if (spec.query) request.query = spec.query;
  if (spec.idempotent) request.headers = idempotencyHeaders;
  if (spec.body) {
    const media = { schema: spec.body, ...(spec.bodyExample !== undefined ? { example: spec.bodyExample } : {}) };
    request.body = {
      required: true,
      description:
        spec.auth === "publishable"
          ? "JSON. Browsers may send it as `text/plain` (a CORS simple request, or `navigator.sendBeacon`); it is parsed as JSON either way."
          : "JSON.",
      content:
        spec.auth === "publishable"
          ? { "application/json": media, "text/plain": media }
          : { "application/json": media },
    };
  }
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.schema
        ? {
            content: {
              "application/json": { schema: r.schema, ...(r.example !== undefined ? { example: r.example } : {}) },
            },
          }
        : r.content
          ? { content: r.content }
          : {}),
    };
  }
  if (spec.idempotent) {
    for (const [status, r] of Object.entries(responses)) {
      if (Number(status) < 300) r.headers = { ...REPLAYED, ...(r.headers as object) };
    }
  }
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    security: SECURITY[spec.auth],
    request,
    responses: { ...responses, ...errorResponses(routeErrors(spec)) },
  };
}

const REPLAYED = {
  "Idempotent-Replayed": {
    description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
    schema: { type: "string" as const },
  },
};

/** Declared errors and responses are enforced where the tests run (`VOUCH_ENV` "test"): never in production. */
function checking(c: Context<AppEnv>): boolean {
  return (c.env.VOUCH_ENV as string) === "test";
}

class ContractBroken extends Error {
  override name = "ContractBroken";
}

async function checkResponse(spec: RouteSpec<any, any, any>, res: Response): Promise<void> {
  const declared = spec.responses[res.status];
  if (!declared) throw new ContractBroken(`${spec.operationId} answered ${res.status}, which it does not declare`);
  if (!declared.schema) return;
  const parsed = declared.schema.safeParse(await res.clone().json());
  if (!parsed.success) {
    throw new ContractBroken(
      `${spec.operationId} ${res.status} does not match its declared schema: ${JSON.stringify(parsed.error.issues)}`,
    );
  }
}

/**
 * Defines a route on `app`: registers its operation for the document and its handler, which receives the
 * parsed body, query and path parameters.
 */
export function defineRoute<
  B extends Schema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  P extends ObjectSchema | undefined = undefined,
>(
  app: OpenAPIHono<AppEnv>,
  spec: RouteSpec<B, Q, P>,
  handler: (c: Context<AppEnv>, input: RouteInput<B, Q, P>) => Response | Promise<Response>,
): void {
  app.openAPIRegistry.registerPath(toRouteConfig(spec));
  const declaredErrors = new Set(routeErrors(spec));
  app.on(spec.method.toUpperCase(), spec.path.replaceAll(/\{(\w+)\}/g, ":$1"), async (c) => {
    try {
      const input = {
        params: spec.params ? parseWith(spec.params, c.req.param(), "Path") : undefined,
        query: spec.query ? readQuery(c, spec.query) : undefined,
        body: spec.body ? await readBody(c, spec.body, spec.bodyLimit) : undefined,
      } as RouteInput<B, Q, P>;
      const res = await handler(c, input);
      if (checking(c)) await checkResponse(spec, res);
      return res;
    } catch (err) {
      if (checking(c) && err instanceof ApiError && !declaredErrors.has(err.code)) {
        throw new ContractBroken(`${spec.operationId} answered ${err.code}, which it does not declare`);
      }
      throw err;
    }
  });
}

/**
 * A list route: `GET` with the list's query (`limit`, `cursor` and filters), answering a page of `item`s
 * (`{ data, next_cursor }`). `list` reads the page; `view` turns each row into what the API shows.
 */
export function defineListRoute<Q extends ObjectSchema, Row, Item extends Schema>(
  app: OpenAPIHono<AppEnv>,
  spec: Pick<
    RouteSpec<undefined, Q, undefined>,
    "path" | "operationId" | "tag" | "summary" | "description" | "query"
  > & {
    item: Item;
    example: z.input<Item>;
  },
  list: (c: Context<AppEnv>, query: z.output<Q>) => Promise<Page<Row>>,
  view: (row: Row, c: Context<AppEnv>) => z.input<Item>,
): void {
  const { item, example, ...operation } = spec;
  defineRoute(
    app,
    {
      ...operation,
      method: "get",
      auth: "secret",
      responses: {
        200: {
          description: "A page of the list.",
          schema: pageSchema(item),
          example: { data: [example], next_cursor: null },
        },
      },
      errors: ["bad_request"],
    },
    async (c, { query }) => {
      const { page, next_cursor } = await list(c, query as z.output<Q>);
      return c.json({ data: page.map((row) => view(row, c)), next_cursor });
    },
  );
}
