import { DEFAULT_SHARDS } from "../core/deployment-defaults.js";
import {
  ConfigError,
  type Env,
  intInRange,
  optionalString,
  requireString,
  tagAttributes,
} from "./env-config.js";

export interface ArchiverConfig {
  stage: string;
  tableName: string;
  topicArn: string;
  shards: number;
  queueUrl: string;
  bucket: string;
  kmsKeyId?: string;
  tagAttributes: string[];
  /** The TwelveLabs key: a Secrets Manager name (AWS) or the key itself (local mode). */
  apiKeySecretName?: string;
  apiKey?: string;
  concurrency: number;
}

/** The archiver's configuration from its environment (and local mode's). */
export function archiverConfig(env: Env): ArchiverConfig {
  const c: ArchiverConfig = {
    stage: requireString(env, "STAGE"),
    tableName: requireString(env, "TABLE_NAME"),
    topicArn: requireString(env, "TOPIC_ARN"),
    shards: intInRange(env, "SHARDS", DEFAULT_SHARDS, 1, 64),
    queueUrl: requireString(env, "ARCHIVE_QUEUE_URL"),
    bucket: requireString(env, "RESULTS_BUCKET"),
    tagAttributes: tagAttributes(env),
    concurrency: intInRange(env, "ARCHIVE_CONCURRENCY", 2, 1, 10),
  };
  const kms = optionalString(env, "RESULTS_KMS_KEY_ID");
  if (kms) c.kmsKeyId = kms;
  const name = optionalString(env, "TWELVELABS_SECRET_NAME");
  const key = optionalString(env, "TWELVELABS_API_KEY");
  if (!name && !key)
    throw new ConfigError(
      "environment variable TWELVELABS_SECRET_NAME (or TWELVELABS_API_KEY for local mode) is required",
    );
  if (name) c.apiKeySecretName = name;
  if (key) c.apiKey = key;
  return c;
}
