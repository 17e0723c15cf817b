/** Real TwelveLabs ids are 24 hex characters; accept any id of a safe charset and length (a DynamoDB key part, a URL segment). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
