/** What the handlers log through (Powertools' Logger in Lambda; quiet or printed in tests and local mode). */
export interface FunctionLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Where a handler's metrics go: `Name` and `Unit` are one function's metric table (metric-names.ts). */
export interface MetricsSinkOf<Name extends string, Unit extends string> {
  add(name: Name, unit: Unit, value: number, dimensions?: Record<string, string>): void;
  /** Writes what was added (one EMF line in Lambda). */
  flush(): void;
}
