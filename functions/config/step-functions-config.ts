import { type Env, intInRange, optionalString, requireString, secretSource } from "./env-config.js";

export interface StepFunctionsConfig {
  tableName: string;
  queueUrl: string;
  /** Where a message goes once a token's last call failed (the function moves it there itself). */
  deadLetterQueueUrl?: string;
  /** The key that seals tokens: a Secrets Manager name (AWS), or the key itself (local mode). */
  headerKeySecretName?: string;
  headerKey?: string;
  /** Records handled at once within one batch. */
  concurrency: number;
}

/** The Step Functions callback function's configuration from its environment (and local mode's). */
export function stepFunctionsConfig(env: Env): StepFunctionsConfig {
  const c: StepFunctionsConfig = {
    tableName: requireString(env, "TABLE_NAME"),
    queueUrl: requireString(env, "STEP_FUNCTIONS_QUEUE_URL"),
    concurrency: intInRange(env, "STEP_FUNCTIONS_CONCURRENCY", 10, 1, 100),
  };
  const dlq = optionalString(env, "STEP_FUNCTIONS_DLQ_URL");
  if (dlq) c.deadLetterQueueUrl = dlq;
  const key = secretSource(
    env,
    "CALLBACK_HEADER_KEY_SECRET_NAME",
    "CALLBACK_HEADER_KEY",
    true,
    ": task tokens are stored sealed",
  );
  if (key.name) c.headerKeySecretName = key.name;
  if (key.value) c.headerKey = key.value;
  return c;
}
