import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

/*
 * What a new user follows must be true: the deploy snippets work for any stage, examples read the
 * same locally and deployed, and the figures quoted are the measured ones.
 */
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = (title: string) => {
  const from = readme.indexOf(title);
  const next = readme.indexOf("\n## ", from + title.length);
  return readme.slice(from, next < 0 ? undefined : next);
};

test("deploy snippets take the stage ($STAGE), never a hard-coded one, and name the outputs the stack has", () => {
  const deploy = section("## Deploying to AWS");
  const code = [...deploy.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
  expect(code).toContain("export STAGE=");
  expect(code).toContain('--stack-name "TaskNotifier-$STAGE"');
  expect(code).not.toMatch(/TaskNotifier-dev\b/);
  for (const output of ["ApiUrl", "ClientApiKeyId", "AdminApiKeyId", "TwelveLabsKeySecretName", "TopicArn"])
    expect(code).toContain(output);
  // Prod's teardown gives the termination-protection command.
  expect(deploy).toContain("update-termination-protection --no-enable-termination-protection");
  // Costs are per stage.
  expect(deploy).toMatch(/\*\*per stage\*\*/);
});

test("examples read $NOTIFIER/<route> in both modes: no braced form without the slash left", () => {
  expect(readme).not.toContain(["$", "{NOTIFIER}tasks"].join(""));
  expect(readme).not.toMatch(/ending in `\/v1\/`/);
  expect(readme).toContain("$NOTIFIER/tasks");
});

test("the bundle size quoted is the one bench/results/latest.md measured", () => {
  const results = readFileSync(new URL("../../bench/results/latest.md", import.meta.url), "utf8");
  const measured = /\| api \| bundled \(shipped\) \| (\d+) KiB/.exec(results)?.[1];
  const quoted = /KiB to the (\d+) KiB api bundle/.exec(readme)?.[1];
  expect(measured).toBeDefined();
  expect(quoted).toBe(measured);
});
