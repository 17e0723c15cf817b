import { CURRENTLY_RECOMMENDED_FLAGS } from "aws-cdk-lib/cx-api";
import { expect, test } from "vitest";
import { appContext } from "../support/cdk.js";

// `cdk synth` counts the feature flags cdk.json leaves unset ("85 feature flags are not configured"):
// every flag this aws-cdk-lib recommends is set, to the recommended value.
test("cdk.json sets every recommended feature flag to its recommended value, and keeps the CLI offline", () => {
  const context = appContext();
  const unset = Object.entries(CURRENTLY_RECOMMENDED_FLAGS).filter(
    ([flag, value]) => JSON.stringify(context[flag]) !== JSON.stringify(value),
  );
  expect(unset).toEqual([]);
  expect(context["cli-telemetry"]).toBe(false);
});
