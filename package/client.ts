// `twelvelabs-task-notifier/client`: the API client and waitFor.
export {
  NotifierApiError,
  NotifierClient,
  type NotifierClientOptions,
  TaskFailedError,
  type WaitOptions,
  WaitTimeoutError,
} from "./notifier-client.js";
export type {
  BatchItemResult,
  ListFilter,
  NotifierTask,
  RegisterTaskInput,
  TaskKind,
} from "./notifier-types.js";
export type { AwsCredentials } from "./sigv4.js";
