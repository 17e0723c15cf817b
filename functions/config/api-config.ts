import { DEFAULT_SHARDS } from "../core/deployment-defaults.js";
import { bool, type Env, intInRange, requireString, tagAttributes } from "./env-config.js";

export interface ApiConfig {
  tableName: string;
  topicArn: string;
  shards: number;
  defaultDeadlineSeconds: number;
  tagAttributes: string[];
  allowLoopbackHttp: boolean;
  /** API Gateway's id of the admin key: only requests made with it reach the subscription routes. */
  adminApiKeyId: string;
}

/** The api function's configuration from its environment. */
export function apiConfig(env: Env): ApiConfig {
  return {
    tableName: requireString(env, "TABLE_NAME"),
    topicArn: requireString(env, "TOPIC_ARN"),
    shards: intInRange(env, "SHARDS", DEFAULT_SHARDS, 1, 64),
    defaultDeadlineSeconds: intInRange(env, "DEFAULT_DEADLINE_SECONDS", 24 * 3600, 10, 30 * 24 * 3600),
    tagAttributes: tagAttributes(env),
    // Set only by local mode; the stack never sets it.
    allowLoopbackHttp: bool(env, "ALLOW_LOOPBACK_HTTP", false),
    adminApiKeyId: requireString(env, "ADMIN_API_KEY_ID"),
  };
}
