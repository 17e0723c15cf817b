import { type RemovalPolicy, SecretValue, Validations } from "aws-cdk-lib";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { UNSET_SECRET_VALUE } from "../../functions/adapters/secret-placeholder.js";

export interface ApiKeySecretProps {
  /** Import this existing secret (by name) instead of creating one. */
  existingSecretName?: string;
  removalPolicy: RemovalPolicy;
}

/**
 * The TwelveLabs API key in Secrets Manager. A new secret holds a placeholder until the user puts
 * the key in it (README: "Set the TwelveLabs key"); the poller treats the placeholder as an
 * authentication failure, which raises the alarm. Functions get the name, never the value.
 */
export class ApiKeySecret extends Construct {
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: ApiKeySecretProps) {
    super(scope, id);
    if (props.existingSecretName) {
      this.secret = Secret.fromSecretNameV2(this, "Imported", props.existingSecretName);
      return;
    }
    const secret = new Secret(this, "Secret", {
      description:
        "TwelveLabs API key for the task notifier. Set it with: aws secretsmanager put-secret-value --secret-id <this secret> --secret-string <your key>",
      // A fixed placeholder, not a credential: the real key is put in after deployment.
      secretStringValue: SecretValue.unsafePlainText(UNSET_SECRET_VALUE),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "A TwelveLabs API key is issued by TwelveLabs and cannot be rotated by a Lambda; rotate it in the TwelveLabs dashboard.",
    });
    this.secret = secret;
  }
}
