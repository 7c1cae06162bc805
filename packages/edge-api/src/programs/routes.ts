import { forgetProgram } from "../auth/keys";
import { fraudRulesSchema, mergeFraudRules } from "../fraud/schema";
import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { parseWith, readBody } from "../lib/validate";
import { currentRuleset } from "../rewards/rules";
import { DEFAULT_MESSAGE } from "./create";
import { isOriginAllowed, originOf } from "./origins";
import { rotateIdentitySecretSchema, updateProgramSchema } from "./schema";
import { getProgram, publicProgram, rotateIdentitySecret } from "./service";

export const programRoutes = router();

programRoutes.get("/", async (c) => {
  const program = c.get("program");
  return c.json({ program: publicProgram(program, await currentRuleset(c.env.DB, program.id)) });
});

programRoutes.patch("/", async (c) => {
  const input = await readBody(c, updateProgramSchema);
  const id = c.get("program").id;
  const sets: string[] = [];
  const params: (string | number | null)[] = [];
  const set = (column: string, value: string | number | null) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (input.name !== undefined) set("name", input.name);
  if (input.landing_url !== undefined) set("landing_url", input.landing_url);
  if (input.program_page_url !== undefined) set("program_page_url", input.program_page_url);
  if (input.allowed_origins !== undefined) set("allowed_origins", JSON.stringify(input.allowed_origins));
  if (input.test_mode !== undefined) set("test_mode", input.test_mode ? 1 : 0);
  if (input.block_same_domain !== undefined) set("block_same_domain", input.block_same_domain ? 1 : 0);
  // Both name the override ("" or null: say what the rules pay); offer_text is the older spelling.
  const offerOverride = input.offer_text_override !== undefined ? input.offer_text_override : input.offer_text;
  if (offerOverride !== undefined) set("offer_text", offerOverride ?? "");
  if (input.brand_color !== undefined) set("brand_color", input.brand_color);
  if (input.message_template !== undefined) set("message_template", input.message_template || DEFAULT_MESSAGE);
  if (input.attribution?.model !== undefined) set("attribution_model", input.attribution.model);
  if (input.attribution?.window_days !== undefined) set("attribution_window_days", input.attribution.window_days);
  if (input.attribution?.param_names !== undefined) set("param_names", JSON.stringify(input.attribution.param_names));
  if (input.require_signature_timestamp !== undefined) {
    set("require_signature_timestamp", input.require_signature_timestamp ? 1 : 0);
  }
  const current = c.get("program");
  if (input.fraud_rules !== undefined) {
    const merged = parseWith(
      fraudRulesSchema,
      mergeFraudRules(current.fraudRules, input.fraud_rules),
      "Request body",
      "fraud_rules",
    );
    set("fraud_rules", JSON.stringify(merged));
  }
  // /r/ redirects to the landing page and the tracker runs there: it must be on an allowed origin.
  const landing = input.landing_url ?? current.landingUrl;
  const origins = input.allowed_origins ?? current.allowedOrigins;
  const landingOrigin = originOf(landing);
  if (!landingOrigin || !isOriginAllowed(landingOrigin, origins)) {
    throw new ApiError("validation_failed", "The landing page must be on one of the program's allowed origins.", [
      {
        path: "landing_url",
        message: `Add ${landingOrigin ?? landing} to allowed_origins, or use a page on one of them`,
      },
    ]);
  }
  if (sets.length === 0) {
    throw new ApiError("validation_failed", "Send at least one setting to change.", [
      { path: "", message: "No known setting in the body" },
    ]);
  }
  await c.env.DB.prepare(`UPDATE programs SET ${sets.join(", ")} WHERE id = ?`)
    .bind(...params, id)
    .run();
  forgetProgram(id);
  const [program, ruleset] = await Promise.all([getProgram(c.env.DB, id), currentRuleset(c.env.DB, id)]);
  return c.json({ program: publicProgram(program, ruleset) });
});

/**
 * Rotates the identity secret: the new one is shown once; the old one keeps verifying signatures and JWTs
 * for `grace_hours` (default 72; 0 ends it now) while the host deploys the new one. Audited.
 */
programRoutes.post("/identity-secret/rotate", async (c) => {
  const { grace_hours } = await readBody(c, rotateIdentitySecretSchema);
  const rotated = await rotateIdentitySecret(c.env.DB, c.get("program"), grace_hours, c.get("keyId"));
  forgetProgram(c.get("program").id);
  return c.json(rotated, 201);
});
