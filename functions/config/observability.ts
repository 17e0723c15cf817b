import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { METRIC_NAMESPACE, SERVICE_NAME } from "./metric-names.js";

/** One Logger and one Metrics per function, created once (Powertools reads its env settings). */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });
