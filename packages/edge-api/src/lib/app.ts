import { Hono } from "hono";
import type { Program } from "../programs/service";

export interface AppVariables {
  program: Program;
  keyId: string;
  /** Present on browser routes: the request's Origin once it has been checked against the program. */
  origin?: string;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

/** Every router is a `Hono<AppEnv>` made here, so bindings and variables are typed the same way. */
export function router() {
  return new Hono<AppEnv>();
}
