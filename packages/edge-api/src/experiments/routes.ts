import { router } from "../lib/app";
import { defineListRoute, defineRoute, jsonResponse } from "../lib/openapi";
import { experimentBodyExample, experimentExample, experimentResultsExample } from "../openapi/examples";
import { RULESET_BODY_LIMIT_BYTES } from "../rewards/schema";
import {
  createExperimentSchema,
  experimentParams,
  experimentResponseSchema,
  experimentResultsSchema,
  experimentViewSchema,
  listExperimentsQuery,
} from "./schema";
import {
  createExperiment,
  type ExperimentRow,
  endExperiment,
  experimentResults,
  experimentView,
  getExperiment,
  listExperiments,
  type VariantRow,
  variantsOf,
} from "./service";

/** `/v1/experiments`: A/B tests of the share message and the offer (src/experiments). */
export const experimentRoutes = router();

const experimentResponse = jsonResponse("The experiment.", experimentResponseSchema, { experiment: experimentExample });

defineRoute(
  experimentRoutes,
  {
    method: "post",
    path: "/",
    operationId: "createExperiment",
    tag: "experiments",
    summary: "Start an experiment: two or more variants of the message and the offer",
    description:
      "Starts at once. Each member is assigned a variant, by weight, the first time the widget or the member portal shows them the program (deterministically: a hash of experiment and member id), and keeps it. A variant's `message` replaces the program's share message for its members; its `rules` (as `PUT /v1/reward-rules`) pay their referrals while the experiment runs. One experiment runs per program at a time. Variants cannot be edited: end the experiment and start another. Up to 64 KiB.",
    auth: "secret",
    body: createExperimentSchema,
    bodyLimit: RULESET_BODY_LIMIT_BYTES,
    bodyExample: experimentBodyExample,
    responses: { 201: { ...experimentResponse, description: "The running experiment." } },
    errors: ["experiment_running"],
  },
  async (c, { body }) => {
    const { row, variants } = await createExperiment(c.env.DB, c.get("program").id, body);
    return c.json({ experiment: experimentView(row, variants) }, 201);
  },
);

defineListRoute(
  experimentRoutes,
  {
    path: "/",
    operationId: "listExperiments",
    tag: "experiments",
    summary: "List experiments, newest first",
    query: listExperimentsQuery,
    item: experimentViewSchema,
    example: experimentExample,
  },
  async (c, query) => {
    const page = await listExperiments(c.env.DB, c.get("program").id, query);
    const variants = await variantsOf(
      c.env.DB,
      page.page.map((e) => e.id),
    );
    return { ...page, page: page.page.map((row) => ({ row, variants: variants.get(row.id) ?? [] })) };
  },
  (item: { row: ExperimentRow; variants: VariantRow[] }) => experimentView(item.row, item.variants),
);

defineRoute(
  experimentRoutes,
  {
    method: "get",
    path: "/{id}",
    operationId: "getExperiment",
    tag: "experiments",
    summary: "One experiment with its variants",
    auth: "secret",
    params: experimentParams,
    responses: { 200: experimentResponse },
    errors: ["experiment_not_found"],
  },
  async (c, { params }) => {
    const { row, variants } = await getExperiment(c.env.DB, c.get("program").id, params.id);
    return c.json({ experiment: experimentView(row, variants) });
  },
);

defineRoute(
  experimentRoutes,
  {
    method: "post",
    path: "/{id}/end",
    operationId: "endExperiment",
    tag: "experiments",
    summary: "End the experiment; every reward earned under it is kept",
    description:
      "Members go back to the program's message and rules for whatever happens next; rewards their referrals earned under a variant's rules stay as they are (nothing is recomputed). Ending an ended experiment changes nothing.",
    auth: "secret",
    params: experimentParams,
    responses: { 200: { ...experimentResponse, description: "The ended experiment." } },
    errors: ["experiment_not_found"],
  },
  async (c, { params }) => {
    const { row, variants } = await endExperiment(c.env.DB, c.get("program").id, params.id);
    return c.json({ experiment: experimentView(row, variants) });
  },
);

defineRoute(
  experimentRoutes,
  {
    method: "get",
    path: "/{id}/results",
    operationId: "getExperimentResults",
    tag: "experiments",
    summary: "Results per variant, and which one leads (two-proportion z-test)",
    description:
      "Per variant: members exposed, their shares, visits, leads and conversions from their exposure until the experiment ended (or now), and the money rewards those referrals earned, by currency. Conversion rate = members with at least one converted referral ÷ members exposed. `comparison` tests the leader against the runner-up with a pooled two-proportion z-test (two-sided); `readout` says it in words.",
    auth: "secret",
    params: experimentParams,
    responses: {
      200: jsonResponse("The results.", experimentResultsSchema, experimentResultsExample),
    },
    errors: ["experiment_not_found"],
  },
  async (c, { params }) => c.json(await experimentResults(c.env.DB, c.get("program").id, params.id)),
);
