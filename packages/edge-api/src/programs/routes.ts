import { forgetProgram } from "../auth/keys";
import { router } from "../lib/app";
import { readBody } from "../lib/validate";
import { currentRuleset } from "../rewards/rules";
import { rotateIdentitySecretSchema, updateProgramSchema } from "./schema";
import { getProgram, publicProgram, rotateIdentitySecret, updateProgram } from "./service";

export const programRoutes = router();

programRoutes.get("/", async (c) => {
  const program = c.get("program");
  return c.json({ program: publicProgram(program, await currentRuleset(c.env.DB, program.id)) });
});

programRoutes.patch("/", async (c) => {
  const input = await readBody(c, updateProgramSchema);
  const id = await updateProgram(c.env.DB, c.get("program"), input);
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
