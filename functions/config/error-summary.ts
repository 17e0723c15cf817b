/** A short, safe description of an error for logs: class and message, never request details. */
export function errorSummary(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message.slice(0, 500) };
  return { name: "NonError", message: String(err).slice(0, 200) };
}
