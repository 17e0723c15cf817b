import type { TaskEvent } from "./events.js";

const SMS_MAX = 139;
const SUBJECT_MAX = 99; // SNS: under 100 characters, one line

const VERB: Record<TaskEvent["type"], string> = {
  "task.ready": "is ready",
  "task.failed": "failed",
  "task.timed_out": "timed out",
  "task.not_found": "was not found at TwelveLabs",
  "task.status_changed": "changed status",
};

function label(event: TaskEvent): string {
  return event.task.metadata.filename ? `${event.task.metadata.filename} (${event.task.id})` : event.task.id;
}

/** Email subject: one printable line under 100 characters. */
export function emailSubject(event: TaskEvent): string {
  const text = `[${event.stage}] TwelveLabs ${event.task.kind} task ${label(event)} ${VERB[event.type]}`;
  // SNS subjects must be ASCII.
  return oneLine(text, SUBJECT_MAX).replace(/[^\x20-\x7e]/g, "?");
}

/** Email body: readable text with the facts a person acts on. */
export function emailText(event: TaskEvent): string {
  const t = event.task;
  const lines = [
    `TwelveLabs ${t.kind} task ${t.id} ${VERB[event.type]}.`,
    "",
    `Status:       ${t.status} (was ${t.previousStatus})`,
    `Registered:   ${t.registeredAt}`,
  ];
  if (t.finishedAt) lines.push(`Finished:     ${t.finishedAt}`);
  if (t.modelName) lines.push(`Model:        ${t.modelName}`);
  if (t.metadata.filename) lines.push(`File:         ${t.metadata.filename}`);
  if (t.metadata.durationSec !== undefined) lines.push(`Duration:     ${t.metadata.durationSec} s`);
  if (t.error) lines.push(`Error:        ${t.error}`);
  const tags = Object.entries(t.tags);
  if (tags.length > 0) lines.push(`Tags:         ${tags.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  lines.push(
    "",
    `Status: ${event.links.status}`,
    `Result: ${event.links.result}`,
    "",
    `Event ${event.id} (${event.stage})`,
  );
  return lines.join("\n");
}

/** SMS: one short line, under 140 characters. */
export function smsText(event: TaskEvent): string {
  const t = event.task;
  const what = t.metadata.filename ? `${t.metadata.filename} ` : "";
  return oneLine(`TwelveLabs ${what}task ${t.id} ${VERB[event.type]} [${event.stage}]`, SMS_MAX);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]+/g, " ").replace(/[^\x20-\x7e\u00a0-\uffff]/g, "");
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}
