import { router } from "../lib/app";
import { readBody } from "../lib/validate";
import { currentRulesRow, rulesetView, ruleVersion, ruleVersions, saveRuleset } from "./rules";
import { putRulesetSchema, RULESET_BODY_LIMIT_BYTES } from "./schema";

/** `GET/PUT /v1/reward-rules`: the program's rules; every change is a new version. */
export const rewardRuleRoutes = router();

rewardRuleRoutes.get("/", async (c) => {
  const program = c.get("program");
  return c.json({ rules: rulesetView(program.id, await currentRulesRow(c.env.DB, program.id)) });
});

rewardRuleRoutes.put("/", async (c) => {
  const program = c.get("program");
  const { expected_version, ...config } = await readBody(c, putRulesetSchema, RULESET_BODY_LIMIT_BYTES);
  const { row, created } = await saveRuleset(c.env.DB, program.id, config, expected_version);
  return c.json({ rules: rulesetView(program.id, row), created }, created ? 201 : 200);
});

rewardRuleRoutes.get("/versions", async (c) => {
  const program = c.get("program");
  const rows = await ruleVersions(c.env.DB, program.id);
  return c.json({ data: rows.map((r) => rulesetView(program.id, r)) });
});

rewardRuleRoutes.get("/versions/:version", async (c) => {
  const program = c.get("program");
  const row = await ruleVersion(c.env.DB, program.id, c.req.param("version"));
  return c.json({ rules: rulesetView(program.id, row) });
});
