/**
 * How the functions are bundled, as plain data: NotifierFunction maps it onto NodejsFunction, and
 * bench/bundles.ts builds with exactly the same options to measure size and init time.
 */
export const BUNDLING = {
  format: "esm",
  minify: true,
  sourcemap: false,
  target: "node24",
  mainFields: ["module", "main"],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
  /** The AWS SDK is bundled, not taken from the runtime (bench/results: smaller init). */
  external: [] as string[],
} as const;

/** esbuild's options for one function entry with these settings (the package's build and the bundle benchmark). */
export function esbuildOptions(
  entryPoint: string,
  outfile: string,
  external: readonly string[] = BUNDLING.external,
) {
  return {
    entryPoints: [entryPoint],
    bundle: true,
    platform: "node" as const,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourcemap,
    target: BUNDLING.target,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    external: [...external],
    outfile,
  };
}
