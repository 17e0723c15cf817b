import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/**
 * A conditional DynamoDB write: `true` when it was made, `false` when its condition did not hold
 * (someone wrote first, the item is gone, the mark is already further along). Other errors throw.
 */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}
