import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** `npm run bench:package`: what `npm pack` ships (prepack builds dist/ first), by part; in bench/results/package.md. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export function packageSize(): string {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const info = JSON.parse(out.slice(out.indexOf("["))) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
    files: Array<{ path: string; size: number }>;
  }>;
  const p = info[0];
  if (!p) throw new Error("npm pack gave no result");
  const parts = new Map<string, number>();
  for (const f of p.files) {
    const part = f.path.startsWith("dist/") ? f.path.split("/").slice(0, 2).join("/") : f.path;
    parts.set(part, (parts.get(part) ?? 0) + f.size);
  }
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  return [
    "## The npm package (`npm pack`)",
    "",
    `${p.filename}: ${kib(p.size)} packed, ${kib(p.unpackedSize)} unpacked, ${p.entryCount} files. Command: \`npm run bench:package\`.`,
    "",
    "| part | unpacked |",
    "|---|---|",
    ...[...parts].sort((a, b) => b[1] - a[1]).map(([part, size]) => `| ${part} | ${kib(size)} |`),
    "",
    "dist/bundles holds the five functions prebuilt (the AWS SDK, undici and Powertools inside them), so",
    "installing the package adds no runtime dependency: `aws-cdk-lib` and `constructs` are optional peers.",
  ].join("\n");
}

if (process.argv[1]?.endsWith("package-size.ts")) {
  const text = packageSize();
  console.log(text);
  writeFileSync(join(ROOT, "bench", "results", "package.md"), `${text}\n`);
}
