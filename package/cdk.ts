// `twelvelabs-task-notifier/cdk`: the notifier as a construct for your own stack.
export type { StageConfig } from "../infra/config.js";
export { notifierConfig, TaskNotifier, type TaskNotifierProps } from "../infra/task-notifier.js";
