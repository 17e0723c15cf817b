import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { esbuildOptions } from "./bundling.js";

/*
 * `npm run build` (run by `npm pack` through prepack): the package's contents under dist/.
 * - dist/bundles/<function>/index.mjs: each Lambda function bundled as the stack bundles it
 *   (infra/bundling.ts), so the TaskNotifier construct in a user's app needs no esbuild;
 * - dist/{package,infra,functions}: the entry points and what they import, compiled to ESM with
 *   their .d.ts (tsconfig.build.json).
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const FUNCTION_ENTRIES = ["api", "poller", "webhook", "step-functions", "archiver"] as const;

rmSync(join(ROOT, "dist"), { recursive: true, force: true });
for (const entry of FUNCTION_ENTRIES) {
  await build({
    ...esbuildOptions(
      join(ROOT, "functions", `${entry}.ts`),
      join(ROOT, "dist", "bundles", entry, "index.mjs"),
    ),
    logLevel: "warning",
  });
}
execFileSync(
  process.execPath,
  [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
  {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  },
);
console.error("built dist/: bundles of", FUNCTION_ENTRIES.join(", "), "and the compiled entry points");
