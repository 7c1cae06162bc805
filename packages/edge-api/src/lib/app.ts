import { OpenAPIHono } from "@hono/zod-openapi";
import type { Program } from "../programs/service";

export interface AppVariables {
  program: Program;
  keyId: string;
  /** Present on browser routes: the request's Origin once it has been checked against the program. */
  origin?: string;
  /** Who acts on a server route: a secret key is the deployment's owner credential; a session has its admin's role. */
  role?: "owner" | "admin" | "viewer";
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

/**
 * Every router is an `OpenAPIHono<AppEnv>` made here, so bindings and variables are typed the same way, and the
 * operations its routes define (src/lib/openapi.ts) join the app's document when it is mounted.
 */
export function router() {
  return new OpenAPIHono<AppEnv>();
}
