// `twelvelabs-task-notifier/webhooks`: verifying what the notifier sends (signed webhooks, SNS HTTPS deliveries).
export {
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookVerificationError,
} from "../functions/core/webhook-signature.js";
export {
  type SnsEnvelope,
  SnsVerificationError,
  type SnsVerifyOptions,
  snsStringToSign,
  verifySnsEnvelope,
} from "./sns-envelope.js";
