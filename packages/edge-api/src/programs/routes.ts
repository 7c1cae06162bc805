import { forgetProgram } from "../auth/keys";
import { router } from "../lib/app";
import { ApiError } from "../lib/errors";
import { readBody } from "../lib/validate";
import { currentRuleset } from "../rewards/rules";
import { DEFAULT_MESSAGE } from "./create";
import { updateProgramSchema } from "./schema";
import { getProgram, publicProgram } from "./service";

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
